-- Request latency per service over the window from a service_latency_percentiles rollup.
SELECT service_name, countMerge(request_count) AS requests,
       round(avgMerge(avg_duration_ns) / 1e6, 3) AS avg_ms,
       round(quantileMerge(0.5)(p50_duration_ns) / 1e6, 3) AS p50_ms,
       round(quantileMerge(0.95)(p95_duration_ns) / 1e6, 3) AS p95_ms,
       round(quantileMerge(0.99)(p99_duration_ns) / 1e6, 3) AS p99_ms,
       round(maxMerge(max_duration_ns) / 1e6, 3) AS max_ms
FROM {table}
WHERE organization_id = %(org)s
  AND {bucket} >= %(bucket_from)s AND {bucket} < %(bucket_to)s
GROUP BY service_name
ORDER BY p95_ms DESC, service_name
LIMIT %(limit)s
