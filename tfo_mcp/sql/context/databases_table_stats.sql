-- Table statistics over the window: the newest snapshot's size and rows, growth across the window, and the
-- window's scan mix and churn (per-interval counters summed). instance (optional, '' = all).
SELECT instance_id, engine, database_name, schema_name, table_name,
       argMax(row_count, timestamp) AS rows_now,
       argMax(total_bytes, timestamp) AS bytes_now,
       argMax(index_bytes, timestamp) AS index_bytes_now,
       toInt64(argMax(row_count, timestamp)) - toInt64(argMin(row_count, timestamp)) AS row_growth,
       toInt64(argMax(total_bytes, timestamp)) - toInt64(argMin(total_bytes, timestamp)) AS byte_growth,
       sum(seq_scans) AS seq_scan_count,
       sum(index_scans) AS index_scan_count,
       sum(rows_inserted) AS inserted, sum(rows_updated) AS updated, sum(rows_deleted) AS deleted,
       argMax(dead_rows, timestamp) AS dead_rows_now,
       round(argMax(bloat_ratio, timestamp), 3) AS bloat_now,
       argMax(last_vacuum_at, timestamp) AS vacuumed_at,
       argMax(last_analyze_at, timestamp) AS analyzed_at,
       count() AS snapshots
FROM db_table_stats
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(instance)s = '' OR instance_id = %(instance)s)
GROUP BY instance_id, engine, database_name, schema_name, table_name
ORDER BY bytes_now DESC, table_name
LIMIT %(limit)s
