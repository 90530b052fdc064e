-- Requests and failed requests per service (rollup service_error_rates_*: entry spans), worst rate first.
SELECT service_name, sum(total_requests) AS requests, sum(error_count) AS errors
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name
ORDER BY if(requests = 0, 0, errors / requests) DESC, requests DESC, service_name
LIMIT %(limit)s
