-- How the services see their databases: db.client.* metrics per service (metrics_*), highest max first.
SELECT service_name, metric_name, avgMerge(avg_value) AS mean, maxMerge(max_value) AS maximum,
       countMerge(count) AS samples
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND metric_name IN ('db.client.connections.usage', 'db.client.operation.duration')
GROUP BY service_name, metric_name
ORDER BY metric_name, maximum DESC, service_name
LIMIT 200
