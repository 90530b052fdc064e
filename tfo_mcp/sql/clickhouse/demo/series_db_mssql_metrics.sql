-- Demo data: SQL Server performance counters.
INSERT INTO db_mssql_metrics (timestamp, instance_id, metric_name, value, labels, organization_id, workspace_id,
                              tenant_id)
SELECT ts, %(s_entity)s[i], %(s_metric)s[i], value, %(s_labels)s[i], %(org_id)s, %(s_ws)s[i], %(s_tenant)s[i]
FROM (/*SERIES*/)
