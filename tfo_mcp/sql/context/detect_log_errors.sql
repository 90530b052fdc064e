-- Detector over error log lines per service (rollups logs_*, one tier for window and history): per bucket the lines
-- whose severity_text is one of error_severities (a bucket in which the service logged anything counts, with 0
-- errors when it logged none). Window buckets run from recent_from to recent_to (whole buckets only); the
-- history ranges are its history. Per service: the history's median and MAD, and per window bucket a robust
-- z = (lines - median) / spread, the spread being the largest of 1.4826 x MAD, the signal's floor / 3 and the Poisson
-- noise sqrt(median). A bucket is a hit when z >= z_bucket, it rose at least the minimum relative change and it
-- lies above every history value. Strongest series first, limit of them; `series` counts the series examined.
SELECT service_name, '' AS metric_name, 'log_errors' AS signal, history, recent_times, recent_values, median_value,
       hits, max_z, first_hit, hit_value, share, series
FROM
(
    SELECT service_name, history, recent_times, recent_values, median_value, arrayCount(hit_mask) AS hits,
           arrayMax(arrayFilter((zz, hit) -> hit, z, hit_mask)) AS max_z,
           arrayFirst((t, hit) -> hit, recent_times, hit_mask) AS first_hit,
           arrayReduce('quantileExactInclusive(0.5)', arrayFilter((v, hit) -> hit, recent_values, hit_mask)) AS hit_value,
           if(sum(window_lines) OVER () > 0, window_lines / sum(window_lines) OVER (), 0) AS share,
           count() OVER () AS series
    FROM
    (
        SELECT service_name, history, recent_times, recent_values, median_value, window_lines,
               greatest(1.4826 * arrayReduce('quantileExactInclusive(0.5)', arrayMap(v -> abs(v - median_value), history)),
                        %(floor)s / 3, sqrt(greatest(median_value, 1)), 1e-9) AS spread,
               arrayMap(v -> (v - median_value) / spread, recent_values) AS z,
               arrayMap((v, zz) -> zz >= %(z_bucket)s
                                   AND (v - median_value) / greatest(abs(median_value), %(floor)s) >= %(min_change)s
                                   AND v > arrayMax(history),
                        recent_values, z) AS hit_mask
        FROM
        (
            SELECT service_name,
                   groupArrayIf(lines, NOT in_window) AS history,
                   arraySort(groupArrayIf((bucket, lines), in_window)) AS recent,
                   arrayMap(r -> r.1, recent) AS recent_times,
                   arrayMap(r -> r.2, recent) AS recent_values,
                   arrayReduce('quantileExactInclusive(0.5)', history) AS median_value,
                   sumIf(lines, in_window) AS window_lines
            FROM
            (
                SELECT service_name, toDateTime({bucket}, 'UTC') AS bucket, bucket >= %(recent_from)s AS in_window,
                       toFloat64(sumIf(count, upper(severity_text) IN %(error_severities)s)) AS lines
                FROM {table}
                WHERE organization_id = %(org)s
                  AND (%(service)s = '' OR service_name = %(service)s)
                  AND (({time} >= %(recent_from)s AND {time} < %(recent_to)s)
                       OR ({time} >= %(history_1_from)s AND {time} < %(history_1_to)s)
                       OR ({time} >= %(history_2_from)s AND {time} < %(history_2_to)s)
                       OR ({time} >= %(history_3_from)s AND {time} < %(history_3_to)s))
                GROUP BY service_name, bucket
            )
            GROUP BY service_name
            HAVING length(history) >= %(min_history)s AND notEmpty(recent)
        )
    )
)
ORDER BY hits > 0 DESC, max_z DESC, service_name
LIMIT %(limit)s
