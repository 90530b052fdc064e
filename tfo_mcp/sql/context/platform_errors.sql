-- Requests and failed requests per service over the window from a service_error_rates rollup.
SELECT service_name, sum(total_requests) AS requests, sum(error_count) AS errors,
       round(100 * errors / greatest(requests, 1), 3) AS error_pct
FROM {table}
WHERE organization_id = %(org)s
  AND {bucket} >= %(bucket_from)s AND {bucket} < %(bucket_to)s
GROUP BY service_name
ORDER BY error_pct DESC, service_name
LIMIT %(limit)s
