-- The newest forecast per resource and horizon within the window, riskiest first. resource_type ('' = all).
SELECT resource_type, resource_identifier, horizon,
       argMax(failure_probability, timestamp) AS failure_probability,
       argMax(health_score, timestamp) AS health_score,
       argMax(health_status, timestamp) AS health_status,
       argMax(predicted_metric, timestamp) AS predicted_metric,
       argMax(current_value, timestamp) AS current_value,
       argMax(predicted_value, timestamp) AS predicted_value,
       argMax(model, timestamp) AS model,
       argMax(r_squared, timestamp) AS r_squared,
       argMax(reason, timestamp) AS reason,
       max(timestamp) AS predicted_at
FROM predictions
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(resource_type)s = '' OR resource_type = %(resource_type)s)
GROUP BY resource_type, resource_identifier, horizon
ORDER BY failure_probability DESC, resource_identifier, horizon
LIMIT %(limit)s
