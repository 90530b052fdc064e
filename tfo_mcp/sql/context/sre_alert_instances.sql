-- Alert instances active at any time in the window: firing first, then by severity, newest first.
SELECT i.title, i.severity, i.status, i.starts_at, i.ends_at, i.resolved_at, i.acknowledged_at,
       i.current_value, i.threshold, i.labels ->> 'service' AS service_name, r.name AS rule_name
FROM alert_instances i
LEFT JOIN alert_rules r ON r.id = i.alert_rule_id AND r.organization_id = i.organization_id
WHERE i.organization_id = %(org)s AND i.starts_at < %(end)s
  AND (i.ends_at IS NULL OR i.ends_at >= %(start)s)
ORDER BY (i.status = 'firing') DESC,
         CASE i.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'error' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END,
         i.starts_at DESC
LIMIT %(limit)s
