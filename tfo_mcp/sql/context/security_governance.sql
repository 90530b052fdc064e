-- Data-governance posture of the organization (PostgreSQL): masking policies, retention policies (its own and the
-- platform-wide defaults, organization_id NULL), SSO providers and MFA coverage, one row of counts.
SELECT
    (SELECT count(*) FROM data_masking_policies p
      WHERE p.organization_id = %(org)s AND p.deleted_at IS NULL) AS masking_policies,
    (SELECT count(*) FROM data_masking_policies p
      WHERE p.organization_id = %(org)s AND p.deleted_at IS NULL AND p.is_enabled) AS masking_policies_enabled,
    (SELECT count(*) FROM retention_policies r
      WHERE r.organization_id = %(org)s AND r.is_active) AS retention_policies_own,
    (SELECT count(*) FROM retention_policies r
      WHERE r.organization_id IS NULL AND r.is_active) AS retention_policies_default,
    (SELECT min(r.retention_days) FROM retention_policies r
      WHERE (r.organization_id = %(org)s OR r.organization_id IS NULL) AND r.is_active AND r.data_type = 'audit_logs')
        AS audit_retention_days,
    (SELECT count(*) FROM sso_providers s
      WHERE s.organization_id = %(org)s AND s.deleted_at IS NULL AND s.enabled) AS sso_providers_enabled,
    (SELECT count(*) FROM users u
      WHERE u.organization_id = %(org)s AND u."deletedAt" IS NULL AND u."isActive") AS active_users,
    (SELECT count(*) FROM users u
      WHERE u.organization_id = %(org)s AND u."deletedAt" IS NULL AND u."isActive" AND NOT u.mfa_enabled)
        AS active_users_without_mfa
