-- Cost per provider, service and category in two periods of the hourly billing lines: the window's last day
-- (day_usd: day_from .. day_to) and the day it is compared with (before_usd: before_from .. before_to), with the
-- hours each period has lines for (day_hours, before_hours: 24 for hourly lines over a whole day, 1 for daily ones).
SELECT provider, service_name, category,
       round(sumIf(cost_usd, timestamp >= %(day_from)s AND timestamp < %(day_to)s), 4) AS day_usd,
       round(sumIf(cost_usd, timestamp >= %(before_from)s AND timestamp < %(before_to)s), 4) AS before_usd,
       uniqExactIf(toStartOfHour(timestamp), timestamp >= %(day_from)s AND timestamp < %(day_to)s) AS day_hours,
       uniqExactIf(toStartOfHour(timestamp), timestamp >= %(before_from)s AND timestamp < %(before_to)s) AS before_hours
FROM cost_data
WHERE organization_id = %(org)s
  AND ((timestamp >= %(day_from)s AND timestamp < %(day_to)s)
       OR (timestamp >= %(before_from)s AND timestamp < %(before_to)s))
GROUP BY provider, service_name, category
ORDER BY day_usd DESC
LIMIT 2000
