-- Requests, failed requests and p95 (ms) per service on each side of each change, from the service_request_stats_5m
-- summary (entry spans; p95 from the merged DDSketch, 2 % relative accuracy). Change i (1-based) has the 5-minute
-- buckets starting in [%(before_from)s[i], %(before_to)s[i]) before it and [%(after_from)s[i], %(after_to)s[i]) after
-- it (epoch seconds); %(read_from)s / %(read_to)s bound the read. Every service with requests on a side is listed
-- (the caller picks the changed service and its direct callers).
SELECT change_index, service_name, side, sum(request_count) AS requests, sum(error_count) AS errors,
       quantilesDDMerge(0.02, 0.5, 0.95, 0.99)(duration_sketch)[2] / 1e6 AS p95_ms
FROM
(
    SELECT change_index, service_name, request_count, error_count, duration_sketch,
           if(bucket < %(after_from)s[change_index], 'before', 'after') AS side
    FROM
    (
        SELECT service_name, toUInt32(five_minutes) AS bucket, request_count, error_count, duration_sketch
        FROM service_request_stats_5m
        WHERE organization_id = %(org)s AND five_minutes >= %(read_from)s AND five_minutes < %(read_to)s
    )
    ARRAY JOIN arrayFilter(i -> (bucket >= %(before_from)s[i] AND bucket < %(before_to)s[i])
                                OR (bucket >= %(after_from)s[i] AND bucket < %(after_to)s[i]),
                           arrayEnumerate(%(before_from)s)) AS change_index
)
GROUP BY change_index, service_name, side
ORDER BY change_index, service_name, side
LIMIT 5000
