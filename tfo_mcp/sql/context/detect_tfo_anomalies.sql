-- TFO's anomalies (anomaly_events) per service and metric, in the window (current = 1) and in its baseline (current =
-- 0: %(base_start)s to %(base_end)s; an event in both, where they overlap, counts in both) in one scan: the strongest
-- event's observed and expected values, critical when any event was, TFO's highest score, the first and last event;
-- strongest first, at most %(limit)s per window.
SELECT current, service_name, metric_name, any(signal_type) AS signal,
       if(countIf(severity = 'critical') > 0, 'critical', argMax(severity, anomaly_score)) AS level,
       argMax(observed_value, anomaly_score) AS observed, argMax(expected_value, anomaly_score) AS expected,
       argMax(z_score, anomaly_score) AS z, max(anomaly_score) AS score, count() AS events,
       min(timestamp) AS first_seen, max(timestamp) AS last_seen
FROM anomaly_events
ARRAY JOIN arrayFilter(w -> w >= 0, [if(timestamp >= %(start)s AND timestamp < %(end)s, 1, -1),
                                     if(timestamp >= %(base_start)s AND timestamp < %(base_end)s, 0, -1)]) AS current
WHERE organization_id = %(org)s
  AND ((timestamp >= %(start)s AND timestamp < %(end)s) OR (timestamp >= %(base_start)s AND timestamp < %(base_end)s))
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY current, service_name, metric_name
ORDER BY current DESC, level = 'critical' DESC, score DESC, service_name, metric_name
LIMIT %(limit)s BY current
