-- The user message and the assistant's answer of one turn; the turn's token usage is on the answer.
INSERT INTO messages (conversation_id, position, role, content, model, input_tokens, output_tokens)
VALUES (%(id)s, %(first_position)s, 'user', %(user_message)s, NULL, NULL, NULL),
       (%(id)s, %(first_position)s + 1, 'assistant', %(assistant_message)s, %(model)s,
        %(input_tokens)s, %(output_tokens)s)
