-- Requests and failed requests per service (entry spans) over the window from the raw spans (short windows).
SELECT service_name, count() AS requests, countIf(status_code = 'ERROR') AS errors,
       round(100 * errors / greatest(requests, 1), 3) AS error_pct
FROM {table}
WHERE organization_id = %(org)s
  AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
  AND span_kind IN ('SERVER', 'CONSUMER')
GROUP BY service_name
ORDER BY error_pct DESC, service_name
LIMIT %(limit)s
