-- Requests, failed requests and latency per service (summary service_request_stats_*: entry spans; percentiles from
-- the merged DDSketch, 2 % relative accuracy), in ms; slowest p95 first.
SELECT service_name, sum(request_count) AS requests, sum(error_count) AS errors,
       sum(duration_sum_ns) / requests / 1e6 AS avg_ms,
       quantilesDDMerge(0.02, 0.5, 0.95, 0.99)(duration_sketch)[2] / 1e6 AS p95_ms,
       quantilesDDMerge(0.02, 0.5, 0.95, 0.99)(duration_sketch)[3] / 1e6 AS p99_ms,
       max(duration_max_ns) / 1e6 AS max_ms
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name
ORDER BY p95_ms DESC, service_name
LIMIT 1000
