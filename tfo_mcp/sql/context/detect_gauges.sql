-- Detector over gauge metrics per service and metric (rollups metrics_*, one tier for window and history): per bucket
-- the average value. Window buckets run from recent_from to recent_to (whole buckets only); the history
-- ranges are its history. Per series: the history's median and MAD, and per window bucket a robust
-- z = |value - median| / spread (a gauge may go wrong either way), the spread being the larger of 1.4826 x MAD and
-- the signal's floor / 3. A bucket is a hit when z >= z_bucket, it moved at least the minimum relative change and
-- it lies outside the range of the history values. Strongest series first, limit of them; `series` counts the
-- series examined.
SELECT service_name, metric_name, 'value' AS signal, history, recent_times, recent_values, median_value, hits, max_z,
       first_hit, hit_value, 0 AS share, series
FROM
(
    SELECT service_name, metric_name, history, recent_times, recent_values, median_value, arrayCount(hit_mask) AS hits,
           arrayMax(arrayFilter((zz, hit) -> hit, z, hit_mask)) AS max_z,
           arrayFirst((t, hit) -> hit, recent_times, hit_mask) AS first_hit,
           arrayReduce('quantileExactInclusive(0.5)', arrayFilter((v, hit) -> hit, recent_values, hit_mask)) AS hit_value,
           count() OVER () AS series
    FROM
    (
        SELECT service_name, metric_name, history, recent_times, recent_values, median_value,
               greatest(1.4826 * arrayReduce('quantileExactInclusive(0.5)', arrayMap(v -> abs(v - median_value), history)),
                        %(floor)s / 3, 1e-9) AS spread,
               arrayMap(v -> abs(v - median_value) / spread, recent_values) AS z,
               arrayMap((v, zz) -> zz >= %(z_bucket)s
                                   AND abs(v - median_value) / greatest(abs(median_value), %(floor)s) >= %(min_change)s
                                   AND (v > arrayMax(history) OR v < arrayMin(history)),
                        recent_values, z) AS hit_mask
        FROM
        (
            SELECT service_name, metric_name,
                   groupArrayIf(value, NOT in_window) AS history,
                   arraySort(groupArrayIf((bucket, value), in_window)) AS recent,
                   arrayMap(r -> r.1, recent) AS recent_times,
                   arrayMap(r -> r.2, recent) AS recent_values,
                   arrayReduce('quantileExactInclusive(0.5)', history) AS median_value
            FROM
            (
                SELECT service_name, metric_name, toDateTime({bucket}, 'UTC') AS bucket,
                       bucket >= %(recent_from)s AS in_window, avgMerge(avg_value) AS value
                FROM {table}
                WHERE organization_id = %(org)s AND metric_type = 'gauge'
                  AND (%(service)s = '' OR service_name = %(service)s)
                  AND (({time} >= %(recent_from)s AND {time} < %(recent_to)s)
                       OR ({time} >= %(history_1_from)s AND {time} < %(history_1_to)s)
                       OR ({time} >= %(history_2_from)s AND {time} < %(history_2_to)s)
                       OR ({time} >= %(history_3_from)s AND {time} < %(history_3_to)s))
                GROUP BY service_name, metric_name, bucket
            )
            GROUP BY service_name, metric_name
            HAVING length(history) >= %(min_history)s AND notEmpty(recent)
        )
    )
)
ORDER BY hits > 0 DESC, max_z DESC, service_name, metric_name
LIMIT %(limit)s
