-- Worst bucket per service: the highest p95 of any summary bucket (service_request_stats_*, DDSketch) holding at
-- least %(min_requests)s requests, and when, in ms.
SELECT service_name, max(p95) / 1e6 AS peak_p95_ms, toDateTime(argMax(bucket, p95), 'UTC') AS peak_at
FROM
(
    SELECT service_name, toDateTime({bucket}, 'UTC') AS bucket,
           quantilesDDMerge(0.02, 0.5, 0.95, 0.99)(duration_sketch)[2] AS p95,
           sum(request_count) AS bucket_requests
    FROM {table}
    WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
      AND (%(service)s = '' OR service_name = %(service)s)
    GROUP BY service_name, bucket
    HAVING bucket_requests >= %(min_requests)s
)
GROUP BY service_name
ORDER BY peak_p95_ms DESC, service_name
LIMIT %(limit)s
