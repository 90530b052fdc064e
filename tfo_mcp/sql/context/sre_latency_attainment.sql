-- Entry spans of the latency-SLO services in the window and, per service, how many finished within each of
-- %(thresholds_ms)s milliseconds, from the latency histogram (service_latency_histogram_*): the counts of the
-- duration keys at or under each threshold (good[i] belongs to thresholds_ms[i]; exact up to 60,000 ms).
SELECT service_name, total,
       arrayMap(t -> arraySum((k, c) -> if(k <= t, c, 0), histogram.1, histogram.2), %(thresholds_ms)s) AS good
FROM
(
    SELECT service_name, sum(request_count) AS total, sumMap(duration_ms_counts) AS histogram
    FROM {table}
    WHERE organization_id = %(org)s AND service_name IN %(services)s
      AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
    GROUP BY service_name
)
LIMIT 1000
