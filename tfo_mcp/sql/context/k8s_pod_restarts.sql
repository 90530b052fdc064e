-- Container restarts per pod in the window, from the cumulative restart counters of kubernetes_metrics_*
-- (%(metric_names)s): the counter's increase, never a sum of its samples. The rollup keeps the counter's min
-- and max per bucket; the increase is the rise inside each bucket (max - min) plus the step from a bucket's max
-- to the next bucket's min, where a drop means the counter was reset (the pod was recreated under the same name)
-- and the next bucket's min is the increase since. A reset inside one bucket does not show in min/max.
-- A pod reporting several counters (pod and container level) takes the largest increase, not their sum.
SELECT cluster_id, namespace, resource_name AS pod, max(increase) AS restarts, max(last_value) AS restart_count,
       min(first_rise) AS first_rise
FROM
(
    SELECT cluster_id, namespace, resource_name, metric_name,
           arraySort(x -> x.1, groupArray((bucket, lo, hi))) AS points,
           arrayMap(i -> (points[i].3 - points[i].2)
                         + if(i = 1, 0, if(points[i].2 >= points[i - 1].3, points[i].2 - points[i - 1].3, points[i].2)),
                    arrayEnumerate(points)) AS steps,
           arraySum(steps) AS increase,
           points[length(points)].3 AS last_value,
           if(arrayExists(s -> s > 0, steps), toNullable(points[arrayFirstIndex(s -> s > 0, steps)].1), NULL)
               AS first_rise
    FROM
    (
        SELECT cluster_id, namespace, resource_name, metric_name, {bucket} AS bucket, minMerge(min_value) AS lo,
               maxMerge(max_value) AS hi
        FROM {table}
        WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
          AND resource_type = 'pod' AND metric_name IN %(metric_names)s
          AND (%(namespace)s = '' OR namespace = %(namespace)s)
        GROUP BY cluster_id, namespace, resource_name, metric_name, bucket
    )
    GROUP BY cluster_id, namespace, resource_name, metric_name
)
GROUP BY cluster_id, namespace, resource_name
HAVING restarts > 0
ORDER BY restarts DESC, namespace, pod
LIMIT 1000
