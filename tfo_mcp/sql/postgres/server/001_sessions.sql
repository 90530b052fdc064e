-- Sessions of this MCP server: one row per client connection, written asynchronously by tfo_mcp.postgres
-- (open -> initialize -> ready -> closing -> closed, with call counts). Requires PostgreSQL 13 or newer.
CREATE TABLE sessions (
    id               uuid PRIMARY KEY,
    state            text        NOT NULL DEFAULT 'created'
                                 CHECK (state IN ('created', 'initializing', 'ready', 'closing', 'closed')),
    client_name      text,
    client_version   text,
    protocol_version text,
    server_name      text        NOT NULL,
    server_version   text        NOT NULL,
    server_host      text,
    server_pid       integer,
    tool_calls       integer     NOT NULL DEFAULT 0 CHECK (tool_calls >= 0),
    errors           integer     NOT NULL DEFAULT 0 CHECK (errors >= 0),
    metadata         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    initialized_at   timestamptz,
    closed_at        timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    duration_seconds double precision
                     GENERATED ALWAYS AS (EXTRACT(EPOCH FROM (closed_at - created_at))) STORED
);

COMMENT ON TABLE sessions IS 'tfo-mcp: client sessions of the MCP server';

-- pg_sessions lists newest first, optionally filtered by state.
CREATE INDEX sessions_created_at_idx ON sessions (created_at DESC);
CREATE INDEX sessions_state_created_at_idx ON sessions (state, created_at DESC);
