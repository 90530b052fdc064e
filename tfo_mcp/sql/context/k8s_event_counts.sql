-- Kubernetes events per type and reason in the window (count is the occurrences an event row stands for).
SELECT type, reason, count() AS events, sum(count) AS occurrences
FROM kubernetes_events
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(namespace)s = '' OR namespace = %(namespace)s)
GROUP BY type, reason
ORDER BY occurrences DESC, type, reason
LIMIT 100
