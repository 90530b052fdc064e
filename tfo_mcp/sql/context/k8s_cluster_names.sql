-- Cluster names as reported with the Kubernetes metrics in the last part of the window (samples without the
-- label do not blank a name).
SELECT cluster_id, anyIf(labels['k8s.cluster.name'], labels['k8s.cluster.name'] != '') AS cluster_name
FROM kubernetes_metrics
WHERE organization_id = %(org)s AND timestamp >= %(names_from)s AND timestamp < %(end)s
GROUP BY cluster_id
HAVING cluster_name != ''
LIMIT 1000
