-- Kubernetes services (scoped through their cluster) and their endpoints: services without ready endpoints first.
SELECT s.name, c.name AS cluster, n.name AS namespace, s.type, s.cluster_ip, s.external_ips, s.ports,
       s.endpoint_count, s.ready_endpoints
FROM kubernetes_services s
JOIN kubernetes_clusters c ON c.id = s.cluster_id AND c.organization_id = s.organization_id
LEFT JOIN kubernetes_namespaces n ON n.id = s.namespace_id AND n.organization_id = c.organization_id
WHERE c.organization_id = %(org)s AND s.deleted_at IS NULL AND c.deleted_at IS NULL
ORDER BY (s.ready_endpoints = 0) DESC, (s.ready_endpoints < s.endpoint_count) DESC, c.name, n.name, s.name
LIMIT %(limit)s
