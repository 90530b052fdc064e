-- Kubernetes events per type and reason in the window: events (distinct event objects) and occurrences, each
-- event counted once as in k8s_event_groups.sql (its highest cumulative count in the window minus the highest
-- before it, rows from %(lookback_from)s on; prorated when it began before the window without an earlier row).
SELECT type, reason, count() AS events, toUInt64(sum(in_window)) AS occurrences
FROM
(
    SELECT type, reason,
           toInt64(maxIf(count, timestamp >= %(start)s)) AS count_now,
           toInt64(maxIf(count, timestamp < %(start)s)) AS count_before,
           countIf(timestamp < %(start)s) > 0 AS seen_before,
           max(last_timestamp) AS seen_to,
           greatest(0, dateDiff('millisecond', greatest(first_timestamp, toDateTime64(%(start)s, 3, 'UTC')),
                                least(seen_to, toDateTime64(%(end)s, 3, 'UTC')))) AS inside_ms,
           dateDiff('millisecond', first_timestamp, seen_to) AS span_ms,
           multiIf(seen_before AND count_now >= count_before, count_now - count_before,
                   seen_before, count_now,
                   first_timestamp >= toDateTime64(%(start)s, 3, 'UTC'), count_now,
                   span_ms <= 0, 0,
                   toInt64(round(count_now * inside_ms / span_ms))) AS in_window
    FROM kubernetes_events
    WHERE organization_id = %(org)s AND timestamp >= %(lookback_from)s AND timestamp < %(end)s
      AND (%(namespace)s = '' OR namespace = %(namespace)s)
    GROUP BY cluster_id, namespace, involved_kind, involved_name, type, reason, first_timestamp
    HAVING countIf(timestamp >= %(start)s) > 0
)
GROUP BY type, reason
HAVING occurrences > 0
ORDER BY occurrences DESC, type, reason
LIMIT 100
