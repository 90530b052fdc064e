-- ch_tool_analytics: per-tool totals over the window, from tool_calls_hourly.
SELECT
    tool_name,
    sum(calls) AS call_count,
    sum(errors) AS error_count,
    round(sum(duration_sum) / greatest(sum(calls), 1), 3) AS avg_duration_ms,
    quantilesMerge(0.5, 0.95, 0.99)(duration_quantiles) AS duration_q,
    max(max_duration_ms) AS duration_max,
    sum(input_bytes) AS input_total,
    sum(output_bytes) AS output_total,
    max(last_call) AS latest_call
FROM tool_calls_hourly
WHERE hour >= toStartOfHour(now() - toIntervalHour(%(hours)s))
  AND (%(tool_name)s = '' OR tool_name = %(tool_name)s)
GROUP BY tool_name
ORDER BY call_count DESC, tool_name
LIMIT %(limit)s
