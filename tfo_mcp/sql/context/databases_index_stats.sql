-- Index statistics over the window: newest size and bloat, scans summed over the window (per-interval counters).
-- Unused (no scans) non-unique, non-primary indexes first, then the largest. instance (optional, '' = all).
SELECT instance_id, engine, database_name, schema_name, table_name, index_name,
       any(index_type) AS kind, any(columns) AS indexed_columns,
       max(is_unique) AS unique_index, max(is_primary) AS primary_index,
       argMax(size_bytes, timestamp) AS size_now,
       sum(scans) AS scan_count, sum(tuples_read) AS read_tuples, sum(tuples_fetched) AS fetched_tuples,
       round(argMax(bloat_ratio, timestamp), 3) AS bloat_now,
       count() AS snapshots
FROM db_index_stats
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(instance)s = '' OR instance_id = %(instance)s)
GROUP BY instance_id, engine, database_name, schema_name, table_name, index_name
ORDER BY (scan_count = 0 AND unique_index = 0 AND primary_index = 0) DESC, size_now DESC, index_name
LIMIT %(limit)s
