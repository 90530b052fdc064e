-- The organizations of the TFO platform schema (tfo_mcp/sql/postgres/platform/001_tenancy_iam.sql).
SELECT
    o.organization_id::text AS organization_id,
    o.name,
    o.code AS slug,
    o.domain,
    o.is_active AS active,
    o.deleted_at IS NOT NULL AS deleted
FROM organizations o
ORDER BY o.deleted_at IS NOT NULL, o.name, o.organization_id
LIMIT %(limit)s
