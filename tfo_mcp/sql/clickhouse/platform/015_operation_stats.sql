-- TFO platform schema, part 15: service_operation_stats_* (1m / 15m / 1h / 1d), per service and operation (span
-- name, every span kind) the span count, duration sum and max and a DDSketch of the durations (quantileDD, 2 %
-- relative accuracy): the latency context's slowest operations. TFO's traces_* rollups keep a reservoir quantile
-- state per bucket (up to 8,192 samples), so a day of them costs more to merge as the traffic grows, and the
-- last hour has no rollup at all (the raw spans); a sketch stays small however many spans a bucket holds. TFO has
-- no such table: without this part the latency context reads TFO's rollups (context/sre.py). Same tiers as part 14,
-- same conventions as part 8. Backfill on this migration's first run only.

CREATE TABLE IF NOT EXISTS service_operation_stats_1m
(
    minute DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    span_name LowCardinality(String),
    span_count SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_max_ns SimpleAggregateFunction(max, UInt64),
    duration_sketch AggregateFunction(quantileDD(0.02, 0.95), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(minute)
ORDER BY (organization_id, minute, service_name, span_name, workspace_id, tenant_id)
TTL minute + INTERVAL 30 DAY
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_operation_stats_1m_feed TO service_operation_stats_1m AS
SELECT toStartOfMinute(timestamp) AS minute, organization_id, workspace_id, tenant_id, service_name, span_name,
       count() AS span_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantileDDState(0.02, 0.95)(duration_ns) AS duration_sketch
FROM traces
GROUP BY minute, organization_id, workspace_id, tenant_id, service_name, span_name;

INSERT INTO service_operation_stats_1m
SELECT toStartOfMinute(timestamp) AS minute, organization_id, workspace_id, tenant_id, service_name, span_name,
       count() AS span_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantileDDState(0.02, 0.95)(duration_ns) AS duration_sketch
FROM traces
WHERE timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '015_operation_stats') = 0
GROUP BY minute, organization_id, workspace_id, tenant_id, service_name, span_name;

CREATE TABLE IF NOT EXISTS service_operation_stats_15m
(
    fifteen_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    span_name LowCardinality(String),
    span_count SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_max_ns SimpleAggregateFunction(max, UInt64),
    duration_sketch AggregateFunction(quantileDD(0.02, 0.95), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, fifteen_minutes, service_name, span_name, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_operation_stats_15m_feed TO service_operation_stats_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, span_name,
       count() AS span_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantileDDState(0.02, 0.95)(duration_ns) AS duration_sketch
FROM traces
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, span_name;

INSERT INTO service_operation_stats_15m
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, span_name,
       count() AS span_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantileDDState(0.02, 0.95)(duration_ns) AS duration_sketch
FROM traces
WHERE timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '015_operation_stats') = 0
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name, span_name;

CREATE TABLE IF NOT EXISTS service_operation_stats_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    span_name LowCardinality(String),
    span_count SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_max_ns SimpleAggregateFunction(max, UInt64),
    duration_sketch AggregateFunction(quantileDD(0.02, 0.95), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, hour, service_name, span_name, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_operation_stats_1h_feed TO service_operation_stats_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name, span_name,
       count() AS span_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantileDDState(0.02, 0.95)(duration_ns) AS duration_sketch
FROM traces
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name, span_name;

INSERT INTO service_operation_stats_1h
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name, span_name,
       count() AS span_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantileDDState(0.02, 0.95)(duration_ns) AS duration_sketch
FROM traces
WHERE timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '015_operation_stats') = 0
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name, span_name;

CREATE TABLE IF NOT EXISTS service_operation_stats_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    span_name LowCardinality(String),
    span_count SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_max_ns SimpleAggregateFunction(max, UInt64),
    duration_sketch AggregateFunction(quantileDD(0.02, 0.95), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, day, service_name, span_name, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_operation_stats_1d_feed TO service_operation_stats_1d AS
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, service_name, span_name,
       count() AS span_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantileDDState(0.02, 0.95)(duration_ns) AS duration_sketch
FROM traces
GROUP BY day, organization_id, workspace_id, tenant_id, service_name, span_name;

INSERT INTO service_operation_stats_1d
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, service_name, span_name,
       count() AS span_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantileDDState(0.02, 0.95)(duration_ns) AS duration_sketch
FROM traces
WHERE timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '015_operation_stats') = 0
GROUP BY day, organization_id, workspace_id, tenant_id, service_name, span_name;
