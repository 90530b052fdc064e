-- Kubernetes clusters of the organization (PostgreSQL): names and sizes for the capacity view.
SELECT c.id::text AS id, c.name, c.provider, c.region, c.status, c.node_count, c.pod_count
FROM kubernetes_clusters c
WHERE c.organization_id = %(org)s
  AND c.deleted_at IS NULL
ORDER BY c.name
LIMIT 100
