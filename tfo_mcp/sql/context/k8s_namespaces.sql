-- Namespaces (scoped through their cluster) with pod, failing-pod and restart counts; troubled first.
SELECT n.name, c.name AS cluster, n.status, count(p.id) AS pods,
       count(p.id) FILTER (WHERE (p.phase IN ('Failed', 'Unknown') OR p.status NOT IN ('Running', 'Completed', 'Succeeded') OR p.restart_count > 5)) AS failing_pods, coalesce(sum(p.restart_count), 0) AS restarts
FROM kubernetes_namespaces n
JOIN kubernetes_clusters c ON c.id = n.cluster_id AND c.organization_id = n.organization_id
LEFT JOIN kubernetes_pods p ON p.namespace_id = n.id AND p.organization_id = n.organization_id AND p.deleted_at IS NULL
WHERE c.organization_id = %(org)s AND n.deleted_at IS NULL AND c.deleted_at IS NULL
GROUP BY n.id, n.name, c.name, n.status
ORDER BY failing_pods DESC, pods DESC, c.name, n.name
LIMIT %(limit)s
