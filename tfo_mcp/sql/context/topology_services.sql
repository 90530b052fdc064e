-- Service-map services of the organization (PostgreSQL); unhealthy first. total = all matching rows.
SELECT s.id::text AS id, s.name, s.type, s.status, s.environment, s.version, s.namespace, s.owner_team,
       count(*) OVER () AS total
FROM service_map_services s
WHERE s.organization_id = %(org)s
  AND s.deleted_at IS NULL
ORDER BY (s.status NOT IN ('healthy', 'active')) DESC, s.name
LIMIT %(cap)s
