-- Create or extend a conversation by one turn (two messages); returns the position of the turn's first message.
-- The row lock taken by ON CONFLICT DO UPDATE serialises concurrent turns of one conversation.
INSERT INTO conversations AS c (id, external_id, model, provider, system_prompt, message_count,
                                total_input_tokens, total_output_tokens, last_message_at)
VALUES (%(id)s, %(external_id)s, %(model)s, %(provider)s, %(system_prompt)s, 2,
        %(input_tokens)s, %(output_tokens)s, now())
ON CONFLICT (id) DO UPDATE SET
    model               = EXCLUDED.model,
    provider            = EXCLUDED.provider,
    system_prompt       = COALESCE(EXCLUDED.system_prompt, c.system_prompt),
    message_count       = c.message_count + 2,
    total_input_tokens  = c.total_input_tokens + EXCLUDED.total_input_tokens,
    total_output_tokens = c.total_output_tokens + EXCLUDED.total_output_tokens,
    last_message_at     = now(),
    updated_at          = now()
RETURNING c.message_count - 2 AS first_position
