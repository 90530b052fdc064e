-- ch_session_analytics: the latest state of each session started in the window (raw table, FINAL
-- keeps the newest row per session; sessions are few, and open ones only exist here).
SELECT
    session_id,
    server_id,
    state,
    client_name,
    client_version,
    protocol_version,
    started_at,
    initialized_at,
    closed_at,
    duration_seconds,
    tool_calls,
    api_calls,
    input_tokens,
    output_tokens,
    errors
FROM session_analytics FINAL
WHERE started_at >= now64(3) - toIntervalHour(%(hours)s)
ORDER BY started_at DESC, session_id
LIMIT %(limit)s
