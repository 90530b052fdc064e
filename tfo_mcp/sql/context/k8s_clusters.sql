-- Kubernetes clusters of the organization.
SELECT id::text AS id, name, provider, region, kubernetes_version, status, node_count, pod_count, namespace_count,
       last_synced_at
FROM kubernetes_clusters
WHERE organization_id = %(org)s AND deleted_at IS NULL
ORDER BY name
LIMIT %(limit)s
