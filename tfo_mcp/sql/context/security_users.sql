-- The organization's user accounts with their roles and open sessions (PostgreSQL). Roles are global; a user's roles
-- come from user_roles; sessions are scoped through the user. Risky accounts first.
SELECT u.id::text AS id, u.email, u."firstName" AS first_name, u."lastName" AS last_name, u."isActive" AS is_active,
       u.mfa_enabled, u."lastLoginAt" AS last_login_at, u."failedLoginAttempts" AS failed_login_attempts,
       (u."lockedUntil" IS NOT NULL AND u."lockedUntil" > %(end)s) AS locked,
       COALESCE((SELECT array_agg(r.name ORDER BY r.name) FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                  WHERE ur.user_id = u.id AND (ur.expires_at IS NULL OR ur.expires_at > %(end)s)), '{}') AS roles,
       (SELECT count(*) FROM user_sessions s
         WHERE s.user_id = u.id AND s.terminated_at IS NULL AND s.expires_at > %(end)s) AS active_sessions,
       count(*) OVER () AS total
FROM users u
WHERE u.organization_id = %(org)s
  AND u."deletedAt" IS NULL
ORDER BY u."failedLoginAttempts" DESC, (NOT u.mfa_enabled) DESC, u.email
LIMIT %(limit)s
