-- Uptime per monitor and region from raw checks; least available first.
SELECT monitor_id, monitor_name, region,
       count() AS checks, countIf(status = 'success') AS successes,
       avg(response_time) AS avg_ms,
       quantile(0.95)(response_time) AS p95_ms,
       max(response_time) AS max_ms,
       min(ssl_days_remaining) AS ssl_days
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY monitor_id, monitor_name, region
ORDER BY if(checks = 0, 1, successes / checks), p95_ms DESC, monitor_name, region
LIMIT 500
