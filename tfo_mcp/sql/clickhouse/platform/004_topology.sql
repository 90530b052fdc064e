-- TFO platform schema, part 4: service-map and network-map metrics, DNS query log and firewall events.
-- TFO's service_map_metrics_* / network_map_*_* rollups are SummingMergeTree tables whose avg_* columns are
-- averages that the engine then SUMS on merge (wrong after the first merge); TFO's collector reads them with a
-- plain avg(avg_x). Here each rollup stores sums and a sample count as SimpleAggregateFunction(sum) (plus max/min
-- where useful), and exposes the TFO names avg_x as ALIAS columns computing sum / count per row, so both
-- avg(avg_latency) (TFO-style) and the exact sum(sum_latency) / sum(sample_count) work.
-- network_dns_queries and network_firewall_events have no TFO counterpart (reference 3.3 "none"); they follow
-- the usual shape: one event per row, organization-first sort key, UTC timestamps.

-- One sample per service and interval, computed by the platform from the service's traces and probes.
-- error_rate is a percentage (0..100), avg_latency milliseconds, health_score 0..100, uptime a percentage,
-- request_rate requests per second. service_id is service_map_services.id (PostgreSQL).
CREATE TABLE IF NOT EXISTS service_map_metrics
(
    timestamp DateTime64(3, 'UTC'),
    service_id String,
    service_name LowCardinality(String),
    error_rate Float64,
    avg_latency Float64,
    health_score Float64,
    uptime Float64,
    request_rate Float64,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, service_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS service_map_metrics_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_id String,
    service_name String,
    sum_health_score SimpleAggregateFunction(sum, Float64),
    sum_latency SimpleAggregateFunction(sum, Float64),
    sum_error_rate SimpleAggregateFunction(sum, Float64),
    sum_request_rate SimpleAggregateFunction(sum, Float64),
    sum_uptime SimpleAggregateFunction(sum, Float64),
    sample_count SimpleAggregateFunction(sum, UInt64),
    max_latency SimpleAggregateFunction(max, Float64),
    max_error_rate SimpleAggregateFunction(max, Float64),
    min_health_score SimpleAggregateFunction(min, Float64),
    avg_health_score Float64 ALIAS if(sample_count = 0, 0, sum_health_score / sample_count),
    avg_latency Float64 ALIAS if(sample_count = 0, 0, sum_latency / sample_count),
    avg_error_rate Float64 ALIAS if(sample_count = 0, 0, sum_error_rate / sample_count),
    avg_request_rate Float64 ALIAS if(sample_count = 0, 0, sum_request_rate / sample_count),
    avg_uptime Float64 ALIAS if(sample_count = 0, 0, sum_uptime / sample_count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, service_id, service_name, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_map_metrics_5m_feed TO service_map_metrics_5m AS
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes,
       organization_id, workspace_id, tenant_id, service_id, service_name,
       sum(health_score) AS sum_health_score,
       sum(avg_latency) AS sum_latency,
       sum(error_rate) AS sum_error_rate,
       sum(request_rate) AS sum_request_rate,
       sum(uptime) AS sum_uptime,
       count() AS sample_count,
       max(avg_latency) AS max_latency,
       max(error_rate) AS max_error_rate,
       min(health_score) AS min_health_score
FROM service_map_metrics
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, service_id, service_name;

CREATE TABLE IF NOT EXISTS service_map_metrics_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_id String,
    service_name String,
    sum_health_score SimpleAggregateFunction(sum, Float64),
    sum_latency SimpleAggregateFunction(sum, Float64),
    sum_error_rate SimpleAggregateFunction(sum, Float64),
    sum_request_rate SimpleAggregateFunction(sum, Float64),
    sum_uptime SimpleAggregateFunction(sum, Float64),
    sample_count SimpleAggregateFunction(sum, UInt64),
    max_latency SimpleAggregateFunction(max, Float64),
    max_error_rate SimpleAggregateFunction(max, Float64),
    min_health_score SimpleAggregateFunction(min, Float64),
    avg_health_score Float64 ALIAS if(sample_count = 0, 0, sum_health_score / sample_count),
    avg_latency Float64 ALIAS if(sample_count = 0, 0, sum_latency / sample_count),
    avg_error_rate Float64 ALIAS if(sample_count = 0, 0, sum_error_rate / sample_count),
    avg_request_rate Float64 ALIAS if(sample_count = 0, 0, sum_request_rate / sample_count),
    avg_uptime Float64 ALIAS if(sample_count = 0, 0, sum_uptime / sample_count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, service_id, service_name, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_map_metrics_1h_feed TO service_map_metrics_1h AS
SELECT toStartOfHour(timestamp) AS hour,
       organization_id, workspace_id, tenant_id, service_id, service_name,
       sum(health_score) AS sum_health_score,
       sum(avg_latency) AS sum_latency,
       sum(error_rate) AS sum_error_rate,
       sum(request_rate) AS sum_request_rate,
       sum(uptime) AS sum_uptime,
       count() AS sample_count,
       max(avg_latency) AS max_latency,
       max(error_rate) AS max_error_rate,
       min(health_score) AS min_health_score
FROM service_map_metrics
GROUP BY hour, organization_id, workspace_id, tenant_id, service_id, service_name;

CREATE TABLE IF NOT EXISTS service_map_metrics_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_id String,
    service_name String,
    sum_health_score SimpleAggregateFunction(sum, Float64),
    sum_latency SimpleAggregateFunction(sum, Float64),
    sum_error_rate SimpleAggregateFunction(sum, Float64),
    sum_request_rate SimpleAggregateFunction(sum, Float64),
    sum_uptime SimpleAggregateFunction(sum, Float64),
    sample_count SimpleAggregateFunction(sum, UInt64),
    max_latency SimpleAggregateFunction(max, Float64),
    max_error_rate SimpleAggregateFunction(max, Float64),
    min_health_score SimpleAggregateFunction(min, Float64),
    avg_health_score Float64 ALIAS if(sample_count = 0, 0, sum_health_score / sample_count),
    avg_latency Float64 ALIAS if(sample_count = 0, 0, sum_latency / sample_count),
    avg_error_rate Float64 ALIAS if(sample_count = 0, 0, sum_error_rate / sample_count),
    avg_request_rate Float64 ALIAS if(sample_count = 0, 0, sum_request_rate / sample_count),
    avg_uptime Float64 ALIAS if(sample_count = 0, 0, sum_uptime / sample_count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, service_id, service_name, day, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_map_metrics_1d_feed TO service_map_metrics_1d AS
SELECT toDate(timestamp) AS day,
       organization_id, workspace_id, tenant_id, service_id, service_name,
       sum(health_score) AS sum_health_score,
       sum(avg_latency) AS sum_latency,
       sum(error_rate) AS sum_error_rate,
       sum(request_rate) AS sum_request_rate,
       sum(uptime) AS sum_uptime,
       count() AS sample_count,
       max(avg_latency) AS max_latency,
       max(error_rate) AS max_error_rate,
       min(health_score) AS min_health_score
FROM service_map_metrics
GROUP BY day, organization_id, workspace_id, tenant_id, service_id, service_name;

-- One sample per network-map node (network_map_nodes.id) and interval. cpu/memory/disk usage and error_rate are
-- percentages, network_in/out bytes per second, active_connections a gauge.
CREATE TABLE IF NOT EXISTS network_map_traffic
(
    timestamp DateTime64(3, 'UTC'),
    node_id String,
    node_name String,
    cpu_usage Float64,
    memory_usage Float64,
    disk_usage Float64,
    network_in Float64,
    network_out Float64,
    active_connections Float64,
    error_rate Float64,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, node_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS network_map_traffic_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    node_id String,
    node_name String,
    sum_cpu_usage SimpleAggregateFunction(sum, Float64),
    sum_memory_usage SimpleAggregateFunction(sum, Float64),
    sum_disk_usage SimpleAggregateFunction(sum, Float64),
    sum_network_in SimpleAggregateFunction(sum, Float64),
    sum_network_out SimpleAggregateFunction(sum, Float64),
    sum_active_connections SimpleAggregateFunction(sum, Float64),
    sum_error_rate SimpleAggregateFunction(sum, Float64),
    sample_count SimpleAggregateFunction(sum, UInt64),
    max_cpu_usage SimpleAggregateFunction(max, Float64),
    max_memory_usage SimpleAggregateFunction(max, Float64),
    max_disk_usage SimpleAggregateFunction(max, Float64),
    avg_cpu_usage Float64 ALIAS if(sample_count = 0, 0, sum_cpu_usage / sample_count),
    avg_memory_usage Float64 ALIAS if(sample_count = 0, 0, sum_memory_usage / sample_count),
    avg_disk_usage Float64 ALIAS if(sample_count = 0, 0, sum_disk_usage / sample_count),
    avg_network_in Float64 ALIAS if(sample_count = 0, 0, sum_network_in / sample_count),
    avg_network_out Float64 ALIAS if(sample_count = 0, 0, sum_network_out / sample_count),
    avg_active_connections Float64 ALIAS if(sample_count = 0, 0, sum_active_connections / sample_count),
    avg_error_rate Float64 ALIAS if(sample_count = 0, 0, sum_error_rate / sample_count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, node_id, node_name, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS network_map_traffic_5m_feed TO network_map_traffic_5m AS
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes,
       organization_id, workspace_id, tenant_id, node_id, node_name,
       sum(cpu_usage) AS sum_cpu_usage,
       sum(memory_usage) AS sum_memory_usage,
       sum(disk_usage) AS sum_disk_usage,
       sum(network_in) AS sum_network_in,
       sum(network_out) AS sum_network_out,
       sum(active_connections) AS sum_active_connections,
       sum(error_rate) AS sum_error_rate,
       count() AS sample_count,
       max(cpu_usage) AS max_cpu_usage,
       max(memory_usage) AS max_memory_usage,
       max(disk_usage) AS max_disk_usage
FROM network_map_traffic
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, node_id, node_name;

CREATE TABLE IF NOT EXISTS network_map_traffic_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    node_id String,
    node_name String,
    sum_cpu_usage SimpleAggregateFunction(sum, Float64),
    sum_memory_usage SimpleAggregateFunction(sum, Float64),
    sum_disk_usage SimpleAggregateFunction(sum, Float64),
    sum_network_in SimpleAggregateFunction(sum, Float64),
    sum_network_out SimpleAggregateFunction(sum, Float64),
    sum_active_connections SimpleAggregateFunction(sum, Float64),
    sum_error_rate SimpleAggregateFunction(sum, Float64),
    sample_count SimpleAggregateFunction(sum, UInt64),
    max_cpu_usage SimpleAggregateFunction(max, Float64),
    max_memory_usage SimpleAggregateFunction(max, Float64),
    max_disk_usage SimpleAggregateFunction(max, Float64),
    avg_cpu_usage Float64 ALIAS if(sample_count = 0, 0, sum_cpu_usage / sample_count),
    avg_memory_usage Float64 ALIAS if(sample_count = 0, 0, sum_memory_usage / sample_count),
    avg_disk_usage Float64 ALIAS if(sample_count = 0, 0, sum_disk_usage / sample_count),
    avg_network_in Float64 ALIAS if(sample_count = 0, 0, sum_network_in / sample_count),
    avg_network_out Float64 ALIAS if(sample_count = 0, 0, sum_network_out / sample_count),
    avg_active_connections Float64 ALIAS if(sample_count = 0, 0, sum_active_connections / sample_count),
    avg_error_rate Float64 ALIAS if(sample_count = 0, 0, sum_error_rate / sample_count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, node_id, node_name, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS network_map_traffic_1h_feed TO network_map_traffic_1h AS
SELECT toStartOfHour(timestamp) AS hour,
       organization_id, workspace_id, tenant_id, node_id, node_name,
       sum(cpu_usage) AS sum_cpu_usage,
       sum(memory_usage) AS sum_memory_usage,
       sum(disk_usage) AS sum_disk_usage,
       sum(network_in) AS sum_network_in,
       sum(network_out) AS sum_network_out,
       sum(active_connections) AS sum_active_connections,
       sum(error_rate) AS sum_error_rate,
       count() AS sample_count,
       max(cpu_usage) AS max_cpu_usage,
       max(memory_usage) AS max_memory_usage,
       max(disk_usage) AS max_disk_usage
FROM network_map_traffic
GROUP BY hour, organization_id, workspace_id, tenant_id, node_id, node_name;

CREATE TABLE IF NOT EXISTS network_map_traffic_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    node_id String,
    node_name String,
    sum_cpu_usage SimpleAggregateFunction(sum, Float64),
    sum_memory_usage SimpleAggregateFunction(sum, Float64),
    sum_disk_usage SimpleAggregateFunction(sum, Float64),
    sum_network_in SimpleAggregateFunction(sum, Float64),
    sum_network_out SimpleAggregateFunction(sum, Float64),
    sum_active_connections SimpleAggregateFunction(sum, Float64),
    sum_error_rate SimpleAggregateFunction(sum, Float64),
    sample_count SimpleAggregateFunction(sum, UInt64),
    max_cpu_usage SimpleAggregateFunction(max, Float64),
    max_memory_usage SimpleAggregateFunction(max, Float64),
    max_disk_usage SimpleAggregateFunction(max, Float64),
    avg_cpu_usage Float64 ALIAS if(sample_count = 0, 0, sum_cpu_usage / sample_count),
    avg_memory_usage Float64 ALIAS if(sample_count = 0, 0, sum_memory_usage / sample_count),
    avg_disk_usage Float64 ALIAS if(sample_count = 0, 0, sum_disk_usage / sample_count),
    avg_network_in Float64 ALIAS if(sample_count = 0, 0, sum_network_in / sample_count),
    avg_network_out Float64 ALIAS if(sample_count = 0, 0, sum_network_out / sample_count),
    avg_active_connections Float64 ALIAS if(sample_count = 0, 0, sum_active_connections / sample_count),
    avg_error_rate Float64 ALIAS if(sample_count = 0, 0, sum_error_rate / sample_count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, node_id, node_name, day, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS network_map_traffic_1d_feed TO network_map_traffic_1d AS
SELECT toDate(timestamp) AS day,
       organization_id, workspace_id, tenant_id, node_id, node_name,
       sum(cpu_usage) AS sum_cpu_usage,
       sum(memory_usage) AS sum_memory_usage,
       sum(disk_usage) AS sum_disk_usage,
       sum(network_in) AS sum_network_in,
       sum(network_out) AS sum_network_out,
       sum(active_connections) AS sum_active_connections,
       sum(error_rate) AS sum_error_rate,
       count() AS sample_count,
       max(cpu_usage) AS max_cpu_usage,
       max(memory_usage) AS max_memory_usage,
       max(disk_usage) AS max_disk_usage
FROM network_map_traffic
GROUP BY day, organization_id, workspace_id, tenant_id, node_id, node_name;

-- One sample per network-map connection (network_map_connections.id) and interval: bandwidth Mbit/s, latency ms,
-- packet_loss percentage, bytes sent/received in the interval.
CREATE TABLE IF NOT EXISTS network_map_connection_metrics
(
    timestamp DateTime64(3, 'UTC'),
    connection_id String,
    source_node_id String,
    target_node_id String,
    bandwidth Float64,
    latency Float64,
    packet_loss Float64,
    bytes_sent UInt64,
    bytes_received UInt64,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, connection_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS network_map_connection_metrics_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    connection_id String,
    source_node_id String,
    target_node_id String,
    sum_bandwidth SimpleAggregateFunction(sum, Float64),
    sum_latency SimpleAggregateFunction(sum, Float64),
    sum_packet_loss SimpleAggregateFunction(sum, Float64),
    sample_count SimpleAggregateFunction(sum, UInt64),
    max_latency SimpleAggregateFunction(max, Float64),
    max_packet_loss SimpleAggregateFunction(max, Float64),
    total_bytes_sent SimpleAggregateFunction(sum, UInt64),
    total_bytes_received SimpleAggregateFunction(sum, UInt64),
    avg_bandwidth Float64 ALIAS if(sample_count = 0, 0, sum_bandwidth / sample_count),
    avg_latency Float64 ALIAS if(sample_count = 0, 0, sum_latency / sample_count),
    avg_packet_loss Float64 ALIAS if(sample_count = 0, 0, sum_packet_loss / sample_count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, connection_id, source_node_id, target_node_id, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS network_map_connection_metrics_5m_feed TO network_map_connection_metrics_5m AS
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes,
       organization_id, workspace_id, tenant_id, connection_id, source_node_id, target_node_id,
       sum(bandwidth) AS sum_bandwidth,
       sum(latency) AS sum_latency,
       sum(packet_loss) AS sum_packet_loss,
       count() AS sample_count,
       max(latency) AS max_latency,
       max(packet_loss) AS max_packet_loss,
       sum(bytes_sent) AS total_bytes_sent,
       sum(bytes_received) AS total_bytes_received
FROM network_map_connection_metrics
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, connection_id, source_node_id, target_node_id;

CREATE TABLE IF NOT EXISTS network_map_connection_metrics_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    connection_id String,
    source_node_id String,
    target_node_id String,
    sum_bandwidth SimpleAggregateFunction(sum, Float64),
    sum_latency SimpleAggregateFunction(sum, Float64),
    sum_packet_loss SimpleAggregateFunction(sum, Float64),
    sample_count SimpleAggregateFunction(sum, UInt64),
    max_latency SimpleAggregateFunction(max, Float64),
    max_packet_loss SimpleAggregateFunction(max, Float64),
    total_bytes_sent SimpleAggregateFunction(sum, UInt64),
    total_bytes_received SimpleAggregateFunction(sum, UInt64),
    avg_bandwidth Float64 ALIAS if(sample_count = 0, 0, sum_bandwidth / sample_count),
    avg_latency Float64 ALIAS if(sample_count = 0, 0, sum_latency / sample_count),
    avg_packet_loss Float64 ALIAS if(sample_count = 0, 0, sum_packet_loss / sample_count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, connection_id, source_node_id, target_node_id, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS network_map_connection_metrics_1h_feed TO network_map_connection_metrics_1h AS
SELECT toStartOfHour(timestamp) AS hour,
       organization_id, workspace_id, tenant_id, connection_id, source_node_id, target_node_id,
       sum(bandwidth) AS sum_bandwidth,
       sum(latency) AS sum_latency,
       sum(packet_loss) AS sum_packet_loss,
       count() AS sample_count,
       max(latency) AS max_latency,
       max(packet_loss) AS max_packet_loss,
       sum(bytes_sent) AS total_bytes_sent,
       sum(bytes_received) AS total_bytes_received
FROM network_map_connection_metrics
GROUP BY hour, organization_id, workspace_id, tenant_id, connection_id, source_node_id, target_node_id;

CREATE TABLE IF NOT EXISTS network_map_connection_metrics_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    connection_id String,
    source_node_id String,
    target_node_id String,
    sum_bandwidth SimpleAggregateFunction(sum, Float64),
    sum_latency SimpleAggregateFunction(sum, Float64),
    sum_packet_loss SimpleAggregateFunction(sum, Float64),
    sample_count SimpleAggregateFunction(sum, UInt64),
    max_latency SimpleAggregateFunction(max, Float64),
    max_packet_loss SimpleAggregateFunction(max, Float64),
    total_bytes_sent SimpleAggregateFunction(sum, UInt64),
    total_bytes_received SimpleAggregateFunction(sum, UInt64),
    avg_bandwidth Float64 ALIAS if(sample_count = 0, 0, sum_bandwidth / sample_count),
    avg_latency Float64 ALIAS if(sample_count = 0, 0, sum_latency / sample_count),
    avg_packet_loss Float64 ALIAS if(sample_count = 0, 0, sum_packet_loss / sample_count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, connection_id, source_node_id, target_node_id, day, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS network_map_connection_metrics_1d_feed TO network_map_connection_metrics_1d AS
SELECT toDate(timestamp) AS day,
       organization_id, workspace_id, tenant_id, connection_id, source_node_id, target_node_id,
       sum(bandwidth) AS sum_bandwidth,
       sum(latency) AS sum_latency,
       sum(packet_loss) AS sum_packet_loss,
       count() AS sample_count,
       max(latency) AS max_latency,
       max(packet_loss) AS max_packet_loss,
       sum(bytes_sent) AS total_bytes_sent,
       sum(bytes_received) AS total_bytes_received
FROM network_map_connection_metrics
GROUP BY day, organization_id, workspace_id, tenant_id, connection_id, source_node_id, target_node_id;

-- DNS query log (resolver side, sampled): one query per row. response_code is the DNS RCODE name
-- (NOERROR, NXDOMAIN, SERVFAIL, REFUSED) or TIMEOUT; node_id is the resolver's network_map_nodes.id.
CREATE TABLE IF NOT EXISTS network_dns_queries
(
    timestamp DateTime64(3, 'UTC'),
    node_id String,
    resolver String,
    client_ip String,
    client_name String,
    query_name String,
    query_type LowCardinality(String),
    response_code LowCardinality(String),
    latency_ms Float64,
    answer_count UInt16,
    cached UInt8,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    INDEX idx_query_name query_name TYPE bloom_filter GRANULARITY 1,
    INDEX idx_response_code response_code TYPE set(0) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY
SETTINGS index_granularity = 8192;

-- Firewall / security-group decisions: one flow decision per row (node_id is the firewall's network_map_nodes.id).
CREATE TABLE IF NOT EXISTS network_firewall_events
(
    timestamp DateTime64(3, 'UTC'),
    node_id String,
    firewall_name String,
    rule_id String,
    rule_name String,
    action Enum8('allow' = 1, 'deny' = 2, 'drop' = 3, 'reject' = 4),
    direction Enum8('inbound' = 1, 'outbound' = 2),
    protocol LowCardinality(String),
    src_ip String,
    src_port UInt16,
    dst_ip String,
    dst_port UInt16,
    bytes UInt64,
    packets UInt32,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    INDEX idx_src_ip src_ip TYPE bloom_filter GRANULARITY 1,
    INDEX idx_action action TYPE set(0) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY
SETTINGS index_granularity = 8192;
