-- Demo data: load balancer metrics per target group.
INSERT INTO load_balancer_metrics (timestamp, lb_id, lb_name, provider, target_group, metric_name, value, unit, labels,
                                   organization_id, workspace_id, tenant_id)
SELECT ts, %(s_entity)s[i], %(s_name)s[i], %(s_provider)s[i], %(s_target_group)s[i], %(s_metric)s[i], value,
       %(s_unit)s[i], map('scheme', 'internet-facing'), %(org_id)s, %(s_ws)s[i], %(s_tenant)s[i]
FROM (/*SERIES*/)
