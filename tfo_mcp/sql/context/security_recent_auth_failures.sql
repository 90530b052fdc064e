-- The newest failed or denied authentication / authorisation events in the window.
SELECT timestamp, event_type, action, result, user_email, ip_address, resource, error_code, error_message, user_agent
FROM audit_logs
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
  AND event_type IN ('AUTH', 'AUTHZ')
  AND result != 'SUCCESS'
ORDER BY timestamp DESC
LIMIT %(limit)s
