-- Network connections from raw network_map_connection_metrics samples, worst packet loss first.
SELECT connection_id, source_node_id, target_node_id,
       avg(latency) AS latency_ms, max(latency) AS peak_latency_ms,
       avg(packet_loss) AS packet_loss_percent, max(packet_loss) AS peak_packet_loss_percent,
       sum(bytes_sent) AS sent_bytes, sum(bytes_received) AS received_bytes
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY connection_id, source_node_id, target_node_id
ORDER BY packet_loss_percent DESC, latency_ms DESC, connection_id
LIMIT %(limit)s
