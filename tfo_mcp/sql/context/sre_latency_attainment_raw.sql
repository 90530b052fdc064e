-- Entry spans of the latency-SLO services in the window and, per service, how many finished within each of
-- %(thresholds_ms)s milliseconds, from the raw spans (one scan for every latency SLO; good[i] belongs to
-- thresholds_ms[i]).
SELECT service_name, count() AS total,
       sumForEach(arrayMap(t -> toUInt64(duration_ns <= t * 1000000), %(thresholds_ms)s)) AS good
FROM traces
WHERE organization_id = %(org)s AND service_name IN %(services)s AND timestamp >= %(start)s AND timestamp < %(end)s
  AND span_kind IN ('SERVER', 'CONSUMER')
GROUP BY service_name
LIMIT 1000
