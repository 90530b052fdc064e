-- Signal correlations in the window by service and correlation type, from a signal_correlations rollup.
SELECT service_name, correlation_type, sum(count) AS correlations
FROM {table}
WHERE organization_id = %(org)s
  AND {bucket} >= %(bucket_from)s AND {bucket} < %(bucket_to)s
GROUP BY service_name, correlation_type
ORDER BY correlations DESC, service_name
LIMIT %(limit)s
