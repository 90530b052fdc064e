-- logs context from the raw table: log lines per service and severity.
SELECT service_name, severity_text, count() AS lines
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name, severity_text
ORDER BY lines DESC, service_name, severity_text
LIMIT 1000
