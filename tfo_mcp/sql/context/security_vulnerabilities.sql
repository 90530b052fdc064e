-- Unresolved vulnerability findings of the organization (PostgreSQL): most severe and exploitable first.
-- overdue: past due_at at the end of the window.
SELECT v.id::text AS id, v.cve_id, v.title, v.severity, v.cvss_score, v.package_name, v.installed_version,
       v.fixed_version, v.resource_type, v.resource_name, v.service_name, v.scanner, v.exploit_available, v.status,
       v.first_seen_at, v.last_seen_at, v.due_at, (v.due_at IS NOT NULL AND v.due_at < %(end)s) AS overdue,
       count(*) OVER () AS total
FROM security_vulnerabilities v
WHERE v.organization_id = %(org)s
  AND v.deleted_at IS NULL
  AND v.status IN ('open', 'in_progress')
ORDER BY CASE v.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
         v.exploit_available DESC, v.cvss_score DESC NULLS LAST, v.first_seen_at
LIMIT %(limit)s
