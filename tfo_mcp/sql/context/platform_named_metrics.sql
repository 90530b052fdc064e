-- Named metrics per service over the window from a rollup: per-bucket states merged first, then combined
-- (weighted average, max, min, the newest bucket's average as last_value).
SELECT instance, metric_name,
       round(sum(bucket_avg * bucket_count) / greatest(sum(bucket_count), 1), 3) AS avg_value,
       round(max(bucket_max), 3) AS max_value, round(min(bucket_min), 3) AS min_value,
       round(argMax(bucket_avg, bucket), 3) AS last_value, sum(bucket_count) AS samples
FROM
(
    SELECT service_name AS instance, toString(metric_name) AS metric_name, {bucket} AS bucket,
           avgMerge(avg_value) AS bucket_avg, maxMerge(max_value) AS bucket_max, minMerge(min_value) AS bucket_min,
           countMerge(count) AS bucket_count
    FROM {table}
    WHERE organization_id = %(org)s
      AND {bucket} >= %(bucket_from)s AND {bucket} < %(bucket_to)s
      AND metric_name IN %(names)s
    GROUP BY instance, metric_name, bucket
)
GROUP BY instance, metric_name
ORDER BY instance, metric_name
LIMIT 2000
