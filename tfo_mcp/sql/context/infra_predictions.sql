-- Latest prediction per resource, metric and horizon for metrics matching %(metric_regex)s (made since
-- %(recent_from)s), highest failure probability first.
SELECT resource_type, resource_identifier, predicted_metric, horizon,
       max(timestamp) AS predicted_at,
       argMax(failure_probability, timestamp) AS failure_probability,
       argMax(health_score, timestamp) AS health_score,
       argMax(health_status, timestamp) AS health_status,
       argMax(current_value, timestamp) AS current_value,
       argMax(predicted_value, timestamp) AS predicted_value,
       substringUTF8(argMax(reason, timestamp), 1, 200) AS reason
FROM predictions
WHERE organization_id = %(org)s AND timestamp >= %(recent_from)s AND timestamp < %(end)s
  AND match(predicted_metric, %(metric_regex)s)
GROUP BY resource_type, resource_identifier, predicted_metric, horizon
ORDER BY failure_probability DESC, resource_identifier
LIMIT 10
