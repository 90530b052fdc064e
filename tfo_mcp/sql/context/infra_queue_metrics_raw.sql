-- Message queues from raw queue_metrics: mean, max and min per broker, queue and metric.
SELECT broker_id, broker_name, engine, queue_name, metric_name, avg(value) AS mean, max(value) AS maximum,
       min(value) AS minimum
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY broker_id, broker_name, engine, queue_name, metric_name
ORDER BY broker_name, queue_name, metric_name
LIMIT 2000
