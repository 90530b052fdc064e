-- Managed caches (cache_metrics_1h): mean, max and min per cache and metric.
SELECT cache_id, cache_name, engine, host, metric_name, avgMerge(avg_value) AS mean, maxMerge(max_value) AS maximum,
       minMerge(min_value) AS minimum
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY cache_id, cache_name, engine, host, metric_name
ORDER BY cache_name, metric_name
LIMIT 2000
