-- Service health per service (service_map_metrics_*: exact means from the stored sums), least healthy first.
-- error_rate and uptime are percentages, latency milliseconds, request_rate requests per second.
SELECT service_id, service_name,
       sum(sum_health_score) / sum(sample_count) AS health_score, min(min_health_score) AS lowest_health_score,
       sum(sum_error_rate) / sum(sample_count) AS error_rate, max(max_error_rate) AS peak_error_rate,
       sum(sum_latency) / sum(sample_count) AS latency_ms, max(max_latency) AS peak_latency_ms,
       sum(sum_request_rate) / sum(sample_count) AS request_rate, sum(sum_uptime) / sum(sample_count) AS uptime_percent
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY service_id, service_name
HAVING sum(sample_count) > 0
ORDER BY health_score, service_name
LIMIT %(limit)s
