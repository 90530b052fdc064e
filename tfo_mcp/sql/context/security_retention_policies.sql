-- Retention in force for the organization (PostgreSQL): its own policy per data type, else the platform default.
SELECT DISTINCT ON (r.data_type) r.data_type, r.name, r.retention_days, r.archive_enabled,
       (r.organization_id IS NULL) AS platform_default
FROM retention_policies r
WHERE (r.organization_id = %(org)s OR r.organization_id IS NULL)
  AND r.is_active
ORDER BY r.data_type, (r.organization_id IS NULL), r.is_default
