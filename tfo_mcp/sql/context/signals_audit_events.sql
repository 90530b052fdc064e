-- Newest audit events (who did what to which resource, with what result, from where).
SELECT timestamp, user_email, toString(event_type) AS event_type, action, resource, resource_id,
       toString(result) AS result, ip_address, substringUTF8(error_message, 1, 200) AS error_message
FROM audit_logs
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
ORDER BY timestamp DESC
LIMIT %(limit)s
