-- Demo data: TimescaleDB hypertable, chunk, compression and job metrics.
INSERT INTO db_timescaledb_metrics (timestamp, instance_id, metric_name, metric_value, labels, organization_id,
                                    workspace_id, tenant_id)
SELECT ts, %(s_entity)s[i], %(s_metric)s[i], value, %(s_labels)s[i], %(org_id)s, %(s_ws)s[i], %(s_tenant)s[i]
FROM (/*SERIES*/)
