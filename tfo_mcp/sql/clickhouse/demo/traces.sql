-- Demo data: distributed traces for one organization and one time chunk, generated inside ClickHouse.
-- Trace slots are spread evenly over the chunk and thinned by the diurnal curve (rejection sampling), so traffic
-- peaks at 16:00 UTC. Each kept slot picks a route (weighted by traffic), draws one total latency (log-normal with a
-- 2 %% heavy tail, slower during the incident) and whether the trace faults (baseline or incident probability);
-- ARRAY JOIN then expands the route into its spans (gateway -> service -> datastore / downstream service).
-- Spans on the route's fault path get status ERROR when the trace faults. A datastore CLIENT span names its peer
-- (`peer.service`, `server.address`) as OpenTelemetry's database instrumentations do; a call to another service is
-- the callee's SERVER span under the caller's span (no CLIENT span), so that edge shows as parent/child. During the
-- incident a share of the slots goes to the incident route (clients retrying, and tail sampling keeping every failed
-- trace), so the burst is visible even at scale 1. Ids are hashes of (seed, org, slot). A statement writes the
-- slots row0 .. row0 + rows - 1 of a chunk and keeps the spans of one UTC day [since, until).
INSERT INTO traces (timestamp, trace_id, span_id, parent_span_id, span_name, span_kind, service_name, status_code,
                    status_message, duration_ns, organization_id, workspace_id, tenant_id, resource_attributes,
                    span_attributes)
SELECT
    addMicroseconds(trace_start, toInt64((sp - 1) * %(span_gap_us)s + 200 * u_span)) AS ts,
    trace_id,
    lower(leftPad(hex(cityHash64(%(seed)s, %(org_idx)s, t, sp)), 16, '0')),
    if(parent = 0, '', lower(leftPad(hex(cityHash64(%(seed)s, %(org_idx)s, t, parent)), 16, '0'))),
    %(r_name)s[r][sp],
    kind,
    %(svc_names)s[svc],
    if(failed, 'ERROR', if(kind IN ('SERVER', 'CONSUMER'), 'OK', 'UNSET')),
    if(failed, if(in_incident AND %(inc_svc_mask)s[svc] = 1, %(inc_msg)s, %(svc_err_msg)s[svc]), ''),
    toUInt64(greatest(50000, total_ms * %(r_share)s[r][sp] * (0.85 + 0.3 * u_span) * 1000000)),
    %(org_id)s,
    %(svc_ws)s[svc],
    %(svc_tenant)s[svc],
    map('service.name', %(svc_names)s[svc], 'service.version', version, 'k8s.pod.name', pod,
        'k8s.namespace.name', %(svc_ns)s[svc], 'k8s.cluster.name', %(cluster)s, 'deployment.environment', 'production'),
    if(%(r_db)s[r][sp] != '',
       map('db.system', %(r_db)s[r][sp], 'db.statement', %(r_name)s[r][sp], 'db.name', %(svc_names)s[svc],
           'peer.service', %(svc_store_peer)s[svc],
           'server.address', concat(%(svc_store_peer)s[svc], '.', %(svc_ns)s[svc], '.svc.cluster.local')),
       map('http.route', %(r_name)s[r][sp], 'http.response.status_code', if(failed, if(in_incident, '504', '500'), '200')))
FROM
(
    SELECT
        *,
        sp,
        %(r_svc)s[r][sp] AS svc,
        %(r_parent)s[r][sp] AS parent,
        %(r_kind)s[r][sp] AS kind,
        faulted AND %(r_fault)s[r][sp] = 1 AS failed,
        cityHash64(%(seed)s, %(org_idx)s, t, sp, 31) / 18446744073709551616.0 AS u_span,
        %(pod_names)s[(svc - 1) * %(instances)s + modulo(cityHash64(%(seed)s, %(org_idx)s, t, sp, 32), %(instances)s) + 1]
            AS pod,
        if(svc = %(deploy_svc)s AND trace_start >= toDateTime64(%(deploy_at)s, 9, 'UTC'), %(deploy_version)s,
           %(svc_version)s[svc]) AS version
    FROM
    (
        SELECT
            number AS n,
            %(trace0)s + n AS t,
            toDateTime64(addMicroseconds(toDateTime64(%(chunk_start)s, 6, 'UTC'),
                toInt64((n + cityHash64(%(seed)s, %(org_idx)s, t, 11) / 18446744073709551616.0) * %(us_per_slot)s)),
                9, 'UTC') AS trace_start,
            cityHash64(%(seed)s, %(org_idx)s, t, 12) / 18446744073709551616.0 AS u_keep,
            cityHash64(%(seed)s, %(org_idx)s, t, 13) / 18446744073709551616.0 AS u_route,
            cityHash64(%(seed)s, %(org_idx)s, t, 14) / 18446744073709551616.0 AS u_fault,
            cityHash64(%(seed)s, %(org_idx)s, t, 15) / 18446744073709551616.0 AS u1,
            cityHash64(%(seed)s, %(org_idx)s, t, 16) / 18446744073709551616.0 AS u2,
            cityHash64(%(seed)s, %(org_idx)s, t, 17) / 18446744073709551616.0 AS u_tail,
            sin(2 * pi() * (toHour(trace_start) + toMinute(trace_start) / 60 - 10) / 24) AS diurnal,
            cityHash64(%(seed)s, %(org_idx)s, t, 18) / 18446744073709551616.0 AS u_bias,
            if(in_incident AND u_bias < %(inc_route_share)s, %(inc_route)s, arrayFirstIndex(x -> x >= u_route, %(r_cum)s))
                AS r,
            trace_start >= toDateTime64(%(inc_start)s, 9, 'UTC') AND trace_start < toDateTime64(%(inc_end)s, 9, 'UTC')
                AS in_incident,
            u_fault < %(r_err)s[r] + if(in_incident, %(r_inc)s[r], 0) AS faulted,
            %(r_base_ms)s[r] * exp(0.35 * sqrt(-2 * log(greatest(u1, 1e-12))) * cos(2 * pi() * u2))
                * if(u_tail < 0.02, 3 + 250 * u_tail, 1)
                * if(in_incident, %(r_inc_lat)s[r], 1)
                * if(faulted, 1.6, 1) AS total_ms,
            concat(lower(leftPad(hex(cityHash64(%(seed)s, %(org_idx)s, t, 21)), 16, '0')),
                   lower(leftPad(hex(cityHash64(%(seed)s, %(org_idx)s, t, 22)), 16, '0'))) AS trace_id
        FROM numbers(%(row0)s, %(rows)s)
        WHERE u_keep < (1 + %(diurnal_amp)s * diurnal) / (1 + %(diurnal_amp)s)
    )
    ARRAY JOIN arrayEnumerate(%(r_svc)s[r]) AS sp
)
WHERE ts >= toDateTime64(%(since)s, 9, 'UTC') AND ts < toDateTime64(%(until)s, 9, 'UTC')
