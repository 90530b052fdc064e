-- Managed caches from raw cache_metrics: mean, max and min per cache and metric.
SELECT cache_id, cache_name, engine, host, metric_name, avg(value) AS mean, max(value) AS maximum, min(value) AS minimum
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY cache_id, cache_name, engine, host, metric_name
ORDER BY cache_name, metric_name
LIMIT 2000
