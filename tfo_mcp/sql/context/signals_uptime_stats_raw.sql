-- Uptime per monitor and region from raw checks, with the failures (first, last, newest error); least available
-- first.
SELECT monitor_id, monitor_name, region,
       count() AS checks, countIf(status = 'success') AS successes,
       avg(response_time) AS avg_ms,
       quantile(0.95)(response_time) AS p95_ms,
       max(response_time) AS max_ms,
       min(ssl_days_remaining) AS ssl_days,
       countIf(status != 'success') AS failures,
       minIf(checked_at, status != 'success') AS first_failure,
       maxIf(checked_at, status != 'success') AS last_failure,
       argMaxIf(error_message, checked_at, status != 'success') AS last_error,
       argMaxIf(status_code, checked_at, status != 'success') AS last_status_code
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY monitor_id, monitor_name, region
ORDER BY if(checks = 0, 1, successes / checks), p95_ms DESC, monitor_name, region
LIMIT 500
