-- Per-connection latency, loss and volume over the window from a rollup; lossiest first.
SELECT connection_id, any(source_node_id) AS source_node_id, any(target_node_id) AS target_node_id,
       round(sum(sum_bandwidth) / greatest(sum(sample_count), 1), 2) AS avg_bandwidth_mbps,
       round(sum(sum_latency) / greatest(sum(sample_count), 1), 3) AS avg_latency_ms,
       round(max(max_latency), 3) AS max_latency_ms,
       round(sum(sum_packet_loss) / greatest(sum(sample_count), 1), 3) AS avg_packet_loss,
       round(max(max_packet_loss), 3) AS max_packet_loss,
       sum(total_bytes_sent) AS bytes_sent, sum(total_bytes_received) AS bytes_received,
       sum(sample_count) AS samples
FROM {table}
WHERE organization_id = %(org)s
  AND {bucket} >= %(bucket_from)s AND {bucket} < %(bucket_to)s
GROUP BY connection_id
ORDER BY avg_packet_loss DESC, avg_latency_ms DESC, connection_id
LIMIT %(limit)s
