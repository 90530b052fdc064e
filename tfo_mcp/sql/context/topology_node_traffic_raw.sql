-- Per-node traffic and load over the window from the raw samples (short windows).
SELECT node_id, node_name,
       round(avg(cpu_usage), 2) AS avg_cpu, round(max(cpu_usage), 2) AS max_cpu,
       round(avg(memory_usage), 2) AS avg_memory, round(max(memory_usage), 2) AS max_memory,
       round(avg(disk_usage), 2) AS avg_disk, round(max(disk_usage), 2) AS max_disk,
       round(avg(network_in), 1) AS avg_network_in, round(avg(network_out), 1) AS avg_network_out,
       round(avg(active_connections), 1) AS avg_connections, round(avg(error_rate), 3) AS avg_error_rate,
       count() AS samples
FROM {table}
WHERE organization_id = %(org)s
  AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY node_id, node_name
ORDER BY avg_network_in + avg_network_out DESC, node_name
LIMIT %(limit)s
