-- Kubernetes deployments (scoped through their cluster's organization): rolled out in the window or not fully
-- available first.
SELECT d.name, c.name AS cluster, n.name AS namespace, d.replicas, d.ready_replicas, d.available_replicas,
       d.unavailable_replicas, d.updated_replicas, d.strategy, d.image, d.revision, d.last_rollout_at,
       (d.last_rollout_at >= %(start)s AND d.last_rollout_at < %(end)s) AS rolled_out_in_window
FROM kubernetes_deployments d
JOIN kubernetes_clusters c ON c.id = d.cluster_id AND c.organization_id = d.organization_id
LEFT JOIN kubernetes_namespaces n ON n.id = d.namespace_id AND n.organization_id = c.organization_id
WHERE c.organization_id = %(org)s AND d.deleted_at IS NULL AND c.deleted_at IS NULL
ORDER BY (d.last_rollout_at >= %(start)s AND d.last_rollout_at < %(end)s) DESC NULLS LAST,
         d.unavailable_replicas DESC, d.last_rollout_at DESC NULLS LAST, d.name
LIMIT %(limit)s
