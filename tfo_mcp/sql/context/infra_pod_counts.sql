-- Pod counts by phase and status (scoped through the cluster), with restarts.
SELECT p.phase, p.status, count(*) AS pods, sum(p.restart_count) AS restarts
FROM kubernetes_pods p
JOIN kubernetes_clusters c ON c.id = p.cluster_id AND c.organization_id = p.organization_id
LEFT JOIN kubernetes_namespaces n ON n.id = p.namespace_id AND n.organization_id = c.organization_id
WHERE c.organization_id = %(org)s AND p.deleted_at IS NULL AND c.deleted_at IS NULL
  AND (%(namespace)s = '' OR n.name = %(namespace)s)
GROUP BY p.phase, p.status
ORDER BY pods DESC
