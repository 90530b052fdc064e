-- Host names of the agents that reported in the last part of the window (labels of raw vm_metrics).
SELECT toString(vm_id) AS vm_id, any(labels['host.name']) AS host_name
FROM vm_metrics
WHERE organization_id = %(org)s AND timestamp >= %(names_from)s AND timestamp < %(end)s
GROUP BY vm_id
LIMIT 1000
