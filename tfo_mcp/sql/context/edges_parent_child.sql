-- Calls seen as parent/child across services, from the window's raw spans: a SERVER / CONSUMER span whose parent
-- span belongs to another service. Figures are the callee's span (its duration and status). Parents are looked up
-- from %(lookback_seconds)s seconds before the window; spans are matched on a 64-bit hash of (trace id, span id).
-- Only 1 in %(sample)s traces is read (whole traces, by a hash of the trace id; 1 reads all), and the counts are
-- scaled up by it. Per edge, one row for the whole window (bucket_start 1970-01-01) and one per bucket of %(step)s
-- seconds; durations in ms.
SELECT parent.service_name AS caller, child.service_name AS callee,
       toStartOfInterval(child.timestamp, toIntervalSecond(%(step)s)) AS bucket_start,
       count() * %(sample)s AS requests, countIf(child.status_code = 'ERROR') * %(sample)s AS errors,
       avg(child.duration_ns) / 1e6 AS avg_ms,
       quantile(0.95)(child.duration_ns) / 1e6 AS p95_ms,
       max(child.duration_ns) / 1e6 AS max_ms
FROM
(
    SELECT timestamp, cityHash64(trace_id, parent_span_id) AS parent_key, service_name, status_code, duration_ns
    FROM traces
    WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
      AND span_kind IN ('SERVER', 'CONSUMER') AND parent_span_id != ''
      AND cityHash64(trace_id) %% %(sample)s = 0
) AS child
INNER JOIN
(
    SELECT cityHash64(trace_id, span_id) AS span_key, service_name
    FROM traces
    WHERE organization_id = %(org)s
      AND timestamp >= %(start)s - toIntervalSecond(%(lookback_seconds)s) AND timestamp < %(end)s
      AND cityHash64(trace_id) %% %(sample)s = 0
) AS parent ON child.parent_key = parent.span_key
WHERE parent.service_name != child.service_name
  AND (%(service)s = '' OR parent.service_name = %(service)s OR child.service_name = %(service)s)
GROUP BY GROUPING SETS ((caller, callee), (caller, callee, bucket_start))
ORDER BY caller, callee, bucket_start
LIMIT 5000
