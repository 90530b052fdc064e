-- Per-service service-map figures over the window from a rollup (exact: sums / sample counts).
-- sort: traffic | errors | latency | health (bound parameter; picks the ordering only).
SELECT service_name,
       any(service_id) AS service_id,
       round(sum(sum_health_score) / greatest(sum(sample_count), 1), 2) AS avg_health_score,
       round(min(min_health_score), 2) AS min_health_score,
       round(sum(sum_latency) / greatest(sum(sample_count), 1), 3) AS avg_latency_ms,
       round(max(max_latency), 3) AS max_latency_ms,
       round(sum(sum_error_rate) / greatest(sum(sample_count), 1), 3) AS avg_error_rate,
       round(max(max_error_rate), 3) AS max_error_rate,
       round(sum(sum_request_rate) / greatest(sum(sample_count), 1), 3) AS avg_request_rate,
       round(max(sum_request_rate / greatest(sample_count, 1)), 3) AS max_request_rate,
       round(sum(sum_uptime) / greatest(sum(sample_count), 1), 3) AS avg_uptime,
       sum(sample_count) AS samples
FROM {table}
WHERE organization_id = %(org)s
  AND {bucket} >= %(bucket_from)s AND {bucket} < %(bucket_to)s
GROUP BY service_name
ORDER BY multiIf(%(sort)s = 'errors', avg_error_rate, %(sort)s = 'latency', avg_latency_ms,
                 %(sort)s = 'health', -avg_health_score, avg_request_rate) DESC, service_name
LIMIT %(limit)s
