-- Names that fail to resolve most often in the window (any response code but NOERROR), with who asks.
SELECT query_name, response_code,
       count() AS failures,
       uniqExact(client_ip) AS clients,
       any(client_name) AS sample_client,
       round(avg(latency_ms), 3) AS avg_latency_ms,
       max(timestamp) AS last_seen
FROM network_dns_queries
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
  AND response_code != 'NOERROR'
GROUP BY query_name, response_code
ORDER BY failures DESC, query_name
LIMIT %(limit)s
