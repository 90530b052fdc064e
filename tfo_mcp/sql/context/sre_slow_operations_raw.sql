-- Slowest operations (service, span name) by p95 from raw spans, in ms.
SELECT service_name, span_name, count() AS spans,
       avg(duration_ns) / 1e6 AS avg_ms,
       quantile(0.95)(duration_ns) / 1e6 AS p95_ms,
       max(duration_ns) / 1e6 AS max_ms
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name, span_name
ORDER BY p95_ms DESC, service_name, span_name
LIMIT %(limit)s
