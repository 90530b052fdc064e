-- Failed and denied audit events grouped by account, source address and action (brute force shows here).
SELECT user_email, ip_address, action, toString(event_type) AS event_type, toString(result) AS result,
       count() AS attempts, min(timestamp) AS first_at, max(timestamp) AS last_at
FROM audit_logs
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s AND result != 'SUCCESS'
GROUP BY user_email, ip_address, action, event_type, result
ORDER BY attempts DESC, last_at DESC
LIMIT 10
