-- Calls per caller -> callee edge from raw spans: the caller's CLIENT / PRODUCER spans that name their peer
-- (`peer.service`, else `server.address`, else `net.peer.name`), for the window (current = 1) and its baseline
-- (current = 0: %(base_from)s to %(base_to)s, an empty range for none; the two must not overlap) in one scan. Per
-- window and edge, one row for the whole window (bucket_start 1970-01-01) and one per bucket of %(step)s seconds, at
-- most 2500 rows per window; durations in ms. With %(service)s, the edges it calls or is called by (a callee written
-- as an address, `payments.shop.svc:8080`, is the service its first label names).
SELECT timestamp >= %(bucket_from)s AND timestamp < %(bucket_to)s AS current, caller, callee,
       toStartOfInterval(timestamp, toIntervalSecond(%(step)s)) AS bucket_start,
       count() AS requests, countIf(status_code = 'ERROR') AS errors,
       avg(duration_ns) / 1e6 AS avg_ms,
       quantile(0.95)(duration_ns) / 1e6 AS p95_ms,
       max(duration_ns) / 1e6 AS max_ms
FROM
(
    SELECT timestamp, service_name AS caller,
           multiIf(span_attributes['peer.service'] != '', span_attributes['peer.service'],
                   span_attributes['server.address'] != '', span_attributes['server.address'],
                   span_attributes['net.peer.name']) AS callee,
           status_code, duration_ns
    FROM {table}
    WHERE organization_id = %(org)s
      AND (({time} >= %(bucket_from)s AND {time} < %(bucket_to)s) OR ({time} >= %(base_from)s AND {time} < %(base_to)s))
      AND span_kind IN ('CLIENT', 'PRODUCER')
)
WHERE callee != '' AND callee != caller
  AND (%(service)s = '' OR caller = %(service)s OR callee = %(service)s
       OR startsWith(callee, concat(%(service)s, '.')) OR startsWith(callee, concat(%(service)s, ':')))
GROUP BY GROUPING SETS ((current, caller, callee), (current, caller, callee, bucket_start))
ORDER BY current, caller, callee, bucket_start
LIMIT 2500 BY current
