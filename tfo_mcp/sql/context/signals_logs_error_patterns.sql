-- Most frequent ERROR-and-above patterns (summary log_error_patterns_*: ids and numbers masked, first 160
-- characters) per service, with the newest line of each as an example.
SELECT service_name, severity_text, pattern, sum(occurrences) AS occurrences, max(last_seen) AS last_seen,
       argMaxMerge(example) AS example
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name, severity_text, pattern
ORDER BY occurrences DESC, service_name, pattern
LIMIT 10
