-- Anomalies in the window grouped by service, signal and metric: how often, how strong, when first and last.
SELECT service_name, signal_type, metric_name,
       count() AS occurrences, countIf(severity = 'critical') AS critical,
       round(avg(anomaly_score), 3) AS avg_score, round(max(anomaly_score), 3) AS max_score,
       round(max(abs(z_score)), 2) AS max_abs_z,
       min(timestamp) AS first_seen, max(timestamp) AS last_seen
FROM anomaly_events
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
GROUP BY service_name, signal_type, metric_name
ORDER BY critical DESC, occurrences DESC, max_score DESC
LIMIT %(limit)s
