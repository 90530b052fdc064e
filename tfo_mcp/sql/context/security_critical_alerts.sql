-- Critical alert instances active in the window (PostgreSQL): what the security view lists beside its incidents.
SELECT a.title, a.severity, a.status, a.starts_at, a.ends_at, a.labels ->> 'service' AS service_name
FROM alert_instances a
WHERE a.organization_id = %(org)s
  AND a.severity = 'critical'
  AND a.starts_at < %(end)s
  AND (a.ends_at IS NULL OR a.ends_at >= %(start)s)
ORDER BY a.starts_at DESC
LIMIT %(limit)s
