-- What the login running pg_query can do that a READ ONLY transaction does not contain: superuser, or
-- membership (usable through SET ROLE / set_config('role', ...)) in a superuser role or in one of the
-- built-in roles that run programs, touch server files or signal other backends.
SELECT session_user::text AS login,
       r.rolsuper AS is_superuser,
       ARRAY(
           SELECT b.rolname::text
           FROM pg_catalog.pg_roles b
           WHERE b.rolname <> session_user
             AND (b.rolsuper OR b.rolname IN ('pg_execute_server_program', 'pg_read_server_files',
                                             'pg_write_server_files', 'pg_signal_backend'))
             AND pg_catalog.pg_has_role(session_user, b.oid, 'MEMBER')
           ORDER BY 1
       ) AS privileged_roles
FROM pg_catalog.pg_roles r
WHERE r.rolname = session_user
