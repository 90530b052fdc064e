-- Demo data: Kubernetes metrics (nodes, pods, deployments, API server, CoreDNS) per cluster.
INSERT INTO kubernetes_metrics (timestamp, cluster_id, resource_type, resource_name, namespace, metric_name, value, unit,
                                labels, organization_id, workspace_id, tenant_id, ingestion_source, ingestion_time)
SELECT ts, %(s_cluster)s[i], %(s_rtype)s[i], %(s_name)s[i], %(s_namespace)s[i], %(s_metric)s[i], value, %(s_unit)s[i],
       map('k8s.cluster.name', %(s_cluster_name)s[i]), %(org_id)s, %(s_ws)s[i], %(s_tenant)s[i], 'agent',
       addMilliseconds(ts, 1500)
FROM (/*SERIES*/)
