-- Service-map edges with both ends' names (PostgreSQL). Both services are joined under the edge's own
-- organization, so an edge can never name another tenant's service. service (optional) keeps the edges
-- that touch that service. Worst first: unhealthy, then error rate, then latency.
SELECT d.id::text AS id, src.name AS source, dst.name AS target, d.type, d.status, d.protocol,
       d.latency_ms, d.error_rate, d.request_rate, count(*) OVER () AS total
FROM service_map_dependencies d
JOIN service_map_services src
  ON src.id = d.source_service_id AND src.organization_id = d.organization_id AND src.deleted_at IS NULL
JOIN service_map_services dst
  ON dst.id = d.target_service_id AND dst.organization_id = d.organization_id AND dst.deleted_at IS NULL
WHERE d.organization_id = %(org)s
  AND d.deleted_at IS NULL
  AND (%(service)s::text IS NULL OR src.name = %(service)s::text OR dst.name = %(service)s::text)
ORDER BY (d.status NOT IN ('healthy', 'active')) DESC, d.error_rate DESC NULLS LAST, d.latency_ms DESC NULLS LAST
LIMIT %(cap)s
