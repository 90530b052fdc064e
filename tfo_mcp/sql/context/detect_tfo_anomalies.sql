-- TFO's anomalies (anomaly_events) in the window per service and metric: the strongest event's observed and expected
-- values, critical when any event was, TFO's highest score, the first and last event; strongest first.
SELECT service_name, metric_name, any(signal_type) AS signal,
       if(countIf(severity = 'critical') > 0, 'critical', argMax(severity, anomaly_score)) AS level,
       argMax(observed_value, anomaly_score) AS observed, argMax(expected_value, anomaly_score) AS expected,
       argMax(z_score, anomaly_score) AS z, max(anomaly_score) AS score, count() AS events,
       min(timestamp) AS first_seen, max(timestamp) AS last_seen
FROM anomaly_events
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name, metric_name
ORDER BY level = 'critical' DESC, score DESC, service_name, metric_name
LIMIT %(limit)s
