-- metrics context (rollup metrics_5m / _15m / _1h / _1d): one row per series over the window, spiking series first
-- (max > 3 x mean). %(metric)s = '' means every metric (context_id filters one metric name).
SELECT service_name, metric_name, toString(metric_type) AS metric_type,
       avgMerge(avg_value) AS mean, minMerge(min_value) AS minimum, maxMerge(max_value) AS maximum,
       countMerge(count) AS samples
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND (%(metric)s = '' OR metric_name = %(metric)s)
GROUP BY service_name, metric_name, metric_type
ORDER BY (mean > 0 AND maximum > 3 * mean) DESC, if(mean > 0, maximum / mean, 0) DESC, samples DESC, service_name, metric_name
LIMIT %(limit)s
