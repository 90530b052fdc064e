-- DNS queries per resolver and response code: count, cached share and latency (ms).
SELECT resolver, response_code, count() AS queries, sum(cached) AS cached_queries, avg(latency_ms) AS avg_ms,
       quantile(0.95)(latency_ms) AS p95_ms
FROM network_dns_queries
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
GROUP BY resolver, response_code
ORDER BY queries DESC
LIMIT 200
