-- Network connections (network_map_connection_metrics_*): latency (ms), packet loss (percent) and bytes per
-- connection, worst packet loss first.
SELECT connection_id, source_node_id, target_node_id,
       sum(sum_latency) / sum(sample_count) AS latency_ms, max(max_latency) AS peak_latency_ms,
       sum(sum_packet_loss) / sum(sample_count) AS packet_loss_percent, max(max_packet_loss) AS peak_packet_loss_percent,
       sum(total_bytes_sent) AS sent_bytes, sum(total_bytes_received) AS received_bytes
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY connection_id, source_node_id, target_node_id
HAVING sum(sample_count) > 0
ORDER BY packet_loss_percent DESC, latency_ms DESC, connection_id
LIMIT %(limit)s
