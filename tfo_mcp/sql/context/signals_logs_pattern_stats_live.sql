-- Every ERROR-and-above pattern per service from logs_errors (short windows, or a server without the
-- log_error_patterns_* summary; the masking of platform migration 008), most frequent first, with the first and
-- newest line's time and an example.
SELECT service_name, severity_text,
       substringUTF8(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(substringUTF8(body, 1, 300), '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'), '\\b[0-9a-fA-F]{8,}\\b', '<id>'), '[0-9]+', '<n>'), 1, 160) AS pattern,
       count() AS occurrences, min(timestamp) AS first_seen, max(timestamp) AS last_seen,
       argMax(substringUTF8(body, 1, 300), timestamp) AS example
FROM logs_errors
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name, severity_text, pattern
ORDER BY occurrences DESC, service_name, pattern
LIMIT %(limit)s
