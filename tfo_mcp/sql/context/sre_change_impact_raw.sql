-- Requests, failed requests and p95 (ms) per service on each side of each change, from raw entry spans (SERVER and
-- CONSUMER): servers without the service_request_stats_5m summary (a TFO deployment) and benchmarks. Change i
-- (1-based) has the spans started in [%(before_from)s[i], %(before_to)s[i]) before it and [%(after_from)s[i],
-- %(after_to)s[i]) after it (epoch seconds); %(read_from)s / %(read_to)s bound the read. Every service with requests
-- on a side is listed (the caller picks the changed service and its direct callers).
SELECT change_index, service_name, side, count() AS requests, countIf(status_code = 'ERROR') AS errors,
       quantile(0.95)(duration_ns) / 1e6 AS p95_ms
FROM
(
    SELECT change_index, service_name, status_code, duration_ns,
           if(second < %(after_from)s[change_index], 'before', 'after') AS side
    FROM
    (
        SELECT service_name, toUInt32(toDateTime(timestamp)) AS second, status_code, duration_ns
        FROM traces
        WHERE organization_id = %(org)s AND span_kind IN ('SERVER', 'CONSUMER')
          AND timestamp >= %(read_from)s AND timestamp < %(read_to)s
    )
    ARRAY JOIN arrayFilter(i -> (second >= %(before_from)s[i] AND second < %(before_to)s[i])
                                OR (second >= %(after_from)s[i] AND second < %(after_to)s[i]),
                           arrayEnumerate(%(before_from)s)) AS change_index
)
GROUP BY change_index, service_name, side
ORDER BY change_index, service_name, side
LIMIT 5000
