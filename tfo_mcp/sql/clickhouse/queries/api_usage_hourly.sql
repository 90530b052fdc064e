-- ch_api_usage (windows up to 31 days): per provider and model, from api_usage_hourly.
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
    round(sum(duration_sum) / greatest(sum(requests), 1), 3) AS avg_duration_ms,
    quantilesMerge(0.5, 0.95)(duration_quantiles) AS duration_q,
    max(last_request) AS latest_request
FROM api_usage_hourly
WHERE hour >= toStartOfHour(now() - toIntervalHour(%(hours)s))
  AND (%(model)s = '' OR model = %(model)s)
GROUP BY provider, model
ORDER BY request_count DESC, provider, model
LIMIT %(limit)s
