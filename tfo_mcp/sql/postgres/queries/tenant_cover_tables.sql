-- Row security and tfo_tenant's SELECT for organization tables added since the tenancy migration ran.
SELECT pg_catalog.count(*) FROM tfo_tenant_cover_tables(pg_catalog.current_schema())
