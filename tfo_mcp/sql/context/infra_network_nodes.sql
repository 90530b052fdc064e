-- Names of the organization's network map nodes (to label connections).
SELECT id::text AS id, name, type, status
FROM network_map_nodes
WHERE organization_id = %(org)s AND deleted_at IS NULL
LIMIT 1000
