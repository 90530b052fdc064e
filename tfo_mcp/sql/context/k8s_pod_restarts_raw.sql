-- Container restarts per pod in the window from raw samples of the cumulative restart counters
-- (%(metric_names)s): the sum of the rises from one sample to the next, where a drop means the counter was reset
-- (the pod was recreated under the same name) and the new value is the increase since. A pod reporting several
-- counters (pod and container level) takes the largest increase, not their sum.
SELECT cluster_id, namespace, resource_name AS pod, max(increase) AS restarts, max(last_value) AS restart_count,
       min(first_rise) AS first_rise
FROM
(
    SELECT cluster_id, namespace, resource_name, metric_name,
           arraySort(x -> x.1, groupArray((timestamp, value))) AS points,
           arrayMap(i -> if(i = 1, 0, if(points[i].2 >= points[i - 1].2, points[i].2 - points[i - 1].2, points[i].2)),
                    arrayEnumerate(points)) AS steps,
           arraySum(steps) AS increase,
           points[length(points)].2 AS last_value,
           if(arrayExists(s -> s > 0, steps), toNullable(points[arrayFirstIndex(s -> s > 0, steps)].1), NULL)
               AS first_rise
    FROM {table}
    WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
      AND resource_type = 'pod' AND metric_name IN %(metric_names)s
      AND (%(namespace)s = '' OR namespace = %(namespace)s)
    GROUP BY cluster_id, namespace, resource_name, metric_name
)
GROUP BY cluster_id, namespace, resource_name
HAVING restarts > 0
ORDER BY restarts DESC, namespace, pod
LIMIT 1000
