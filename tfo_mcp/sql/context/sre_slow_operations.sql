-- Slowest operations (service, span name) by p95 from the operation summary (service_operation_stats_*), in ms.
SELECT service_name, span_name, sum(span_count) AS spans,
       sum(duration_sum_ns) / spans / 1e6 AS avg_ms,
       quantileDDMerge(0.02, 0.95)(duration_sketch) / 1e6 AS p95_ms,
       max(duration_max_ns) / 1e6 AS max_ms
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name, span_name
ORDER BY p95_ms DESC, service_name, span_name
LIMIT %(limit)s
