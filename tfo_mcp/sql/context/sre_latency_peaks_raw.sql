-- Worst bucket per service from raw entry spans (%(step)s-second buckets holding at least %(min_requests)s
-- requests): the highest p95 and when, in ms.
SELECT service_name, max(p95) / 1e6 AS peak_p95_ms, toDateTime(argMax(bucket, p95), 'UTC') AS peak_at
FROM
(
    SELECT service_name, intDiv(toUInt32(toDateTime({time})), %(step)s) * %(step)s AS bucket,
           quantile(0.95)(duration_ns) AS p95, count() AS bucket_requests
    FROM {table}
    WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
      AND span_kind IN ('SERVER', 'CONSUMER')
      AND (%(service)s = '' OR service_name = %(service)s)
    GROUP BY service_name, bucket
    HAVING bucket_requests >= %(min_requests)s
)
GROUP BY service_name
ORDER BY peak_p95_ms DESC, service_name
LIMIT %(limit)s
