-- Network connections (network_map_connection_metrics_*): latency, packet loss and bytes per connection, worst
-- packet loss first. latency in ms, packet_loss a percentage.
SELECT connection_id, source_node_id, target_node_id,
       sum(sum_latency) / sum(sample_count) AS avg_latency_ms, max(max_latency) AS max_latency_ms,
       sum(sum_packet_loss) / sum(sample_count) AS avg_packet_loss, max(max_packet_loss) AS max_packet_loss,
       sum(total_bytes_sent) AS bytes_sent, sum(total_bytes_received) AS bytes_received
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY connection_id, source_node_id, target_node_id
HAVING sum(sample_count) > 0
ORDER BY avg_packet_loss DESC, avg_latency_ms DESC, connection_id
LIMIT %(limit)s
