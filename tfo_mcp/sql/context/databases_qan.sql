-- Query analytics across engines over the window: one row per (engine, instance, normalised statement), from the
-- per-interval QAN snapshots (MySQL-family digests, pg_stat_statements, ClickHouse query_log, MongoDB profiler,
-- SQL Server query stats, Aurora Performance Insights). instance is database_instances.id, except Aurora where
-- it is the cluster identifier. total_time_ms / avg_time_ms are exact over the window (sum of time / sum of calls).
-- instance (optional, '' = all) narrows to one instance; sort = 'avg' ranks by average latency, else by total time.
SELECT engine, instance, fingerprint, database,
       sum(calls) AS total_calls,
       round(sum(total_ms), 3) AS total_time_ms,
       round(sum(total_ms) / greatest(sum(calls), 1), 3) AS avg_time_ms,
       round(max(max_ms), 3) AS max_time_ms,
       sum(rows_examined) AS examined_rows,
       sum(no_index_calls) AS calls_without_index,
       max(timestamp) AS last_seen
FROM
(
    SELECT 'mysql' AS engine, instance_id AS instance, digest_text AS fingerprint, schema_name AS database, calls,
           toFloat64(total_time_us) / 1000 AS total_ms, toFloat64(max_time_us) / 1000 AS max_ms, rows_examined,
           no_index_used AS no_index_calls, timestamp
    FROM db_mysql_queries
    WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
      AND (%(instance)s = '' OR instance_id = %(instance)s)
    UNION ALL
    SELECT 'postgresql', instance_id, fingerprint, database_name, calls, total_duration_ms, max_duration_ms, rows,
           toUInt64(0), timestamp
    FROM db_postgresql_queries
    WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
      AND (%(instance)s = '' OR instance_id = %(instance)s)
    UNION ALL
    SELECT 'clickhouse', instance_id, fingerprint, database_name, calls, total_duration_ms, max_duration_ms, read_rows,
           toUInt64(0), timestamp
    FROM db_clickhouse_queries
    WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
      AND (%(instance)s = '' OR instance_id = %(instance)s)
    UNION ALL
    SELECT 'mongodb', instance_id, fingerprint, database_name, calls, total_duration_ms, max_duration_ms, docs_examined,
           if(plan_summary LIKE 'COLLSCAN%%', calls, toUInt64(0)), timestamp
    FROM db_mongodb_queries
    WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
      AND (%(instance)s = '' OR instance_id = %(instance)s)
    UNION ALL
    SELECT 'mssql', instance_id, sql_text, database_name, execution_count, toFloat64(total_elapsed_time_us) / 1000,
           toFloat64(total_elapsed_time_us) / greatest(execution_count, 1) / 1000, total_logical_reads, toUInt64(0),
           timestamp
    FROM db_mssql_queries
    WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
      AND (%(instance)s = '' OR instance_id = %(instance)s)
    UNION ALL
    SELECT 'aurora', cluster_identifier, sql_text, instance_identifier, calls, avg_latency_ms * calls, avg_latency_ms,
           rows_examined, toUInt64(0), timestamp
    FROM db_aurora_queries
    WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
      AND (%(instance)s = '' OR cluster_identifier = %(instance)s)
)
GROUP BY engine, instance, fingerprint, database
ORDER BY if(%(sort)s = 'avg', avg_time_ms, total_time_ms) DESC, fingerprint
LIMIT %(limit)s
