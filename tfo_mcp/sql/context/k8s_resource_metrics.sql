-- Kubernetes metrics of %(resource_type)s resources whose name matches %(metric_regex)s, per cluster, namespace,
-- resource and metric (kubernetes_metrics_*): mean, max and samples.
SELECT cluster_id, namespace, resource_name, metric_name, avgMerge(avg_value) AS mean,
       maxMerge(max_value) AS maximum, countMerge(count) AS samples
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND resource_type = %(resource_type)s AND match(metric_name, %(metric_regex)s)
GROUP BY cluster_id, namespace, resource_name, metric_name
ORDER BY maximum DESC, cluster_id, resource_name, metric_name
LIMIT 2000
