-- Remediation plans of the organization (PostgreSQL): open ones first (proposed, approved, executing), then newest.
SELECT p.id::text AS id, p.trigger_type, p.trigger_id, p.title, p.description, p.status, p.risk_level,
       p.actions, p.affected_resources, p.created_by, p.created_at, p.approved_at, p.executed_at,
       count(*) OVER () AS total
FROM remediation_plans p
WHERE p.organization_id = %(org)s
  AND p.deleted_at IS NULL
ORDER BY (p.status IN ('proposed', 'approved', 'executing')) DESC,
         CASE p.risk_level WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, p.created_at DESC
LIMIT %(limit)s
