-- Indexes of one relation: key columns (or expressions) in order, uniqueness, access method, definition.
SELECT ic.relname::text AS name,
       ARRAY(
           SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k.n, true)
           FROM generate_series(1, i.indnkeyatts) AS k(n)
           ORDER BY k.n
       ) AS columns,
       i.indisunique AS "unique",
       i.indisprimary AS "primary",
       am.amname::text AS method,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE i.indrelid = %(oid)s::oid
ORDER BY i.indisprimary DESC, ic.relname
