-- Availability and response time per monitor over the window from the raw checks (short windows); worst first.
SELECT monitor_id, monitor_name,
       count() AS checks, countIf(status = 'success') AS successes,
       round(100 * countIf(status = 'success') / count(), 3) AS availability_pct,
       round(avg(response_time), 1) AS avg_response_ms,
       round(quantile(0.95)(response_time), 1) AS p95_response_ms,
       min(ssl_days_remaining) AS min_ssl_days
FROM {table}
WHERE organization_id = %(org)s
  AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY monitor_id, monitor_name
ORDER BY availability_pct, p95_response_ms DESC, monitor_name
LIMIT %(limit)s
