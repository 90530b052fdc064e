-- TFO platform schema, part 3: host (agent) metrics, Kubernetes metrics and events, and the cache, queue and
-- load-balancer metrics a real platform keeps for its managed middleware (TFO has no tables for those three,
-- they follow the vm_metrics shape: one metric sample per row, entity id + name, labels map).
-- Rollups: AggregatingMergeTree with avg/min/max/count states (TFO reads avgMerge(avg_value), maxMerge(max_value)),
-- organization_id first in every sort key and every grouped dimension in it (TFO's kubernetes_metrics rollups
-- lack cluster_id: two clusters with equally named nodes would be merged; here cluster_id is a dimension).

CREATE TABLE IF NOT EXISTS vm_metrics
(
    timestamp DateTime64(3, 'UTC'),
    vm_id UUID,
    metric_name LowCardinality(String),
    value Float64,
    unit LowCardinality(String) DEFAULT '',
    labels Map(LowCardinality(String), String),
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, vm_id, metric_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS vm_metrics_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    vm_id UUID,
    metric_name LowCardinality(String),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    count AggregateFunction(count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, vm_id, metric_name, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS vm_metrics_5m_feed TO vm_metrics_5m AS
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, vm_id, metric_name,
       avgState(value) AS avg_value,
       minState(value) AS min_value,
       maxState(value) AS max_value,
       countState() AS count
FROM vm_metrics
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, vm_id, metric_name;

CREATE TABLE IF NOT EXISTS vm_metrics_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    vm_id UUID,
    metric_name LowCardinality(String),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    count AggregateFunction(count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, vm_id, metric_name, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS vm_metrics_1h_feed TO vm_metrics_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, vm_id, metric_name,
       avgState(value) AS avg_value,
       minState(value) AS min_value,
       maxState(value) AS max_value,
       countState() AS count
FROM vm_metrics
GROUP BY hour, organization_id, workspace_id, tenant_id, vm_id, metric_name;

CREATE TABLE IF NOT EXISTS vm_metrics_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    vm_id UUID,
    metric_name LowCardinality(String),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    count AggregateFunction(count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, vm_id, metric_name, day, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS vm_metrics_1d_feed TO vm_metrics_1d AS
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, vm_id, metric_name,
       avgState(value) AS avg_value,
       minState(value) AS min_value,
       maxState(value) AS max_value,
       countState() AS count
FROM vm_metrics
GROUP BY day, organization_id, workspace_id, tenant_id, vm_id, metric_name;

CREATE TABLE IF NOT EXISTS kubernetes_metrics
(
    timestamp DateTime64(3, 'UTC'),
    cluster_id String,
    resource_type LowCardinality(String),
    resource_name String,
    namespace String DEFAULT '',
    metric_name LowCardinality(String),
    value Float64,
    unit LowCardinality(String) DEFAULT '',
    labels Map(LowCardinality(String), String),
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    ingestion_source LowCardinality(String) DEFAULT 'agent',
    ingestion_time DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_resource_name resource_name TYPE bloom_filter GRANULARITY 1,
    INDEX idx_namespace namespace TYPE bloom_filter GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, cluster_id, resource_type, metric_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS kubernetes_metrics_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    cluster_id String,
    resource_type LowCardinality(String),
    resource_name String,
    namespace String,
    metric_name LowCardinality(String),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    count AggregateFunction(count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, cluster_id, resource_type, resource_name, namespace, metric_name, five_minutes, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS kubernetes_metrics_5m_feed TO kubernetes_metrics_5m AS
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, cluster_id, resource_type, resource_name, namespace, metric_name,
       avgState(value) AS avg_value,
       minState(value) AS min_value,
       maxState(value) AS max_value,
       countState() AS count
FROM kubernetes_metrics
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, cluster_id, resource_type, resource_name, namespace, metric_name;

CREATE TABLE IF NOT EXISTS kubernetes_metrics_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    cluster_id String,
    resource_type LowCardinality(String),
    resource_name String,
    namespace String,
    metric_name LowCardinality(String),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    count AggregateFunction(count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, cluster_id, resource_type, resource_name, namespace, metric_name, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS kubernetes_metrics_1h_feed TO kubernetes_metrics_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, cluster_id, resource_type, resource_name, namespace, metric_name,
       avgState(value) AS avg_value,
       minState(value) AS min_value,
       maxState(value) AS max_value,
       countState() AS count
FROM kubernetes_metrics
GROUP BY hour, organization_id, workspace_id, tenant_id, cluster_id, resource_type, resource_name, namespace, metric_name;

CREATE TABLE IF NOT EXISTS kubernetes_metrics_1d
(
    day Date,
    organization_id String,
    workspace_id String,
    tenant_id String,
    cluster_id String,
    resource_type LowCardinality(String),
    resource_name String,
    namespace String,
    metric_name LowCardinality(String),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    count AggregateFunction(count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, cluster_id, resource_type, resource_name, namespace, metric_name, day, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS kubernetes_metrics_1d_feed TO kubernetes_metrics_1d AS
SELECT toDate(timestamp) AS day, organization_id, workspace_id, tenant_id, cluster_id, resource_type, resource_name, namespace, metric_name,
       avgState(value) AS avg_value,
       minState(value) AS min_value,
       maxState(value) AS max_value,
       countState() AS count
FROM kubernetes_metrics
GROUP BY day, organization_id, workspace_id, tenant_id, cluster_id, resource_type, resource_name, namespace, metric_name;

CREATE TABLE IF NOT EXISTS kubernetes_events
(
    timestamp DateTime64(3, 'UTC'),
    cluster_id String,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    namespace String DEFAULT '',
    type LowCardinality(String),
    reason LowCardinality(String),
    message String,
    source String,
    involved_kind LowCardinality(String),
    involved_name String,
    count UInt32 DEFAULT 1,
    first_timestamp DateTime64(3, 'UTC'),
    last_timestamp DateTime64(3, 'UTC'),
    INDEX idx_involved_name involved_name TYPE bloom_filter GRANULARITY 1,
    INDEX idx_reason reason TYPE set(0) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, cluster_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY
SETTINGS index_granularity = 8192;

-- Managed caches (Redis, Memcached, ...): e.g. cache.hit_ratio, cache.memory.used_pct, cache.evictions, cache.connected_clients, cache.ops_per_sec, cache.latency_ms.
CREATE TABLE IF NOT EXISTS cache_metrics
(
    timestamp DateTime64(3, 'UTC'),
    cache_id String,
    cache_name String,
    engine LowCardinality(String),
    host String,
    metric_name LowCardinality(String),
    value Float64,
    unit LowCardinality(String) DEFAULT '',
    labels Map(LowCardinality(String), String),
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, cache_id, metric_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS cache_metrics_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    cache_id String,
    cache_name String,
    engine LowCardinality(String),
    host String,
    metric_name LowCardinality(String),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    count AggregateFunction(count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, cache_id, cache_name, engine, host, metric_name, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS cache_metrics_1h_feed TO cache_metrics_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, cache_id, cache_name, engine, host, metric_name,
       avgState(value) AS avg_value,
       minState(value) AS min_value,
       maxState(value) AS max_value,
       countState() AS count
FROM cache_metrics
GROUP BY hour, organization_id, workspace_id, tenant_id, cache_id, cache_name, engine, host, metric_name;

-- Message brokers (Kafka, RabbitMQ, SQS, NATS): per broker and queue/topic, e.g. queue.depth, queue.consumer_lag, queue.publish_rate, queue.consume_rate, queue.dead_letter.count, queue.oldest_message_age_s.
CREATE TABLE IF NOT EXISTS queue_metrics
(
    timestamp DateTime64(3, 'UTC'),
    broker_id String,
    broker_name String,
    engine LowCardinality(String),
    queue_name String,
    metric_name LowCardinality(String),
    value Float64,
    unit LowCardinality(String) DEFAULT '',
    labels Map(LowCardinality(String), String),
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, broker_id, queue_name, metric_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS queue_metrics_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    broker_id String,
    broker_name String,
    engine LowCardinality(String),
    queue_name String,
    metric_name LowCardinality(String),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    count AggregateFunction(count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, broker_id, broker_name, engine, queue_name, metric_name, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS queue_metrics_1h_feed TO queue_metrics_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, broker_id, broker_name, engine, queue_name, metric_name,
       avgState(value) AS avg_value,
       minState(value) AS min_value,
       maxState(value) AS max_value,
       countState() AS count
FROM queue_metrics
GROUP BY hour, organization_id, workspace_id, tenant_id, broker_id, broker_name, engine, queue_name, metric_name;

-- Load balancers (cloud ALB/NLB, NGINX, HAProxy, Envoy): per balancer and target group, e.g. lb.request_count, lb.target_response_time_ms, lb.http_5xx_count, lb.healthy_targets, lb.unhealthy_targets, lb.active_connections.
CREATE TABLE IF NOT EXISTS load_balancer_metrics
(
    timestamp DateTime64(3, 'UTC'),
    lb_id String,
    lb_name String,
    provider LowCardinality(String),
    target_group String,
    metric_name LowCardinality(String),
    value Float64,
    unit LowCardinality(String) DEFAULT '',
    labels Map(LowCardinality(String), String),
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, lb_id, target_group, metric_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS load_balancer_metrics_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    lb_id String,
    lb_name String,
    provider LowCardinality(String),
    target_group String,
    metric_name LowCardinality(String),
    avg_value AggregateFunction(avg, Float64),
    min_value AggregateFunction(min, Float64),
    max_value AggregateFunction(max, Float64),
    count AggregateFunction(count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, lb_id, lb_name, provider, target_group, metric_name, hour, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS load_balancer_metrics_1h_feed TO load_balancer_metrics_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, lb_id, lb_name, provider, target_group, metric_name,
       avgState(value) AS avg_value,
       minState(value) AS min_value,
       maxState(value) AS max_value,
       countState() AS count
FROM load_balancer_metrics
GROUP BY hour, organization_id, workspace_id, tenant_id, lb_id, lb_name, provider, target_group, metric_name;
