-- Cost per hour over the window from the billing lines (windows up to two days).
SELECT toStartOfHour(timestamp) AS period, round(sum(cost_usd), 4) AS cost_usd
FROM cost_data
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
GROUP BY period
ORDER BY period
LIMIT 1000
