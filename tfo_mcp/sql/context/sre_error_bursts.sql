-- Failed spans per service in %(step)s-second buckets: total, the busiest bucket and when it was.
SELECT service_name, sum(spans) AS errors, max(spans) AS peak, toDateTime(argMax(bucket, spans), 'UTC') AS peak_at
FROM
(
    SELECT service_name, intDiv(toUInt32(toDateTime(timestamp)), %(step)s) * %(step)s AS bucket, count() AS spans
    FROM traces_errors
    WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
      AND (%(service)s = '' OR service_name = %(service)s)
    GROUP BY service_name, bucket
)
GROUP BY service_name
ORDER BY peak DESC, service_name
LIMIT 50
