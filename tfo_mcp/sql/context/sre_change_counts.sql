-- Changes per type and status in the window.
SELECT change_type, status, count() AS changes, countIf(risk = 'high') AS high_risk
FROM change_events
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(change_type)s = '' OR change_type = %(change_type)s)
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY change_type, status
ORDER BY changes DESC
LIMIT 100
