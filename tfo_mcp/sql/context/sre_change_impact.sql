-- Requests and failures of one service in the 5-minute buckets before and after a change at %(at)s.
SELECT sumIf(total_requests, five_minutes < %(at)s) AS requests_before,
       sumIf(error_count, five_minutes < %(at)s) AS errors_before,
       sumIf(total_requests, five_minutes >= %(at)s) AS requests_after,
       sumIf(error_count, five_minutes >= %(at)s) AS errors_after
FROM service_error_rates_5m
WHERE organization_id = %(org)s AND service_name = %(service)s
  AND five_minutes >= %(before)s AND five_minutes < %(after)s
