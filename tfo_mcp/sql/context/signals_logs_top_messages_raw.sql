-- Most frequent ERROR-and-above messages (first 160 characters) per service.
-- Raw variant (benchmarks, cross-checks): the same answer from the raw logs table, without logs_errors.
SELECT service_name, severity_text, substringUTF8(body, 1, 160) AS message, count() AS occurrences,
       max(timestamp) AS last_seen
FROM logs
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s AND severity_number >= 17
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name, severity_text, message
ORDER BY occurrences DESC, service_name
LIMIT 10
