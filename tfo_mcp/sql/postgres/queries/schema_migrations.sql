-- Applied migrations, per kind (server, platform, ...). Created by the migration runner under its advisory lock.
CREATE TABLE IF NOT EXISTS schema_migrations (
    kind       text        NOT NULL,
    version    integer     NOT NULL,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, version)
)
