-- Raw analytics of the MCP server itself: one row per event.
-- Every sort key leads with server_id (several servers may share one store), then the dimension the
-- analytics group by, then time. Timestamps are UTC with millisecond precision.

CREATE TABLE IF NOT EXISTS tool_calls
(
    timestamp     DateTime64(3, 'UTC'),
    server_id     LowCardinality(String),
    session_id    String,
    tool_name     LowCardinality(String),
    success       UInt8,
    duration_ms   Float64,
    input_size    UInt32,
    output_size   UInt32,
    error_type    LowCardinality(String) DEFAULT '',
    error_message String DEFAULT '',
    INDEX idx_session session_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (server_id, tool_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS api_usage
(
    timestamp       DateTime64(3, 'UTC'),
    server_id       LowCardinality(String),
    session_id      String,
    conversation_id String DEFAULT '',
    provider        LowCardinality(String),
    model           LowCardinality(String),
    input_tokens    UInt32,
    output_tokens   UInt32,
    total_tokens    UInt32,
    cost_usd        Nullable(Float64),  -- NULL when LiteLLM knows no price (never a made-up 0)
    duration_ms     Float64,
    success         UInt8,
    error_type      LowCardinality(String) DEFAULT '',
    error_message   String DEFAULT '',
    INDEX idx_session session_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_conversation conversation_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (server_id, provider, model, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY;

-- One row per session event (open, ready, closed); the latest version per session wins.
-- started_at never changes within a session, so it can sit in the key and serve time-range reads.
CREATE TABLE IF NOT EXISTS session_analytics
(
    session_id       String,
    server_id        LowCardinality(String),
    state            LowCardinality(String),
    client_name      LowCardinality(String),
    client_version   String,
    protocol_version LowCardinality(String),
    started_at       DateTime64(3, 'UTC'),
    initialized_at   Nullable(DateTime64(3, 'UTC')),
    closed_at        Nullable(DateTime64(3, 'UTC')),
    duration_seconds Float64,
    tool_calls       UInt32,
    api_calls        UInt32,
    input_tokens     UInt64,
    output_tokens    UInt64,
    errors           UInt32,
    updated_at       DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
PARTITION BY toYYYYMM(started_at)
ORDER BY (server_id, started_at, session_id)
TTL toDateTime(started_at) + INTERVAL 365 DAY;

CREATE TABLE IF NOT EXISTS error_analytics
(
    timestamp     DateTime64(3, 'UTC'),
    server_id     LowCardinality(String),
    session_id    String,
    source        LowCardinality(String),
    name          String,
    error_type    LowCardinality(String),
    error_code    Int32,
    error_message String,
    context       String DEFAULT '{}'
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (server_id, error_type, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS resource_access
(
    timestamp     DateTime64(3, 'UTC'),
    server_id     LowCardinality(String),
    session_id    String,
    resource_uri  String,
    success       UInt8,
    duration_ms   Float64,
    response_size UInt32,
    error_message String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (server_id, resource_uri, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS prompt_usage
(
    timestamp       DateTime64(3, 'UTC'),
    server_id       LowCardinality(String),
    session_id      String,
    prompt_name     LowCardinality(String),
    arguments_count UInt8,
    success         UInt8,
    duration_ms     Float64,
    response_size   UInt32,
    error_message   String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (server_id, prompt_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY;
