-- Network connections from raw network_map_connection_metrics samples, worst packet loss first.
SELECT connection_id, source_node_id, target_node_id,
       avg(latency) AS avg_latency_ms, max(latency) AS max_latency_ms,
       avg(packet_loss) AS avg_packet_loss, max(packet_loss) AS max_packet_loss,
       sum(bytes_sent) AS bytes_sent, sum(bytes_received) AS bytes_received
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY connection_id, source_node_id, target_node_id
ORDER BY avg_packet_loss DESC, avg_latency_ms DESC, connection_id
LIMIT %(limit)s
