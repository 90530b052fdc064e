-- Versions applied per migration kind (server, platform, ...). Plain types so old servers accept it too.
CREATE TABLE IF NOT EXISTS schema_migrations
(
    kind String,
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (kind, version);
