-- Calls per caller -> callee edge from the service_edges_* summary (the caller's CLIENT / PRODUCER spans that name
-- their peer), for the window (current = 1: buckets %(bucket_from)s to %(bucket_to)s) and its baseline (current =
-- 0: %(base_from)s to %(base_to)s, an empty range for none; the two windows must not overlap) in one scan; a
-- bucket both take (the baseline's last one and the window's first, when the windows are not aligned to it) counts
-- in both. Per window and edge, one row for the whole window (bucket_start 1970-01-01) and one per bucket of
-- %(step)s seconds, at most 2500 rows per window; durations in ms, p95 from the merged DDSketch (2 %% relative
-- accuracy). With %(service)s, the edges it calls or is called by (a callee written as an address,
-- `payments.shop.svc:8080`, is the service its first label names).
SELECT current, caller, callee,
       toStartOfInterval(toDateTime({bucket}, 'UTC'), toIntervalSecond(%(step)s)) AS bucket_start,
       sum(request_count) AS requests, sum(error_count) AS errors,
       sum(duration_sum_ns) / requests / 1e6 AS avg_ms,
       quantilesDDMerge(0.02, 0.5, 0.95, 0.99)(duration_sketch)[2] / 1e6 AS p95_ms,
       max(duration_max_ns) / 1e6 AS max_ms
FROM {table}
ARRAY JOIN arrayFilter(w -> w >= 0, [if({time} >= %(bucket_from)s AND {time} < %(bucket_to)s, 1, -1),
                                     if({time} >= %(base_from)s AND {time} < %(base_to)s, 0, -1)]) AS current
WHERE organization_id = %(org)s
  AND (({time} >= %(bucket_from)s AND {time} < %(bucket_to)s) OR ({time} >= %(base_from)s AND {time} < %(base_to)s))
  AND (%(service)s = '' OR caller = %(service)s OR callee = %(service)s
       OR startsWith(callee, concat(%(service)s, '.')) OR startsWith(callee, concat(%(service)s, ':')))
GROUP BY GROUPING SETS ((current, caller, callee), (current, caller, callee, bucket_start))
ORDER BY current, caller, callee, bucket_start
LIMIT 2500 BY current
