-- Demo data: exemplars linking http.server.duration samples to traces: every failed or slow (above the service's
-- svc_slow_ms threshold) entry span and about one in a hundred of the others, for one organization and time chunk.
INSERT INTO exemplars (timestamp, metric_name, value, trace_id, span_id, labels, filtered_labels, service_name,
                       organization_id, workspace_id, tenant_id)
SELECT
    timestamp,
    'http.server.duration',
    round(duration_ns / 1e6, 3),
    trace_id,
    span_id,
    map('http.route', span_name, 'status_code', toString(status_code), 'service.version', resource_attributes['service.version']),
    map('k8s.pod.name', resource_attributes['k8s.pod.name']),
    service_name,
    organization_id,
    workspace_id,
    tenant_id
FROM traces
WHERE organization_id = %(org_id)s
  AND timestamp >= toDateTime64(%(chunk_start)s, 9, 'UTC') AND timestamp < toDateTime64(%(chunk_end)s, 9, 'UTC')
  AND span_kind IN ('SERVER', 'CONSUMER')
  AND (status_code = 'ERROR'
       OR duration_ns > 1000000 * %(svc_slow_ms)s[indexOf(%(svc_names)s, service_name)]
       OR modulo(cityHash64(span_id), 100) = 0)
