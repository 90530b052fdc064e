-- Calls seen as parent/child across services, from raw spans: a SERVER / CONSUMER span whose parent span belongs to
-- another service, for the window (current = 1: %(start)s to %(end)s) and its baseline (current = 0: %(base_start)s
-- to %(base_end)s, an empty range for none; the two must not overlap) in one scan. Figures are the callee's span
-- (its duration and status). Parents are looked up from %(lookback_seconds)s seconds before each window. Spans are
-- matched on a 64-bit hash of the span id alone: span ids are random 64-bit ids, so they do not repeat across
-- traces in practice, and the trace id is the widest column (reading it on both sides took most of the query's
-- time). Only 1 in %(sample)s parent spans is read, with their children (by that hash; 1 reads all), and the counts
-- are scaled up by it. Per window and edge, one row for the whole window (bucket_start 1970-01-01) and one per
-- bucket of %(step)s seconds, at most 2500 rows per window; durations in ms.
SELECT child.current AS current, parent.service_name AS caller, child.service_name AS callee,
       toStartOfInterval(child.timestamp, toIntervalSecond(%(step)s)) AS bucket_start,
       count() * %(sample)s AS requests, countIf(child.status_code = 'ERROR') * %(sample)s AS errors,
       avg(child.duration_ns) / 1e6 AS avg_ms,
       quantile(0.95)(child.duration_ns) / 1e6 AS p95_ms,
       max(child.duration_ns) / 1e6 AS max_ms
FROM
(
    SELECT timestamp >= %(start)s AND timestamp < %(end)s AS current, timestamp,
           cityHash64(parent_span_id) AS parent_key, service_name, status_code, duration_ns
    FROM traces
    WHERE organization_id = %(org)s
      AND ((timestamp >= %(start)s AND timestamp < %(end)s)
           OR (timestamp >= %(base_start)s AND timestamp < %(base_end)s))
      AND span_kind IN ('SERVER', 'CONSUMER') AND parent_span_id != ''
      AND parent_key %% %(sample)s = 0
) AS child
INNER JOIN
(
    SELECT cityHash64(span_id) AS span_key, service_name
    FROM traces
    WHERE organization_id = %(org)s
      AND ((timestamp >= %(start)s - toIntervalSecond(%(lookback_seconds)s) AND timestamp < %(end)s)
           OR (timestamp >= %(base_start)s - toIntervalSecond(%(lookback_seconds)s) AND timestamp < %(base_end)s))
      AND span_key %% %(sample)s = 0
) AS parent ON child.parent_key = parent.span_key
WHERE parent.service_name != child.service_name
  AND (%(service)s = '' OR parent.service_name = %(service)s OR child.service_name = %(service)s)
GROUP BY GROUPING SETS ((current, caller, callee), (current, caller, callee, bucket_start))
ORDER BY current, caller, callee, bucket_start
LIMIT 2500 BY current
