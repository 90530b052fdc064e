-- TFO platform schema, part 8: summary tables this server adds beside TFO's rollups (TFO has no such tables; the
-- collector uses them where they exist and falls back to TFO's tables where they do not, see context/sources.py).
-- Same tiers and conventions as the rollups (5m / 15m / 1h / 1d, organization_id first in every sort key,
-- <target> + <target>_feed), fed from the raw tables:
-- * service_request_stats_*: entry-span requests, errors, duration sum/max and a DDSketch (quantilesDD, 2 %
--   relative accuracy) per service. Unlike TFO's reservoir `quantile` states, which keep up to 8,192 samples
--   per bucket, a sketch stays under 1 KB however many requests a bucket holds, so a day of buckets merges in a
--   few milliseconds; one table answers the whole traces context.
-- * uptime_monitor_stats_*: the same per monitor and region, plus the failures (count, first, last, last error
--   and status code) that otherwise need the raw checks.
-- * log_error_patterns_*: ERROR-and-above lines grouped by pattern (UUIDs, long hex ids and numbers masked; first
--   160 characters), with the newest example line: the top error patterns of a window without reading its lines.
-- Granules of 256 rows (not 8,192): ClickHouse reads and decodes whole granules, and a sketch or an example line is
-- costly to decode, so a window's rows are read without most of their neighbours (other services and days). With
-- 30 days kept, the traces context's 24 h read took 37 ms at 8,192 and 11 ms at 256 (bench/bench_granules.py).
-- Backfill: each target is filled from its raw table's rows up to now, on the migration's first run only (the
-- guard reads schema_migrations, so re-running this file adds nothing). The feed view exists first, so a row
-- written while the migration runs may be counted twice: migrate a quiet store. A fresh store has nothing to fill.

CREATE TABLE IF NOT EXISTS service_request_stats_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    request_count SimpleAggregateFunction(sum, UInt64),
    error_count SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_max_ns SimpleAggregateFunction(max, UInt64),
    duration_sketch AggregateFunction(quantilesDD(0.02, 0.5, 0.95, 0.99), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, service_name, five_minutes, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_request_stats_5m_feed TO service_request_stats_5m AS
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, service_name;

INSERT INTO service_request_stats_5m
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER') AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '008_summary_tables') = 0
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS service_request_stats_15m
(
    fifteen_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    request_count SimpleAggregateFunction(sum, UInt64),
    error_count SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_max_ns SimpleAggregateFunction(max, UInt64),
    duration_sketch AggregateFunction(quantilesDD(0.02, 0.5, 0.95, 0.99), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, service_name, fifteen_minutes, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_request_stats_15m_feed TO service_request_stats_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name;

INSERT INTO service_request_stats_15m
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER') AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '008_summary_tables') = 0
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS service_request_stats_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    request_count SimpleAggregateFunction(sum, UInt64),
    error_count SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_max_ns SimpleAggregateFunction(max, UInt64),
    duration_sketch AggregateFunction(quantilesDD(0.02, 0.5, 0.95, 0.99), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, service_name, hour, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_request_stats_1h_feed TO service_request_stats_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name;

INSERT INTO service_request_stats_1h
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER') AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '008_summary_tables') = 0
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS service_request_stats_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    request_count SimpleAggregateFunction(sum, UInt64),
    error_count SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_max_ns SimpleAggregateFunction(max, UInt64),
    duration_sketch AggregateFunction(quantilesDD(0.02, 0.5, 0.95, 0.99), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, service_name, day, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_request_stats_1d_feed TO service_request_stats_1d AS
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY day, organization_id, workspace_id, tenant_id, service_name;

INSERT INTO service_request_stats_1d
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER') AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '008_summary_tables') = 0
GROUP BY day, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS uptime_monitor_stats_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    monitor_id String,
    monitor_name String,
    region LowCardinality(String),
    check_count SimpleAggregateFunction(sum, UInt64),
    success_count SimpleAggregateFunction(sum, UInt64),
    response_time_sum SimpleAggregateFunction(sum, UInt64),
    response_time_max SimpleAggregateFunction(max, UInt32),
    response_time_sketch AggregateFunction(quantilesDD(0.02, 0.5, 0.95, 0.99), UInt32),
    ssl_days_min SimpleAggregateFunction(min, Int32),
    failure_count SimpleAggregateFunction(sum, UInt64),
    first_failure SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    last_failure SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    last_error AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    last_status_code AggregateFunction(argMax, UInt16, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, monitor_id, region, five_minutes, monitor_name, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS uptime_monitor_stats_5m_feed TO uptime_monitor_stats_5m AS
SELECT toStartOfFiveMinutes(checked_at) AS five_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
       count() AS check_count,
       countIf(status = 'success') AS success_count,
       sum(response_time) AS response_time_sum,
       max(response_time) AS response_time_max,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(response_time) AS response_time_sketch,
       min(ssl_days_remaining) AS ssl_days_min,
       countIf(status != 'success') AS failure_count,
       minIfOrNull(checked_at, status != 'success') AS first_failure,
       maxIfOrNull(checked_at, status != 'success') AS last_failure,
       argMaxState(if(status != 'success', error_message, ''), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_error,
       argMaxState(if(status != 'success', status_code, 0), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_status_code
FROM uptime_checks
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

INSERT INTO uptime_monitor_stats_5m
SELECT toStartOfFiveMinutes(checked_at) AS five_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
       count() AS check_count,
       countIf(status = 'success') AS success_count,
       sum(response_time) AS response_time_sum,
       max(response_time) AS response_time_max,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(response_time) AS response_time_sketch,
       min(ssl_days_remaining) AS ssl_days_min,
       countIf(status != 'success') AS failure_count,
       minIfOrNull(checked_at, status != 'success') AS first_failure,
       maxIfOrNull(checked_at, status != 'success') AS last_failure,
       argMaxState(if(status != 'success', error_message, ''), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_error,
       argMaxState(if(status != 'success', status_code, 0), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_status_code
FROM uptime_checks
WHERE checked_at < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '008_summary_tables') = 0
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

CREATE TABLE IF NOT EXISTS uptime_monitor_stats_15m
(
    fifteen_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    monitor_id String,
    monitor_name String,
    region LowCardinality(String),
    check_count SimpleAggregateFunction(sum, UInt64),
    success_count SimpleAggregateFunction(sum, UInt64),
    response_time_sum SimpleAggregateFunction(sum, UInt64),
    response_time_max SimpleAggregateFunction(max, UInt32),
    response_time_sketch AggregateFunction(quantilesDD(0.02, 0.5, 0.95, 0.99), UInt32),
    ssl_days_min SimpleAggregateFunction(min, Int32),
    failure_count SimpleAggregateFunction(sum, UInt64),
    first_failure SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    last_failure SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    last_error AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    last_status_code AggregateFunction(argMax, UInt16, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, monitor_id, region, fifteen_minutes, monitor_name, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS uptime_monitor_stats_15m_feed TO uptime_monitor_stats_15m AS
SELECT toStartOfFifteenMinutes(checked_at) AS fifteen_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
       count() AS check_count,
       countIf(status = 'success') AS success_count,
       sum(response_time) AS response_time_sum,
       max(response_time) AS response_time_max,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(response_time) AS response_time_sketch,
       min(ssl_days_remaining) AS ssl_days_min,
       countIf(status != 'success') AS failure_count,
       minIfOrNull(checked_at, status != 'success') AS first_failure,
       maxIfOrNull(checked_at, status != 'success') AS last_failure,
       argMaxState(if(status != 'success', error_message, ''), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_error,
       argMaxState(if(status != 'success', status_code, 0), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_status_code
FROM uptime_checks
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

INSERT INTO uptime_monitor_stats_15m
SELECT toStartOfFifteenMinutes(checked_at) AS fifteen_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
       count() AS check_count,
       countIf(status = 'success') AS success_count,
       sum(response_time) AS response_time_sum,
       max(response_time) AS response_time_max,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(response_time) AS response_time_sketch,
       min(ssl_days_remaining) AS ssl_days_min,
       countIf(status != 'success') AS failure_count,
       minIfOrNull(checked_at, status != 'success') AS first_failure,
       maxIfOrNull(checked_at, status != 'success') AS last_failure,
       argMaxState(if(status != 'success', error_message, ''), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_error,
       argMaxState(if(status != 'success', status_code, 0), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_status_code
FROM uptime_checks
WHERE checked_at < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '008_summary_tables') = 0
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

CREATE TABLE IF NOT EXISTS uptime_monitor_stats_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    monitor_id String,
    monitor_name String,
    region LowCardinality(String),
    check_count SimpleAggregateFunction(sum, UInt64),
    success_count SimpleAggregateFunction(sum, UInt64),
    response_time_sum SimpleAggregateFunction(sum, UInt64),
    response_time_max SimpleAggregateFunction(max, UInt32),
    response_time_sketch AggregateFunction(quantilesDD(0.02, 0.5, 0.95, 0.99), UInt32),
    ssl_days_min SimpleAggregateFunction(min, Int32),
    failure_count SimpleAggregateFunction(sum, UInt64),
    first_failure SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    last_failure SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    last_error AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    last_status_code AggregateFunction(argMax, UInt16, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, monitor_id, region, hour, monitor_name, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS uptime_monitor_stats_1h_feed TO uptime_monitor_stats_1h AS
SELECT toStartOfHour(checked_at) AS hour, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
       count() AS check_count,
       countIf(status = 'success') AS success_count,
       sum(response_time) AS response_time_sum,
       max(response_time) AS response_time_max,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(response_time) AS response_time_sketch,
       min(ssl_days_remaining) AS ssl_days_min,
       countIf(status != 'success') AS failure_count,
       minIfOrNull(checked_at, status != 'success') AS first_failure,
       maxIfOrNull(checked_at, status != 'success') AS last_failure,
       argMaxState(if(status != 'success', error_message, ''), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_error,
       argMaxState(if(status != 'success', status_code, 0), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_status_code
FROM uptime_checks
GROUP BY hour, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

INSERT INTO uptime_monitor_stats_1h
SELECT toStartOfHour(checked_at) AS hour, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
       count() AS check_count,
       countIf(status = 'success') AS success_count,
       sum(response_time) AS response_time_sum,
       max(response_time) AS response_time_max,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(response_time) AS response_time_sketch,
       min(ssl_days_remaining) AS ssl_days_min,
       countIf(status != 'success') AS failure_count,
       minIfOrNull(checked_at, status != 'success') AS first_failure,
       maxIfOrNull(checked_at, status != 'success') AS last_failure,
       argMaxState(if(status != 'success', error_message, ''), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_error,
       argMaxState(if(status != 'success', status_code, 0), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_status_code
FROM uptime_checks
WHERE checked_at < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '008_summary_tables') = 0
GROUP BY hour, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

CREATE TABLE IF NOT EXISTS uptime_monitor_stats_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    monitor_id String,
    monitor_name String,
    region LowCardinality(String),
    check_count SimpleAggregateFunction(sum, UInt64),
    success_count SimpleAggregateFunction(sum, UInt64),
    response_time_sum SimpleAggregateFunction(sum, UInt64),
    response_time_max SimpleAggregateFunction(max, UInt32),
    response_time_sketch AggregateFunction(quantilesDD(0.02, 0.5, 0.95, 0.99), UInt32),
    ssl_days_min SimpleAggregateFunction(min, Int32),
    failure_count SimpleAggregateFunction(sum, UInt64),
    first_failure SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    last_failure SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    last_error AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    last_status_code AggregateFunction(argMax, UInt16, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, monitor_id, region, day, monitor_name, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS uptime_monitor_stats_1d_feed TO uptime_monitor_stats_1d AS
SELECT toDate(checked_at) AS day, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
       count() AS check_count,
       countIf(status = 'success') AS success_count,
       sum(response_time) AS response_time_sum,
       max(response_time) AS response_time_max,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(response_time) AS response_time_sketch,
       min(ssl_days_remaining) AS ssl_days_min,
       countIf(status != 'success') AS failure_count,
       minIfOrNull(checked_at, status != 'success') AS first_failure,
       maxIfOrNull(checked_at, status != 'success') AS last_failure,
       argMaxState(if(status != 'success', error_message, ''), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_error,
       argMaxState(if(status != 'success', status_code, 0), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_status_code
FROM uptime_checks
GROUP BY day, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

INSERT INTO uptime_monitor_stats_1d
SELECT toDate(checked_at) AS day, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
       count() AS check_count,
       countIf(status = 'success') AS success_count,
       sum(response_time) AS response_time_sum,
       max(response_time) AS response_time_max,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(response_time) AS response_time_sketch,
       min(ssl_days_remaining) AS ssl_days_min,
       countIf(status != 'success') AS failure_count,
       minIfOrNull(checked_at, status != 'success') AS first_failure,
       maxIfOrNull(checked_at, status != 'success') AS last_failure,
       argMaxState(if(status != 'success', error_message, ''), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_error,
       argMaxState(if(status != 'success', status_code, 0), if(status != 'success', checked_at, toDateTime64(0, 3, 'UTC'))) AS last_status_code
FROM uptime_checks
WHERE checked_at < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '008_summary_tables') = 0
GROUP BY day, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

CREATE TABLE IF NOT EXISTS log_error_patterns_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    severity_text LowCardinality(String),
    pattern String,
    occurrences SimpleAggregateFunction(sum, UInt64),
    last_seen SimpleAggregateFunction(max, DateTime64(9, 'UTC')),
    example AggregateFunction(argMax, String, DateTime64(9, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, service_name, five_minutes, severity_text, pattern, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS log_error_patterns_5m_feed TO log_error_patterns_5m AS
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text,
       substringUTF8(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(substringUTF8(body, 1, 300), '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'), '\\b[0-9a-fA-F]{8,}\\b', '<id>'), '[0-9]+', '<n>'), 1, 160) AS pattern,
       count() AS occurrences,
       max(timestamp) AS last_seen,
       argMaxState(substringUTF8(body, 1, 300), timestamp) AS example
FROM logs
WHERE severity_number >= 17
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text, pattern;

INSERT INTO log_error_patterns_5m
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text,
       substringUTF8(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(substringUTF8(body, 1, 300), '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'), '\\b[0-9a-fA-F]{8,}\\b', '<id>'), '[0-9]+', '<n>'), 1, 160) AS pattern,
       count() AS occurrences,
       max(timestamp) AS last_seen,
       argMaxState(substringUTF8(body, 1, 300), timestamp) AS example
FROM logs
WHERE severity_number >= 17 AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '008_summary_tables') = 0
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text, pattern;

CREATE TABLE IF NOT EXISTS log_error_patterns_15m
(
    fifteen_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    severity_text LowCardinality(String),
    pattern String,
    occurrences SimpleAggregateFunction(sum, UInt64),
    last_seen SimpleAggregateFunction(max, DateTime64(9, 'UTC')),
    example AggregateFunction(argMax, String, DateTime64(9, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, service_name, fifteen_minutes, severity_text, pattern, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS log_error_patterns_15m_feed TO log_error_patterns_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text,
       substringUTF8(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(substringUTF8(body, 1, 300), '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'), '\\b[0-9a-fA-F]{8,}\\b', '<id>'), '[0-9]+', '<n>'), 1, 160) AS pattern,
       count() AS occurrences,
       max(timestamp) AS last_seen,
       argMaxState(substringUTF8(body, 1, 300), timestamp) AS example
FROM logs
WHERE severity_number >= 17
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text, pattern;

INSERT INTO log_error_patterns_15m
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text,
       substringUTF8(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(substringUTF8(body, 1, 300), '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'), '\\b[0-9a-fA-F]{8,}\\b', '<id>'), '[0-9]+', '<n>'), 1, 160) AS pattern,
       count() AS occurrences,
       max(timestamp) AS last_seen,
       argMaxState(substringUTF8(body, 1, 300), timestamp) AS example
FROM logs
WHERE severity_number >= 17 AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '008_summary_tables') = 0
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, severity_text, pattern;

CREATE TABLE IF NOT EXISTS log_error_patterns_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    severity_text LowCardinality(String),
    pattern String,
    occurrences SimpleAggregateFunction(sum, UInt64),
    last_seen SimpleAggregateFunction(max, DateTime64(9, 'UTC')),
    example AggregateFunction(argMax, String, DateTime64(9, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, service_name, hour, severity_text, pattern, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS log_error_patterns_1h_feed TO log_error_patterns_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name, severity_text,
       substringUTF8(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(substringUTF8(body, 1, 300), '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'), '\\b[0-9a-fA-F]{8,}\\b', '<id>'), '[0-9]+', '<n>'), 1, 160) AS pattern,
       count() AS occurrences,
       max(timestamp) AS last_seen,
       argMaxState(substringUTF8(body, 1, 300), timestamp) AS example
FROM logs
WHERE severity_number >= 17
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name, severity_text, pattern;

INSERT INTO log_error_patterns_1h
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name, severity_text,
       substringUTF8(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(substringUTF8(body, 1, 300), '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'), '\\b[0-9a-fA-F]{8,}\\b', '<id>'), '[0-9]+', '<n>'), 1, 160) AS pattern,
       count() AS occurrences,
       max(timestamp) AS last_seen,
       argMaxState(substringUTF8(body, 1, 300), timestamp) AS example
FROM logs
WHERE severity_number >= 17 AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '008_summary_tables') = 0
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name, severity_text, pattern;

CREATE TABLE IF NOT EXISTS log_error_patterns_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    severity_text LowCardinality(String),
    pattern String,
    occurrences SimpleAggregateFunction(sum, UInt64),
    last_seen SimpleAggregateFunction(max, DateTime64(9, 'UTC')),
    example AggregateFunction(argMax, String, DateTime64(9, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, service_name, day, severity_text, pattern, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS log_error_patterns_1d_feed TO log_error_patterns_1d AS
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, service_name, severity_text,
       substringUTF8(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(substringUTF8(body, 1, 300), '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'), '\\b[0-9a-fA-F]{8,}\\b', '<id>'), '[0-9]+', '<n>'), 1, 160) AS pattern,
       count() AS occurrences,
       max(timestamp) AS last_seen,
       argMaxState(substringUTF8(body, 1, 300), timestamp) AS example
FROM logs
WHERE severity_number >= 17
GROUP BY day, organization_id, workspace_id, tenant_id, service_name, severity_text, pattern;

INSERT INTO log_error_patterns_1d
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, service_name, severity_text,
       substringUTF8(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(substringUTF8(body, 1, 300), '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'), '\\b[0-9a-fA-F]{8,}\\b', '<id>'), '[0-9]+', '<n>'), 1, 160) AS pattern,
       count() AS occurrences,
       max(timestamp) AS last_seen,
       argMaxState(substringUTF8(body, 1, 300), timestamp) AS example
FROM logs
WHERE severity_number >= 17 AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '008_summary_tables') = 0
GROUP BY day, organization_id, workspace_id, tenant_id, service_name, severity_text, pattern;
