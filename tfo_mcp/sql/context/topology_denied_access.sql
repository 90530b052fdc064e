-- Denied authorisation attempts in the audit trail over the window, by source IP (network-security view).
SELECT ip_address, count() AS denied, uniqExact(user_id) AS users, groupUniqArray(5)(resource) AS resources,
       min(timestamp) AS first_seen, max(timestamp) AS last_seen
FROM audit_logs
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
  AND result = 'DENIED'
GROUP BY ip_address
ORDER BY denied DESC, ip_address
LIMIT %(limit)s
