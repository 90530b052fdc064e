-- Changes (deployments, configuration, scaling, flags, infrastructure) in the window, newest first.
-- %(change_type)s = '' means every type; %(service)s = '' every service.
SELECT timestamp, change_id, change_type, source, service_name, environment, cluster_id, namespace, version,
       previous_version, author, title, substringUTF8(description, 1, 300) AS description, status, risk
FROM change_events
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(change_type)s = '' OR change_type = %(change_type)s)
  AND (%(service)s = '' OR service_name = %(service)s)
ORDER BY timestamp DESC
LIMIT %(limit)s
