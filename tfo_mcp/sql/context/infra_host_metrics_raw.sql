-- Host (agent) metrics whose name matches %(metric_regex)s, per host and metric, from raw samples.
SELECT toString(vm_id) AS vm_id, metric_name, avg(value) AS mean, max(value) AS maximum, count() AS samples
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND match(metric_name, %(metric_regex)s)
GROUP BY vm_id, metric_name
ORDER BY maximum DESC, vm_id, metric_name
LIMIT 2000
