-- Newest ERROR-and-above log lines (logs_errors holds a copy of them), bodies cut to 300 characters.
-- Raw variant (benchmarks, cross-checks): the same answer from the raw logs table, without logs_errors.
SELECT timestamp, service_name, severity_text, substringUTF8(body, 1, 300) AS body, trace_id
FROM logs
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s AND severity_number >= 17
  AND (%(service)s = '' OR service_name = %(service)s)
ORDER BY timestamp DESC
LIMIT %(limit)s
