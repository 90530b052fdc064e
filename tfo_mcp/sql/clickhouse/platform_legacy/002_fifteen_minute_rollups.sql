-- TFO platform schema for old native ClickHouse servers, part 2: TFO's 15-minute rollup tier (fifteen_minutes)
-- for the core families, as platform/007_fifteen_minute_rollups.sql. 18.16 has toStartOfFifteenMinutes (unlike
-- toStartOfFiveMinutes, see 001_core). Percentiles are separate p50 .. p99 states here, as in 001_core.
-- Backfill: from the raw tables (these feeds' own SELECT) for the buckets before the current 15 minutes, once
-- (nothing is inserted when the target already holds such buckets), after the feed view exists, so the bucket in
-- progress at upgrade time counts only the rows written after it.

CREATE TABLE IF NOT EXISTS metrics_15m
(
    fifteen_minutes DateTime('UTC'),
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
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, service_name, metric_name, metric_type, fifteen_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_15m_feed TO metrics_15m AS
SELECT
    toStartOfFifteenMinutes(timestamp) AS fifteen_minutes,
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
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type;

INSERT INTO metrics_15m (fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type, avg_value, min_value, max_value, sum_value, count, p50_value, p75_value, p90_value, p95_value, p99_value)
SELECT
    toStartOfFifteenMinutes(timestamp) AS bucket,
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
WHERE timestamp < toStartOfFifteenMinutes(now())
  AND (SELECT count() FROM metrics_15m WHERE fifteen_minutes < toStartOfFifteenMinutes(now())) = 0
GROUP BY bucket, organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type;

CREATE TABLE IF NOT EXISTS logs_15m
(
    fifteen_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name String,
    severity_text String,
    count UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, service_name, severity_text, fifteen_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS logs_15m_feed TO logs_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text,
       count() AS count
FROM logs
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text;

INSERT INTO logs_15m (fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text, count)
SELECT toStartOfFifteenMinutes(timestamp) AS bucket, organization_id, workspace_id, tenant_id, service_name, severity_text,
       count() AS count
FROM logs
WHERE timestamp < toStartOfFifteenMinutes(now())
  AND (SELECT count() FROM logs_15m WHERE fifteen_minutes < toStartOfFifteenMinutes(now())) = 0
GROUP BY bucket, organization_id, workspace_id, tenant_id, service_name, severity_text;

CREATE TABLE IF NOT EXISTS traces_15m
(
    fifteen_minutes DateTime('UTC'),
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
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, service_name, span_name, status_code, fifteen_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS traces_15m_feed TO traces_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, span_name, status_code,
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
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, span_name, status_code;

INSERT INTO traces_15m (fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, span_name, status_code, count, avg_duration_ns, min_duration_ns, max_duration_ns, p50_duration_ns, p75_duration_ns, p90_duration_ns, p95_duration_ns, p99_duration_ns)
SELECT toStartOfFifteenMinutes(timestamp) AS bucket, organization_id, workspace_id, tenant_id, service_name, span_name, status_code,
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
WHERE timestamp < toStartOfFifteenMinutes(now())
  AND (SELECT count() FROM traces_15m WHERE fifteen_minutes < toStartOfFifteenMinutes(now())) = 0
GROUP BY bucket, organization_id, workspace_id, tenant_id, service_name, span_name, status_code;

CREATE TABLE IF NOT EXISTS service_latency_percentiles_15m
(
    fifteen_minutes DateTime('UTC'),
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
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, service_name, fifteen_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_latency_percentiles_15m_feed TO service_latency_percentiles_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name,
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
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name;

INSERT INTO service_latency_percentiles_15m (fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, request_count, avg_duration_ns, max_duration_ns, p50_duration_ns, p75_duration_ns, p90_duration_ns, p95_duration_ns, p99_duration_ns)
SELECT toStartOfFifteenMinutes(timestamp) AS bucket, organization_id, workspace_id, tenant_id, service_name,
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
  AND timestamp < toStartOfFifteenMinutes(now())
  AND (SELECT count() FROM service_latency_percentiles_15m WHERE fifteen_minutes < toStartOfFifteenMinutes(now())) = 0
GROUP BY bucket, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS service_error_rates_15m
(
    fifteen_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name String,
    total_requests UInt64,
    error_count UInt64,
    error_rate Float64 ALIAS if(total_requests = 0, 0, error_count / total_requests)
)
ENGINE = SummingMergeTree((total_requests, error_count))
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, service_name, fifteen_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_error_rates_15m_feed TO service_error_rates_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name,
       count() AS total_requests,
       countIf(status_code = 'ERROR') AS error_count
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name;

INSERT INTO service_error_rates_15m (fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, total_requests, error_count)
SELECT toStartOfFifteenMinutes(timestamp) AS bucket, organization_id, workspace_id, tenant_id, service_name,
       count() AS total_requests,
       countIf(status_code = 'ERROR') AS error_count
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
  AND timestamp < toStartOfFifteenMinutes(now())
  AND (SELECT count() FROM service_error_rates_15m WHERE fifteen_minutes < toStartOfFifteenMinutes(now())) = 0
GROUP BY bucket, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS uptime_checks_15m
(
    fifteen_minutes DateTime('UTC'),
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
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, monitor_id, region, fifteen_minutes, monitor_name, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS uptime_checks_15m_feed TO uptime_checks_15m AS
SELECT toStartOfFifteenMinutes(checked_at) AS fifteen_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
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
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

INSERT INTO uptime_checks_15m (fifteen_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region, total_checks, success_count, failure_count, avg_response_time, max_response_time, min_response_time, p50_response_time, p75_response_time, p90_response_time, p95_response_time, p99_response_time, min_ssl_days_remaining)
SELECT toStartOfFifteenMinutes(checked_at) AS bucket, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
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
WHERE checked_at < toStartOfFifteenMinutes(now())
  AND (SELECT count() FROM uptime_checks_15m WHERE fifteen_minutes < toStartOfFifteenMinutes(now())) = 0
GROUP BY bucket, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

CREATE TABLE IF NOT EXISTS audit_logs_15m
(
    fifteen_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    region_id String,
    event_type Enum8('AUTH' = 1, 'AUTHZ' = 2, 'DATA' = 3, 'SYSTEM' = 4),
    result Enum8('SUCCESS' = 1, 'FAILURE' = 2, 'DENIED' = 3),
    count UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, event_type, result, fifteen_minutes, workspace_id, tenant_id, region_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS audit_logs_15m_feed TO audit_logs_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, region_id, event_type, result, count() AS count
FROM audit_logs
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, region_id, event_type, result;

INSERT INTO audit_logs_15m (fifteen_minutes, organization_id, workspace_id, tenant_id, region_id, event_type, result, count)
SELECT toStartOfFifteenMinutes(timestamp) AS bucket, organization_id, workspace_id, tenant_id, region_id, event_type, result, count() AS count
FROM audit_logs
WHERE timestamp < toStartOfFifteenMinutes(now())
  AND (SELECT count() FROM audit_logs_15m WHERE fifteen_minutes < toStartOfFifteenMinutes(now())) = 0
GROUP BY bucket, organization_id, workspace_id, tenant_id, region_id, event_type, result;
