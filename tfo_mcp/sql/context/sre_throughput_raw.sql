-- Requests per service from raw entry spans in %(step)s-second buckets (epoch seconds): total, the busiest bucket,
-- and the quietest of the buckets wholly inside [%(full_from)s, %(full_to)s), with how many of those had requests.
SELECT service_name, sum(bucket_requests) AS requests, max(bucket_requests) AS peak,
       toDateTime(argMax(bucket, bucket_requests), 'UTC') AS peak_at,
       minIf(bucket_requests, bucket >= %(full_from)s AND bucket + %(step)s <= %(full_to)s) AS trough,
       toDateTime(argMinIf(bucket, bucket_requests, bucket >= %(full_from)s AND bucket + %(step)s <= %(full_to)s), 'UTC')
           AS trough_at,
       countIf(bucket >= %(full_from)s AND bucket + %(step)s <= %(full_to)s) AS full_buckets
FROM
(
    SELECT service_name, intDiv(toUInt32(toDateTime({time})), %(step)s) * %(step)s AS bucket, count() AS bucket_requests
    FROM {table}
    WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
      AND span_kind IN ('SERVER', 'CONSUMER')
      AND (%(service)s = '' OR service_name = %(service)s)
    GROUP BY service_name, bucket
)
GROUP BY service_name
ORDER BY requests DESC, service_name
LIMIT %(limit)s
