-- TFO platform schema, part 9: TFO's metrics_1m (minute, toStartOfMinute; avg/min/max/sum/count states, TFO's
-- columns), the tier TFO's rule picks for windows up to 1 h (step 60 s). Without it the metrics context read the raw
-- rows for its default window, the last hour. organization_id leads the sort key, as in TFO after its fix 008.
-- Kept as long as the raw metrics (90 days): a 1 h window is read here however old it is.
-- Backfill: filled from the raw rows up to now on this migration's first run only (the guard reads
-- schema_migrations, so re-running this file adds nothing). The feed view exists first, so a row written while the
-- migration runs may be counted twice: migrate a quiet store. A fresh store has nothing to fill.

CREATE TABLE IF NOT EXISTS metrics_1m
(
    minute DateTime('UTC'),
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
    count AggregateFunction(count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(minute)
ORDER BY (organization_id, service_name, metric_name, metric_type, minute, workspace_id, tenant_id)
TTL minute + INTERVAL 90 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_1m_feed TO metrics_1m AS
SELECT
    toStartOfMinute(timestamp) AS minute,
    organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type,
    avgState(value) AS avg_value,
    minState(value) AS min_value,
    maxState(value) AS max_value,
    sumState(value) AS sum_value,
    countState() AS count
FROM metrics
GROUP BY minute, organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type;

INSERT INTO metrics_1m
SELECT
    toStartOfMinute(timestamp) AS minute,
    organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type,
    avgState(value) AS avg_value,
    minState(value) AS min_value,
    maxState(value) AS max_value,
    sumState(value) AS sum_value,
    countState() AS count
FROM metrics
WHERE timestamp < now()
  AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '009_metrics_one_minute') = 0
GROUP BY minute, organization_id, workspace_id, tenant_id, service_name, metric_name, metric_type;
