-- Requests per service from raw entry spans in %(step)s-second buckets: total, busiest and quietest bucket.
SELECT service_name, sum(bucket_requests) AS requests, max(bucket_requests) AS peak, min(bucket_requests) AS trough,
       toDateTime(argMax(bucket, bucket_requests), 'UTC') AS peak_at, toDateTime(argMin(bucket, bucket_requests), 'UTC') AS trough_at,
       count() AS buckets
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
