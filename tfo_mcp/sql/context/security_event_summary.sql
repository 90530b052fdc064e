-- Security detections in the window by category and severity (severity ranks info < low < medium < high < critical).
SELECT category, severity, count() AS events, uniqExact(src_ip) AS sources,
       countIf(status IN ('open', 'investigating')) AS open_events,
       round(max(threat_score), 1) AS max_threat_score, max(timestamp) AS last_seen
FROM security_events
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
GROUP BY category, severity
ORDER BY severity DESC, events DESC
LIMIT 100
