-- Per-connection latency, loss and volume over the window from the raw samples (short windows); lossiest first.
SELECT connection_id, any(source_node_id) AS source_node_id, any(target_node_id) AS target_node_id,
       round(avg(bandwidth), 2) AS avg_bandwidth_mbps,
       round(avg(latency), 3) AS avg_latency_ms, round(max(latency), 3) AS max_latency_ms,
       round(avg(packet_loss), 3) AS avg_packet_loss, round(max(packet_loss), 3) AS max_packet_loss,
       sum(bytes_sent) AS bytes_sent, sum(bytes_received) AS bytes_received,
       count() AS samples
FROM {table}
WHERE organization_id = %(org)s
  AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY connection_id
ORDER BY avg_packet_loss DESC, avg_latency_ms DESC, connection_id
LIMIT %(limit)s
