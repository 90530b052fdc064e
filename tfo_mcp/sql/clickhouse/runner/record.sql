-- INSERT ... SELECT runs entirely on the server (an inline VALUES insert waits for client data on old servers).
INSERT INTO schema_migrations (kind, version, name, checksum)
SELECT %(kind)s, %(version)s, %(name)s, %(checksum)s
