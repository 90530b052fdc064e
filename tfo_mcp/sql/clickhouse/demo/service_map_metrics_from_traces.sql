-- Demo data: service-map samples (one per service and minute) derived from the entry spans of one organization
-- and time chunk, as the platform computes them: error_rate %%, average latency ms, request rate (scaled from the
-- traced sample to the service's real traffic), health score and uptime.
INSERT INTO service_map_metrics (timestamp, service_id, service_name, error_rate, avg_latency, health_score, uptime,
                                 request_rate, organization_id, workspace_id, tenant_id)
SELECT
    minute,
    %(svc_ids)s[indexOf(%(svc_names)s, service_name)],
    service_name,
    round(error_pct, 3),
    round(latency_ms, 3),
    round(greatest(0, 100 - least(60, 4 * error_pct)
        - least(30, greatest(0, 10 * (latency_ms / %(svc_latency_ms)s[indexOf(%(svc_names)s, service_name)] - 1.5)))), 2),
    round(greatest(0, 100 - error_pct / 2), 3),
    round(requests / 60 * %(rate_factor)s, 3),
    %(org_id)s,
    any_ws,
    any_tenant
FROM
(
    SELECT
        toStartOfMinute(timestamp) AS minute,
        service_name,
        count() AS requests,
        100 * countIf(status_code = 'ERROR') / count() AS error_pct,
        avg(duration_ns) / 1e6 AS latency_ms,
        any(workspace_id) AS any_ws,
        any(tenant_id) AS any_tenant
    FROM traces
    WHERE organization_id = %(org_id)s
      AND timestamp >= toDateTime64(%(chunk_start)s, 9, 'UTC') AND timestamp < toDateTime64(%(chunk_end)s, 9, 'UTC')
      AND span_kind IN ('SERVER', 'CONSUMER')
    GROUP BY minute, service_name
)
