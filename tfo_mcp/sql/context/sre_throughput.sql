-- Requests per service (service_error_rates_*) in buckets (epoch seconds): total, the busiest bucket, and the
-- quietest of the buckets that lie wholly inside [%(full_from)s, %(full_to)s) (partial edge buckets would look
-- like drops), with how many of those full buckets had any request.
SELECT service_name, sum(bucket_requests) AS requests, max(bucket_requests) AS peak,
       toDateTime(argMax(bucket, bucket_requests), 'UTC') AS peak_at,
       minIf(bucket_requests, bucket >= %(full_from)s AND bucket + %(step)s <= %(full_to)s) AS trough,
       toDateTime(argMinIf(bucket, bucket_requests, bucket >= %(full_from)s AND bucket + %(step)s <= %(full_to)s), 'UTC')
           AS trough_at,
       countIf(bucket >= %(full_from)s AND bucket + %(step)s <= %(full_to)s) AS full_buckets
FROM
(
    SELECT service_name, toUInt32(toDateTime({bucket})) AS bucket, sum(total_requests) AS bucket_requests
    FROM {table}
    WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
      AND (%(service)s = '' OR service_name = %(service)s)
    GROUP BY service_name, bucket
)
GROUP BY service_name
ORDER BY requests DESC, service_name
LIMIT %(limit)s
