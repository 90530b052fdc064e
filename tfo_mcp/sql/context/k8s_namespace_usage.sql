-- Pod resource usage summed per cluster, namespace and metric (kubernetes_metrics_*): the sum over pods of each
-- pod's mean, and the number of pods.
SELECT cluster_id, namespace, metric_name, sum(pod_mean) AS total, count() AS pods
FROM
(
    SELECT cluster_id, namespace, resource_name, metric_name, avgMerge(avg_value) AS pod_mean
    FROM {table}
    WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
      AND resource_type = 'pod' AND metric_name IN ('k8s.pod.cpu.usage', 'k8s.pod.memory.working_set')
    GROUP BY cluster_id, namespace, resource_name, metric_name
)
GROUP BY cluster_id, namespace, metric_name
ORDER BY cluster_id, namespace, metric_name
LIMIT 2000
