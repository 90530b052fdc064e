-- Roles held by the organization's users (PostgreSQL), with how many permissions each role grants.
SELECT r.name AS role, r.is_system, count(DISTINCT ur.user_id) AS users,
       (SELECT count(*) FROM role_permissions rp WHERE rp.role_id = r.id) AS permissions
FROM user_roles ur
JOIN users u ON u.id = ur.user_id
JOIN roles r ON r.id = ur.role_id
WHERE u.organization_id = %(org)s
  AND u."deletedAt" IS NULL
  AND (ur.expires_at IS NULL OR ur.expires_at > %(end)s)
GROUP BY r.id, r.name, r.is_system
ORDER BY users DESC, r.name
LIMIT 50
