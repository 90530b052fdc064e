-- Failed spans (traces_errors) grouped by service, operation and status message, most frequent first.
SELECT service_name, span_name, substringUTF8(status_message, 1, 200) AS message, count() AS occurrences,
       min(timestamp) AS first_seen, max(timestamp) AS last_seen, any(trace_id) AS sample_trace_id
FROM traces_errors
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name, span_name, message
ORDER BY occurrences DESC, service_name, span_name
LIMIT %(limit)s
