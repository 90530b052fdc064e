-- TFO platform schema, part 11: the one-minute tier of the caller -> callee edges of part 10 (service_edges_1m),
-- the tier TFO's rule picks for windows up to 1 h (step 60 s), as metrics_1m is for the metrics (part 9). Without it
-- the edges of the default window, the last hour, were read from the raw spans. Same columns and conventions as
-- part 10; kept as long as the raw spans (30 days). Backfill on this migration's first run only.

CREATE TABLE IF NOT EXISTS service_edges_1m
(
    minute DateTime('UTC'),
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
PARTITION BY toYYYYMMDD(minute)
ORDER BY (organization_id, minute, caller, callee, workspace_id, tenant_id)
TTL minute + INTERVAL 30 DAY
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_edges_1m_feed TO service_edges_1m AS
SELECT toStartOfMinute(timestamp) AS minute, organization_id, workspace_id, tenant_id, service_name AS caller,
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
GROUP BY minute, organization_id, workspace_id, tenant_id, caller, callee;

INSERT INTO service_edges_1m
SELECT toStartOfMinute(timestamp) AS minute, organization_id, workspace_id, tenant_id, service_name AS caller,
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
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '011_service_edges_one_minute') = 0
GROUP BY minute, organization_id, workspace_id, tenant_id, caller, callee;
