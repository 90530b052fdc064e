-- logs context (rollup logs_5m / _15m / _1h / _1d): log lines per service and severity. %(service)s = '' means all.
SELECT service_name, severity_text, sum(count) AS lines
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name, severity_text
ORDER BY lines DESC, service_name, severity_text
LIMIT 1000
