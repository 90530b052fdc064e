-- Who failed authentication or was denied most in the window: per (user, source IP), with the span of attempts.
SELECT user_id, user_email, ip_address,
       countIf(result = 'FAILURE') AS failures, countIf(result = 'DENIED') AS denied,
       countIf(result = 'SUCCESS') AS successes,
       groupUniqArray(3)(error_code) AS error_codes,
       minIf(timestamp, result = 'FAILURE') AS first_failure, maxIf(timestamp, result = 'FAILURE') AS last_failure,
       min(timestamp) AS first_seen, max(timestamp) AS last_seen
FROM audit_logs
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
  AND event_type IN ('AUTH', 'AUTHZ')
GROUP BY user_id, user_email, ip_address
HAVING failures + denied > 0
ORDER BY failures + denied DESC, last_seen DESC
LIMIT %(limit)s
