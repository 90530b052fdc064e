-- TFO platform schema, part 7: TFO's 15-minute rollup tier (fifteen_minutes, toStartOfFifteenMinutes) for the
-- core families: metrics, logs, traces, service_latency_percentiles, service_error_rates, uptime_checks and
-- audit_logs. A 24 h window (TFO's step 900 s) reads these instead of 288 five-minute buckets.
-- Same conventions as 001/002 (TFO names and state types, organization_id first in every sort key, <target> +
-- <target>_feed, reservoir state with TFO's percentile ALIAS columns).
-- Backfill: a store migrated before this file has its history in the 5-minute rollups. Each target is filled from
-- its _5m table (states merged with -MergeState, counts summed, columns by position) for the buckets before the
-- current 15 minutes, once: the INSERT does nothing when the target already holds such buckets, so re-running
-- this file adds nothing. The feed view exists before the backfill, so the bucket in progress at upgrade time
-- counts only the rows written after it.

CREATE TABLE IF NOT EXISTS metrics_15m
(
    fifteen_minutes DateTime('UTC'),
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
    quantileState(value) AS value_sample
FROM metrics
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type;

INSERT INTO metrics_15m (fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type, avg_value, min_value, max_value, sum_value, count, value_sample)
SELECT toStartOfFifteenMinutes(five_minutes) AS bucket, organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type,
       avgMergeState(avg_value),
       minMergeState(min_value),
       maxMergeState(max_value),
       sumMergeState(sum_value),
       countMergeState(count),
       quantileMergeState(value_sample)
FROM metrics_5m
WHERE five_minutes < toStartOfFifteenMinutes(now())
  AND (SELECT count() FROM metrics_15m WHERE fifteen_minutes < toStartOfFifteenMinutes(now())) = 0
GROUP BY bucket, organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type;

CREATE TABLE IF NOT EXISTS logs_15m
(
    fifteen_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    severity_text LowCardinality(String),
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
SELECT toStartOfFifteenMinutes(five_minutes) AS bucket, organization_id, workspace_id, tenant_id, service_name, severity_text,
       sum(count)
FROM logs_5m
WHERE five_minutes < toStartOfFifteenMinutes(now())
  AND (SELECT count() FROM logs_15m WHERE fifteen_minutes < toStartOfFifteenMinutes(now())) = 0
GROUP BY bucket, organization_id, workspace_id, tenant_id, service_name, severity_text;

CREATE TABLE IF NOT EXISTS traces_15m
(
    fifteen_minutes DateTime('UTC'),
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
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, service_name, span_name, status_code, fifteen_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS traces_15m_feed TO traces_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, span_name, status_code,
       countState() AS count,
       avgState(duration_ns) AS avg_duration_ns,
       minState(duration_ns) AS min_duration_ns,
       maxState(duration_ns) AS max_duration_ns,
       quantileState(duration_ns) AS duration_sample
FROM traces
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, span_name, status_code;

INSERT INTO traces_15m (fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, span_name, status_code, count, avg_duration_ns, min_duration_ns, max_duration_ns, duration_sample)
SELECT toStartOfFifteenMinutes(five_minutes) AS bucket, organization_id, workspace_id, tenant_id, service_name, span_name, status_code,
       countMergeState(count),
       avgMergeState(avg_duration_ns),
       minMergeState(min_duration_ns),
       maxMergeState(max_duration_ns),
       quantileMergeState(duration_sample)
FROM traces_5m
WHERE five_minutes < toStartOfFifteenMinutes(now())
  AND (SELECT count() FROM traces_15m WHERE fifteen_minutes < toStartOfFifteenMinutes(now())) = 0
GROUP BY bucket, organization_id, workspace_id, tenant_id, service_name, span_name, status_code;

CREATE TABLE IF NOT EXISTS service_latency_percentiles_15m
(
    fifteen_minutes DateTime('UTC'),
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
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, service_name, fifteen_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS service_latency_percentiles_15m_feed TO service_latency_percentiles_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name,
       countState() AS request_count,
       avgState(duration_ns) AS avg_duration_ns,
       maxState(duration_ns) AS max_duration_ns,
       quantileState(duration_ns) AS duration_sample
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name;

INSERT INTO service_latency_percentiles_15m (fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, request_count, avg_duration_ns, max_duration_ns, duration_sample)
SELECT toStartOfFifteenMinutes(five_minutes) AS bucket, organization_id, workspace_id, tenant_id, service_name,
       countMergeState(request_count),
       avgMergeState(avg_duration_ns),
       maxMergeState(max_duration_ns),
       quantileMergeState(duration_sample)
FROM service_latency_percentiles_5m
WHERE five_minutes < toStartOfFifteenMinutes(now())
  AND (SELECT count() FROM service_latency_percentiles_15m WHERE fifteen_minutes < toStartOfFifteenMinutes(now())) = 0
GROUP BY bucket, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS service_error_rates_15m
(
    fifteen_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
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
SELECT toStartOfFifteenMinutes(five_minutes) AS bucket, organization_id, workspace_id, tenant_id, service_name,
       sum(total_requests),
       sum(error_count)
FROM service_error_rates_5m
WHERE five_minutes < toStartOfFifteenMinutes(now())
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
    region LowCardinality(String),
    total_checks AggregateFunction(count),
    success_count AggregateFunction(countIf, UInt8),
    failure_count AggregateFunction(countIf, UInt8),
    avg_response_time AggregateFunction(avg, UInt32),
    max_response_time AggregateFunction(max, UInt32),
    min_response_time AggregateFunction(min, UInt32),
    response_time_sample AggregateFunction(quantile, UInt32),
    p50_response_time AggregateFunction(quantile(0.5), UInt32) ALIAS CAST(response_time_sample, 'AggregateFunction(quantile(0.5), UInt32)'),
    p75_response_time AggregateFunction(quantile(0.75), UInt32) ALIAS CAST(response_time_sample, 'AggregateFunction(quantile(0.75), UInt32)'),
    p90_response_time AggregateFunction(quantile(0.9), UInt32) ALIAS CAST(response_time_sample, 'AggregateFunction(quantile(0.9), UInt32)'),
    p95_response_time AggregateFunction(quantile(0.95), UInt32) ALIAS CAST(response_time_sample, 'AggregateFunction(quantile(0.95), UInt32)'),
    p99_response_time AggregateFunction(quantile(0.99), UInt32) ALIAS CAST(response_time_sample, 'AggregateFunction(quantile(0.99), UInt32)'),
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
       quantileState(response_time) AS response_time_sample,
       minState(ssl_days_remaining) AS min_ssl_days_remaining
FROM uptime_checks
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

INSERT INTO uptime_checks_15m (fifteen_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region, total_checks, success_count, failure_count, avg_response_time, max_response_time, min_response_time, response_time_sample, min_ssl_days_remaining)
SELECT toStartOfFifteenMinutes(five_minutes) AS bucket, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
       countMergeState(total_checks),
       countIfMergeState(success_count),
       countIfMergeState(failure_count),
       avgMergeState(avg_response_time),
       maxMergeState(max_response_time),
       minMergeState(min_response_time),
       quantileMergeState(response_time_sample),
       minMergeState(min_ssl_days_remaining)
FROM uptime_checks_5m
WHERE five_minutes < toStartOfFifteenMinutes(now())
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
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, region_id, event_type, result,
       count() AS count
FROM audit_logs
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, region_id, event_type, result;

INSERT INTO audit_logs_15m (fifteen_minutes, organization_id, workspace_id, tenant_id, region_id, event_type, result, count)
SELECT toStartOfFifteenMinutes(five_minutes) AS bucket, organization_id, workspace_id, tenant_id, region_id, event_type, result,
       sum(count)
FROM audit_logs_5m
WHERE five_minutes < toStartOfFifteenMinutes(now())
  AND (SELECT count() FROM audit_logs_15m WHERE fifteen_minutes < toStartOfFifteenMinutes(now())) = 0
GROUP BY bucket, organization_id, workspace_id, tenant_id, region_id, event_type, result;
