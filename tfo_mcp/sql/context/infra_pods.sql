-- Pods with their containers (scoped through their cluster's organization): failing and restarting first.
SELECT p.name, c.name AS cluster, n.name AS namespace, p.owner_kind, p.owner_name, p.status, p.phase,
       p.restart_count, p.qos_class, p.containers, p.started_at, p.last_restart_at, nd.name AS node
FROM kubernetes_pods p
JOIN kubernetes_clusters c ON c.id = p.cluster_id AND c.organization_id = p.organization_id
LEFT JOIN kubernetes_namespaces n ON n.id = p.namespace_id AND n.organization_id = c.organization_id
LEFT JOIN kubernetes_nodes nd ON nd.id = p.node_id AND nd.organization_id = c.organization_id
WHERE c.organization_id = %(org)s AND p.deleted_at IS NULL AND c.deleted_at IS NULL
  AND (%(namespace)s = '' OR n.name = %(namespace)s)
ORDER BY (p.phase IN ('Failed', 'Unknown') OR p.status NOT IN ('Running', 'Completed', 'Succeeded')
          OR p.restart_count > %(restart_threshold)s) DESC,
         p.restart_count DESC, c.name, n.name, p.name
LIMIT %(limit)s
