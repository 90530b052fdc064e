-- Enabled service level objectives of the organization.
SELECT id::text AS id, name, service_name, sli_type, target_percent::float8 AS target_percent, window_days,
       latency_threshold_ms, monitor_id::text AS monitor_id, owner_team
FROM slo_definitions
WHERE organization_id = %(org)s AND deleted_at IS NULL AND enabled
ORDER BY name
LIMIT %(limit)s
