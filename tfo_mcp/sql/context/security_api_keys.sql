-- API keys of the organization (PostgreSQL): hints only, never key material. Live keys first, riskiest first.
SELECT k.id::text AS id, k.name, k.key_type, k.key_hint, k.is_active, k.expires_at, k.last_used_at, k.usage_count,
       k.rotation_count, k.rotated_at, k.revoked_at, k.created_at,
       (k.is_active AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > %(end)s)) AS live,
       count(*) OVER () AS total
FROM api_keys k
WHERE k.organization_id = %(org)s
ORDER BY (k.is_active AND k.revoked_at IS NULL) DESC, (k.key_type = 'admin') DESC, k.expires_at IS NULL DESC,
         k.created_at
LIMIT %(limit)s
