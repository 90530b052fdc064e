-- Cost per day over the days the window touches, from the daily rollup.
SELECT day AS period, round(sum(total_cost_usd), 4) AS cost_usd
FROM cost_data_daily_mv
WHERE organization_id = %(org)s
  AND day >= %(day_from)s AND day <= %(day_to)s
GROUP BY period
ORDER BY period
LIMIT 1000
