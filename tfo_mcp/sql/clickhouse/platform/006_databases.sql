-- TFO platform schema, part 6: database monitoring (engine metrics, query analytics, waits, table/index stats).
-- Names and columns follow what TFO's collector and query translator read (reference 1.3). Where TFO's own
-- readers disagree, ALIAS columns serve both:
--   * db_mysql_metrics: the MySQL/Percona queries read metric_value, the MariaDB query reads value_float,
--   * db_mysql_queries: the translator reads digest/digest_text/avg_time_us, the QAN collector reads
--     fingerprint/avg_duration_ms/calls.
-- labels on the *_metrics tables is JSON text (TFO reads it with JSONExtractString and LIKE), not a Map.
-- db_aurora_metrics_1m keeps TFO's plain column names (avg_value, max_value, min_value) but is a correct rollup:
-- sums, counts, max and min as SimpleAggregateFunction, avg_value an ALIAS.
-- db_table_stats and db_index_stats have no TFO counterpart (reference 3.3 "none"): designed here, one snapshot
-- per table/index and collection interval.

CREATE TABLE IF NOT EXISTS db_mysql_metrics
(
    timestamp DateTime64(3, 'UTC'),
    instance_id String,
    metric_name LowCardinality(String),
    metric_value Float64,
    value_float Float64 ALIAS metric_value,
    labels String,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, instance_id, metric_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS db_mysql_queries
(
    timestamp DateTime64(3, 'UTC'),
    instance_id String,
    digest String,
    digest_text String,
    schema_name String,
    calls UInt64,
    total_time_us UInt64,
    avg_time_us UInt64,
    max_time_us UInt64,
    rows_sent UInt64,
    rows_examined UInt64,
    rows_affected UInt64,
    tmp_tables UInt64,
    tmp_disk_tables UInt64,
    no_index_used UInt64,
    fingerprint String ALIAS digest_text,
    avg_duration_ms Float64 ALIAS avg_time_us / 1000,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, instance_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY;

-- pg_stat_statements snapshots (one row per normalised statement and interval).
CREATE TABLE IF NOT EXISTS db_postgresql_queries
(
    timestamp DateTime64(3, 'UTC'),
    instance_id String,
    queryid String,
    fingerprint String,
    database_name String,
    user_name String,
    calls UInt64,
    total_duration_ms Float64,
    avg_duration_ms Float64,
    max_duration_ms Float64,
    rows UInt64,
    shared_blks_hit UInt64,
    shared_blks_read UInt64,
    temp_blks_written UInt64,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, instance_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS db_clickhouse_queries
(
    timestamp DateTime64(3, 'UTC'),
    instance_id String,
    normalized_query_hash String,
    fingerprint String,
    database_name String,
    user_name String,
    calls UInt64,
    total_duration_ms Float64,
    avg_duration_ms Float64,
    max_duration_ms Float64,
    read_rows UInt64,
    read_bytes UInt64,
    memory_usage UInt64,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, instance_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS db_mongodb_queries
(
    timestamp DateTime64(3, 'UTC'),
    instance_id String,
    query_hash String,
    fingerprint String,
    database_name String,
    collection String,
    operation LowCardinality(String),
    calls UInt64,
    total_duration_ms Float64,
    avg_duration_ms Float64,
    max_duration_ms Float64,
    docs_examined UInt64,
    keys_examined UInt64,
    docs_returned UInt64,
    plan_summary String,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, instance_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS db_sqlite3_metrics
(
    timestamp DateTime64(3, 'UTC'),
    instance_id String,
    metric_name LowCardinality(String),
    value_float Float64,
    labels String,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, instance_id, metric_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS db_sqlite3_integrity
(
    timestamp DateTime64(3, 'UTC'),
    instance_id String,
    metric_name LowCardinality(String),
    value_float Float64,
    labels String,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, instance_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS db_timescaledb_metrics
(
    timestamp DateTime64(3, 'UTC'),
    instance_id String,
    metric_name LowCardinality(String),
    metric_value Float64,
    labels String,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, instance_id, metric_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS db_aurora_metrics
(
    timestamp DateTime64(3, 'UTC'),
    cluster_identifier String,
    instance_identifier String,
    metric_name LowCardinality(String),
    value Float64,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, cluster_identifier, metric_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS db_aurora_metrics_1m
(
    timestamp_1m DateTime64(3, 'UTC'),
    organization_id String,
    workspace_id String,
    tenant_id String,
    cluster_identifier String,
    instance_identifier String,
    metric_name LowCardinality(String),
    sum_value SimpleAggregateFunction(sum, Float64),
    sample_count SimpleAggregateFunction(sum, UInt64),
    max_value SimpleAggregateFunction(max, Float64),
    min_value SimpleAggregateFunction(min, Float64),
    avg_value Float64 ALIAS if(sample_count = 0, 0, sum_value / sample_count)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(timestamp_1m)
ORDER BY (organization_id, cluster_identifier, instance_identifier, metric_name, timestamp_1m, workspace_id, tenant_id)
TTL toDateTime(timestamp_1m) + INTERVAL 90 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS db_aurora_metrics_1m_feed TO db_aurora_metrics_1m AS
SELECT toStartOfMinute(timestamp) AS timestamp_1m, organization_id, workspace_id, tenant_id, cluster_identifier,
       instance_identifier, metric_name,
       sum(value) AS sum_value,
       count() AS sample_count,
       max(value) AS max_value,
       min(value) AS min_value
FROM db_aurora_metrics
GROUP BY timestamp_1m, organization_id, workspace_id, tenant_id, cluster_identifier, instance_identifier, metric_name;

-- Performance Insights top SQL (load_aas = average active sessions).
CREATE TABLE IF NOT EXISTS db_aurora_queries
(
    timestamp DateTime64(3, 'UTC'),
    cluster_identifier String,
    instance_identifier String,
    sql_digest String,
    sql_text String,
    load_aas Float64,
    avg_latency_ms Float64,
    calls UInt64,
    rows_examined UInt64,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, cluster_identifier, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS db_aurora_events
(
    timestamp DateTime64(3, 'UTC'),
    cluster_identifier String,
    source_identifier String,
    event_type LowCardinality(String),
    severity LowCardinality(String),
    message String,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (organization_id, cluster_identifier, timestamp)
TTL toDateTime(timestamp) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS db_mssql_metrics
(
    timestamp DateTime64(3, 'UTC'),
    instance_id String,
    metric_name LowCardinality(String),
    value Float64,
    labels String,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, instance_id, metric_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY;

CREATE TABLE IF NOT EXISTS db_mssql_queries
(
    timestamp DateTime64(3, 'UTC'),
    instance_id String,
    query_hash String,
    sql_text String,
    database_name String,
    execution_count UInt64,
    total_worker_time_us UInt64,
    total_elapsed_time_us UInt64,
    total_logical_reads UInt64,
    avg_duration_ms Float64 ALIAS if(execution_count = 0, 0, total_elapsed_time_us / execution_count / 1000),
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, instance_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY;

-- sys.dm_os_wait_stats deltas grouped by category (CPU, Lock, Latch, Buffer IO, Network IO, Memory, ...).
CREATE TABLE IF NOT EXISTS db_mssql_waits
(
    timestamp DateTime64(3, 'UTC'),
    instance_id String,
    wait_type LowCardinality(String),
    wait_category LowCardinality(String),
    wait_time_ms UInt64,
    waiting_tasks_count UInt64,
    signal_wait_time_ms UInt64,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, instance_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY;

-- Table statistics snapshots (size, row counts, scan mix, churn, bloat) for any engine; instance_id is
-- database_instances.id (PostgreSQL).
CREATE TABLE IF NOT EXISTS db_table_stats
(
    timestamp DateTime64(3, 'UTC'),
    instance_id String,
    engine LowCardinality(String),
    database_name String,
    schema_name String,
    table_name String,
    row_count UInt64,
    total_bytes UInt64,
    data_bytes UInt64,
    index_bytes UInt64,
    seq_scans UInt64,
    index_scans UInt64,
    rows_inserted UInt64,
    rows_updated UInt64,
    rows_deleted UInt64,
    dead_rows UInt64,
    bloat_ratio Float64,
    last_vacuum_at Nullable(DateTime64(3, 'UTC')),
    last_analyze_at Nullable(DateTime64(3, 'UTC')),
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, instance_id, database_name, table_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY;

-- Index statistics snapshots: size, use (scans) and bloat per index. An index with scans = 0 over a long
-- window is a drop candidate; is_unique/is_primary mark the ones that must stay.
CREATE TABLE IF NOT EXISTS db_index_stats
(
    timestamp DateTime64(3, 'UTC'),
    instance_id String,
    engine LowCardinality(String),
    database_name String,
    schema_name String,
    table_name String,
    index_name String,
    index_type LowCardinality(String),
    columns Array(String),
    is_unique UInt8,
    is_primary UInt8,
    size_bytes UInt64,
    scans UInt64,
    tuples_read UInt64,
    tuples_fetched UInt64,
    bloat_ratio Float64,
    organization_id String DEFAULT '',
    workspace_id String DEFAULT '',
    tenant_id String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, instance_id, database_name, table_name, index_name, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY;
