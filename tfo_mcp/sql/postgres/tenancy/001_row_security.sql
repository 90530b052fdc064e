-- Organization-scoped pg_query: PostgreSQL itself hides other organizations' rows (row-level security).
--
-- The tenant is the SESSION user, which a statement cannot change (SET SESSION AUTHORIZATION needs a superuser
-- session): pg_query for an organization connects as the login tfo_org_<32 hex digits of its uuid>, created on
-- demand by the server (tfo_mcp.stores.postgres.ensure_tenant_login) as a member of the group role tfo_tenant.
-- A tenant carried by a setting (current_setting('tfo.organization_id')) or by SET ROLE is no isolation: the
-- caller's own SELECT can call set_config() and change it while it runs.
--
-- tfo_tenant gets USAGE on the schema and SELECT only on the tables with an organization_id column, each with
-- row-level security and the policy tfo_tenant_rows (organization_id = tfo_tenant_organization()); the policy
-- tfo_other_logins keeps every row visible to every login that is not a tenant's, so enabling row security
-- changes nothing for the platform's own logins. Every other
-- table (roles, permissions, user_sessions, tenants, the server's own tables, ...) stays "permission denied".
-- A table added later gets nothing until tfo_tenant_cover_tables(schema) runs again (the server calls it once per
-- process before its first organization-scoped query): new tables are denied, never readable unfiltered.
-- Needs CREATEROLE (tfo_tenant is a cluster-wide role) and ownership of the platform tables (the login that
-- applied the platform migrations). Idempotent.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'tfo_tenant') THEN
        CREATE ROLE tfo_tenant NOLOGIN;
    END IF;
END
$$;

-- The organization of the session: tfo_org_<hex> -> its uuid; NULL for every other login (no row matches).
CREATE OR REPLACE FUNCTION tfo_tenant_organization() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN session_user::text ~ '^tfo_org_[0-9a-f]{32}$'
                THEN pg_catalog.substr(session_user::text, 9)::uuid END
$$;
GRANT EXECUTE ON FUNCTION tfo_tenant_organization() TO PUBLIC;

-- Row security, the policy and SELECT for tfo_tenant on every table of target_schema with an organization_id
-- uuid column that the current login owns; returns the tables given the policy now.
CREATE OR REPLACE FUNCTION tfo_tenant_cover_tables(target_schema text) RETURNS SETOF text
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target record;
BEGIN
    FOR target IN
        SELECT c.table_schema::text AS table_schema, c.table_name::text AS table_name
        FROM information_schema.columns c
        JOIN information_schema.tables t USING (table_schema, table_name)
        JOIN pg_catalog.pg_tables o ON o.schemaname = c.table_schema AND o.tablename = c.table_name
        WHERE c.table_schema = target_schema
          AND c.column_name = 'organization_id'
          AND c.data_type = 'uuid'
          AND t.table_type = 'BASE TABLE'
          AND pg_catalog.pg_has_role(o.tableowner, 'USAGE')
        ORDER BY c.table_name
    LOOP
        EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', target.table_schema, target.table_name);
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies p
                       WHERE p.schemaname = target.table_schema AND p.tablename = target.table_name
                         AND p.policyname = 'tfo_tenant_rows') THEN
            EXECUTE format(
                'CREATE POLICY tfo_tenant_rows ON %I.%I AS PERMISSIVE FOR SELECT TO tfo_tenant '
                'USING (organization_id = %I.tfo_tenant_organization())',
                target.table_schema, target.table_name, target_schema);
            RETURN NEXT target.table_name;
        END IF;
        -- every other login (the platform's own, a reporting user) reads and writes as before row security
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_policies p
                       WHERE p.schemaname = target.table_schema AND p.tablename = target.table_name
                         AND p.policyname = 'tfo_other_logins') THEN
            EXECUTE format(
                'CREATE POLICY tfo_other_logins ON %I.%I AS PERMISSIVE FOR ALL TO PUBLIC '
                'USING (%I.tfo_tenant_organization() IS NULL) WITH CHECK (%I.tfo_tenant_organization() IS NULL)',
                target.table_schema, target.table_name, target_schema, target_schema);
        END IF;
        EXECUTE format('GRANT SELECT ON %I.%I TO tfo_tenant', target.table_schema, target.table_name);
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION tfo_tenant_cover_tables(text) FROM PUBLIC;

DO $$
BEGIN
    EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO tfo_tenant', pg_catalog.current_schema());
    -- PUBLIC has CONNECT by default; granted as well for databases that revoked it (a WARNING, not an error,
    -- when this login may not grant it).
    EXECUTE pg_catalog.format('GRANT CONNECT ON DATABASE %I TO tfo_tenant', pg_catalog.current_database());
    PERFORM tfo_tenant_cover_tables(pg_catalog.current_schema());
END
$$;
