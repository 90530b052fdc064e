-- Alert rules of the organization, most recently triggered first.
SELECT id::text AS id, name, severity, state, enabled, last_triggered_at, evaluation_interval, for_duration
FROM alert_rules
WHERE organization_id = %(org)s
ORDER BY last_triggered_at DESC NULLS LAST, name
LIMIT %(limit)s
