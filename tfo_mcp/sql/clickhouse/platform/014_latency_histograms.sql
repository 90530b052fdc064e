-- TFO platform schema, part 14: service_latency_histogram_* (1m / 15m / 1h / 1d), per service the entry spans'
-- durations in whole milliseconds, rounded up, with their counts: key k counts the spans with
-- (k - 1) ms < duration <= k ms. A latency SLO's good events, the spans within its threshold of T ms, are the counts of
-- the keys <= T, exactly, for any whole-millisecond threshold up to 60,000 ms (longer spans share the key 60,001).
-- Without it the slo, error-budget and sli contexts count the raw entry spans of the window, a cost that grows with
-- the traffic; a bucket's keys stop growing once its latencies are covered (a few hundred per service). TFO has no
-- such table: on a TFO deployment without this part the contexts count the raw spans (context/sre.py). Same tiers as
-- TFO's rule picks for a window, same conventions as part 8 (granules of 256 rows; the 1m tier kept 30 days, as the
-- raw rows). Backfill on this migration's first run only.

CREATE TABLE IF NOT EXISTS service_latency_histogram_1m
(
    minute DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    request_count SimpleAggregateFunction(sum, UInt64),
    duration_ms_counts SimpleAggregateFunction(sumMap, Tuple(Array(UInt16), Array(UInt64)))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(minute)
ORDER BY (organization_id, service_name, minute, workspace_id, tenant_id)
TTL minute + INTERVAL 30 DAY
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_latency_histogram_1m_feed TO service_latency_histogram_1m AS
SELECT toStartOfMinute(timestamp) AS minute, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       sumMap([toUInt16(least(intDiv(duration_ns + 999999, 1000000), 60001))], [toUInt64(1)]) AS duration_ms_counts
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY minute, organization_id, workspace_id, tenant_id, service_name;

INSERT INTO service_latency_histogram_1m
SELECT toStartOfMinute(timestamp) AS minute, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       sumMap([toUInt16(least(intDiv(duration_ns + 999999, 1000000), 60001))], [toUInt64(1)]) AS duration_ms_counts
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER') AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '014_latency_histograms') = 0
GROUP BY minute, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS service_latency_histogram_15m
(
    fifteen_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    request_count SimpleAggregateFunction(sum, UInt64),
    duration_ms_counts SimpleAggregateFunction(sumMap, Tuple(Array(UInt16), Array(UInt64)))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, service_name, fifteen_minutes, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_latency_histogram_15m_feed TO service_latency_histogram_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       sumMap([toUInt16(least(intDiv(duration_ns + 999999, 1000000), 60001))], [toUInt64(1)]) AS duration_ms_counts
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name;

INSERT INTO service_latency_histogram_15m
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       sumMap([toUInt16(least(intDiv(duration_ns + 999999, 1000000), 60001))], [toUInt64(1)]) AS duration_ms_counts
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER') AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '014_latency_histograms') = 0
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS service_latency_histogram_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    request_count SimpleAggregateFunction(sum, UInt64),
    duration_ms_counts SimpleAggregateFunction(sumMap, Tuple(Array(UInt16), Array(UInt64)))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, service_name, hour, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_latency_histogram_1h_feed TO service_latency_histogram_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       sumMap([toUInt16(least(intDiv(duration_ns + 999999, 1000000), 60001))], [toUInt64(1)]) AS duration_ms_counts
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name;

INSERT INTO service_latency_histogram_1h
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       sumMap([toUInt16(least(intDiv(duration_ns + 999999, 1000000), 60001))], [toUInt64(1)]) AS duration_ms_counts
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER') AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '014_latency_histograms') = 0
GROUP BY hour, organization_id, workspace_id, tenant_id, service_name;

CREATE TABLE IF NOT EXISTS service_latency_histogram_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    service_name LowCardinality(String),
    request_count SimpleAggregateFunction(sum, UInt64),
    duration_ms_counts SimpleAggregateFunction(sumMap, Tuple(Array(UInt16), Array(UInt64)))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, service_name, day, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_latency_histogram_1d_feed TO service_latency_histogram_1d AS
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       sumMap([toUInt16(least(intDiv(duration_ns + 999999, 1000000), 60001))], [toUInt64(1)]) AS duration_ms_counts
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER')
GROUP BY day, organization_id, workspace_id, tenant_id, service_name;

INSERT INTO service_latency_histogram_1d
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, service_name,
       count() AS request_count,
       sumMap([toUInt16(least(intDiv(duration_ns + 999999, 1000000), 60001))], [toUInt64(1)]) AS duration_ms_counts
FROM traces
WHERE span_kind IN ('SERVER', 'CONSUMER') AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '014_latency_histograms') = 0
GROUP BY day, organization_id, workspace_id, tenant_id, service_name;
