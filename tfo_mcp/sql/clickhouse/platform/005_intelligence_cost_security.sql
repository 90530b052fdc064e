-- TFO platform schema, part 5: AI/ops intelligence (signal correlations, anomalies, predictions), change events,
-- security detections and cost data.
-- TFO DDL for these tables is not public; names and columns are what TFO's collector and query translator use
-- (reference 1.3), completed where a working platform needs more (service_name/correlation_type on raw
-- signal_correlations because its rollups group by them; service_name on anomaly_events; ...).
-- change_events and security_events have no TFO counterpart (reference 3.3 "none"): designed here.

CREATE TABLE IF NOT EXISTS signal_correlations
(
    timestamp DateTime64(3, 'UTC'),
    correlation_id String,
    correlation_type LowCardinality(String),
    service_name LowCardinality(String),
    metric_name String,
    log_pattern String,
    trace_id String,
    confidence Float64,
    context String,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, service_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS signal_correlations_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    correlation_type LowCardinality(String),
    count UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, service_name, correlation_type, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS signal_correlations_5m_feed TO signal_correlations_5m AS
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, service_name, correlation_type,
       count() AS count
FROM signal_correlations
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, service_name, correlation_type;

CREATE TABLE IF NOT EXISTS signal_correlations_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    correlation_type LowCardinality(String),
    count UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, service_name, correlation_type, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS signal_correlations_1h_feed TO signal_correlations_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name, correlation_type, count() AS count
FROM signal_correlations
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name, correlation_type;

-- Detector output. severity: critical | warning | info; signal_type: metric | log | trace.
CREATE TABLE IF NOT EXISTS anomaly_events
(
    timestamp DateTime('UTC'),
    anomaly_id String,
    organization_id String,
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    detection_rule_id String,
    service_name LowCardinality(String),
    metric_name String,
    signal_type LowCardinality(String),
    severity LowCardinality(String),
    anomaly_score Float64,
    z_score Float64,
    sigma_level Float64,
    observed_value Float64,
    expected_value Float64,
    description String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (organization_id, timestamp)
TTL timestamp + INTERVAL 90 DAY;

-- Predictive-maintenance output: one forecast per resource, horizon (1h, 6h, 24h, 7d) and run.
-- failure_probability 0..1, health_score 0..100, health_status healthy | degraded | failing | critical.
CREATE TABLE IF NOT EXISTS predictions
(
    timestamp DateTime('UTC'),
    prediction_id String,
    organization_id String,
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    resource_type LowCardinality(String),
    resource_identifier String,
    horizon LowCardinality(String),
    failure_probability Float64,
    health_score Float64,
    health_status LowCardinality(String),
    predicted_metric String,
    current_value Float64,
    predicted_value Float64,
    model LowCardinality(String),
    r_squared Float64,
    reason String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (organization_id, resource_type, resource_identifier, timestamp)
TTL timestamp + INTERVAL 90 DAY;

-- Changes to the estate: deployments, config and feature-flag changes, scaling, infrastructure, schema migrations.
-- status: succeeded | failed | in_progress | rolled_back; risk: low | medium | high.
CREATE TABLE IF NOT EXISTS change_events
(
    timestamp DateTime64(3, 'UTC'),
    change_id String,
    change_type LowCardinality(String),
    source LowCardinality(String),
    service_name LowCardinality(String),
    environment LowCardinality(String),
    cluster_id String,
    namespace String,
    version String,
    previous_version String,
    author String,
    title String,
    description String,
    status LowCardinality(String),
    risk LowCardinality(String),
    metadata Map(LowCardinality(String), String),
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (organization_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 365 DAY;

-- Threat detections from IDS/WAF/EDR/cloud audit sources. severity: info | low | medium | high | critical,
-- category e.g. port_scan, brute_force, sql_injection, malware, data_exfiltration, privilege_escalation,
-- suspicious_login, policy_violation; action_taken: blocked | alerted | quarantined | allowed,
-- status: open | investigating | resolved | false_positive. node_id links network detections to network_map_nodes.
CREATE TABLE IF NOT EXISTS security_events
(
    timestamp DateTime64(3, 'UTC'),
    event_id String,
    source LowCardinality(String),
    category LowCardinality(String),
    severity Enum8('info' = 1, 'low' = 2, 'medium' = 3, 'high' = 4, 'critical' = 5),
    title String,
    description String,
    src_ip String,
    dst_ip String,
    target String,
    node_id String,
    user_id String,
    mitre_tactic LowCardinality(String),
    mitre_technique LowCardinality(String),
    threat_score Float64,
    action_taken LowCardinality(String),
    status LowCardinality(String),
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    INDEX idx_src_ip src_ip TYPE bloom_filter GRANULARITY 1,
    INDEX idx_category category TYPE set(0) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (organization_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 365 DAY;

-- Billing export lines, one per resource and usage hour (cloud cost and usage reports).
CREATE TABLE IF NOT EXISTS cost_data
(
    timestamp DateTime('UTC'),
    organization_id String,
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    provider LowCardinality(String),
    account_id String,
    region LowCardinality(String),
    service_name LowCardinality(String),
    category LowCardinality(String),
    resource_id String,
    resource_type LowCardinality(String),
    usage_quantity Float64,
    usage_unit LowCardinality(String),
    cost_usd Float64,
    tags Map(LowCardinality(String), String)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (organization_id, provider, service_name, timestamp)
TTL timestamp + INTERVAL 400 DAY;

-- TFO's daily cost rollup (TFO reads cost_data_daily_mv directly: the table keeps that name).
CREATE TABLE IF NOT EXISTS cost_data_daily_mv
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    provider LowCardinality(String),
    service_name LowCardinality(String),
    category LowCardinality(String),
    total_cost_usd Float64,
    total_usage_quantity Float64,
    line_count UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, service_name, provider, category, day, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS cost_data_daily_mv_feed TO cost_data_daily_mv AS
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, provider, service_name, category,
       sum(cost_usd) AS total_cost_usd,
       sum(usage_quantity) AS total_usage_quantity,
       count() AS line_count
FROM cost_data
GROUP BY day, organization_id, workspace_id, tenant_id, provider, service_name, category;
