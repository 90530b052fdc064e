-- Recurring correlation patterns in the window: the same type, service, metric and log pattern seen together,
-- with confidence and a few example traces.
SELECT correlation_type, service_name, metric_name, log_pattern,
       count() AS occurrences, round(avg(confidence), 3) AS avg_confidence, round(max(confidence), 3) AS max_confidence,
       arrayFilter(x -> x != '', groupUniqArray(3)(trace_id)) AS example_traces,
       min(timestamp) AS first_seen, max(timestamp) AS last_seen
FROM signal_correlations
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
GROUP BY correlation_type, service_name, metric_name, log_pattern
ORDER BY max_confidence DESC, occurrences DESC
LIMIT %(limit)s
