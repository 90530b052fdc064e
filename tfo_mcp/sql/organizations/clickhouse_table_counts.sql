-- Rows and the newest row's time per organization in one platform table. {table} and {time} come only from the
-- whitelist in tfo_mcp/tools/organizations.py (CLICKHOUSE_TABLES); every raw table is sorted by organization_id
-- first, so this reads one column's marks and the time column, no more.
SELECT
    toString(organization_id) AS organization_id,
    count() AS row_count,
    toString(max({time})) AS last_at
FROM {table}
GROUP BY organization_id
ORDER BY row_count DESC
LIMIT %(limit)s
