-- Database inventory of the organization (PostgreSQL): problems first. The replication source is joined under
-- the same organization. total = all matching rows.
SELECT i.id::text AS id, i.name, i.type, i.host, i.port, i.status, i.provider, i.version, i.environment, i.role,
       src.name AS replication_source, i.max_connections, i.storage_bytes, i.last_error, i.last_seen_at,
       i.created_at, count(*) OVER () AS total
FROM database_instances i
LEFT JOIN database_instances src
  ON src.id = i.replication_source_id AND src.organization_id = i.organization_id AND src.deleted_at IS NULL
WHERE i.organization_id = %(org)s
  AND i.deleted_at IS NULL
ORDER BY CASE i.status WHEN 'offline' THEN 0 WHEN 'degraded' THEN 1 WHEN 'unknown' THEN 2 WHEN 'maintenance' THEN 3
         ELSE 4 END, i.type, i.name
LIMIT %(cap)s
