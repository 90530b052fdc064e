-- Error logs (severity ERROR and above) in the window grouped by service and message shape (digits and ids
-- folded), with an example line and trace.
SELECT service_name,
       replaceRegexpAll(substring(body, 1, 300), '[0-9a-f]{8,}|[0-9]+', 'N') AS pattern,
       count() AS occurrences,
       any(substring(body, 1, 300)) AS example,
       anyIf(trace_id, trace_id != '') AS example_trace_id,
       min(timestamp) AS first_seen, max(timestamp) AS last_seen
FROM logs_errors
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name, pattern
ORDER BY occurrences DESC
LIMIT %(limit)s
