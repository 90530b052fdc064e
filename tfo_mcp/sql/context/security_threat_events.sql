-- The most severe security detections of the window (open ones first within a severity).
SELECT timestamp, event_id, source, category, severity, title, description, src_ip, dst_ip, target, user_id,
       mitre_tactic, mitre_technique, round(threat_score, 1) AS threat_score, action_taken, status
FROM security_events
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
ORDER BY severity DESC, status IN ('open', 'investigating') DESC, threat_score DESC, timestamp DESC
LIMIT %(limit)s
