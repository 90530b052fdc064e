-- CPU, memory and filesystem use per Kubernetes node over the window from the raw samples (short windows).
SELECT cluster_id, resource_name AS node,
       round(avgIf(value, metric_name = 'k8s.node.cpu.utilization'), 2) AS avg_cpu,
       round(maxIf(value, metric_name = 'k8s.node.cpu.utilization'), 2) AS max_cpu,
       round(avgIf(value, metric_name = 'k8s.node.memory.utilization'), 2) AS avg_memory,
       round(maxIf(value, metric_name = 'k8s.node.memory.utilization'), 2) AS max_memory,
       round(argMaxIf(value, timestamp, metric_name = 'k8s.node.filesystem.utilization'), 2) AS filesystem_used
FROM {table}
WHERE organization_id = %(org)s
  AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND resource_type = 'node'
  AND metric_name IN ('k8s.node.cpu.utilization', 'k8s.node.memory.utilization', 'k8s.node.filesystem.utilization')
GROUP BY cluster_id, resource_name
ORDER BY greatest(max_cpu, max_memory, filesystem_used) DESC
LIMIT %(limit)s
