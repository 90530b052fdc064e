-- Demo data: synthetic uptime checks, one per monitor and region every step_ms (60 s / scale; each series starts
-- up to jitter_ms late). Outside outages a check fails rarely (0.3 %%); inside a monitor's outage window (offsets
-- from start, ms) it fails with 503 or times out.
-- ssl_days_remaining counts down from the monitor's value at start (-1 for non-HTTPS monitors).
INSERT INTO uptime_checks (checked_at, monitor_id, monitor_name, status, status_code, response_time, ip_address, region,
                           error_message, ssl_days_remaining, organization_id, workspace_id, tenant_id)
SELECT
    ts,
    %(mon_ids)s[m],
    %(mon_names)s[m],
    status,
    multiIf(status = 'success', 200, status = 'failure', 503, status = 'error', 502, 0),
    toUInt32(if(status = 'timeout', %(timeout_ms)s,
                %(mon_latency_ms)s[m] * %(region_factor)s[rg] * exp(0.25 * gauss) * if(in_outage, 3.5, 1))),
    %(mon_ips)s[m],
    %(regions)s[rg],
    multiIf(status = 'failure', 'HTTP 503 Service Unavailable', status = 'timeout',
            concat('timeout after ', toString(%(timeout_ms)s), ' ms'), status = 'error', 'HTTP 502 Bad Gateway', ''),
    if(%(mon_ssl_days)s[m] < 0, -1, toInt32(%(mon_ssl_days)s[m] - intDiv(offset_ms, 86400000))),
    %(org_id)s,
    %(mon_ws)s[m],
    %(mon_tenant)s[m]
FROM
(
    SELECT
        *,
        multiIf(in_outage AND u_status < 0.72, 'failure', in_outage, 'timeout',
                u_status < 0.002, 'timeout', u_status < 0.003, 'error', 'success') AS status
    FROM
    (
        SELECT
            modulo(number, %(series)s) AS k,
            intDiv(k, length(%(regions)s)) + 1 AS m,
            modulo(k, length(%(regions)s)) + 1 AS rg,
            %(p0)s + intDiv(number, %(series)s) AS p,
            p * %(step_ms)s + modulo(cityHash64(%(seed)s, %(org_idx)s, k, 61), %(jitter_ms)s) AS offset_ms,
            addMilliseconds(toDateTime64(%(start)s, 3, 'UTC'), offset_ms) AS ts,
            offset_ms >= %(mon_out_from_ms)s[m] AND offset_ms < %(mon_out_to_ms)s[m] AS in_outage,
            cityHash64(%(seed)s, %(org_idx)s, k, p, 62) / 18446744073709551616.0 AS u_status,
            cityHash64(%(seed)s, %(org_idx)s, k, p, 63) / 18446744073709551616.0 AS u1,
            cityHash64(%(seed)s, %(org_idx)s, k, p, 64) / 18446744073709551616.0 AS u2,
            sqrt(-2 * log(greatest(u1, 1e-12))) * cos(2 * pi() * u2) AS gauss
        FROM numbers(%(rows)s)
    )
)
