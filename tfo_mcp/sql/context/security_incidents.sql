-- Security incidents of the organization (PostgreSQL): still-open ones, plus those detected or resolved in the window.
SELECT i.id::text AS id, i.title, i.severity, i.status, i.category, i.source, i.source_ref, i.affected_services,
       i.affected_users, u.email AS assignee, i.detected_at, i.acknowledged_at, i.contained_at, i.resolved_at,
       count(*) OVER () AS total
FROM security_incidents i
LEFT JOIN users u ON u.id = i.assignee_id AND u.organization_id = i.organization_id
WHERE i.organization_id = %(org)s
  AND i.deleted_at IS NULL
  AND (i.status IN ('open', 'investigating', 'contained')
       OR (i.detected_at >= %(start)s AND i.detected_at < %(end)s)
       OR (i.resolved_at >= %(start)s AND i.resolved_at < %(end)s))
ORDER BY (i.status IN ('open', 'investigating', 'contained')) DESC,
         CASE i.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, i.detected_at DESC
LIMIT %(limit)s
