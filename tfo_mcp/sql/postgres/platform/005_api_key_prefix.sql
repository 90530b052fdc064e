-- API keys are looked up by key_prefix (tfo-mcp's server.auth_mode api_keys).
CREATE INDEX IF NOT EXISTS idx_api_keys_key_prefix ON api_keys (key_prefix);
