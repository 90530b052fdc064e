-- Audit events per type and result (rollup audit_logs_5m / _15m / _1h).
SELECT toString(event_type) AS event_type, toString(result) AS result, sum(count) AS events
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY event_type, result
ORDER BY events DESC
LIMIT 100
