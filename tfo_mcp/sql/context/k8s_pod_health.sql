-- Pods per cluster (scoped through the cluster): total, failing (phase Failed/Unknown, a non-running status such
-- as CrashLoopBackOff, or more than 5 restarts) and restarts.
SELECT c.name AS cluster, count(p.id) AS pods, count(p.id) FILTER (WHERE (p.phase IN ('Failed', 'Unknown') OR p.status NOT IN ('Running', 'Completed', 'Succeeded') OR p.restart_count > 5)) AS failing_pods,
       coalesce(sum(p.restart_count), 0) AS restarts
FROM kubernetes_clusters c
LEFT JOIN kubernetes_pods p ON p.cluster_id = c.id AND p.organization_id = c.organization_id AND p.deleted_at IS NULL
WHERE c.organization_id = %(org)s AND c.deleted_at IS NULL
GROUP BY c.name
ORDER BY c.name
LIMIT 500
