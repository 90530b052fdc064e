-- Demo data: Aurora CloudWatch metrics per cluster instance (rolled up into db_aurora_metrics_1m).
INSERT INTO db_aurora_metrics (timestamp, cluster_identifier, instance_identifier, metric_name, value, organization_id,
                               workspace_id, tenant_id)
SELECT ts, %(s_cluster)s[i], %(s_name)s[i], %(s_metric)s[i], value, %(org_id)s, %(s_ws)s[i], %(s_tenant)s[i]
FROM (/*SERIES*/)
