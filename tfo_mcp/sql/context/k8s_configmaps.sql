-- ConfigMaps (keys and sizes only; scoped through their cluster): changed in the window first.
SELECT m.name, c.name AS cluster, n.name AS namespace, m.data_keys, m.data_size_bytes, m.immutable, m.used_by,
       m.updated_at, (m.updated_at >= %(start)s AND m.updated_at < %(end)s) AS changed_in_window
FROM kubernetes_configmaps m
JOIN kubernetes_clusters c ON c.id = m.cluster_id AND c.organization_id = m.organization_id
LEFT JOIN kubernetes_namespaces n ON n.id = m.namespace_id AND n.organization_id = c.organization_id
WHERE c.organization_id = %(org)s AND m.deleted_at IS NULL AND c.deleted_at IS NULL
ORDER BY (m.updated_at >= %(start)s AND m.updated_at < %(end)s) DESC, m.updated_at DESC, m.name
LIMIT %(limit)s
