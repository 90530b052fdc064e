-- One session snapshot (tfo_mcp.sessions) into the sessions table; counts never go backwards.
INSERT INTO sessions (id, state, client_name, client_version, protocol_version, server_name, server_version,
                      server_host, server_pid, tool_calls, errors, created_at, initialized_at, closed_at)
VALUES (%(id)s, %(state)s, %(client_name)s, %(client_version)s, %(protocol_version)s, %(server_name)s,
        %(server_version)s, %(server_host)s, %(server_pid)s, %(tool_calls)s, %(errors)s, %(created_at)s,
        %(initialized_at)s, %(closed_at)s)
ON CONFLICT (id) DO UPDATE SET
    state            = EXCLUDED.state,
    client_name      = COALESCE(EXCLUDED.client_name, sessions.client_name),
    client_version   = COALESCE(EXCLUDED.client_version, sessions.client_version),
    protocol_version = COALESCE(EXCLUDED.protocol_version, sessions.protocol_version),
    tool_calls       = GREATEST(sessions.tool_calls, EXCLUDED.tool_calls),
    errors           = GREATEST(sessions.errors, EXCLUDED.errors),
    initialized_at   = COALESCE(EXCLUDED.initialized_at, sessions.initialized_at),
    closed_at        = COALESCE(EXCLUDED.closed_at, sessions.closed_at),
    updated_at       = now()
