-- Horizontal pod autoscalers (scoped through their cluster): pinned at their maximum first.
SELECT h.name, c.name AS cluster, n.name AS namespace, h.target_kind, h.target_name, h.min_replicas, h.max_replicas,
       h.current_replicas, h.desired_replicas, h.target_cpu_utilization, h.current_cpu_utilization, h.conditions,
       h.last_scale_time
FROM kubernetes_hpas h
JOIN kubernetes_clusters c ON c.id = h.cluster_id AND c.organization_id = h.organization_id
LEFT JOIN kubernetes_namespaces n ON n.id = h.namespace_id AND n.organization_id = c.organization_id
WHERE c.organization_id = %(org)s AND h.deleted_at IS NULL AND c.deleted_at IS NULL
ORDER BY (h.current_replicas >= h.max_replicas) DESC, h.current_cpu_utilization DESC NULLS LAST, h.name
LIMIT %(limit)s
