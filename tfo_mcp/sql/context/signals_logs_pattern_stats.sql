-- Every ERROR-and-above pattern per service in the window (summary log_error_patterns_*), most frequent first, with
-- the start of the first bucket it occurs in (first_seen, to the summary's interval), the newest line and an example:
-- the logs context compares these counts with the baseline's (signals_logs_pattern_counts).
SELECT service_name, severity_text, pattern, sum(occurrences) AS occurrences,
       toDateTime(min({bucket}), 'UTC') AS first_seen, max(last_seen) AS last_seen, argMaxMerge(example) AS example
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name, severity_text, pattern
ORDER BY occurrences DESC, service_name, pattern
LIMIT %(limit)s
