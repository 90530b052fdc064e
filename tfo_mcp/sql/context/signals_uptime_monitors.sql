-- Uptime per monitor and region (rollup uptime_checks_*): checks, successes, response times (ms), lowest
-- certificate days left (-1: not HTTPS); least available first.
SELECT monitor_id, monitor_name, region,
       countMerge(total_checks) AS checks, countIfMerge(success_count) AS successes,
       avgMerge(avg_response_time) AS avg_ms,
       quantileMerge(0.95)(p95_response_time) AS p95_ms,
       maxMerge(max_response_time) AS max_ms,
       minMerge(min_ssl_days_remaining) AS ssl_days
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY monitor_id, monitor_name, region
ORDER BY if(checks = 0, 1, successes / checks), p95_ms DESC, monitor_name, region
LIMIT 500
