-- Demo data: message broker metrics per queue / topic.
INSERT INTO queue_metrics (timestamp, broker_id, broker_name, engine, queue_name, metric_name, value, unit, labels,
                           organization_id, workspace_id, tenant_id)
SELECT ts, %(s_entity)s[i], %(s_name)s[i], %(s_engine)s[i], %(s_queue)s[i], %(s_metric)s[i], value, %(s_unit)s[i],
       map('consumer_group', concat(%(s_queue)s[i], '-consumers')), %(org_id)s, %(s_ws)s[i], %(s_tenant)s[i]
FROM (/*SERIES*/)
