-- Aurora cluster members with their replica lag (PostgreSQL): instances are scoped through their cluster row,
-- which must belong to the organization.
SELECT t.cluster_identifier, t.engine_type, t.cluster_status, s.instance_identifier, s.role, s.instance_class,
       s.availability_zone, s.status, s.replica_lag_ms, s.current_acu, s.updated_at
FROM aurora_instance_status s
JOIN aurora_cluster_topology t ON t.id = s.cluster_topology_id
WHERE t.organization_id = %(org)s
  AND t.deleted_at IS NULL
ORDER BY t.cluster_identifier, s.role DESC, s.instance_identifier
LIMIT 200
