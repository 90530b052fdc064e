-- Audit: who made each call, for which organization, with which arguments (a hash, never the values) and how
-- it ended (ok, error, refused, rate_limited). Rows written before this migration keep the defaults.
ALTER TABLE tool_calls ADD COLUMN identity String DEFAULT '';
ALTER TABLE tool_calls ADD COLUMN organization_id String DEFAULT '';
ALTER TABLE tool_calls ADD COLUMN arguments_hash String DEFAULT '';
ALTER TABLE tool_calls ADD COLUMN outcome LowCardinality(String) DEFAULT '';
ALTER TABLE resource_access ADD COLUMN identity String DEFAULT '';
ALTER TABLE resource_access ADD COLUMN organization_id String DEFAULT '';
ALTER TABLE prompt_usage ADD COLUMN identity String DEFAULT '';
ALTER TABLE prompt_usage ADD COLUMN organization_id String DEFAULT '';
