-- Compliance controls that fail or were never assessed (PostgreSQL).
SELECT c.framework, c.control_id, c.title, c.status, c.owner, c.evidence, c.last_assessed_at
FROM compliance_controls c
WHERE c.organization_id = %(org)s
  AND c.deleted_at IS NULL
  AND c.status IN ('failing', 'unknown')
ORDER BY c.status, c.framework, c.control_id
LIMIT %(limit)s
