-- Requests, failed requests and latency per service from raw spans (entry spans: SERVER and CONSUMER), in ms;
-- slowest p95 first.
SELECT service_name, count() AS requests, countIf(status_code = 'ERROR') AS errors,
       avg(duration_ns) / 1e6 AS avg_ms,
       quantiles(0.95, 0.99)(duration_ns)[1] / 1e6 AS p95_ms,
       quantiles(0.95, 0.99)(duration_ns)[2] / 1e6 AS p99_ms,
       max(duration_ns) / 1e6 AS max_ms
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND span_kind IN ('SERVER', 'CONSUMER')
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name
ORDER BY p95_ms DESC, service_name
LIMIT 1000
