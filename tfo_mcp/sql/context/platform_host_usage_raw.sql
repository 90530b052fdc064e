-- CPU, memory and disk use per host (vm_id = agents.id) over the window from the raw samples (short windows).
-- disk_growth is the change of disk use across the window (percentage points).
SELECT toString(vm_id) AS vm_id,
       round(avgIf(value, metric_name = 'system.cpu.utilization'), 2) AS avg_cpu,
       round(maxIf(value, metric_name = 'system.cpu.utilization'), 2) AS max_cpu,
       round(avgIf(value, metric_name = 'system.memory.utilization'), 2) AS avg_memory,
       round(maxIf(value, metric_name = 'system.memory.utilization'), 2) AS max_memory,
       round(argMaxIf(value, timestamp, metric_name = 'system.disk.used_percent'), 2) AS disk_used,
       round(argMaxIf(value, timestamp, metric_name = 'system.disk.used_percent')
             - argMinIf(value, timestamp, metric_name = 'system.disk.used_percent'), 3) AS disk_growth
FROM {table}
WHERE organization_id = %(org)s
  AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND metric_name IN ('system.cpu.utilization', 'system.memory.utilization', 'system.disk.used_percent')
GROUP BY vm_id
ORDER BY greatest(max_cpu, max_memory, disk_used) DESC
LIMIT %(limit)s
