-- Report runs started in the window (PostgreSQL), newest first, with their definition's name.
SELECT d.name AS report, d.type, e.status, e.trigger, e.started_at, e.completed_at, e.duration_ms,
       e.output_size_bytes, e.error_message, e.summary, count(*) OVER () AS total
FROM report_executions e
JOIN report_definitions d ON d.id = e.report_definition_id AND d.organization_id = e.organization_id
WHERE e.organization_id = %(org)s
  AND e.started_at >= %(start)s AND e.started_at < %(end)s
ORDER BY e.started_at DESC
LIMIT %(limit)s
