-- Request latency per service (entry spans: SERVER, CONSUMER) over the window from the raw spans (short windows).
SELECT service_name, count() AS requests,
       round(avg(duration_ns) / 1e6, 3) AS avg_ms,
       round(quantile(0.5)(duration_ns) / 1e6, 3) AS p50_ms,
       round(quantile(0.95)(duration_ns) / 1e6, 3) AS p95_ms,
       round(quantile(0.99)(duration_ns) / 1e6, 3) AS p99_ms,
       round(max(duration_ns) / 1e6, 3) AS max_ms
FROM {table}
WHERE organization_id = %(org)s
  AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND span_kind IN ('SERVER', 'CONSUMER')
GROUP BY service_name
ORDER BY p95_ms DESC, service_name
LIMIT %(limit)s
