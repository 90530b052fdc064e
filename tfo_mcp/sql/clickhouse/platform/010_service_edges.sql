-- TFO platform schema, part 10: caller -> callee edges from the spans (a summary table this server adds; TFO has
-- none: its service map comes from the PostgreSQL inventory). Same tiers and conventions as part 8.
-- * service_edges_*: per bucket, organization, caller and callee: calls, failed calls, duration sum/max and a
--   DDSketch (quantilesDD, 2 % relative accuracy) of the caller's CLIENT / PRODUCER spans that name their peer, as
--   OpenTelemetry instrumentations do: `peer.service`, else `server.address`, else the older `net.peer.name`
--   (callee as written; a call to itself is no edge). The figures are the caller's view of the call (network and
--   queueing included).
-- Calls seen only as parent/child across services (a SERVER span whose parent span belongs to another service, the
-- parent naming no peer) are not here: a materialized view sees one insert block, and the spans of one trace
-- reach ClickHouse in different blocks (every service exports its own batches), so a join inside the view would
-- miss most pairs. context/edges.py joins those at query time over the window's raw spans.
-- Granules of 256 rows, as in part 8. Backfill on the first run only (guard on schema_migrations).

CREATE TABLE IF NOT EXISTS service_edges_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    caller LowCardinality(String),
    callee String,
    request_count SimpleAggregateFunction(sum, UInt64),
    error_count SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_max_ns SimpleAggregateFunction(max, UInt64),
    duration_sketch AggregateFunction(quantilesDD(0.02, 0.5, 0.95, 0.99), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, five_minutes, caller, callee, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_edges_5m_feed TO service_edges_5m AS
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, service_name AS caller,
       multiIf(span_attributes['peer.service'] != '', span_attributes['peer.service'],
               span_attributes['server.address'] != '', span_attributes['server.address'],
               span_attributes['net.peer.name']) AS callee,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('CLIENT', 'PRODUCER') AND callee != '' AND callee != caller
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, caller, callee;

INSERT INTO service_edges_5m
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, service_name AS caller,
       multiIf(span_attributes['peer.service'] != '', span_attributes['peer.service'],
               span_attributes['server.address'] != '', span_attributes['server.address'],
               span_attributes['net.peer.name']) AS callee,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('CLIENT', 'PRODUCER') AND callee != '' AND callee != caller
  AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '010_service_edges') = 0
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, caller, callee;

CREATE TABLE IF NOT EXISTS service_edges_15m
(
    fifteen_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    caller LowCardinality(String),
    callee String,
    request_count SimpleAggregateFunction(sum, UInt64),
    error_count SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_max_ns SimpleAggregateFunction(max, UInt64),
    duration_sketch AggregateFunction(quantilesDD(0.02, 0.5, 0.95, 0.99), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(fifteen_minutes)
ORDER BY (organization_id, fifteen_minutes, caller, callee, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_edges_15m_feed TO service_edges_15m AS
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name AS caller,
       multiIf(span_attributes['peer.service'] != '', span_attributes['peer.service'],
               span_attributes['server.address'] != '', span_attributes['server.address'],
               span_attributes['net.peer.name']) AS callee,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('CLIENT', 'PRODUCER') AND callee != '' AND callee != caller
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, caller, callee;

INSERT INTO service_edges_15m
SELECT toStartOfFifteenMinutes(timestamp) AS fifteen_minutes, organization_id, workspace_id, tenant_id, service_name AS caller,
       multiIf(span_attributes['peer.service'] != '', span_attributes['peer.service'],
               span_attributes['server.address'] != '', span_attributes['server.address'],
               span_attributes['net.peer.name']) AS callee,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('CLIENT', 'PRODUCER') AND callee != '' AND callee != caller
  AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '010_service_edges') = 0
GROUP BY fifteen_minutes, organization_id, workspace_id, tenant_id, caller, callee;

CREATE TABLE IF NOT EXISTS service_edges_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    caller LowCardinality(String),
    callee String,
    request_count SimpleAggregateFunction(sum, UInt64),
    error_count SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_max_ns SimpleAggregateFunction(max, UInt64),
    duration_sketch AggregateFunction(quantilesDD(0.02, 0.5, 0.95, 0.99), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, hour, caller, callee, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_edges_1h_feed TO service_edges_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name AS caller,
       multiIf(span_attributes['peer.service'] != '', span_attributes['peer.service'],
               span_attributes['server.address'] != '', span_attributes['server.address'],
               span_attributes['net.peer.name']) AS callee,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('CLIENT', 'PRODUCER') AND callee != '' AND callee != caller
GROUP BY hour, organization_id, workspace_id, tenant_id, caller, callee;

INSERT INTO service_edges_1h
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, service_name AS caller,
       multiIf(span_attributes['peer.service'] != '', span_attributes['peer.service'],
               span_attributes['server.address'] != '', span_attributes['server.address'],
               span_attributes['net.peer.name']) AS callee,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('CLIENT', 'PRODUCER') AND callee != '' AND callee != caller
  AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '010_service_edges') = 0
GROUP BY hour, organization_id, workspace_id, tenant_id, caller, callee;

CREATE TABLE IF NOT EXISTS service_edges_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    caller LowCardinality(String),
    callee String,
    request_count SimpleAggregateFunction(sum, UInt64),
    error_count SimpleAggregateFunction(sum, UInt64),
    duration_sum_ns SimpleAggregateFunction(sum, UInt64),
    duration_max_ns SimpleAggregateFunction(max, UInt64),
    duration_sketch AggregateFunction(quantilesDD(0.02, 0.5, 0.95, 0.99), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, day, caller, callee, workspace_id, tenant_id)
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_edges_1d_feed TO service_edges_1d AS
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, service_name AS caller,
       multiIf(span_attributes['peer.service'] != '', span_attributes['peer.service'],
               span_attributes['server.address'] != '', span_attributes['server.address'],
               span_attributes['net.peer.name']) AS callee,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('CLIENT', 'PRODUCER') AND callee != '' AND callee != caller
GROUP BY day, organization_id, workspace_id, tenant_id, caller, callee;

INSERT INTO service_edges_1d
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, service_name AS caller,
       multiIf(span_attributes['peer.service'] != '', span_attributes['peer.service'],
               span_attributes['server.address'] != '', span_attributes['server.address'],
               span_attributes['net.peer.name']) AS callee,
       count() AS request_count,
       countIf(status_code = 'ERROR') AS error_count,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       quantilesDDState(0.02, 0.5, 0.95, 0.99)(duration_ns) AS duration_sketch
FROM traces
WHERE span_kind IN ('CLIENT', 'PRODUCER') AND callee != '' AND callee != caller
  AND timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '010_service_edges') = 0
GROUP BY day, organization_id, workspace_id, tenant_id, caller, callee;
