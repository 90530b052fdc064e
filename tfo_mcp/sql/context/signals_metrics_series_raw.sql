-- metrics context from the raw table (windows below the smallest rollup's step, and cross-checks).
SELECT service_name, metric_name, toString(metric_type) AS metric_type,
       avg(value) AS mean, min(value) AS minimum, max(value) AS maximum, count() AS samples
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND (%(metric)s = '' OR metric_name = %(metric)s)
GROUP BY service_name, metric_name, metric_type
ORDER BY (mean > 0 AND maximum > 3 * mean) DESC, if(mean > 0, maximum / mean, 0) DESC, samples DESC, service_name, metric_name
LIMIT %(limit)s
