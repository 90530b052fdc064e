-- Engine metrics named by the caller over the window, from the engine-specific tables: MySQL-family server
-- metrics, SQL Server counters, Aurora CloudWatch metrics (instance = database_instances.id, or the Aurora cluster
-- identifier with member = the instance). last_value is the newest sample.
SELECT source, instance, member, metric_name,
       round(avg(value), 3) AS avg_value, round(max(value), 3) AS max_value, round(min(value), 3) AS min_value,
       round(argMax(value, timestamp), 3) AS last_value, count() AS samples
FROM
(
    SELECT 'mysql' AS source, instance_id AS instance, '' AS member, toString(metric_name) AS metric_name,
           metric_value AS value, timestamp
    FROM db_mysql_metrics
    WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
      AND metric_name IN %(mysql_names)s
    UNION ALL
    SELECT 'mssql', instance_id, '', toString(metric_name), value, timestamp
    FROM db_mssql_metrics
    WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
      AND metric_name IN %(mssql_names)s
    UNION ALL
    SELECT 'aurora', cluster_identifier, instance_identifier, toString(metric_name), value, timestamp
    FROM db_aurora_metrics
    WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
      AND metric_name IN %(aurora_names)s
)
GROUP BY source, instance, member, metric_name
ORDER BY source, instance, member, metric_name
LIMIT 2000
