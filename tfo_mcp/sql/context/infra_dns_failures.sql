-- Names that failed to resolve (any code but NOERROR), most failures first, with when they failed.
SELECT query_name, response_code, count() AS failures, uniqExact(client_name) AS clients,
       min(timestamp) AS first_at, max(timestamp) AS last_at
FROM network_dns_queries
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s AND response_code != 'NOERROR'
GROUP BY query_name, response_code
ORDER BY failures DESC, query_name
LIMIT %(limit)s
