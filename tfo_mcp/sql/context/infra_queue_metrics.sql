-- Message queues (queue_metrics_1h): mean, max and min per broker, queue and metric.
SELECT broker_id, broker_name, engine, queue_name, metric_name, avgMerge(avg_value) AS mean,
       maxMerge(max_value) AS maximum, minMerge(min_value) AS minimum
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY broker_id, broker_name, engine, queue_name, metric_name
ORDER BY broker_name, queue_name, metric_name
LIMIT 2000
