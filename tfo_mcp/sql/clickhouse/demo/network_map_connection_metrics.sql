-- Demo data: network-map connection samples, one per connection every step_ms: bandwidth (Mbit/s, diurnal),
-- latency (ms), packet loss (%%, higher on lossy links) and the bytes moved in the interval.
INSERT INTO network_map_connection_metrics (timestamp, connection_id, source_node_id, target_node_id, bandwidth, latency,
                                            packet_loss, bytes_sent, bytes_received, organization_id, workspace_id,
                                            tenant_id)
SELECT
    ts,
    %(conn_ids)s[k],
    %(conn_src)s[k],
    %(conn_dst)s[k],
    round(bw, 2),
    round(greatest(0.05, %(conn_latency)s[k] * exp(0.2 * g1) * if(in_incident, 4, 1)), 3),
    round(greatest(0, %(conn_loss)s[k] * (1 + 0.4 * g2) * if(in_incident, 3, 1)), 3),
    toUInt64(bw * 125000 * %(step_ms)s / 1000 * 0.55),
    toUInt64(bw * 125000 * %(step_ms)s / 1000 * 0.45),
    %(org_id)s,
    %(conn_ws)s[k],
    %(conn_tenant)s[k]
FROM
(
    SELECT
        *,
        greatest(0.1, %(conn_bw)s[k] * (1 + 0.5 * diurnal) * (1 + 0.1 * g1)) AS bw
    FROM
    (
        SELECT
            modulo(number, length(%(conn_ids)s)) + 1 AS k,
            %(p0)s + intDiv(number, length(%(conn_ids)s)) AS p,
            p * %(step_ms)s + modulo(cityHash64(%(seed)s, %(org_idx)s, k, 81), 30000) AS offset_ms,
            addMilliseconds(toDateTime64(%(start)s, 3, 'UTC'), offset_ms) AS ts,
            sin(2 * pi() * (toHour(ts) + toMinute(ts) / 60 - 10) / 24) AS diurnal,
            offset_ms >= %(conn_inc_from_ms)s[k] AND offset_ms < %(conn_inc_to_ms)s[k] AS in_incident,
            sqrt(-2 * log(greatest(cityHash64(%(seed)s, %(org_idx)s, k, p, 82) / 18446744073709551616.0, 1e-12)))
                * cos(2 * pi() * cityHash64(%(seed)s, %(org_idx)s, k, p, 83) / 18446744073709551616.0) AS g1,
            sqrt(-2 * log(greatest(cityHash64(%(seed)s, %(org_idx)s, k, p, 84) / 18446744073709551616.0, 1e-12)))
                * cos(2 * pi() * cityHash64(%(seed)s, %(org_idx)s, k, p, 85) / 18446744073709551616.0) AS g2
        FROM numbers(%(rows)s)
    )
)
