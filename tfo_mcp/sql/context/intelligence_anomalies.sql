-- Detected anomalies in the window, highest score first (critical before warning at equal score).
SELECT timestamp, anomaly_id, service_name, metric_name, signal_type, severity, anomaly_score, z_score, sigma_level,
       observed_value, expected_value, description
FROM anomaly_events
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(service)s = '' OR service_name = %(service)s)
ORDER BY anomaly_score DESC, severity = 'critical' DESC, timestamp DESC
LIMIT %(limit)s
