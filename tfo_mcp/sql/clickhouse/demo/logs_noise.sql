-- Demo data: application logs for one organization and one time chunk, generated inside ClickHouse.
-- Slots are spread evenly and thinned by the diurnal curve; each kept slot picks a service (weighted by traffic),
-- a severity (baseline mix per service; during the incident the affected services log mostly errors, and the
-- incident service logs a share of all lines) and a template for that severity, filled with deterministic values.
-- A statement writes the slots row0 .. row0 + rows - 1 of a chunk and keeps the lines of one UTC day [since, until).
INSERT INTO logs (timestamp, observed_timestamp, trace_id, span_id, trace_flags, severity_text, severity_number,
                  service_name, organization_id, workspace_id, tenant_id, body, resource_attributes, scope_name,
                  scope_version, log_attributes)
SELECT
    ts,
    addMilliseconds(ts, 40 + toInt64(200 * u_sev)),
    '',
    '',
    0,
    sev,
    multiIf(sev = 'ERROR', 17, sev = 'WARN', 13, sev = 'DEBUG', 5, 9),
    %(svc_names)s[s],
    %(org_id)s,
    %(svc_ws)s[s],
    %(svc_tenant)s[s],
    replaceAll(replaceAll(replaceAll(replaceAll(replaceAll(replaceAll(template,
        '{op}', %(svc_op)s[s]),
        '{peer}', %(svc_peer)s[s]),
        '{id}', lower(leftPad(hex(cityHash64(%(seed)s, %(org_idx)s, t, 41)), 16, '0'))),
        '{ms}', toString(toUInt32(5 + 900 * u_num * u_num))),
        '{n2}', toString(toUInt32(modulo(cityHash64(%(seed)s, %(org_idx)s, t, 42), 40)))),
        '{n}', toString(toUInt32(1 + 60 * u_num))),
    map('service.name', %(svc_names)s[s], 'k8s.pod.name', pod, 'k8s.namespace.name', %(svc_ns)s[s],
        'k8s.deployment.name', %(svc_names)s[s], 'k8s.cluster.name', %(cluster)s, 'deployment.environment', 'production'),
    'tfo.demo',
    '1.0',
    map('code.namespace', concat(%(svc_names)s[s], '.handler'), 'log.origin', 'stdout')
FROM
(
    SELECT
        *,
        multiIf(u_sev < err_p, 'ERROR', u_sev < err_p + warn_p, 'WARN', u_sev < err_p + warn_p + 0.15, 'DEBUG', 'INFO')
            AS sev,
        multiIf(sev = 'ERROR', if(incident_hit, %(inc_templates)s[1 + modulo(t, length(%(inc_templates)s))],
                                  %(t_error)s[1 + modulo(t, length(%(t_error)s))]),
                sev = 'WARN', %(t_warn)s[1 + modulo(t, length(%(t_warn)s))],
                sev = 'DEBUG', %(t_debug)s[1 + modulo(t, length(%(t_debug)s))],
                %(t_info)s[1 + modulo(t, length(%(t_info)s))]) AS template
    FROM
    (
        SELECT
            number AS n,
            %(slot0)s + n AS t,
            toDateTime64(addMicroseconds(toDateTime64(%(chunk_start)s, 6, 'UTC'),
                toInt64((n + cityHash64(%(seed)s, %(org_idx)s, t, 51) / 18446744073709551616.0) * %(us_per_slot)s)),
                9, 'UTC') AS ts,
            cityHash64(%(seed)s, %(org_idx)s, t, 52) / 18446744073709551616.0 AS u_keep,
            cityHash64(%(seed)s, %(org_idx)s, t, 53) / 18446744073709551616.0 AS u_svc,
            cityHash64(%(seed)s, %(org_idx)s, t, 54) / 18446744073709551616.0 AS u_sev,
            cityHash64(%(seed)s, %(org_idx)s, t, 55) / 18446744073709551616.0 AS u_num,
            sin(2 * pi() * (toHour(ts) + toMinute(ts) / 60 - 10) / 24) AS diurnal,
            ts >= toDateTime64(%(inc_start)s, 9, 'UTC') AND ts < toDateTime64(%(inc_end)s, 9, 'UTC') AS in_incident,
            cityHash64(%(seed)s, %(org_idx)s, t, 57) / 18446744073709551616.0 AS u_bias,
            if(in_incident AND u_bias < %(inc_svc_share)s, %(inc_svc)s, arrayFirstIndex(x -> x >= u_svc, %(svc_cum)s)) AS s,
            in_incident AND %(inc_svc_mask)s[s] = 1 AS incident_hit,
            if(incident_hit, %(inc_log_error)s, %(svc_log_error)s[s]) AS err_p,
            if(incident_hit, 0.2, 0.08) AS warn_p,
            %(pod_names)s[(s - 1) * %(instances)s + modulo(cityHash64(%(seed)s, %(org_idx)s, t, 56), %(instances)s) + 1]
                AS pod
        FROM numbers(%(row0)s, %(rows)s)
        WHERE u_keep < (1 + %(diurnal_amp)s * diurnal) / (1 + %(diurnal_amp)s)
          AND ts >= toDateTime64(%(since)s, 9, 'UTC') AND ts < toDateTime64(%(until)s, 9, 'UTC')
    )
)
