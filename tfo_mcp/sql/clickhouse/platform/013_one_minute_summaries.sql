-- TFO platform schema, part 13: the one-minute tier of two summaries of part 8, service_request_stats_1m and
-- log_error_patterns_1m: the tier TFO's rule picks for windows up to 1 h (step 60 s), as metrics_1m (part 9) and
-- service_edges_1m (part 11). Without them the traces and logs contexts of the default window, the last hour, read
-- the raw spans and log lines, so their cost grew with the volume. Same columns and conventions as part 8; kept as
-- long as the raw rows (30 days). Backfill on this migration's first run only.

CREATE TABLE IF NOT EXISTS service_request_stats_1m
(
    minute DateTime('UTC'),
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
PARTITION BY toYYYYMMDD(minute)
ORDER BY (organization_id, service_name, minute, workspace_id, tenant_id)
TTL minute + INTERVAL 30 DAY
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_request_stats_1m_feed TO service_request_stats_1m AS
SELECT toStartOfMinute(timestamp) AS minute, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY minute, organization_id, workspace_id, tenant_id, service_name;

INSERT INTO service_request_stats_1m
SELECT toStartOfMinute(timestamp) AS minute, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER') AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '013_one_minute_summaries') = 0
GROUP BY minute, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS log_error_patterns_1m
(
    minute DateTime('UTC'),
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
PARTITION BY toYYYYMMDD(minute)
ORDER BY (organization_id, service_name, minute, severity_text, pattern, workspace_id, tenant_id)
TTL minute + INTERVAL 30 DAY
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS log_error_patterns_1m_feed TO log_error_patterns_1m AS
SELECT toStartOfMinute(timestamp) AS minute, organization_id, workspace_id, tenant_id, service_name, severity_text,
       substringUTF8(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(substringUTF8(body, 1, 300), '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'), '\\b[0-9a-fA-F]{8,}\\b', '<id>'), '[0-9]+', '<n>'), 1, 160) AS pattern,
       count() AS occurrences,
       max(timestamp) AS last_seen,
       argMaxState(substringUTF8(body, 1, 300), timestamp) AS example
FROM logs
WHERE severity_number >= 17
GROUP BY minute, organization_id, workspace_id, tenant_id, service_name, severity_text, pattern;

INSERT INTO log_error_patterns_1m
SELECT toStartOfMinute(timestamp) AS minute, organization_id, workspace_id, tenant_id, service_name, severity_text,
       substringUTF8(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(substringUTF8(body, 1, 300), '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'), '\\b[0-9a-fA-F]{8,}\\b', '<id>'), '[0-9]+', '<n>'), 1, 160) AS pattern,
       count() AS occurrences,
       max(timestamp) AS last_seen,
       argMaxState(substringUTF8(body, 1, 300), timestamp) AS example
FROM logs
WHERE severity_number >= 17 AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '013_one_minute_summaries') = 0
GROUP BY minute, organization_id, workspace_id, tenant_id, service_name, severity_text, pattern;
