-- Service health per service from raw service_map_metrics samples, least healthy first.
SELECT service_id, service_name,
       avg(h) AS health_score, min(h) AS lowest_health_score,
       avg(e) AS error_rate, max(e) AS peak_error_rate,
       avg(l) AS latency_ms, max(l) AS peak_latency_ms,
       avg(r) AS request_rate, avg(u) AS uptime_percent
FROM
(
    SELECT service_id, service_name, health_score AS h, error_rate AS e, avg_latency AS l, request_rate AS r,
           uptime AS u
    FROM {table}
    WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
)
GROUP BY service_id, service_name
ORDER BY health_score, service_name
LIMIT %(limit)s
