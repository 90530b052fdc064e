-- Alert instances still firing (or acknowledged) during the window (PostgreSQL), most severe first.
SELECT a.title, a.severity, a.status, a.starts_at, a.current_value, a.threshold, a.labels ->> 'service' AS service_name,
       count(*) OVER () AS total
FROM alert_instances a
WHERE a.organization_id = %(org)s
  AND a.status IN ('firing', 'acknowledged')
  AND a.starts_at < %(end)s
  AND (a.ends_at IS NULL OR a.ends_at >= %(start)s)
ORDER BY CASE a.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END, a.starts_at
LIMIT %(limit)s
