-- ERROR-and-above lines per service and pattern (summary log_error_patterns_*), without examples: the baseline the
-- logs context compares the window's patterns (signals_logs_pattern_stats) with.
SELECT service_name, severity_text, pattern, sum(occurrences) AS occurrences
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name, severity_text, pattern
ORDER BY occurrences DESC, service_name, pattern
LIMIT %(limit)s
