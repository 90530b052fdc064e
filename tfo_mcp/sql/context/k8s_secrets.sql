-- Secrets, metadata only (type, key names, users, rotation, expiry; no values exist in the table), scoped through
-- their cluster: soonest expiry first, then least recently rotated.
SELECT s.name, c.name AS cluster, n.name AS namespace, s.type, s.data_keys, s.immutable, s.used_by, s.managed_by,
       s.last_rotated_at, s.expires_at
FROM kubernetes_secrets s
JOIN kubernetes_clusters c ON c.id = s.cluster_id AND c.organization_id = s.organization_id
LEFT JOIN kubernetes_namespaces n ON n.id = s.namespace_id AND n.organization_id = c.organization_id
WHERE c.organization_id = %(org)s AND s.deleted_at IS NULL AND c.deleted_at IS NULL
ORDER BY s.expires_at NULLS LAST, s.last_rotated_at NULLS FIRST, s.name
LIMIT %(limit)s
