-- Database inventory: instances not online first, then by name.
SELECT id::text AS id, name, type, host, port, status, provider, version, environment, role, max_connections,
       storage_bytes, substr(last_error, 1, 200) AS last_error, last_seen_at
FROM database_instances
WHERE organization_id = %(org)s AND deleted_at IS NULL
ORDER BY (status = 'online'), name
LIMIT %(limit)s
