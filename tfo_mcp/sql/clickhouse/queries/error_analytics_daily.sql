-- ch_error_analytics: errors grouped by source, type and code over the window, from error_analytics_daily.
SELECT
    source,
    error_type,
    error_code,
    sum(errors) AS error_count,
    uniqMerge(sessions) AS session_count,
    max(last_seen) AS latest_seen,
    argMaxMerge(last_message) AS latest_message
FROM error_analytics_daily
WHERE day >= toDate(now() - toIntervalHour(%(hours)s))
GROUP BY source, error_type, error_code
ORDER BY error_count DESC, source, error_type, error_code
LIMIT %(limit)s
