-- Alert instances active in the window per status and severity.
SELECT status, severity, count(*) AS instances
FROM alert_instances
WHERE organization_id = %(org)s AND starts_at < %(end)s AND (ends_at IS NULL OR ends_at >= %(start)s)
GROUP BY status, severity
ORDER BY instances DESC
