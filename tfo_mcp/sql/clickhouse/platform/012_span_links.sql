-- TFO platform schema, part 12: the parent/child links of the spans, narrow (a table this server adds; TFO has none).
-- Calls seen only as parent/child across services (a SERVER / CONSUMER span whose parent span belongs to another
-- service) need a join of child spans to their parents, and the spans of one trace reach ClickHouse in different
-- insert blocks, so context/edges.py joins them at query time. Over the raw spans that join reads the span ids of
-- every span in the window (16-character strings): most of its time. Here a span is one row keyed by a 64-bit hash
-- of its span id (role 'parent'), and every entry span that has a parent one more row keyed by the hash of its
-- parent span id (role 'child', with its status and duration), so the join reads two UInt64 columns. A CLIENT /
-- PRODUCER span that names its peer is no parent row: that call is an edge of service_edges_* (part 10), and a
-- join would only find it again.
-- * shard: the key modulo 64. Sorted by role, hour, shard and time, so a query reads a uniform sample of the links
--   of a window (shards 0 .. n - 1 of 64: a child and its parent share the key, so they share the shard) as one
--   range of the primary key per hour; granules of 1024 rows keep the overread of an hour's range small.
-- * timestamp: the span's start, to the millisecond.
-- About 16 bytes per span on disk (two thirds of it the random keys). Backfill on the first run only.

CREATE TABLE IF NOT EXISTS span_links
(
    organization_id String,
    shard UInt8,
    timestamp DateTime64(3, 'UTC') CODEC(DoubleDelta, LZ4),
    key UInt64,
    role Enum8('parent' = 1, 'child' = 2),
    service_name LowCardinality(String),
    failed UInt8,
    duration_ns UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (organization_id, role, toStartOfHour(timestamp), shard, timestamp)
TTL toDateTime(timestamp) + INTERVAL 30 DAY
SETTINGS index_granularity = 1024;

CREATE MATERIALIZED VIEW IF NOT EXISTS span_links_feed TO span_links AS
SELECT organization_id, toUInt8(key % 64) AS shard, start AS timestamp, key, role, service_name,
       child_failed AS failed, child_duration_ns AS duration_ns
FROM
(
    SELECT organization_id, toDateTime64(timestamp, 3, 'UTC') AS start, link.1 AS key, link.2 AS role, service_name,
           if(role = 2, status_code = 'ERROR', 0) AS child_failed, if(role = 2, duration_ns, 0) AS child_duration_ns
    FROM traces
    ARRAY JOIN arrayConcat(
        if(span_kind IN ('CLIENT', 'PRODUCER') AND (span_attributes['peer.service'] != ''
           OR span_attributes['server.address'] != '' OR span_attributes['net.peer.name'] != ''),
           [], [(cityHash64(span_id), toUInt8(1))]),
        if(span_kind IN ('SERVER', 'CONSUMER') AND parent_span_id != '', [(cityHash64(parent_span_id), toUInt8(2))], [])
    ) AS link
);

INSERT INTO span_links
SELECT organization_id, toUInt8(key % 64) AS shard, start AS timestamp, key, role, service_name,
       child_failed AS failed, child_duration_ns AS duration_ns
FROM
(
    SELECT organization_id, toDateTime64(timestamp, 3, 'UTC') AS start, link.1 AS key, link.2 AS role, service_name,
           if(role = 2, status_code = 'ERROR', 0) AS child_failed, if(role = 2, duration_ns, 0) AS child_duration_ns
    FROM traces
    ARRAY JOIN arrayConcat(
        if(span_kind IN ('CLIENT', 'PRODUCER') AND (span_attributes['peer.service'] != ''
           OR span_attributes['server.address'] != '' OR span_attributes['net.peer.name'] != ''),
           [], [(cityHash64(span_id), toUInt8(1))]),
        if(span_kind IN ('SERVER', 'CONSUMER') AND parent_span_id != '', [(cityHash64(parent_span_id), toUInt8(2))], [])
    ) AS link
    WHERE timestamp < now()
      AND (SELECT count() FROM schema_migrations WHERE kind = 'platform' AND name = '012_span_links') = 0
);
