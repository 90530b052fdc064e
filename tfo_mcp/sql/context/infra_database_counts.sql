-- Database instances per type and status.
SELECT type, status, count(*) AS instances
FROM database_instances
WHERE organization_id = %(org)s AND deleted_at IS NULL
GROUP BY type, status
ORDER BY instances DESC
