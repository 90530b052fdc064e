-- Error log lines per service in %(step)s-second buckets: total, the busiest bucket and when it was.
-- Raw variant (benchmarks, cross-checks): the same answer from the raw logs table, without logs_errors.
SELECT service_name, sum(lines) AS errors, max(lines) AS peak, toDateTime(argMax(bucket, lines), 'UTC') AS peak_at,
       count() AS active_buckets
FROM
(
    SELECT service_name, intDiv(toUInt32(toDateTime(timestamp)), %(step)s) * %(step)s AS bucket, count() AS lines
    FROM logs
    WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s AND severity_number >= 17
      AND (%(service)s = '' OR service_name = %(service)s)
    GROUP BY service_name, bucket
)
GROUP BY service_name
ORDER BY peak DESC, service_name
LIMIT 50
