-- TFO platform schema, part 1: the OpenTelemetry signals (metrics, logs, traces, exemplars) and their rollups.
--
-- Compatibility: table and column names, column types and the aggregate-state types of the rollups are those of
-- the TFO platform (core ClickHouse migrations), so a query written for a TFO deployment runs here unchanged
-- (avgMerge(avg_value), quantileMerge(0.95)(p95_duration_ns), sum(count), ...).
--
-- Deliberate differences from TFO (its design pitfalls, see reference section 1.5):
--   * every rollup's ORDER BY starts with organization_id and contains EVERY grouped dimension (workspace_id,
--     tenant_id, metric_type, span_name, status_code ...), so AggregatingMergeTree/SummingMergeTree merges
--     never fold two tenants, two metric types or two workspaces into one row,
--   * raw tables are sorted by organization_id first as well (every platform query is organization-scoped),
--   * averages and percentiles are stored as aggregate states, never as summed plain values,
--   * rollups are explicit target tables fed by a materialized view named <target>_feed
--     (CREATE TABLE metrics_5m + CREATE MATERIALIZED VIEW metrics_5m_feed TO metrics_5m). Readers query the
--     TFO table names; a rollup can be rebuilt by dropping only its _feed view; targets can carry ALIAS columns,
--   * percentiles: one reservoir state per row (value_sample / duration_sample, quantileState) instead of five
--     identical copies; the TFO columns p50_value .. p99_value (p50_duration_ns ...) are ALIAS columns of the
--     TFO state types over that single state, so quantileMerge(0.95)(p95_value) works as in TFO,
--   * service_latency_percentiles_* and service_error_rates_* count entry spans only (span_kind SERVER or
--     CONSUMER): a "request" is one served call, not every internal or client span of the service.
-- All timestamps are UTC. Idempotent: every statement is IF NOT EXISTS.

CREATE TABLE IF NOT EXISTS metrics
(
    timestamp DateTime64(9, 'UTC'),
    metric_name LowCardinality(String),
    metric_type Enum8('gauge' = 1, 'counter' = 2, 'histogram' = 3, 'summary' = 4),
    value Float64,
    service_name LowCardinality(String),
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    resource_attributes Map(LowCardinality(String), String),
    metric_attributes Map(LowCardinality(String), String),
    unit LowCardinality(String) DEFAULT '',
    INDEX idx_metric_name metric_name TYPE bloom_filter GRANULARITY 1,
    INDEX idx_service_name service_name TYPE bloom_filter GRANULARITY 1,
    INDEX idx_workspace_id workspace_id TYPE bloom_filter GRANULARITY 1,
    INDEX idx_tenant_id tenant_id TYPE bloom_filter GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, service_name, metric_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS metrics_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    metric_name LowCardinality(String),
    metric_type Enum8('gauge' = 1, 'counter' = 2, 'histogram' = 3, 'summary' = 4),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    sum_value AggregateFunction(sum, Float64),
    count AggregateFunction(count),
    value_sample AggregateFunction(quantile, Float64),
    p50_value AggregateFunction(quantile(0.5), Float64) ALIAS CAST(value_sample, 'AggregateFunction(quantile(0.5), Float64)'),
    p75_value AggregateFunction(quantile(0.75), Float64) ALIAS CAST(value_sample, 'AggregateFunction(quantile(0.75), Float64)'),
    p90_value AggregateFunction(quantile(0.9), Float64) ALIAS CAST(value_sample, 'AggregateFunction(quantile(0.9), Float64)'),
    p95_value AggregateFunction(quantile(0.95), Float64) ALIAS CAST(value_sample, 'AggregateFunction(quantile(0.95), Float64)'),
    p99_value AggregateFunction(quantile(0.99), Float64) ALIAS CAST(value_sample, 'AggregateFunction(quantile(0.99), Float64)')
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, service_name, metric_name, metric_type, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_5m_feed TO metrics_5m AS
SELECT
    toStartOfFiveMinutes(timestamp) AS five_minutes,
    organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type,
    avgState(value) AS avg_value,
    minState(value) AS min_value,
    maxState(value) AS max_value,
    sumState(value) AS sum_value,
    countState() AS count,
    quantileState(value) AS value_sample
FROM metrics
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type;

CREATE TABLE IF NOT EXISTS metrics_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    metric_name LowCardinality(String),
    metric_type Enum8('gauge' = 1, 'counter' = 2, 'histogram' = 3, 'summary' = 4),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    sum_value AggregateFunction(sum, Float64),
    count AggregateFunction(count),
    value_sample AggregateFunction(quantile, Float64),
    p50_value AggregateFunction(quantile(0.5), Float64) ALIAS CAST(value_sample, 'AggregateFunction(quantile(0.5), Float64)'),
    p75_value AggregateFunction(quantile(0.75), Float64) ALIAS CAST(value_sample, 'AggregateFunction(quantile(0.75), Float64)'),
    p90_value AggregateFunction(quantile(0.9), Float64) ALIAS CAST(value_sample, 'AggregateFunction(quantile(0.9), Float64)'),
    p95_value AggregateFunction(quantile(0.95), Float64) ALIAS CAST(value_sample, 'AggregateFunction(quantile(0.95), Float64)'),
    p99_value AggregateFunction(quantile(0.99), Float64) ALIAS CAST(value_sample, 'AggregateFunction(quantile(0.99), Float64)')
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, service_name, metric_name, metric_type, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_1h_feed TO metrics_1h AS
SELECT
    toStartOfHour(timestamp) AS hour,
    organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type,
    avgState(value) AS avg_value,
    minState(value) AS min_value,
    maxState(value) AS max_value,
    sumState(value) AS sum_value,
    countState() AS count,
    quantileState(value) AS value_sample
FROM metrics
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type;

CREATE TABLE IF NOT EXISTS metrics_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    metric_name LowCardinality(String),
    metric_type Enum8('gauge' = 1, 'counter' = 2, 'histogram' = 3, 'summary' = 4),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    sum_value AggregateFunction(sum, Float64),
    count AggregateFunction(count),
    value_sample AggregateFunction(quantile, Float64),
    p50_value AggregateFunction(quantile(0.5), Float64) ALIAS CAST(value_sample, 'AggregateFunction(quantile(0.5), Float64)'),
    p95_value AggregateFunction(quantile(0.95), Float64) ALIAS CAST(value_sample, 'AggregateFunction(quantile(0.95), Float64)'),
    p99_value AggregateFunction(quantile(0.99), Float64) ALIAS CAST(value_sample, 'AggregateFunction(quantile(0.99), Float64)')
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, service_name, metric_name, metric_type, day, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_1d_feed TO metrics_1d AS
SELECT
    toDate(timestamp) AS day,
    organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type,
    avgState(value) AS avg_value,
    minState(value) AS min_value,
    maxState(value) AS max_value,
    sumState(value) AS sum_value,
    countState() AS count,
    quantileState(value) AS value_sample
FROM metrics
GROUP BY day, organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type;

CREATE TABLE IF NOT EXISTS logs
(
    timestamp DateTime64(9, 'UTC'),
    observed_timestamp DateTime64(9, 'UTC') DEFAULT now64(9),
    trace_id String,
    span_id String,
    trace_flags UInt32,
    severity_text LowCardinality(String),
    severity_number UInt8,
    service_name LowCardinality(String),
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    body String,
    resource_attributes Map(LowCardinality(String), String),
    scope_name String,
    scope_version String,
    log_attributes Map(LowCardinality(String), String),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_service_name service_name TYPE bloom_filter GRANULARITY 1,
    INDEX idx_workspace_id workspace_id TYPE bloom_filter GRANULARITY 1,
    INDEX idx_tenant_id tenant_id TYPE bloom_filter GRANULARITY 1,
    INDEX idx_severity_text severity_text TYPE set(10) GRANULARITY 1,
    INDEX idx_k8s_pod resource_attributes['k8s.pod.name'] TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_k8s_namespace resource_attributes['k8s.namespace.name'] TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body_tokens body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, service_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS logs_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    severity_text LowCardinality(String),
    count UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, service_name, severity_text, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS logs_5m_feed TO logs_5m AS
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text,
       count() AS count
FROM logs
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text;

CREATE TABLE IF NOT EXISTS logs_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    severity_text LowCardinality(String),
    count UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, service_name, severity_text, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS logs_1h_feed TO logs_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name, severity_text, count() AS count
FROM logs
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name, severity_text;

CREATE TABLE IF NOT EXISTS logs_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    severity_text LowCardinality(String),
    count UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, service_name, severity_text, day, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS logs_1d_feed TO logs_1d AS
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, service_name, severity_text, count() AS count
FROM logs
GROUP BY day, organization_id, workspace_id, tenant_id, service_name, severity_text;

-- Row copy of ERROR and above (severity_number >= 17), as TFO's logs_errors: recent errors without scanning all logs.
CREATE TABLE IF NOT EXISTS logs_errors
(
    date Date,
    timestamp DateTime64(9, 'UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    severity_text LowCardinality(String),
    body String,
    trace_id String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (organization_id, service_name, timestamp)
TTL date + INTERVAL 30 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS logs_errors_feed TO logs_errors AS
SELECT toDate(timestamp) AS date, timestamp, organization_id, workspace_id, tenant_id, service_name, severity_text, body, trace_id
FROM logs
WHERE severity_number >= 17;

CREATE TABLE IF NOT EXISTS traces
(
    timestamp DateTime64(9, 'UTC'),
    trace_id String,
    span_id String,
    parent_span_id String,
    span_name LowCardinality(String),
    span_kind Enum8('INTERNAL' = 1, 'SERVER' = 2, 'CLIENT' = 3, 'PRODUCER' = 4, 'CONSUMER' = 5),
    service_name LowCardinality(String),
    status_code Enum8('UNSET' = 0, 'OK' = 1, 'ERROR' = 2),
    status_message String,
    duration_ns UInt64,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    resource_attributes Map(LowCardinality(String), String),
    span_attributes Map(LowCardinality(String), String),
    events String DEFAULT '',
    links String DEFAULT '',
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_id span_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_name span_name TYPE bloom_filter GRANULARITY 1,
    INDEX idx_workspace_id workspace_id TYPE bloom_filter GRANULARITY 1,
    INDEX idx_tenant_id tenant_id TYPE bloom_filter GRANULARITY 1,
    INDEX idx_status_code status_code TYPE set(0) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, service_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS traces_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    span_name LowCardinality(String),
    status_code Enum8('UNSET' = 0, 'OK' = 1, 'ERROR' = 2),
    count AggregateFunction(count),
    avg_duration_ns AggregateFunction(avg, UInt64),
    min_duration_ns AggregateFunction(min, UInt64),
    max_duration_ns AggregateFunction(max, UInt64),
    duration_sample AggregateFunction(quantile, UInt64),
    p50_duration_ns AggregateFunction(quantile(0.5), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.5), UInt64)'),
    p75_duration_ns AggregateFunction(quantile(0.75), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.75), UInt64)'),
    p90_duration_ns AggregateFunction(quantile(0.9), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.9), UInt64)'),
    p95_duration_ns AggregateFunction(quantile(0.95), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.95), UInt64)'),
    p99_duration_ns AggregateFunction(quantile(0.99), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.99), UInt64)')
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, service_name, span_name, status_code, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS traces_5m_feed TO traces_5m AS
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, service_name, span_name, status_code,
       countState() AS count,
       avgState(duration_ns) AS avg_duration_ns,
       minState(duration_ns) AS min_duration_ns,
       maxState(duration_ns) AS max_duration_ns,
       quantileState(duration_ns) AS duration_sample
FROM traces
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, service_name, span_name, status_code;

CREATE TABLE IF NOT EXISTS traces_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    span_name LowCardinality(String),
    status_code Enum8('UNSET' = 0, 'OK' = 1, 'ERROR' = 2),
    count AggregateFunction(count),
    avg_duration_ns AggregateFunction(avg, UInt64),
    min_duration_ns AggregateFunction(min, UInt64),
    max_duration_ns AggregateFunction(max, UInt64),
    duration_sample AggregateFunction(quantile, UInt64),
    p50_duration_ns AggregateFunction(quantile(0.5), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.5), UInt64)'),
    p75_duration_ns AggregateFunction(quantile(0.75), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.75), UInt64)'),
    p90_duration_ns AggregateFunction(quantile(0.9), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.9), UInt64)'),
    p95_duration_ns AggregateFunction(quantile(0.95), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.95), UInt64)'),
    p99_duration_ns AggregateFunction(quantile(0.99), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.99), UInt64)')
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, service_name, span_name, status_code, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS traces_1h_feed TO traces_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name, span_name, status_code,
       countState() AS count,
       avgState(duration_ns) AS avg_duration_ns,
       minState(duration_ns) AS min_duration_ns,
       maxState(duration_ns) AS max_duration_ns,
       quantileState(duration_ns) AS duration_sample
FROM traces
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name, span_name, status_code;

CREATE TABLE IF NOT EXISTS traces_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    span_name LowCardinality(String),
    status_code Enum8('UNSET' = 0, 'OK' = 1, 'ERROR' = 2),
    count AggregateFunction(count),
    avg_duration_ns AggregateFunction(avg, UInt64),
    max_duration_ns AggregateFunction(max, UInt64),
    duration_sample AggregateFunction(quantile, UInt64),
    p50_duration_ns AggregateFunction(quantile(0.5), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.5), UInt64)'),
    p95_duration_ns AggregateFunction(quantile(0.95), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.95), UInt64)'),
    p99_duration_ns AggregateFunction(quantile(0.99), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.99), UInt64)')
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, service_name, span_name, status_code, day, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS traces_1d_feed TO traces_1d AS
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, service_name, span_name, status_code,
       countState() AS count,
       avgState(duration_ns) AS avg_duration_ns,
       maxState(duration_ns) AS max_duration_ns,
       quantileState(duration_ns) AS duration_sample
FROM traces
GROUP BY day, organization_id, workspace_id, tenant_id, service_name, span_name, status_code;

-- Per-service request latency (entry spans only: SERVER and CONSUMER).
CREATE TABLE IF NOT EXISTS service_latency_percentiles_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    request_count AggregateFunction(count),
    avg_duration_ns AggregateFunction(avg, UInt64),
    max_duration_ns AggregateFunction(max, UInt64),
    duration_sample AggregateFunction(quantile, UInt64),
    p50_duration_ns AggregateFunction(quantile(0.5), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.5), UInt64)'),
    p75_duration_ns AggregateFunction(quantile(0.75), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.75), UInt64)'),
    p90_duration_ns AggregateFunction(quantile(0.9), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.9), UInt64)'),
    p95_duration_ns AggregateFunction(quantile(0.95), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.95), UInt64)'),
    p99_duration_ns AggregateFunction(quantile(0.99), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.99), UInt64)')
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, service_name, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_latency_percentiles_5m_feed TO service_latency_percentiles_5m AS
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, service_name,
       countState() AS request_count,
       avgState(duration_ns) AS avg_duration_ns,
       maxState(duration_ns) AS max_duration_ns,
       quantileState(duration_ns) AS duration_sample
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS service_latency_percentiles_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    request_count AggregateFunction(count),
    avg_duration_ns AggregateFunction(avg, UInt64),
    max_duration_ns AggregateFunction(max, UInt64),
    duration_sample AggregateFunction(quantile, UInt64),
    p50_duration_ns AggregateFunction(quantile(0.5), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.5), UInt64)'),
    p75_duration_ns AggregateFunction(quantile(0.75), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.75), UInt64)'),
    p90_duration_ns AggregateFunction(quantile(0.9), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.9), UInt64)'),
    p95_duration_ns AggregateFunction(quantile(0.95), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.95), UInt64)'),
    p99_duration_ns AggregateFunction(quantile(0.99), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.99), UInt64)')
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, service_name, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_latency_percentiles_1h_feed TO service_latency_percentiles_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name,
       countState() AS request_count,
       avgState(duration_ns) AS avg_duration_ns,
       maxState(duration_ns) AS max_duration_ns,
       quantileState(duration_ns) AS duration_sample
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS service_latency_percentiles_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    request_count AggregateFunction(count),
    avg_duration_ns AggregateFunction(avg, UInt64),
    max_duration_ns AggregateFunction(max, UInt64),
    duration_sample AggregateFunction(quantile, UInt64),
    p50_duration_ns AggregateFunction(quantile(0.5), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.5), UInt64)'),
    p95_duration_ns AggregateFunction(quantile(0.95), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.95), UInt64)'),
    p99_duration_ns AggregateFunction(quantile(0.99), UInt64) ALIAS CAST(duration_sample, 'AggregateFunction(quantile(0.99), UInt64)')
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, service_name, day, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_latency_percentiles_1d_feed TO service_latency_percentiles_1d AS
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, service_name,
       countState() AS request_count,
       avgState(duration_ns) AS avg_duration_ns,
       maxState(duration_ns) AS max_duration_ns,
       quantileState(duration_ns) AS duration_sample
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY day, organization_id, workspace_id, tenant_id, service_name;

-- Per-service request and error counts (entry spans only). error_rate is a convenience ALIAS (fraction 0..1).
CREATE TABLE IF NOT EXISTS service_error_rates_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    total_requests UInt64,
    error_count UInt64,
    error_rate Float64 ALIAS if(total_requests = 0, 0, error_count / total_requests)
)
ENGINE = SummingMergeTree((total_requests, error_count))
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, service_name, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_error_rates_5m_feed TO service_error_rates_5m AS
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, service_name,
       count() AS total_requests,
       countIf(status_code = 'ERROR') AS error_count
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS service_error_rates_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    total_requests UInt64,
    error_count UInt64,
    error_rate Float64 ALIAS if(total_requests = 0, 0, error_count / total_requests)
)
ENGINE = SummingMergeTree((total_requests, error_count))
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, service_name, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_error_rates_1h_feed TO service_error_rates_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name,
       count() AS total_requests,
       countIf(status_code = 'ERROR') AS error_count
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS service_error_rates_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    total_requests UInt64,
    error_count UInt64,
    error_rate Float64 ALIAS if(total_requests = 0, 0, error_count / total_requests)
)
ENGINE = SummingMergeTree((total_requests, error_count))
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, service_name, day, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_error_rates_1d_feed TO service_error_rates_1d AS
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, service_name,
       count() AS total_requests,
       countIf(status_code = 'ERROR') AS error_count
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY day, organization_id, workspace_id, tenant_id, service_name;

-- Row copy of failed spans, as TFO's traces_errors.
CREATE TABLE IF NOT EXISTS traces_errors
(
    date Date,
    timestamp DateTime64(9, 'UTC'),
    trace_id String,
    span_id String,
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    span_name LowCardinality(String),
    status_message String,
    duration_ns UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (organization_id, service_name, timestamp)
TTL date + INTERVAL 30 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS traces_errors_feed TO traces_errors AS
SELECT toDate(timestamp) AS date, timestamp, trace_id, span_id, organization_id, workspace_id, tenant_id, service_name, span_name,
       status_message, duration_ns
FROM traces
WHERE status_code = 'ERROR';

CREATE TABLE IF NOT EXISTS exemplars
(
    timestamp DateTime64(9, 'UTC'),
    metric_name LowCardinality(String),
    value Float64,
    trace_id String,
    span_id String,
    labels Map(LowCardinality(String), String),
    filtered_labels Map(LowCardinality(String), String),
    service_name LowCardinality(String),
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, service_name, metric_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS exemplars_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    metric_name LowCardinality(String),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    count AggregateFunction(count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, service_name, metric_name, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS exemplars_1h_feed TO exemplars_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name, metric_name,
       avgState(value) AS avg_value,
       minState(value) AS min_value,
       maxState(value) AS max_value,
       countState() AS count
FROM exemplars
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name, metric_name;
