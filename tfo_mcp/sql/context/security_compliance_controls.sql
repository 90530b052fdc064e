-- Compliance controls of the organization (PostgreSQL) by framework and status.
SELECT c.framework, c.status, count(*) AS controls, max(c.last_assessed_at) AS last_assessed_at
FROM compliance_controls c
WHERE c.organization_id = %(org)s
  AND c.deleted_at IS NULL
GROUP BY c.framework, c.status
ORDER BY c.framework, c.status
