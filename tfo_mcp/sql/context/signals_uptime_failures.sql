-- Failed checks per monitor in the window: how many, from how many regions, first and last, the last error.
SELECT monitor_id, monitor_name, count() AS failures, uniqExact(region) AS regions,
       min(checked_at) AS first_failure, max(checked_at) AS last_failure,
       argMax(error_message, checked_at) AS last_error, argMax(status_code, checked_at) AS last_status_code
FROM uptime_checks
WHERE organization_id = %(org)s AND checked_at >= %(start)s AND checked_at < %(end)s AND status != 'success'
GROUP BY monitor_id, monitor_name
ORDER BY failures DESC, monitor_name
LIMIT %(limit)s
