-- Per-node traffic and load over the window from a rollup (exact averages: sums / sample counts).
SELECT node_id, node_name,
       round(sum(sum_cpu_usage) / greatest(sum(sample_count), 1), 2) AS avg_cpu, round(max(max_cpu_usage), 2) AS max_cpu,
       round(sum(sum_memory_usage) / greatest(sum(sample_count), 1), 2) AS avg_memory,
       round(max(max_memory_usage), 2) AS max_memory,
       round(sum(sum_disk_usage) / greatest(sum(sample_count), 1), 2) AS avg_disk, round(max(max_disk_usage), 2) AS max_disk,
       round(sum(sum_network_in) / greatest(sum(sample_count), 1), 1) AS avg_network_in,
       round(sum(sum_network_out) / greatest(sum(sample_count), 1), 1) AS avg_network_out,
       round(sum(sum_active_connections) / greatest(sum(sample_count), 1), 1) AS avg_connections,
       round(sum(sum_error_rate) / greatest(sum(sample_count), 1), 3) AS avg_error_rate,
       sum(sample_count) AS samples
FROM {table}
WHERE organization_id = %(org)s
  AND {bucket} >= %(bucket_from)s AND {bucket} < %(bucket_to)s
GROUP BY node_id, node_name
ORDER BY avg_network_in + avg_network_out DESC, node_name
LIMIT %(limit)s
