-- pg_sessions: newest first, optionally one state.
SELECT id::text AS id, state, client_name, client_version, protocol_version,
       created_at, initialized_at, closed_at, duration_seconds, tool_calls, errors
FROM sessions
WHERE %(state)s::text IS NULL OR state = %(state)s::text
ORDER BY created_at DESC
LIMIT %(limit)s
