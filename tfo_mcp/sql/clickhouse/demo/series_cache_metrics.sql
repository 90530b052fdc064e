-- Demo data: managed cache metrics.
INSERT INTO cache_metrics (timestamp, cache_id, cache_name, engine, host, metric_name, value, unit, labels,
                           organization_id, workspace_id, tenant_id)
SELECT ts, %(s_entity)s[i], %(s_name)s[i], %(s_engine)s[i], %(s_host)s[i], %(s_metric)s[i], value, %(s_unit)s[i],
       map('role', 'primary'), %(org_id)s, %(s_ws)s[i], %(s_tenant)s[i]
FROM (/*SERIES*/)
