-- Availability and response time per monitor over the window from an uptime rollup; worst first.
SELECT monitor_id, monitor_name,
       countMerge(total_checks) AS checks, countIfMerge(success_count) AS successes,
       round(100 * successes / greatest(checks, 1), 3) AS availability_pct,
       round(avgMerge(avg_response_time), 1) AS avg_response_ms,
       round(quantileMerge(0.95)(p95_response_time), 1) AS p95_response_ms,
       minMerge(min_ssl_days_remaining) AS min_ssl_days
FROM {table}
WHERE organization_id = %(org)s
  AND {bucket} >= %(bucket_from)s AND {bucket} < %(bucket_to)s
GROUP BY monitor_id, monitor_name
ORDER BY availability_pct, p95_response_ms DESC, monitor_name
LIMIT %(limit)s
