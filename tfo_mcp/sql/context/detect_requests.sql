-- Detector over entry-span traffic per service (summary service_request_stats_*, one tier for window and history):
-- per bucket the request rate (req/min), the error rate (percent) and the p95 (ms, DDSketch; only on buckets with at
-- least min_requests requests). Buckets from recent_from to recent_to are the window's (whole buckets only); those
-- in the history ranges are its history. Per series: the history's median and MAD (computed here), and per window
-- bucket a robust z = direction x (value - median) / spread, where the spread is the largest of 1.4826 x MAD, the
-- signal's floor / 3 and the counting noise (Poisson for the rate; binomial for the error rate, its prior the
-- largest of the median, the history's pooled rate and the floor). A bucket is a hit when z >= z_bucket, it moved
-- at least the signal's minimum relative change, it lies beyond every history value and, for the error rate, it
-- holds at least min_errors failed requests. Strongest series first, limit of them; `series` counts the series.
SELECT service_name, '' AS metric_name, signal, history, recent_times, recent_values, median_value, hits, max_z,
       first_hit, hit_value, share, series
FROM
(
    SELECT service_name, signal, history, recent_times, recent_values, median_value, hits,
           arrayMax(arrayFilter((zz, hit) -> hit, z, hit_mask)) AS max_z,
           arrayFirst((t, hit) -> hit, recent_times, hit_mask) AS first_hit,
           arrayReduce('quantileExactInclusive(0.5)', arrayFilter((v, hit) -> hit, recent_values, hit_mask)) AS hit_value,
           if(total_requests > 0, service_requests / total_requests, 0) AS share,
           count() OVER () AS series
    FROM
    (
        SELECT service_name, signal, history, recent_times, recent_values, median_value, z, hit_mask,
               arrayCount(hit_mask) AS hits,
               max(if(signal = 'requests_per_min', window_requests, 0)) OVER (PARTITION BY service_name) AS service_requests,
               sum(if(signal = 'requests_per_min', window_requests, 0)) OVER () AS total_requests
        FROM
        (
            SELECT service_name, signal, history, recent_times, recent_values, recent_counts, median_value,
                   pooled_value, window_requests, direction, relative_floor, min_change,
                   greatest(1.4826 * arrayReduce('quantileExactInclusive(0.5)',
                                                 arrayMap(v -> abs(v - median_value), history)),
                            relative_floor / 3, 1e-9) AS base_spread,
                   arrayMap((v, n) -> direction * (v - median_value) / greatest(base_spread, multiIf(
                       signal = 'requests_per_min', sqrt(greatest(median_value, 1) * 60 / %(step)s),
                       signal = 'error_percent', 100 * sqrt(error_prior * (1 - error_prior) / greatest(n, 1)),
                       0)), recent_values, recent_counts) AS z,
                   least(greatest(median_value, pooled_value, relative_floor) / 100, 0.5) AS error_prior,
                   arrayMap((v, zz, n) -> zz >= %(z_bucket)s
                                          AND direction * (v - median_value) / greatest(abs(median_value), relative_floor) >= min_change
                                          AND if(direction > 0, v > arrayMax(history), v < arrayMin(history))
                                          AND (signal != 'error_percent' OR v * n / 100 >= %(min_errors)s),
                            recent_values, z, recent_counts) AS hit_mask
            FROM
            (
                SELECT service_name, signal,
                       groupArrayIf(value, NOT in_window) AS history,
                       arraySort(groupArrayIf((bucket, value, counted), in_window)) AS recent,
                       arrayMap(r -> r.1, recent) AS recent_times,
                       arrayMap(r -> r.2, recent) AS recent_values,
                       arrayMap(r -> r.3, recent) AS recent_counts,
                       arrayReduce('quantileExactInclusive(0.5)', history) AS median_value,
                       sumIf(value * counted, NOT in_window) / greatest(sumIf(counted, NOT in_window), 1) AS pooled_value,
                       sumIf(counted, in_window) AS window_requests,
                       if(signal = 'requests_per_min', -1, 1) AS direction,
                       multiIf(signal = 'requests_per_min', %(floor_requests)s, signal = 'error_percent', %(floor_errors)s,
                               %(floor_p95)s) AS relative_floor,
                       multiIf(signal = 'requests_per_min', %(change_requests)s, signal = 'error_percent',
                               %(change_errors)s, %(change_p95)s) AS min_change
                FROM
                (
                    SELECT service_name, bucket, in_window, requests AS counted, item.1 AS signal, item.2 AS value
                    FROM
                    (
                        SELECT service_name, toDateTime({bucket}, 'UTC') AS bucket,
                               bucket >= %(recent_from)s AS in_window,
                               sum(request_count) AS requests, sum(error_count) AS errors,
                               quantilesDDMerge(0.02, 0.5, 0.95, 0.99)(duration_sketch)[2] / 1e6 AS p95
                        FROM {table}
                        WHERE organization_id = %(org)s
                          AND (%(service)s = '' OR service_name = %(service)s)
                          AND (({time} >= %(recent_from)s AND {time} < %(recent_to)s)
                               OR ({time} >= %(history_1_from)s AND {time} < %(history_1_to)s)
                               OR ({time} >= %(history_2_from)s AND {time} < %(history_2_to)s)
                               OR ({time} >= %(history_3_from)s AND {time} < %(history_3_to)s))
                        GROUP BY service_name, bucket
                    )
                    ARRAY JOIN [('requests_per_min', requests * 60 / %(step)s, toUInt8(1)),
                                ('error_percent', 100 * errors / greatest(requests, 1), toUInt8(requests > 0)),
                                ('p95_ms', p95, toUInt8(requests >= %(min_requests)s))] AS item
                    WHERE item.3
                )
                GROUP BY service_name, signal
                HAVING length(history) >= %(min_history)s AND notEmpty(recent)
            )
        )
    )
)
ORDER BY hits > 0 DESC, max_z DESC, service_name, signal
LIMIT %(limit)s
