-- Requests and failures of one service (entry spans) in the 30 minutes before and after a change at %(at)s, from
-- raw spans: servers without the 5-minute rollup (TFO publishes service_error_rates_1h only) and benchmarks.
SELECT countIf(timestamp < %(at)s) AS requests_before,
       countIf(timestamp < %(at)s AND status_code = 'ERROR') AS errors_before,
       countIf(timestamp >= %(at)s) AS requests_after,
       countIf(timestamp >= %(at)s AND status_code = 'ERROR') AS errors_after
FROM traces
WHERE organization_id = %(org)s AND service_name = %(service)s AND span_kind IN ('SERVER', 'CONSUMER')
  AND timestamp >= %(before)s AND timestamp < %(after)s
