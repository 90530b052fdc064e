-- Before an organization's login is created or used (ensure_tenant_login): whether the tenancy migration is
-- applied, whether the login exists and still holds nothing but membership in tfo_tenant (not superuser,
-- no BYPASSRLS, no other role), whether this login may create it, and how the server stores passwords.
SELECT pg_catalog.to_regprocedure('tfo_tenant_organization()') IS NOT NULL
           AND EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'tfo_tenant') AS tenancy_ready,
       r.oid IS NOT NULL AS login_exists,
       COALESCE(r.rolcanlogin AND r.rolinherit
                AND NOT (r.rolsuper OR r.rolbypassrls OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication)
                AND ARRAY(SELECT g.rolname::text
                          FROM pg_catalog.pg_auth_members m
                          JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
                          WHERE m.member = r.oid) = ARRAY['tfo_tenant'],
                false) AS login_safe,
       (SELECT me.rolcreaterole OR me.rolsuper FROM pg_catalog.pg_roles me WHERE me.rolname = current_user)
           AS can_create_role,
       pg_catalog.current_setting('password_encryption') AS password_encryption
FROM (SELECT %(login)s::text AS name) AS wanted
LEFT JOIN pg_catalog.pg_roles r ON r.rolname = wanted.name
