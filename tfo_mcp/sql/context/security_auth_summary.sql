-- Authentication and authorisation outcomes in the audit trail over the window, by event type, action and result.
SELECT event_type, action, result, count() AS events, uniqExact(user_id) AS users, uniqExact(ip_address) AS ips
FROM audit_logs
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
  AND event_type IN ('AUTH', 'AUTHZ')
GROUP BY event_type, action, result
ORDER BY events DESC
LIMIT 100
