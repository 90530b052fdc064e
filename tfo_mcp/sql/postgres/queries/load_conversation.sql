-- A conversation's system prompt and messages oldest first; no row when the conversation is unknown, one row
-- with a NULL role when it exists without messages.
SELECT c.system_prompt, m.role, m.content
FROM conversations c
LEFT JOIN messages m ON m.conversation_id = c.id
WHERE c.id = %(id)s
ORDER BY m.position
