-- Record the use of an API key (written in the background, a few seconds after the calls).
UPDATE api_keys SET last_used_at = now(), usage_count = coalesce(usage_count, 0) + %(uses)s WHERE id = %(id)s::uuid
