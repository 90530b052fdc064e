-- Uptime per monitor and region (summary uptime_monitor_stats_*): checks, successes, response times (ms; p95 from
-- the merged DDSketch), lowest certificate days left (-1: not HTTPS) and the failures: how many, first and last,
-- the newest error and status code. Least available first.
SELECT monitor_id, monitor_name, region,
       sum(check_count) AS checks, sum(success_count) AS successes,
       sum(response_time_sum) / checks AS avg_ms,
       quantilesDDMerge(0.02, 0.5, 0.95, 0.99)(response_time_sketch)[2] AS p95_ms,
       max(response_time_max) AS max_ms,
       min(ssl_days_min) AS ssl_days,
       sum(failure_count) AS failures,
       min(first_failure) AS first_failure,
       max(last_failure) AS last_failure,
       argMaxMerge(last_error) AS last_error,
       argMaxMerge(last_status_code) AS last_status_code
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY monitor_id, monitor_name, region
ORDER BY if(checks = 0, 1, successes / checks), p95_ms DESC, monitor_name, region
LIMIT 500
