-- Network-map connections with both ends' names (PostgreSQL), scoped through the edge's organization.
SELECT c.id::text AS id, src.name AS source, dst.name AS target, c.type, c.status, c.protocol,
       c.target_port, c.latency, c.bandwidth_mbps, count(*) OVER () AS total
FROM network_map_connections c
JOIN network_map_nodes src
  ON src.id = c.source_node_id AND src.organization_id = c.organization_id AND src.deleted_at IS NULL
JOIN network_map_nodes dst
  ON dst.id = c.target_node_id AND dst.organization_id = c.organization_id AND dst.deleted_at IS NULL
WHERE c.organization_id = %(org)s
  AND c.deleted_at IS NULL
ORDER BY (c.status <> 'healthy') DESC, c.latency DESC NULLS LAST
LIMIT %(cap)s
