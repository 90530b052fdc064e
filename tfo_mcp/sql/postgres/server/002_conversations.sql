-- LLM conversations and their messages (tfo_mcp.postgres.save_turn / load_conversation).
-- conversations.id is the caller's conversation id when it is a UUID, else a UUIDv5 of it (external_id keeps
-- the caller's text). messages.position orders a conversation's messages (0, 1, 2, ...).
CREATE TABLE conversations (
    id                  uuid        PRIMARY KEY,
    external_id         text        NOT NULL,
    session_id          uuid,
    model               text        NOT NULL,
    provider            text        NOT NULL,
    system_prompt       text,
    status              text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    message_count       integer     NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    total_input_tokens  bigint      NOT NULL DEFAULT 0 CHECK (total_input_tokens >= 0),
    total_output_tokens bigint      NOT NULL DEFAULT 0 CHECK (total_output_tokens >= 0),
    metadata            jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    last_message_at     timestamptz
);

COMMENT ON TABLE conversations IS 'tfo-mcp: LLM conversations';

CREATE INDEX conversations_updated_at_idx ON conversations (updated_at DESC);
CREATE INDEX conversations_session_id_idx ON conversations (session_id) WHERE session_id IS NOT NULL;

CREATE TABLE messages (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position        integer     NOT NULL CHECK (position >= 0),
    role            text        NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content         text        NOT NULL,
    model           text,
    input_tokens    integer     CHECK (input_tokens >= 0),
    output_tokens   integer     CHECK (output_tokens >= 0),
    metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT messages_conversation_position_key UNIQUE (conversation_id, position)
);

COMMENT ON TABLE messages IS 'tfo-mcp: messages of LLM conversations, in order';
