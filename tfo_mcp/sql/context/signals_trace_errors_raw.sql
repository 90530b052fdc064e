-- Requests and failed requests per service from raw spans (entry spans), worst rate first.
SELECT service_name, count() AS requests, countIf(status_code = 'ERROR') AS errors
FROM {table}
WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND span_kind IN ('SERVER', 'CONSUMER')
  AND (%(service)s = '' OR service_name = %(service)s)
GROUP BY service_name
ORDER BY if(requests = 0, 0, errors / requests) DESC, requests DESC, service_name
LIMIT %(limit)s
