-- Kubernetes persistent volumes (scoped through their cluster's organization), not Bound first.
SELECT v.name, c.name AS cluster, v.phase, v.capacity ->> 'storage' AS capacity, v.storage_class, v.reclaim_policy,
       v.claim_namespace, v.claim_name
FROM kubernetes_persistent_volumes v
JOIN kubernetes_clusters c ON c.id = v.cluster_id AND c.organization_id = v.organization_id
WHERE c.organization_id = %(org)s AND v.deleted_at IS NULL AND c.deleted_at IS NULL
ORDER BY (v.phase = 'Bound'), v.name
LIMIT %(limit)s
