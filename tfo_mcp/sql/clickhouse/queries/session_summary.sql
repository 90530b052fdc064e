-- ch_session_analytics: sessions per client over the window (open sessions included, so raw + FINAL).
SELECT
    client_name,
    count() AS session_count,
    countIf(state != 'closed') AS open_sessions,
    round(avg(duration_seconds), 3) AS avg_duration_seconds,
    sum(tool_calls) AS tool_call_count,
    sum(errors) AS error_count
FROM session_analytics FINAL
WHERE started_at >= now64(3) - toIntervalHour(%(hours)s)
GROUP BY client_name
ORDER BY session_count DESC, client_name
LIMIT 100
