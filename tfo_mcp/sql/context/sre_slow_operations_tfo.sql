-- Slowest operations (service, span name) by p95 from TFO's traces rollup (traces_5m / _15m / _1h / _1d), in ms: where
-- the server lacks the operation summary (platform migration 015).
SELECT service_name, span_name, countMerge(count) AS spans,
       avgMerge(avg_duration_ns) / 1e6 AS avg_ms,
       quantileMerge(0.95)(p95_duration_ns) / 1e6 AS p95_ms,
       maxMerge(max_duration_ns) / 1e6 AS max_ms
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name, span_name
ORDER BY p95_ms DESC, service_name, span_name
LIMIT %(limit)s
