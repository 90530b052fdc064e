-- Kubernetes events grouped by object and reason, each event counted once: warnings first, most frequent first,
-- with the last message. %(kind)s ('' = any) and %(reasons)s (unless %(any_reason)s) narrow the events.
-- The exporter writes an event again whenever Kubernetes updates it: the same event (object, type, reason and
-- first_timestamp) with a growing, cumulative count and a later last_timestamp. So an event's occurrences in the
-- window are its highest count written in the window minus the highest count written before it (rows from
-- %(lookback_from)s on; a count below the earlier one means the event was recreated and counts from its new
-- value). An event that began before the window and has no earlier row is prorated by the share of its
-- first..last span inside the window.
SELECT cluster_id, namespace, involved_kind, involved_name, type, reason, toUInt64(sum(in_window)) AS occurrences,
       count() AS events, toString(min(seen_from)) AS first_seen, toString(max(seen_to)) AS last_seen,
       substringUTF8(argMax(message, seen_to), 1, 200) AS last_message
FROM
(
    SELECT cluster_id, namespace, involved_kind, involved_name, type, reason, first_timestamp,
           toInt64(maxIf(count, timestamp >= %(start)s)) AS count_now,
           toInt64(maxIf(count, timestamp < %(start)s)) AS count_before,
           countIf(timestamp < %(start)s) > 0 AS seen_before,
           max(last_timestamp) AS seen_to,
           greatest(first_timestamp, toDateTime64(%(start)s, 3, 'UTC')) AS seen_from,
           argMax(message, count) AS message,
           greatest(0, dateDiff('millisecond', seen_from, least(seen_to, toDateTime64(%(end)s, 3, 'UTC'))))
               AS inside_ms,
           dateDiff('millisecond', first_timestamp, seen_to) AS span_ms,
           multiIf(seen_before AND count_now >= count_before, count_now - count_before,
                   seen_before, count_now,
                   first_timestamp >= toDateTime64(%(start)s, 3, 'UTC'), count_now,
                   span_ms <= 0, 0,
                   toInt64(round(count_now * inside_ms / span_ms))) AS in_window
    FROM kubernetes_events
    WHERE organization_id = %(org)s AND timestamp >= %(lookback_from)s AND timestamp < %(end)s
      AND (%(namespace)s = '' OR namespace = %(namespace)s) AND (%(kind)s = '' OR involved_kind = %(kind)s)
      AND (%(any_reason)s OR reason IN %(reasons)s)
    GROUP BY cluster_id, namespace, involved_kind, involved_name, type, reason, first_timestamp
    HAVING countIf(timestamp >= %(start)s) > 0
)
GROUP BY cluster_id, namespace, involved_kind, involved_name, type, reason
HAVING occurrences > 0
ORDER BY (type = 'Warning') DESC, occurrences DESC, involved_name, reason
LIMIT %(limit)s
