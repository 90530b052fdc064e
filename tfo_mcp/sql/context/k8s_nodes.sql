-- Kubernetes nodes (scoped through their cluster): not Ready first.
SELECT nd.name, c.name AS cluster, nd.status, nd.roles, nd.instance_type, nd.zone, nd.kubelet_version,
       nd.cpu_capacity::float8 AS cpu_capacity, nd.memory_capacity, nd.conditions
FROM kubernetes_nodes nd
JOIN kubernetes_clusters c ON c.id = nd.cluster_id AND c.organization_id = nd.organization_id
WHERE c.organization_id = %(org)s AND nd.deleted_at IS NULL AND c.deleted_at IS NULL
ORDER BY (nd.status = 'Ready'), c.name, nd.name
LIMIT %(limit)s
