-- Request latency per service (rollup service_latency_percentiles_*: entry spans), slowest p95 first, in ms
-- (avg, p95, p99 and max as TFO reports them; every percentile is one more merge of the reservoir states).
SELECT service_name, countMerge(request_count) AS requests,
       avgMerge(avg_duration_ns) / 1e6 AS avg_ms,
       quantileMerge(0.95)(p95_duration_ns) / 1e6 AS p95_ms,
       quantileMerge(0.99)(p99_duration_ns) / 1e6 AS p99_ms,
       maxMerge(max_duration_ns) / 1e6 AS max_ms
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name
ORDER BY p95_ms DESC, service_name
LIMIT %(limit)s
