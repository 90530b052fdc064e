-- Cost over the days the window touches from the daily rollup (longer windows): by provider, service and category.
SELECT provider, service_name, category,
       round(sum(total_cost_usd), 4) AS cost_usd, round(sum(total_usage_quantity), 3) AS usage_quantity,
       '' AS usage_unit, sum(line_count) AS lines
FROM cost_data_daily_mv
WHERE organization_id = %(org)s
  AND day >= %(day_from)s AND day <= %(day_to)s
GROUP BY provider, service_name, category
ORDER BY cost_usd DESC
LIMIT 2000
