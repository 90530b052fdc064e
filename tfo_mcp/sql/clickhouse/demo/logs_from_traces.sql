-- Demo data: one ERROR log line per failed entry span (SERVER / CONSUMER) of one organization and time chunk,
-- carrying the span's trace_id and span_id, so logs, traces and exemplars of a failure join up.
INSERT INTO logs (timestamp, observed_timestamp, trace_id, span_id, trace_flags, severity_text, severity_number,
                  service_name, organization_id, workspace_id, tenant_id, body, resource_attributes, scope_name,
                  scope_version, log_attributes)
SELECT
    addNanoseconds(timestamp, duration_ns),
    addNanoseconds(timestamp, duration_ns + 35000000),
    trace_id,
    span_id,
    1,
    'ERROR',
    17,
    service_name,
    organization_id,
    workspace_id,
    tenant_id,
    concat(span_name, ' failed status=', span_attributes['http.response.status_code'], ': ', status_message),
    resource_attributes,
    'tfo.demo',
    '1.0',
    map('exception.type', splitByChar(':', status_message)[1], 'http.route', span_name)
FROM traces
WHERE organization_id = %(org_id)s
  AND timestamp >= toDateTime64(%(chunk_start)s, 9, 'UTC') AND timestamp < toDateTime64(%(chunk_end)s, 9, 'UTC')
  AND status_code = 'ERROR' AND span_kind IN ('SERVER', 'CONSUMER')
