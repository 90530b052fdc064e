-- Anomalies per severity and signal type in the window.
SELECT severity, signal_type, count() AS events, uniqExact(service_name) AS services, max(anomaly_score) AS max_score
FROM anomaly_events
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY severity, signal_type
ORDER BY events DESC
LIMIT 100
