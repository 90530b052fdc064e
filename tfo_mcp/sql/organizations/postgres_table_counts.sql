-- Rows per organization in a bounded set of platform tables (inventory and configuration that lives in PostgreSQL).
SELECT 'workspaces' AS source, organization_id::text AS organization_id, count(*) AS row_count
FROM workspaces GROUP BY organization_id
UNION ALL
SELECT 'users', organization_id::text, count(*) FROM users GROUP BY organization_id
UNION ALL
SELECT 'alert_rules', organization_id::text, count(*) FROM alert_rules GROUP BY organization_id
UNION ALL
SELECT 'slo_definitions', organization_id::text, count(*) FROM slo_definitions GROUP BY organization_id
UNION ALL
SELECT 'uptime_monitors', organization_id::text, count(*) FROM uptime_monitors GROUP BY organization_id
UNION ALL
SELECT 'kubernetes_clusters', organization_id::text, count(*) FROM kubernetes_clusters GROUP BY organization_id
UNION ALL
SELECT 'kubernetes_pods', organization_id::text, count(*) FROM kubernetes_pods GROUP BY organization_id
UNION ALL
SELECT 'agents', organization_id::text, count(*) FROM agents GROUP BY organization_id
UNION ALL
SELECT 'service_map_services', organization_id::text, count(*) FROM service_map_services GROUP BY organization_id
UNION ALL
SELECT 'database_instances', organization_id::text, count(*) FROM database_instances GROUP BY organization_id
UNION ALL
SELECT 'security_incidents', organization_id::text, count(*) FROM security_incidents GROUP BY organization_id
UNION ALL
SELECT 'security_vulnerabilities', organization_id::text, count(*) FROM security_vulnerabilities GROUP BY organization_id
