-- Error log lines per service in %(step)s-second buckets from the raw logs table: total, the busiest bucket and
-- when it was. Error lines are those whose severity_text is one of %(error_severities)s (upper-cased).
SELECT service_name, sum(lines) AS errors, max(lines) AS peak, toDateTime(argMax(bucket, lines), 'UTC') AS peak_at,
       count() AS active_buckets
FROM
(
    SELECT service_name, intDiv(toUInt32(toDateTime({time}, 'UTC')), %(step)s) * %(step)s AS bucket, count() AS lines
    FROM {table}
    WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
      AND upper(severity_text) IN %(error_severities)s
      AND (%(service)s = '' OR service_name = %(service)s)
    GROUP BY service_name, bucket
)
GROUP BY service_name
ORDER BY peak DESC, service_name
LIMIT 50
