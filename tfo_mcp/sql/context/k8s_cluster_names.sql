-- Cluster names as reported with the Kubernetes metrics in the last part of the window.
SELECT cluster_id, any(labels['k8s.cluster.name']) AS cluster_name
FROM kubernetes_metrics
WHERE organization_id = %(org)s AND timestamp >= %(names_from)s AND timestamp < %(end)s
GROUP BY cluster_id
LIMIT 1000
