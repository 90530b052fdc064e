-- Services of the organization's service map (status, type, owner).
SELECT id::text AS id, name, type, status, environment, version, owner_team
FROM service_map_services
WHERE organization_id = %(org)s AND deleted_at IS NULL
ORDER BY name
LIMIT 500
