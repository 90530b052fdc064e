-- TFO platform schema, part 2: synthetic uptime checks, the audit trail and LLM usage, with their rollups.
-- Same conventions as 001: TFO names/columns/state types, organization_id first in every sort key, every grouped
-- dimension in the sort key, explicit <target> + <target>_feed materialized views, UTC timestamps.
-- Differences from TFO: uptime_checks_1d keeps aggregate states (TFO sums plain averages there); the audit rollups
-- also keep workspace_id and region_id as grouped dimensions.

CREATE TABLE IF NOT EXISTS uptime_checks
(
    checked_at DateTime64(3, 'UTC'),
    monitor_id String,
    monitor_name String,
    status Enum8('success' = 1, 'failure' = 2, 'timeout' = 3, 'error' = 4),
    status_code UInt16,
    response_time UInt32,
    ip_address String DEFAULT '',
    region LowCardinality(String) DEFAULT '',
    error_message String DEFAULT '',
    ssl_days_remaining Int32 DEFAULT -1,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT '',
    INDEX idx_monitor_id monitor_id TYPE bloom_filter GRANULARITY 1,
    INDEX idx_workspace_id workspace_id TYPE bloom_filter GRANULARITY 1,
    INDEX idx_status status TYPE set(4) GRANULARITY 1,
    INDEX idx_region region TYPE set(20) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(checked_at)
ORDER BY (organization_id, monitor_id, checked_at)
TTL toDateTime(checked_at) + INTERVAL 90 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS uptime_checks_5m
(
    five_minutes DateTime('UTC'),
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
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, monitor_id, region, five_minutes, monitor_name, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS uptime_checks_5m_feed TO uptime_checks_5m AS
SELECT toStartOfFiveMinutes(checked_at) AS five_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
       countState() AS total_checks,
       countIfState(status = 'success') AS success_count,
       countIfState(status != 'success') AS failure_count,
       avgState(response_time) AS avg_response_time,
       maxState(response_time) AS max_response_time,
       minState(response_time) AS min_response_time,
       quantileState(response_time) AS response_time_sample,
       minState(ssl_days_remaining) AS min_ssl_days_remaining
FROM uptime_checks
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

CREATE TABLE IF NOT EXISTS uptime_checks_1h
(
    hour DateTime('UTC'),
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
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, monitor_id, region, hour, monitor_name, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS uptime_checks_1h_feed TO uptime_checks_1h AS
SELECT toStartOfHour(checked_at) AS hour, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
       countState() AS total_checks,
       countIfState(status = 'success') AS success_count,
       countIfState(status != 'success') AS failure_count,
       avgState(response_time) AS avg_response_time,
       maxState(response_time) AS max_response_time,
       minState(response_time) AS min_response_time,
       quantileState(response_time) AS response_time_sample,
       minState(ssl_days_remaining) AS min_ssl_days_remaining
FROM uptime_checks
GROUP BY hour, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

CREATE TABLE IF NOT EXISTS uptime_checks_1d
(
    day Date,
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
    response_time_sample AggregateFunction(quantile, UInt32),
    p95_response_time AggregateFunction(quantile(0.95), UInt32) ALIAS CAST(response_time_sample, 'AggregateFunction(quantile(0.95), UInt32)'),
    p99_response_time AggregateFunction(quantile(0.99), UInt32) ALIAS CAST(response_time_sample, 'AggregateFunction(quantile(0.99), UInt32)'),
    min_ssl_days_remaining AggregateFunction(min, Int32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (organization_id, monitor_id, region, day, monitor_name, workspace_id, tenant_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS uptime_checks_1d_feed TO uptime_checks_1d AS
SELECT toDate(checked_at) AS day, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region,
       countState() AS total_checks,
       countIfState(status = 'success') AS success_count,
       countIfState(status != 'success') AS failure_count,
       avgState(response_time) AS avg_response_time,
       maxState(response_time) AS max_response_time,
       quantileState(response_time) AS response_time_sample,
       minState(ssl_days_remaining) AS min_ssl_days_remaining
FROM uptime_checks
GROUP BY day, organization_id, workspace_id, tenant_id, monitor_id, monitor_name, region;

CREATE TABLE IF NOT EXISTS audit_logs
(
    id UUID DEFAULT generateUUIDv4(),
    timestamp DateTime64(3, 'UTC') DEFAULT now64(3),
    user_id String,
    user_email String,
    user_first_name String,
    user_last_name String,
    event_type Enum8('AUTH' = 1, 'AUTHZ' = 2, 'DATA' = 3, 'SYSTEM' = 4),
    action LowCardinality(String),
    resource LowCardinality(String),
    resource_id String,
    result Enum8('SUCCESS' = 1, 'FAILURE' = 2, 'DENIED' = 3),
    error_message String,
    error_code String,
    ip_address String,
    user_agent String,
    request_method LowCardinality(String),
    request_path String,
    metadata String,
    tenant_id String,
    workspace_id String,
    organization_id String,
    region_id String,
    session_id String,
    correlation_id String,
    duration_ms UInt32,
    created_at DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_user_id user_id TYPE bloom_filter GRANULARITY 1,
    INDEX idx_action action TYPE bloom_filter GRANULARITY 1,
    INDEX idx_resource resource TYPE bloom_filter GRANULARITY 1,
    INDEX idx_tenant_id tenant_id TYPE bloom_filter GRANULARITY 1,
    INDEX idx_session_id session_id TYPE bloom_filter GRANULARITY 1,
    INDEX idx_correlation_id correlation_id TYPE bloom_filter GRANULARITY 1,
    INDEX idx_event_type event_type TYPE set(0) GRANULARITY 1,
    INDEX idx_result result TYPE set(0) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (organization_id, timestamp, event_type, user_id)
TTL toDateTime(timestamp) + INTERVAL 90 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS audit_logs_5m
(
    five_minutes DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    region_id String,
    event_type Enum8('AUTH' = 1, 'AUTHZ' = 2, 'DATA' = 3, 'SYSTEM' = 4),
    result Enum8('SUCCESS' = 1, 'FAILURE' = 2, 'DENIED' = 3),
    count UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(five_minutes)
ORDER BY (organization_id, event_type, result, five_minutes, workspace_id, tenant_id, region_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS audit_logs_5m_feed TO audit_logs_5m AS
SELECT toStartOfFiveMinutes(timestamp) AS five_minutes, organization_id, workspace_id, tenant_id, region_id, event_type, result,
       count() AS count
FROM audit_logs
GROUP BY five_minutes, organization_id, workspace_id, tenant_id, region_id, event_type, result;

CREATE TABLE IF NOT EXISTS audit_logs_1h
(
    hour DateTime('UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    region_id String,
    event_type Enum8('AUTH' = 1, 'AUTHZ' = 2, 'DATA' = 3, 'SYSTEM' = 4),
    result Enum8('SUCCESS' = 1, 'FAILURE' = 2, 'DENIED' = 3),
    count UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, event_type, result, hour, workspace_id, tenant_id, region_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS audit_logs_1h_feed TO audit_logs_1h AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, workspace_id, tenant_id, region_id, event_type, result, count() AS count
FROM audit_logs
GROUP BY hour, organization_id, workspace_id, tenant_id, region_id, event_type, result;

CREATE TABLE IF NOT EXISTS llm_usage_raw
(
    id UUID DEFAULT generateUUIDv4(),
    timestamp DateTime64(3, 'UTC'),
    message_id String,
    conversation_id String,
    provider_id String,
    provider_type LowCardinality(String),
    model_id LowCardinality(String),
    prompt_tokens UInt32,
    completion_tokens UInt32,
    total_tokens UInt32,
    latency_ms UInt32,
    time_to_first_token_ms UInt32,
    prompt_cost_micros UInt64,
    completion_cost_micros UInt64,
    total_cost_micros UInt64,
    role LowCardinality(String),
    context_type LowCardinality(String),
    context_id String,
    is_streaming UInt8,
    status LowCardinality(String) DEFAULT 'success',
    error_type LowCardinality(String),
    error_message String,
    organization_id String,
    workspace_id String,
    user_id String,
    tenant_id String,
    created_at DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_user_id user_id TYPE bloom_filter GRANULARITY 1,
    INDEX idx_provider_id provider_id TYPE bloom_filter GRANULARITY 1,
    INDEX idx_conversation_id conversation_id TYPE bloom_filter GRANULARITY 1,
    INDEX idx_context_type context_type TYPE set(0) GRANULARITY 1,
    INDEX idx_status status TYPE set(0) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (organization_id, provider_type, model_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS llm_usage_hourly_mv
(
    hour DateTime('UTC'),
    organization_id String,
    provider_type LowCardinality(String),
    model_id LowCardinality(String),
    user_id String,
    context_type LowCardinality(String),
    status LowCardinality(String),
    prompt_tokens AggregateFunction(sum, UInt32),
    completion_tokens AggregateFunction(sum, UInt32),
    total_tokens AggregateFunction(sum, UInt32),
    total_cost_micros AggregateFunction(sum, UInt64),
    avg_latency_ms AggregateFunction(avg, UInt32),
    max_latency_ms AggregateFunction(max, UInt32),
    min_latency_ms AggregateFunction(min, UInt32),
    p95_latency_ms AggregateFunction(quantile(0.95), UInt32),
    request_count AggregateFunction(count),
    error_count AggregateFunction(countIf, UInt8),
    streaming_count AggregateFunction(countIf, UInt8)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (organization_id, provider_type, model_id, hour, user_id, context_type, status)
TTL hour + INTERVAL 180 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_usage_hourly_mv_feed TO llm_usage_hourly_mv AS
SELECT toStartOfHour(timestamp) AS hour, organization_id, provider_type, model_id, user_id, context_type, status,
       sumState(prompt_tokens) AS prompt_tokens,
       sumState(completion_tokens) AS completion_tokens,
       sumState(total_tokens) AS total_tokens,
       sumState(total_cost_micros) AS total_cost_micros,
       avgState(latency_ms) AS avg_latency_ms,
       maxState(latency_ms) AS max_latency_ms,
       minState(latency_ms) AS min_latency_ms,
       quantileState(0.95)(latency_ms) AS p95_latency_ms,
       countState() AS request_count,
       countIfState(status != 'success') AS error_count,
       countIfState(is_streaming = 1) AS streaming_count
FROM llm_usage_raw
GROUP BY hour, organization_id, provider_type, model_id, user_id, context_type, status;
