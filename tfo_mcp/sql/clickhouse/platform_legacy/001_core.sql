-- TFO platform schema for old native ClickHouse servers (18.x/19.x, before DateTime64): the core tables the
-- collector reads (metrics, logs, traces, exemplars, uptime_checks, audit_logs) and their main rollups, with the
-- SAME table and column names as tfo_mcp/sql/clickhouse/platform/, so the collector's SQL runs on both.
-- demo.migrate_platform() picks this kind when the server is older than 20.x. Differences forced by the server:
--   * DateTime('UTC') (second precision) instead of DateTime64; String instead of LowCardinality(String),
--   * attribute maps are Nested(key, value) columns (resource_attributes.key / resource_attributes.value arrays):
--     attrs['k'] has no equivalent; attrs.value[indexOf(attrs.key, 'k')] works on this schema only,
--   * no TTL and no skip indexes (18.16 has neither in a stable form), hence no JSON functions either: metadata
--     stays JSON text,
--   * percentile columns are real aggregate states (p50_value ... p99_value), not ALIAS casts of one state:
--     18.16 cannot CAST between AggregateFunction types. quantileMerge(0.95)(p95_value) reads both schemas,
--   * 18.16 has toStartOfFiveMinute (singular) but not toStartOfFiveMinutes, and no toStartOfInterval: the feeds
--     use toStartOfFiveMinute, which the modern engine also accepts (so should portable collector SQL).
-- Same rules as the modern schema otherwise: organization_id first in every sort key, every grouped dimension in
-- the sort key, <target> tables fed by <target>_feed materialized views, entry spans only (SERVER, CONSUMER) in
-- the per-service request rollups. Idempotent (IF NOT EXISTS).

CREATE TABLE IF NOT EXISTS metrics
(
    timestamp DateTime('UTC'),
    metric_name String,
    metric_type Enum8('gauge' = 1, 'counter' = 2, 'histogram' = 3, 'summary' = 4),
    value Float64,
    service_name String,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    resource_attributes Nested(key String, value String),
    metric_attributes Nested(key String, value String),
    unit String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, service_name, metric_name, timestamp)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS metrics_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name String,
    metric_name String,
    metric_type Enum8('gauge' = 1, 'counter' = 2, 'histogram' = 3, 'summary' = 4),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    sum_value AggregateFunction(sum, Float64),
    count AggregateFunction(count),
    p50_value AggregateFunction(quantile(0.5), Float64),
    p75_value AggregateFunction(quantile(0.75), Float64),
    p90_value AggregateFunction(quantile(0.9), Float64),
    p95_value AggregateFunction(quantile(0.95), Float64),
    p99_value AggregateFunction(quantile(0.99), Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, service_name, metric_name, metric_type, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_5m_feed TO metrics_5m AS
SELECT
    toStartOfFiveMinute(timestamp) AS five_minutes,
    organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type,
    avgState(value) AS avg_value,
    minState(value) AS min_value,
    maxState(value) AS max_value,
    sumState(value) AS sum_value,
    countState() AS count,
    quantileState(0.5)(value) AS p50_value,
    quantileState(0.75)(value) AS p75_value,
    quantileState(0.9)(value) AS p90_value,
    quantileState(0.95)(value) AS p95_value,
    quantileState(0.99)(value) AS p99_value
FROM metrics
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type;

CREATE TABLE IF NOT EXISTS metrics_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name String,
    metric_name String,
    metric_type Enum8('gauge' = 1, 'counter' = 2, 'histogram' = 3, 'summary' = 4),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    sum_value AggregateFunction(sum, Float64),
    count AggregateFunction(count),
    p50_value AggregateFunction(quantile(0.5), Float64),
    p75_value AggregateFunction(quantile(0.75), Float64),
    p90_value AggregateFunction(quantile(0.9), Float64),
    p95_value AggregateFunction(quantile(0.95), Float64),
    p99_value AggregateFunction(quantile(0.99), Float64)
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
    quantileState(0.5)(value) AS p50_value,
    quantileState(0.75)(value) AS p75_value,
    quantileState(0.9)(value) AS p90_value,
    quantileState(0.95)(value) AS p95_value,
    quantileState(0.99)(value) AS p99_value
FROM metrics
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type;

CREATE TABLE IF NOT EXISTS logs
(
    timestamp DateTime('UTC'),
    observed_timestamp DateTime('UTC') DEFAULT now(),
    trace_id String,
    span_id String,
    trace_flags UInt32,
    severity_text String,
    severity_number UInt8,
    service_name String,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    body String,
    resource_attributes Nested(key String, value String),
    scope_name String,
    scope_version String,
    log_attributes Nested(key String, value String)
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, service_name, timestamp)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS logs_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name String,
    severity_text String,
    count UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, service_name, severity_text, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS logs_5m_feed TO logs_5m AS
SELECT toStartOfFiveMinute(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text,
       count() AS count
FROM logs
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text;

CREATE TABLE IF NOT EXISTS logs_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name String,
    severity_text String,
    count UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, service_name, severity_text, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS logs_1h_feed TO logs_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name, severity_text, count() AS count
FROM logs
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name, severity_text;

CREATE TABLE IF NOT EXISTS logs_errors
(
    date Date,
    timestamp DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name String,
    severity_text String,
    body String,
    trace_id String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (organization_id, service_name, timestamp);

CREATE MATERIALIZED VIEW IF NOT EXISTS logs_errors_feed TO logs_errors AS
SELECT toDate(timestamp) AS date, timestamp, organization_id, workspace_id, tenant_id, service_name, severity_text, body, trace_id
FROM logs
WHERE severity_number >= 17;

CREATE TABLE IF NOT EXISTS traces
(
    timestamp DateTime('UTC'),
    trace_id String,
    span_id String,
    parent_span_id String,
    span_name String,
    span_kind Enum8('INTERNAL' = 1, 'SERVER' = 2, 'CLIENT' = 3, 'PRODUCER' = 4, 'CONSUMER' = 5),
    service_name String,
    status_code Enum8('UNSET' = 0, 'OK' = 1, 'ERROR' = 2),
    status_message String,
    duration_ns UInt64,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    resource_attributes Nested(key String, value String),
    span_attributes Nested(key String, value String),
    events String DEFAULT '',
    links String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, service_name, timestamp)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS traces_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name String,
    span_name String,
    status_code Enum8('UNSET' = 0, 'OK' = 1, 'ERROR' = 2),
    count AggregateFunction(count),
    avg_duration_ns AggregateFunction(avg, UInt64),
    min_duration_ns AggregateFunction(min, UInt64),
    max_duration_ns AggregateFunction(max, UInt64),
    p50_duration_ns AggregateFunction(quantile(0.5), UInt64),
    p75_duration_ns AggregateFunction(quantile(0.75), UInt64),
    p90_duration_ns AggregateFunction(quantile(0.9), UInt64),
    p95_duration_ns AggregateFunction(quantile(0.95), UInt64),
    p99_duration_ns AggregateFunction(quantile(0.99), UInt64)
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
       quantileState(0.5)(duration_ns) AS p50_duration_ns,
       quantileState(0.75)(duration_ns) AS p75_duration_ns,
       quantileState(0.9)(duration_ns) AS p90_duration_ns,
       quantileState(0.95)(duration_ns) AS p95_duration_ns,
       quantileState(0.99)(duration_ns) AS p99_duration_ns
FROM traces
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name, span_name, status_code;

CREATE TABLE IF NOT EXISTS service_latency_percentiles_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name String,
    request_count AggregateFunction(count),
    avg_duration_ns AggregateFunction(avg, UInt64),
    max_duration_ns AggregateFunction(max, UInt64),
    p50_duration_ns AggregateFunction(quantile(0.5), UInt64),
    p75_duration_ns AggregateFunction(quantile(0.75), UInt64),
    p90_duration_ns AggregateFunction(quantile(0.9), UInt64),
    p95_duration_ns AggregateFunction(quantile(0.95), UInt64),
    p99_duration_ns AggregateFunction(quantile(0.99), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, service_name, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_latency_percentiles_5m_feed TO service_latency_percentiles_5m AS
SELECT toStartOfFiveMinute(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, service_name,
       countState() AS request_count,
       avgState(duration_ns) AS avg_duration_ns,
       maxState(duration_ns) AS max_duration_ns,
       quantileState(0.5)(duration_ns) AS p50_duration_ns,
       quantileState(0.75)(duration_ns) AS p75_duration_ns,
       quantileState(0.9)(duration_ns) AS p90_duration_ns,
       quantileState(0.95)(duration_ns) AS p95_duration_ns,
       quantileState(0.99)(duration_ns) AS p99_duration_ns
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS service_latency_percentiles_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name String,
    request_count AggregateFunction(count),
    avg_duration_ns AggregateFunction(avg, UInt64),
    max_duration_ns AggregateFunction(max, UInt64),
    p50_duration_ns AggregateFunction(quantile(0.5), UInt64),
    p75_duration_ns AggregateFunction(quantile(0.75), UInt64),
    p90_duration_ns AggregateFunction(quantile(0.9), UInt64),
    p95_duration_ns AggregateFunction(quantile(0.95), UInt64),
    p99_duration_ns AggregateFunction(quantile(0.99), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, service_name, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_latency_percentiles_1h_feed TO service_latency_percentiles_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name,
       countState() AS request_count,
       avgState(duration_ns) AS avg_duration_ns,
       maxState(duration_ns) AS max_duration_ns,
       quantileState(0.5)(duration_ns) AS p50_duration_ns,
       quantileState(0.75)(duration_ns) AS p75_duration_ns,
       quantileState(0.9)(duration_ns) AS p90_duration_ns,
       quantileState(0.95)(duration_ns) AS p95_duration_ns,
       quantileState(0.99)(duration_ns) AS p99_duration_ns
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS service_error_rates_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name String,
    total_requests UInt64,
    error_count UInt64,
    error_rate Float64 ALIAS if(total_requests = 0, 0, error_count / total_requests)
)
ENGINE = SummingMergeTree((total_requests, error_count))
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, service_name, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_error_rates_5m_feed TO service_error_rates_5m AS
SELECT toStartOfFiveMinute(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, service_name,
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
    service_name String,
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

CREATE TABLE IF NOT EXISTS traces_errors
(
    date Date,
    timestamp DateTime('UTC'),
    trace_id String,
    span_id String,
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name String,
    span_name String,
    status_message String,
    duration_ns UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (organization_id, service_name, timestamp);

CREATE MATERIALIZED VIEW IF NOT EXISTS traces_errors_feed TO traces_errors AS
SELECT toDate(timestamp) AS date, timestamp, trace_id, span_id, organization_id, workspace_id, tenant_id, service_name, span_name,
       status_message, duration_ns
FROM traces
WHERE status_code = 'ERROR';

CREATE TABLE IF NOT EXISTS exemplars
(
    timestamp DateTime('UTC'),
    metric_name String,
    value Float64,
    trace_id String,
    span_id String,
    labels Nested(key String, value String),
    filtered_labels Nested(key String, value String),
    service_name String,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, service_name, metric_name, timestamp)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS uptime_checks
(
    checked_at DateTime('UTC'),
    monitor_id String,
    monitor_name String,
    status Enum8('success' = 1, 'failure' = 2, 'timeout' = 3, 'error' = 4),
    status_code UInt16,
    response_time UInt32,
    ip_address String DEFAULT '',
    region String DEFAULT '',
    error_message String DEFAULT '',
    ssl_days_remaining Int32 DEFAULT -1,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(checked_at)
ORDER BY (organization_id, monitor_id, checked_at)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS uptime_checks_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    monitor_id String,
    monitor_name String,
    region String,
    total_checks AggregateFunction(count),
    success_count AggregateFunction(countIf, UInt8),
    failure_count AggregateFunction(countIf, UInt8),
    avg_response_time AggregateFunction(avg, UInt32),
    max_response_time AggregateFunction(max, UInt32),
    min_response_time AggregateFunction(min, UInt32),
    p50_response_time AggregateFunction(quantile(0.5), UInt32),
    p75_response_time AggregateFunction(quantile(0.75), UInt32),
    p90_response_time AggregateFunction(quantile(0.9), UInt32),
    p95_response_time AggregateFunction(quantile(0.95), UInt32),
    p99_response_time AggregateFunction(quantile(0.99), UInt32),
    min_ssl_days_remaining AggregateFunction(min, Int32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, monitor_id, region, hour, monitor_name, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS uptime_checks_1h_feed TO uptime_checks_1h AS
SELECT toStartOfHour(checked_at) AS hour, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
       countState() AS total_checks,
       countIfState(status = 'success') AS success_count,
       countIfState(status != 'success') AS failure_count,
       avgState(response_time) AS avg_response_time,
       maxState(response_time) AS max_response_time,
       minState(response_time) AS min_response_time,
       quantileState(0.5)(response_time) AS p50_response_time,
       quantileState(0.75)(response_time) AS p75_response_time,
       quantileState(0.9)(response_time) AS p90_response_time,
       quantileState(0.95)(response_time) AS p95_response_time,
       quantileState(0.99)(response_time) AS p99_response_time,
       minState(ssl_days_remaining) AS min_ssl_days_remaining
FROM uptime_checks
GROUP BY hour, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

CREATE TABLE IF NOT EXISTS audit_logs
(
    id UUID DEFAULT generateUUIDv4(),
    timestamp DateTime('UTC') DEFAULT now(),
    user_id String,
    user_email String,
    user_first_name String,
    user_last_name String,
    event_type Enum8('AUTH' = 1, 'AUTHZ' = 2, 'DATA' = 3, 'SYSTEM' = 4),
    action String,
    resource String,
    resource_id String,
    result Enum8('SUCCESS' = 1, 'FAILURE' = 2, 'DENIED' = 3),
    error_message String,
    error_code String,
    ip_address String,
    user_agent String,
    request_method String,
    request_path String,
    metadata String,
    tenant_id String,
    workspace_id String,
    organization_id String,
    region_id String,
    session_id String,
    correlation_id String,
    duration_ms UInt32,
    created_at DateTime('UTC') DEFAULT now()
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (organization_id, timestamp, event_type, user_id)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS audit_logs_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    region_id String,
    event_type Enum8('AUTH' = 1, 'AUTHZ' = 2, 'DATA' = 3, 'SYSTEM' = 4),
    result Enum8('SUCCESS' = 1, 'FAILURE' = 2, 'DENIED' = 3),
    count UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, event_type, result, hour, workspace_id, tenant_id, region_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS audit_logs_1h_feed TO audit_logs_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, region_id, event_type, result, count() AS count
FROM audit_logs
GROUP BY hour, organization_id, workspace_id, tenant_id, region_id, event_type, result;
