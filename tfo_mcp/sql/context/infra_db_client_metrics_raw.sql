-- How the services see their databases: db.client.* metrics per service from raw samples.
SELECT service_name, metric_name, avg(value) AS mean, max(value) AS maximum, count() AS samples
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND metric_name IN ('db.client.connections.usage', 'db.client.operation.duration')
GROUP BY service_name, metric_name
ORDER BY metric_name, maximum DESC, service_name
LIMIT 200
