-- Hourly and daily rollups, each a target table fed by a materialized view that reads the raw table
-- (so a view can be replaced without losing data). The sort key of every rollup holds all of its
-- dimensions, so rows of different servers, tools or models are never merged together.
-- Read AggregatingMergeTree states with the matching -Merge function (quantilesMerge, uniqMerge,
-- argMaxMerge) and SimpleAggregateFunction / SummingMergeTree columns with sum() / max().

-- tool calls ---------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS tool_calls_hourly
(
    hour               DateTime('UTC'),
    server_id          LowCardinality(String),
    tool_name          LowCardinality(String),
    calls              SimpleAggregateFunction(sum, UInt64),
    errors             SimpleAggregateFunction(sum, UInt64),
    duration_sum       SimpleAggregateFunction(sum, Float64),
    max_duration_ms    SimpleAggregateFunction(max, Float64),
    duration_quantiles AggregateFunction(quantiles(0.5, 0.95, 0.99), Float64),
    input_bytes        SimpleAggregateFunction(sum, UInt64),
    output_bytes       SimpleAggregateFunction(sum, UInt64),
    last_call          SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (server_id, tool_name, hour)
TTL hour + INTERVAL 400 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS tool_calls_hourly_mv TO tool_calls_hourly AS
SELECT
    toStartOfHour(timestamp) AS hour,
    server_id,
    tool_name,
    count() AS calls,
    toUInt64(countIf(success = 0)) AS errors,
    sum(duration_ms) AS duration_sum,
    max(duration_ms) AS max_duration_ms,
    quantilesState(0.5, 0.95, 0.99)(duration_ms) AS duration_quantiles,
    sum(toUInt64(input_size)) AS input_bytes,
    sum(toUInt64(output_size)) AS output_bytes,
    max(timestamp) AS last_call
FROM tool_calls
GROUP BY hour, server_id, tool_name;

CREATE TABLE IF NOT EXISTS tool_calls_daily
(
    day                Date,
    server_id          LowCardinality(String),
    tool_name          LowCardinality(String),
    calls              SimpleAggregateFunction(sum, UInt64),
    errors             SimpleAggregateFunction(sum, UInt64),
    duration_sum       SimpleAggregateFunction(sum, Float64),
    max_duration_ms    SimpleAggregateFunction(max, Float64),
    duration_quantiles AggregateFunction(quantiles(0.5, 0.95, 0.99), Float64),
    input_bytes        SimpleAggregateFunction(sum, UInt64),
    output_bytes       SimpleAggregateFunction(sum, UInt64),
    last_call          SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (server_id, tool_name, day)
TTL day + INTERVAL 1825 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS tool_calls_daily_mv TO tool_calls_daily AS
SELECT
    toDate(timestamp) AS day,
    server_id,
    tool_name,
    count() AS calls,
    toUInt64(countIf(success = 0)) AS errors,
    sum(duration_ms) AS duration_sum,
    max(duration_ms) AS max_duration_ms,
    quantilesState(0.5, 0.95, 0.99)(duration_ms) AS duration_quantiles,
    sum(toUInt64(input_size)) AS input_bytes,
    sum(toUInt64(output_size)) AS output_bytes,
    max(timestamp) AS last_call
FROM tool_calls
GROUP BY day, server_id, tool_name;

-- LLM usage ----------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS api_usage_hourly
(
    hour               DateTime('UTC'),
    server_id          LowCardinality(String),
    provider           LowCardinality(String),
    model              LowCardinality(String),
    requests           SimpleAggregateFunction(sum, UInt64),
    errors             SimpleAggregateFunction(sum, UInt64),
    input_tokens       SimpleAggregateFunction(sum, UInt64),
    output_tokens      SimpleAggregateFunction(sum, UInt64),
    total_tokens       SimpleAggregateFunction(sum, UInt64),
    cost_usd           SimpleAggregateFunction(sum, Float64),
    priced_requests    SimpleAggregateFunction(sum, UInt64),  -- requests whose cost was known
    duration_sum       SimpleAggregateFunction(sum, Float64),
    duration_quantiles AggregateFunction(quantiles(0.5, 0.95), Float64),
    last_request       SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (server_id, provider, model, hour)
TTL hour + INTERVAL 400 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS api_usage_hourly_mv TO api_usage_hourly AS
SELECT
    toStartOfHour(timestamp) AS hour,
    server_id,
    provider,
    model,
    count() AS requests,
    toUInt64(countIf(success = 0)) AS errors,
    sum(toUInt64(input_tokens)) AS input_tokens,
    sum(toUInt64(output_tokens)) AS output_tokens,
    sum(toUInt64(total_tokens)) AS total_tokens,
    sum(ifNull(api_usage.cost_usd, 0)) AS cost_usd,
    toUInt64(countIf(api_usage.cost_usd IS NOT NULL)) AS priced_requests,
    sum(duration_ms) AS duration_sum,
    quantilesState(0.5, 0.95)(duration_ms) AS duration_quantiles,
    max(timestamp) AS last_request
FROM api_usage
GROUP BY hour, server_id, provider, model;

-- Plain sums: SummingMergeTree adds up every numeric column that is not in the key.
CREATE TABLE IF NOT EXISTS api_usage_daily
(
    day           Date,
    server_id     LowCardinality(String),
    provider      LowCardinality(String),
    model         LowCardinality(String),
    requests      UInt64,
    errors        UInt64,
    input_tokens  UInt64,
    output_tokens UInt64,
    total_tokens  UInt64,
    cost_usd      Float64,
    priced_requests UInt64,
    duration_sum  Float64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (server_id, provider, model, day)
TTL day + INTERVAL 1825 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS api_usage_daily_mv TO api_usage_daily AS
SELECT
    toDate(timestamp) AS day,
    server_id,
    provider,
    model,
    count() AS requests,
    toUInt64(countIf(success = 0)) AS errors,
    sum(toUInt64(input_tokens)) AS input_tokens,
    sum(toUInt64(output_tokens)) AS output_tokens,
    sum(toUInt64(total_tokens)) AS total_tokens,
    sum(ifNull(api_usage.cost_usd, 0)) AS cost_usd,
    toUInt64(countIf(api_usage.cost_usd IS NOT NULL)) AS priced_requests,
    sum(duration_ms) AS duration_sum
FROM api_usage
GROUP BY day, server_id, provider, model;

-- errors -------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS error_analytics_hourly
(
    hour         DateTime('UTC'),
    server_id    LowCardinality(String),
    source       LowCardinality(String),
    error_type   LowCardinality(String),
    error_code   Int32,
    errors       SimpleAggregateFunction(sum, UInt64),
    sessions     AggregateFunction(uniq, String),
    last_seen    SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    last_message AggregateFunction(argMax, String, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (server_id, source, error_type, error_code, hour)
TTL hour + INTERVAL 400 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS error_analytics_hourly_mv TO error_analytics_hourly AS
SELECT
    toStartOfHour(timestamp) AS hour,
    server_id,
    source,
    error_type,
    error_code,
    count() AS errors,
    uniqState(session_id) AS sessions,
    max(timestamp) AS last_seen,
    argMaxState(error_message, timestamp) AS last_message
FROM error_analytics
GROUP BY hour, server_id, source, error_type, error_code;

CREATE TABLE IF NOT EXISTS error_analytics_daily
(
    day          Date,
    server_id    LowCardinality(String),
    source       LowCardinality(String),
    error_type   LowCardinality(String),
    error_code   Int32,
    errors       SimpleAggregateFunction(sum, UInt64),
    sessions     AggregateFunction(uniq, String),
    last_seen    SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    last_message AggregateFunction(argMax, String, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (server_id, source, error_type, error_code, day)
TTL day + INTERVAL 1825 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS error_analytics_daily_mv TO error_analytics_daily AS
SELECT
    toDate(timestamp) AS day,
    server_id,
    source,
    error_type,
    error_code,
    count() AS errors,
    uniqState(session_id) AS sessions,
    max(timestamp) AS last_seen,
    argMaxState(error_message, timestamp) AS last_message
FROM error_analytics
GROUP BY day, server_id, source, error_type, error_code;

-- sessions, resources, prompts (plain counts) ------------------------------------------------------

CREATE TABLE IF NOT EXISTS session_analytics_daily
(
    day              Date,
    server_id        LowCardinality(String),
    client_name      LowCardinality(String),
    sessions         UInt64,
    duration_seconds Float64,
    tool_calls       UInt64,
    api_calls        UInt64,
    input_tokens     UInt64,
    output_tokens    UInt64,
    errors           UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (server_id, client_name, day)
TTL day + INTERVAL 1825 DAY;

-- Counts each session once, from its final (closed) row.
CREATE MATERIALIZED VIEW IF NOT EXISTS session_analytics_daily_mv TO session_analytics_daily AS
SELECT
    toDate(started_at) AS day,
    server_id,
    client_name,
    count() AS sessions,
    sum(duration_seconds) AS duration_seconds,
    sum(toUInt64(tool_calls)) AS tool_calls,
    sum(toUInt64(api_calls)) AS api_calls,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(toUInt64(errors)) AS errors
FROM session_analytics
WHERE state = 'closed'
GROUP BY day, server_id, client_name;

CREATE TABLE IF NOT EXISTS resource_access_hourly
(
    hour         DateTime('UTC'),
    server_id    LowCardinality(String),
    resource_uri String,
    reads        UInt64,
    errors       UInt64,
    duration_sum Float64,
    bytes        UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (server_id, resource_uri, hour)
TTL hour + INTERVAL 400 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS resource_access_hourly_mv TO resource_access_hourly AS
SELECT
    toStartOfHour(timestamp) AS hour,
    server_id,
    resource_uri,
    count() AS reads,
    toUInt64(countIf(success = 0)) AS errors,
    sum(duration_ms) AS duration_sum,
    sum(toUInt64(response_size)) AS bytes
FROM resource_access
GROUP BY hour, server_id, resource_uri;

CREATE TABLE IF NOT EXISTS prompt_usage_hourly
(
    hour         DateTime('UTC'),
    server_id    LowCardinality(String),
    prompt_name  LowCardinality(String),
    uses         UInt64,
    errors       UInt64,
    duration_sum Float64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (server_id, prompt_name, hour)
TTL hour + INTERVAL 400 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS prompt_usage_hourly_mv TO prompt_usage_hourly AS
SELECT
    toStartOfHour(timestamp) AS hour,
    server_id,
    prompt_name,
    count() AS uses,
    toUInt64(countIf(success = 0)) AS errors,
    sum(duration_ms) AS duration_sum
FROM prompt_usage
GROUP BY hour, server_id, prompt_name;
