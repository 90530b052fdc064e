-- Demo data: service metrics for one organization and one time chunk, generated inside ClickHouse.
-- One sample per minute per series (service x metric x instance); rows = minutes x series. A statement writes the
-- chunk's rows row0 .. row0 + rows - 1 (whole minutes of one UTC day).
-- Deterministic: every random draw is cityHash64(seed, org_idx, row, salt) / 2^64.
-- value = base x (1 + amp x diurnal) x (1 + noise x N(0,1)) x incident factor x occasional tail + trend x hours,
-- clamped to [lo, hi]. diurnal peaks at 16:00 UTC. Per (service, metric) arrays are flattened row-major.
INSERT INTO metrics (timestamp, metric_name, metric_type, value, service_name, organization_id, workspace_id, tenant_id,
                     resource_attributes, metric_attributes, unit)
SELECT
    ts,
    %(m_names)s[mi],
    %(m_types)s[mi],
    round(greatest(%(m_lo)s[mi], least(%(m_hi)s[mi], raw)), 4),
    %(svc_names)s[si],
    %(org_id)s,
    %(svc_ws)s[si],
    %(svc_tenant)s[si],
    map('service.name', %(svc_names)s[si], 'service.version', version, 'service.instance.id', pod, 'k8s.pod.name', pod,
        'k8s.namespace.name', %(svc_ns)s[si], 'k8s.cluster.name', %(cluster)s, 'deployment.environment', 'production'),
    if(startsWith(%(m_names)s[mi], 'http.server'), map('http.route', %(svc_op)s[si]), map()),
    %(m_units)s[mi]
FROM
(
    SELECT
        -- the rows come series by series (n walks the minutes of one series, then the next): close to the table's
        -- sort order, so the insert and its rollups sort less; the set of n, hence every value, is the same
        %(row0)s + modulo(number - %(row0)s, intDiv(%(rows)s, %(series)s)) * %(series)s
            + intDiv(number - %(row0)s, intDiv(%(rows)s, %(series)s)) AS n,
        %(minute0)s + intDiv(n, %(series)s) AS minute_idx,
        modulo(n, %(series)s) AS series_idx,
        intDiv(series_idx, %(n_metrics)s * %(instances)s) + 1 AS si,
        modulo(intDiv(series_idx, %(instances)s), %(n_metrics)s) + 1 AS mi,
        modulo(series_idx, %(instances)s) AS ii,
        (si - 1) * %(n_metrics)s + mi AS k,
        addMilliseconds(toDateTime64(%(start)s, 9, 'UTC'),
                        minute_idx * 60000 + modulo(cityHash64(%(seed)s, %(org_idx)s, series_idx, 1), 60000)) AS ts,
        %(pod_names)s[(si - 1) * %(instances)s + ii + 1] AS pod,
        if(si = %(deploy_svc)s AND ts >= toDateTime64(%(deploy_at)s, 9, 'UTC'), %(deploy_version)s, %(svc_version)s[si]) AS version,
        sin(2 * pi() * (toHour(ts) + toMinute(ts) / 60 - 10) / 24) AS diurnal,
        cityHash64(%(seed)s, %(org_idx)s, n, 2) / 18446744073709551616.0 AS u1,
        cityHash64(%(seed)s, %(org_idx)s, n, 3) / 18446744073709551616.0 AS u2,
        cityHash64(%(seed)s, %(org_idx)s, n, 4) / 18446744073709551616.0 AS u3,
        sqrt(-2 * log(greatest(u1, 1e-12))) * cos(2 * pi() * u2) AS gauss,
        ts >= toDateTime64(%(inc_start)s, 9, 'UTC') AND ts < toDateTime64(%(inc_end)s, 9, 'UTC') AS in_incident,
        %(sm_base)s[k] * (1 + %(m_amp)s[mi] * diurnal) * greatest(0.05, 1 + %(m_noise)s[mi] * gauss)
            * if(in_incident, %(sm_inc)s[k], 1)
            * if(u3 < %(m_tail)s[mi], 2.5 + 40 * u3, 1)
            + %(sm_trend)s[k] * (minute_idx / 60) AS raw
    FROM numbers(%(row0)s, %(rows)s)
)
