-- ch_api_usage (longer windows): per provider and model, from api_usage_daily (plain sums, no percentiles).
SELECT
    provider,
    model,
    sum(requests) AS request_count,
    sum(errors) AS error_count,
    sum(input_tokens) AS input_total,
    sum(output_tokens) AS output_total,
    sum(total_tokens) AS tokens_total,
    if(sum(priced_requests) = 0, NULL, sum(cost_usd)) AS cost_total,
    sum(priced_requests) AS priced_count,
    round(sum(duration_sum) / greatest(sum(requests), 1), 3) AS avg_duration_ms
FROM api_usage_daily
WHERE day >= toDate(now() - toIntervalHour(%(hours)s))
  AND (%(model)s = '' OR model = %(model)s)
GROUP BY provider, model
ORDER BY request_count DESC, provider, model
LIMIT %(limit)s
