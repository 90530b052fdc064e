-- Network-map nodes of the organization (PostgreSQL); unhealthy first.
SELECT n.id::text AS id, n.name, n.type, n.status, n.ip_address, n.hostname, n.region, n.cluster,
       count(*) OVER () AS total
FROM network_map_nodes n
WHERE n.organization_id = %(org)s
  AND n.deleted_at IS NULL
ORDER BY (n.status <> 'healthy') DESC, n.type, n.name
LIMIT %(cap)s
