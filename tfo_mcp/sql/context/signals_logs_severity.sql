-- logs context (rollup logs_5m / _15m / _1h / _1d): log lines per service and severity, in the window (current = 1)
-- and in its baseline (current = 0: buckets %(base_from)s to %(base_to)s; a bucket both take counts in both) in one
-- scan. %(service)s = '' means all.
SELECT current, service_name, severity_text, sum(count) AS lines
FROM {table}
ARRAY JOIN arrayFilter(w -> w >= 0, [if({time} >= %(bucket_from)s AND {time} < %(bucket_to)s, 1, -1),
                                     if({time} >= %(base_from)s AND {time} < %(base_to)s, 0, -1)]) AS current
WHERE organization_id = %(org)s
  AND (({time} >= %(bucket_from)s AND {time} < %(bucket_to)s) OR ({time} >= %(base_from)s AND {time} < %(base_to)s))
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY current, service_name, severity_text
ORDER BY current DESC, lines DESC, service_name, severity_text
LIMIT 1000 BY current
