-- DNS resolution over the window, per resolver: volume, failures by response code, latency, cache hits.
SELECT resolver, any(node_id) AS node_id,
       count() AS queries,
       countIf(response_code = 'NOERROR') AS ok,
       countIf(response_code = 'NXDOMAIN') AS nxdomain,
       countIf(response_code = 'SERVFAIL') AS servfail,
       countIf(response_code = 'REFUSED') AS refused,
       countIf(response_code = 'TIMEOUT') AS timeouts,
       round(100 * countIf(response_code != 'NOERROR') / count(), 3) AS failure_pct,
       round(avg(latency_ms), 3) AS avg_latency_ms,
       round(quantile(0.95)(latency_ms), 3) AS p95_latency_ms,
       round(100 * avg(cached), 2) AS cache_hit_pct
FROM network_dns_queries
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
GROUP BY resolver
ORDER BY queries DESC, resolver
LIMIT %(limit)s
