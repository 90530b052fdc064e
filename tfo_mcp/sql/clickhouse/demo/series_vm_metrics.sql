-- Demo data: host metrics reported by the agents (vm_id = agents.id).
INSERT INTO vm_metrics (timestamp, vm_id, metric_name, value, unit, labels, organization_id, workspace_id, tenant_id)
SELECT ts, toUUID(%(s_entity)s[i]), %(s_metric)s[i], value, %(s_unit)s[i],
       map('host.name', %(s_name)s[i], 'device', %(s_device)s[i]), %(org_id)s, %(s_ws)s[i], %(s_tenant)s[i]
FROM (/*SERIES*/)
