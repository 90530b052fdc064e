-- Named metrics per service over the window from the raw samples (short windows). Engine metrics exported
-- into the metrics table (db.postgresql.*, db.mongodb.*, ...) carry the instance name as service_name.
SELECT service_name AS instance, toString(metric_name) AS metric_name,
       round(avg(value), 3) AS avg_value, round(max(value), 3) AS max_value, round(min(value), 3) AS min_value,
       round(argMax(value, timestamp), 3) AS last_value, count() AS samples
FROM {table}
WHERE organization_id = %(org)s
  AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND metric_name IN %(names)s
GROUP BY service_name, metric_name
ORDER BY instance, metric_name
LIMIT 2000
