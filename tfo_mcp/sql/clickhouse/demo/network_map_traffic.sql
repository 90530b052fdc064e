-- Demo data: network-map node samples, one per node every step_ms. Each node has base utilisation figures;
-- traffic follows the diurnal curve, utilisation drifts by trend_pct per hour (the saturating disk), and
-- error_rate rises inside the node's incident window (offsets from start, ms).
INSERT INTO network_map_traffic (timestamp, node_id, node_name, cpu_usage, memory_usage, disk_usage, network_in,
                                 network_out, active_connections, error_rate, organization_id, workspace_id, tenant_id)
SELECT
    ts,
    %(node_ids)s[k],
    %(node_names)s[k],
    round(least(100, greatest(0, %(node_cpu)s[k] * (1 + 0.3 * diurnal) * (1 + 0.08 * g1))), 2),
    round(least(100, greatest(0, %(node_mem)s[k] * (1 + 0.02 * g2))), 2),
    round(least(100, greatest(0, %(node_disk)s[k] + %(node_disk_trend)s[k] * offset_ms / 3600000)), 2),
    round(greatest(0, %(node_net)s[k] * (1 + 0.5 * diurnal) * (1 + 0.1 * g1)), 0),
    round(greatest(0, %(node_net)s[k] * 0.7 * (1 + 0.5 * diurnal) * (1 + 0.1 * g2)), 0),
    round(greatest(0, %(node_conns)s[k] * (1 + 0.45 * diurnal) * (1 + 0.1 * g2)), 0),
    round(greatest(0, if(in_incident, 6 + 3 * g1, 0.15 + 0.05 * g1)), 3),
    %(org_id)s,
    %(node_ws)s[k],
    %(node_tenant)s[k]
FROM
(
    SELECT
        modulo(number, length(%(node_ids)s)) + 1 AS k,
        %(p0)s + intDiv(number, length(%(node_ids)s)) AS p,
        p * %(step_ms)s + modulo(cityHash64(%(seed)s, %(org_idx)s, k, 71), 30000) AS offset_ms,
        addMilliseconds(toDateTime64(%(start)s, 3, 'UTC'), offset_ms) AS ts,
        sin(2 * pi() * (toHour(ts) + toMinute(ts) / 60 - 10) / 24) AS diurnal,
        offset_ms >= %(node_inc_from_ms)s[k] AND offset_ms < %(node_inc_to_ms)s[k] AS in_incident,
        sqrt(-2 * log(greatest(cityHash64(%(seed)s, %(org_idx)s, k, p, 72) / 18446744073709551616.0, 1e-12)))
            * cos(2 * pi() * cityHash64(%(seed)s, %(org_idx)s, k, p, 73) / 18446744073709551616.0) AS g1,
        sqrt(-2 * log(greatest(cityHash64(%(seed)s, %(org_idx)s, k, p, 74) / 18446744073709551616.0, 1e-12)))
            * cos(2 * pi() * cityHash64(%(seed)s, %(org_idx)s, k, p, 75) / 18446744073709551616.0) AS g2
    FROM numbers(%(rows)s)
)
