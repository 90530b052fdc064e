-- Names with the slowest successful resolutions in the window.
SELECT query_name, query_type,
       count() AS queries,
       round(avg(latency_ms), 3) AS avg_latency_ms,
       round(quantile(0.95)(latency_ms), 3) AS p95_latency_ms
FROM network_dns_queries
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
  AND response_code = 'NOERROR'
GROUP BY query_name, query_type
ORDER BY p95_latency_ms DESC, query_name
LIMIT %(limit)s
