-- Requests per service (service_error_rates_*): total, busiest and quietest bucket, number of buckets.
SELECT service_name, sum(bucket_requests) AS requests, max(bucket_requests) AS peak, min(bucket_requests) AS trough,
       toDateTime(argMax(bucket, bucket_requests), 'UTC') AS peak_at, toDateTime(argMin(bucket, bucket_requests), 'UTC') AS trough_at,
       count() AS buckets
FROM
(
    SELECT service_name, toDateTime({bucket}, 'UTC') AS bucket, sum(total_requests) AS bucket_requests
    FROM {table}
    WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
      AND (%(service)s = '' OR service_name = %(service)s)
    GROUP BY service_name, bucket
)
GROUP BY service_name
ORDER BY requests DESC, service_name
LIMIT %(limit)s
