-- Network-borne security detections in the window (events with a source IP or a network-map node).
SELECT category, severity, src_ip, dst_ip, node_id, title, action_taken, status,
       round(threat_score, 2) AS threat_score, mitre_technique, count() AS events,
       min(timestamp) AS first_seen, max(timestamp) AS last_seen
FROM security_events
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (src_ip != '' OR node_id != '')
GROUP BY category, severity, src_ip, dst_ip, node_id, title, action_taken, status, threat_score, mitre_technique
ORDER BY severity DESC, events DESC, threat_score DESC
LIMIT %(limit)s
