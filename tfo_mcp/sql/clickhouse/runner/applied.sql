SELECT version, any(checksum) AS checksum
FROM schema_migrations
WHERE kind = %(kind)s
GROUP BY version
