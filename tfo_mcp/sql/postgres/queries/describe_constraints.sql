-- Primary key, foreign keys, unique, check and exclusion constraints of one relation.
SELECT con.conname::text AS name,
       CASE con.contype
           WHEN 'p' THEN 'primary key'
           WHEN 'f' THEN 'foreign key'
           WHEN 'u' THEN 'unique'
           WHEN 'c' THEN 'check'
           WHEN 'x' THEN 'exclusion'
           ELSE con.contype::text
       END AS type,
       ARRAY(
           SELECT a.attname::text
           FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
           ORDER BY k.ord
       ) AS columns,
       fn.nspname::text AS referenced_schema,
       fc.relname::text AS referenced_table,
       ARRAY(
           SELECT a.attname::text
           FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
           ORDER BY k.ord
       ) AS referenced_columns,
       CASE con.confupdtype
           WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
           WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT'
       END AS on_update,
       CASE con.confdeltype
           WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
           WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT'
       END AS on_delete,
       pg_catalog.pg_get_constraintdef(con.oid, true) AS definition
FROM pg_catalog.pg_constraint con
LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.conrelid = %(oid)s::oid
ORDER BY con.contype, con.conname
