-- Database monitoring rules of the organization (PostgreSQL): counts by severity.
SELECT r.severity, count(*) AS rules, count(*) FILTER (WHERE r.enabled) AS enabled
FROM database_monitoring_rules r
WHERE r.organization_id = %(org)s
  AND r.deleted_at IS NULL
GROUP BY r.severity
ORDER BY r.severity
