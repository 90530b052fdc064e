-- CPU, memory and filesystem use per Kubernetes node over the window from a kubernetes_metrics rollup.
SELECT cluster_id, node,
       round(sumIf(bucket_avg * bucket_count, metric_name = 'k8s.node.cpu.utilization')
             / greatest(sumIf(bucket_count, metric_name = 'k8s.node.cpu.utilization'), 1), 2) AS avg_cpu,
       round(maxIf(bucket_max, metric_name = 'k8s.node.cpu.utilization'), 2) AS max_cpu,
       round(sumIf(bucket_avg * bucket_count, metric_name = 'k8s.node.memory.utilization')
             / greatest(sumIf(bucket_count, metric_name = 'k8s.node.memory.utilization'), 1), 2) AS avg_memory,
       round(maxIf(bucket_max, metric_name = 'k8s.node.memory.utilization'), 2) AS max_memory,
       round(argMaxIf(bucket_avg, bucket, metric_name = 'k8s.node.filesystem.utilization'), 2) AS filesystem_used
FROM
(
    SELECT cluster_id, resource_name AS node, toString(metric_name) AS metric_name, {bucket} AS bucket,
           avgMerge(avg_value) AS bucket_avg, maxMerge(max_value) AS bucket_max, countMerge(count) AS bucket_count
    FROM {table}
    WHERE organization_id = %(org)s
      AND {bucket} >= %(bucket_from)s AND {bucket} < %(bucket_to)s
      AND resource_type = 'node'
      AND metric_name IN ('k8s.node.cpu.utilization', 'k8s.node.memory.utilization', 'k8s.node.filesystem.utilization')
    GROUP BY cluster_id, node, metric_name, bucket
)
GROUP BY cluster_id, node
ORDER BY greatest(max_cpu, max_memory, filesystem_used) DESC
LIMIT %(limit)s
