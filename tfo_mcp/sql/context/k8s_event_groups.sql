-- Kubernetes events grouped by object and reason: warnings first, most frequent first, with the last message.
SELECT cluster_id, namespace, involved_kind, involved_name, type, reason, sum(count) AS occurrences,
       max(last_timestamp) AS last_seen, substringUTF8(argMax(message, timestamp), 1, 200) AS last_message
FROM kubernetes_events
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(namespace)s = '' OR namespace = %(namespace)s)
GROUP BY cluster_id, namespace, involved_kind, involved_name, type, reason
ORDER BY (type = 'Warning') DESC, occurrences DESC, involved_name
LIMIT %(limit)s
