-- Failed and denied audit events per source address in the window: how many, how many accounts, first and last.
SELECT ip_address, count() AS failures, uniqExact(user_email) AS accounts,
       min(timestamp) AS first_at, max(timestamp) AS last_at
FROM audit_logs
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s AND result != 'SUCCESS'
GROUP BY ip_address
ORDER BY failures DESC, ip_address
LIMIT 100
