SELECT oid::bigint AS oid, pg_catalog.format_type(oid, NULL) AS name
FROM pg_catalog.pg_type
WHERE oid = ANY (%(oids)s::oid[])
