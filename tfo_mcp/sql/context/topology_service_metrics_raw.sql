-- Per-service service-map figures over the window from the raw samples (short windows).
-- sort: traffic | errors | latency | health (bound parameter; picks the ordering only).
SELECT service_name,
       any(service_id) AS service_id,
       round(avg(health_score), 2) AS avg_health_score,
       round(min(health_score), 2) AS min_health_score,
       round(avg(avg_latency), 3) AS avg_latency_ms,
       round(max(avg_latency), 3) AS max_latency_ms,
       round(avg(error_rate), 3) AS avg_error_rate,
       round(max(error_rate), 3) AS max_error_rate,
       round(avg(request_rate), 3) AS avg_request_rate,
       round(max(request_rate), 3) AS max_request_rate,
       round(avg(uptime), 3) AS avg_uptime,
       count() AS samples
FROM {table}
WHERE organization_id = %(org)s
  AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY service_name
ORDER BY multiIf(%(sort)s = 'errors', avg_error_rate, %(sort)s = 'latency', avg_latency_ms,
                 %(sort)s = 'health', -avg_health_score, avg_request_rate) DESC, service_name
LIMIT %(limit)s
