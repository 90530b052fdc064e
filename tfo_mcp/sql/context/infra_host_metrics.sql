-- Host (agent) metrics whose name matches %(metric_regex)s, per host and metric (vm_metrics_*): mean and max.
SELECT toString(vm_id) AS vm_id, metric_name, avgMerge(avg_value) AS mean, maxMerge(max_value) AS maximum,
       countMerge(count) AS samples
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND match(metric_name, %(metric_regex)s)
GROUP BY vm_id, metric_name
ORDER BY maximum DESC, vm_id, metric_name
LIMIT 2000
