-- SQL Server waits over the window by instance and category (the Lock category is what db-locks reads).
SELECT instance_id, wait_category, groupUniqArray(5)(toString(wait_type)) AS wait_types,
       sum(wait_time_ms) AS total_wait_ms, sum(waiting_tasks_count) AS waiting_tasks,
       sum(signal_wait_time_ms) AS signal_wait_ms,
       round(sum(wait_time_ms) / greatest(sum(waiting_tasks_count), 1), 2) AS avg_wait_ms
FROM db_mssql_waits
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
GROUP BY instance_id, wait_category
ORDER BY total_wait_ms DESC
LIMIT 200
