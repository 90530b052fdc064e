-- The names and slugs an organization may be given by instead of its id (tfo_mcp/tools/organizations.py,
-- resolve_organization); deleted organizations last, so a live one wins a tie.
SELECT
    o.organization_id::text AS organization_id,
    o.name,
    o.code AS slug,
    o.deleted_at IS NOT NULL AS deleted
FROM organizations o
ORDER BY o.deleted_at IS NOT NULL, o.name, o.organization_id
LIMIT %(limit)s
