-- Entry spans of one service in the window and how many finished within %(threshold_ns)s nanoseconds.
SELECT count() AS total, countIf(duration_ns <= %(threshold_ns)s) AS good
FROM traces
WHERE organization_id = %(org)s AND service_name = %(service)s AND timestamp >= %(start)s AND timestamp < %(end)s
  AND span_kind IN ('SERVER', 'CONSUMER')
