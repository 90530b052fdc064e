-- Demo data: engine-level metrics exported into the metrics table (db.postgresql.*, db.mongodb.*, ...): one series
-- per (instance, metric), service_name = the instance name.
INSERT INTO metrics (timestamp, metric_name, metric_type, value, service_name, organization_id, workspace_id, tenant_id,
                     resource_attributes, metric_attributes, unit)
SELECT toDateTime64(ts, 9, 'UTC'), %(s_metric)s[i], %(s_type)s[i], value, %(s_name)s[i], %(org_id)s, %(s_ws)s[i],
       %(s_tenant)s[i], map('service.name', %(s_name)s[i], 'db.system', %(s_system)s[i], 'host.name', %(s_host)s[i]),
       map(), %(s_unit)s[i]
FROM (/*SERIES*/)
