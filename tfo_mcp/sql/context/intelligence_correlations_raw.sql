-- Signal correlations in the window by service and correlation type, from the raw rows (short windows).
SELECT service_name, correlation_type, count() AS correlations
FROM {table}
WHERE organization_id = %(org)s
  AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
GROUP BY service_name, correlation_type
ORDER BY correlations DESC, service_name
LIMIT %(limit)s
