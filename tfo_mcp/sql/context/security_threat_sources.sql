-- Source IPs behind the most detections in the window, with their categories and tactics.
SELECT src_ip, count() AS events, max(severity) AS max_severity, round(max(threat_score), 1) AS max_threat_score,
       groupUniqArray(5)(category) AS categories, groupUniqArray(5)(mitre_tactic) AS tactics,
       min(timestamp) AS first_seen, max(timestamp) AS last_seen
FROM security_events
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
  AND src_ip != ''
GROUP BY src_ip
ORDER BY max_severity DESC, events DESC, src_ip
LIMIT %(limit)s
