-- Load balancers from raw load_balancer_metrics: mean, max and min per balancer, target group and metric.
SELECT lb_id, lb_name, provider, target_group, metric_name, avg(value) AS mean, max(value) AS maximum, min(value) AS minimum
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY lb_id, lb_name, provider, target_group, metric_name
ORDER BY lb_name, target_group, metric_name
LIMIT 2000
