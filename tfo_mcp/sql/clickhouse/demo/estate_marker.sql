-- The demo seed's completion marker: one row per organization, written after every other table of the seed.
CREATE TABLE IF NOT EXISTS tfo_mcp_demo_estate
(
    organization_id String,
    estate_now DateTime,
    arguments String,
    written_at DateTime DEFAULT now()
)
ENGINE = MergeTree
ORDER BY organization_id
