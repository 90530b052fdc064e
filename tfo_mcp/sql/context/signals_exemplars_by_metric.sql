-- Exemplars per service and metric: count, mean and largest value with its trace, and how many exemplars
-- point at a failed trace (traces_errors) in the same window.
SELECT service_name, metric_name, count() AS exemplars, avg(value) AS mean, max(value) AS maximum,
       argMax(trace_id, value) AS max_trace_id,
       countIf(trace_id IN (
           SELECT trace_id FROM traces_errors
           WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
       )) AS failed_traces
FROM exemplars
WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
  AND (%(metric)s = '' OR metric_name = %(metric)s)
GROUP BY service_name, metric_name
ORDER BY failed_traces DESC, exemplars DESC, service_name, metric_name
LIMIT %(limit)s
