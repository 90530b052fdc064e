-- Cost over the window from the hourly billing lines (windows up to two days): by provider, service and category.
SELECT provider, service_name, category,
       round(sum(cost_usd), 4) AS cost_usd, round(sum(usage_quantity), 3) AS usage_quantity,
       any(usage_unit) AS usage_unit, count() AS lines
FROM cost_data
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
GROUP BY provider, service_name, category
ORDER BY cost_usd DESC
LIMIT 2000
