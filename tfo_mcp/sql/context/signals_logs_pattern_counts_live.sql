-- ERROR-and-above lines per service and pattern from logs_errors (the masking of platform migration 008), without
-- examples: the baseline of the logs context's pattern comparison where the summary is not read.
SELECT service_name, severity_text,
       substringUTF8(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(substringUTF8(body, 1, 300), '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'), '\\b[0-9a-fA-F]{8,}\\b', '<id>'), '[0-9]+', '<n>'), 1, 160) AS pattern,
       count() AS occurrences
FROM logs_errors
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name, severity_text, pattern
ORDER BY occurrences DESC, service_name, pattern
LIMIT %(limit)s
