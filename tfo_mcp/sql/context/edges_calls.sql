-- Calls per caller -> callee edge from the service_edges_* summary (the caller's CLIENT / PRODUCER spans that name
-- their peer): per edge, one row for the whole window (bucket_start 1970-01-01) and one per bucket of
-- %(step)s seconds; durations in ms, p95 from the merged DDSketch (2 %% relative accuracy).
SELECT caller, callee, toStartOfInterval(toDateTime({bucket}, 'UTC'), toIntervalSecond(%(step)s)) AS bucket_start,
       sum(request_count) AS requests, sum(error_count) AS errors,
       sum(duration_sum_ns) / requests / 1e6 AS avg_ms,
       quantilesDDMerge(0.02, 0.5, 0.95, 0.99)(duration_sketch)[2] / 1e6 AS p95_ms,
       max(duration_max_ns) / 1e6 AS max_ms
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND (%(service)s = '' OR caller = %(service)s OR callee = %(service)s)
GROUP BY GROUPING SETS ((caller, callee), (caller, callee, bucket_start))
ORDER BY caller, callee, bucket_start
LIMIT 5000
