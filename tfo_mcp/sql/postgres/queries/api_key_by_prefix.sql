-- TFO API keys sharing a presented key's prefix (its first 12 characters); the caller compares key_hash.
SELECT id::text AS id, organization_id::text AS organization_id, key_hash, scopes, permissions, rate_limit,
       is_active, expires_at, revoked_at
FROM api_keys
WHERE key_prefix = %(prefix)s
