-- Every analytics row carries the unique id it was recorded with (a UUID, also the JetStream Nats-Msg-Id),
-- so a record delivered twice by the analytics stream is written once: the consumer skips ids already stored.
-- Rows written before this migration have ''.

ALTER TABLE tool_calls ADD COLUMN IF NOT EXISTS record_id String DEFAULT '';
ALTER TABLE api_usage ADD COLUMN IF NOT EXISTS record_id String DEFAULT '';
ALTER TABLE session_analytics ADD COLUMN IF NOT EXISTS record_id String DEFAULT '';
ALTER TABLE error_analytics ADD COLUMN IF NOT EXISTS record_id String DEFAULT '';
ALTER TABLE resource_access ADD COLUMN IF NOT EXISTS record_id String DEFAULT '';
ALTER TABLE prompt_usage ADD COLUMN IF NOT EXISTS record_id String DEFAULT '';
