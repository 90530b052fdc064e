-- Demo data: SQLite file, page, cache, WAL and busy metrics.
INSERT INTO db_sqlite3_metrics (timestamp, instance_id, metric_name, value_float, labels, organization_id, workspace_id,
                                tenant_id)
SELECT ts, %(s_entity)s[i], %(s_metric)s[i], value, %(s_labels)s[i], %(org_id)s, %(s_ws)s[i], %(s_tenant)s[i]
FROM (/*SERIES*/)
