-- Newest exemplars (metric samples linked to a trace). %(metric)s = '' means every metric.
SELECT timestamp, service_name, metric_name, value, trace_id, span_id
FROM exemplars
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(metric)s = '' OR metric_name = %(metric)s)
ORDER BY timestamp DESC
LIMIT %(limit)s
