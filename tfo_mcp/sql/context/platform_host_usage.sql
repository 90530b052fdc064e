-- CPU, memory and disk use per host (vm_id = agents.id) over the window from a vm_metrics rollup.
SELECT vm_id,
       round(sumIf(bucket_avg * bucket_count, metric_name = 'system.cpu.utilization')
             / greatest(sumIf(bucket_count, metric_name = 'system.cpu.utilization'), 1), 2) AS avg_cpu,
       round(maxIf(bucket_max, metric_name = 'system.cpu.utilization'), 2) AS max_cpu,
       round(sumIf(bucket_avg * bucket_count, metric_name = 'system.memory.utilization')
             / greatest(sumIf(bucket_count, metric_name = 'system.memory.utilization'), 1), 2) AS avg_memory,
       round(maxIf(bucket_max, metric_name = 'system.memory.utilization'), 2) AS max_memory,
       round(argMaxIf(bucket_avg, bucket, metric_name = 'system.disk.used_percent'), 2) AS disk_used,
       round(argMaxIf(bucket_avg, bucket, metric_name = 'system.disk.used_percent')
             - argMinIf(bucket_avg, bucket, metric_name = 'system.disk.used_percent'), 3) AS disk_growth
FROM
(
    SELECT toString(vm_id) AS vm_id, toString(metric_name) AS metric_name, {bucket} AS bucket,
           avgMerge(avg_value) AS bucket_avg, maxMerge(max_value) AS bucket_max, countMerge(count) AS bucket_count
    FROM {table}
    WHERE organization_id = %(org)s
      AND {bucket} >= %(bucket_from)s AND {bucket} < %(bucket_to)s
      AND metric_name IN ('system.cpu.utilization', 'system.memory.utilization', 'system.disk.used_percent')
    GROUP BY vm_id, metric_name, bucket
)
GROUP BY vm_id
ORDER BY greatest(max_cpu, max_memory, disk_used) DESC
LIMIT %(limit)s
