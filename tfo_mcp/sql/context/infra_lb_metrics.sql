-- Load balancers (load_balancer_metrics_1h): mean, max and min per balancer, target group and metric.
SELECT lb_id, lb_name, provider, target_group, metric_name, avgMerge(avg_value) AS mean, maxMerge(max_value) AS maximum,
       minMerge(min_value) AS minimum
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY lb_id, lb_name, provider, target_group, metric_name
ORDER BY lb_name, target_group, metric_name
LIMIT 2000
