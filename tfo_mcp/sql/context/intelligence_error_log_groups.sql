-- Error logs (severity ERROR and above) in the window grouped by service and pattern (the masking of platform
-- migration 008 and the logs context: UUIDs, long hex ids and numbers), with an example line and trace.
SELECT service_name,
       substringUTF8(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(substringUTF8(body, 1, 300), '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'), '\\b[0-9a-fA-F]{8,}\\b', '<id>'), '[0-9]+', '<n>'), 1, 160) AS pattern,
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
