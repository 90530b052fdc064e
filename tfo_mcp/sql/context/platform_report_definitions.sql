-- Report definitions of the organization (PostgreSQL) with their executions in the window and the newest run.
-- Executions are scoped through the definition and must carry the same organization.
SELECT d.id::text AS id, d.name, d.type, d.schedule, d.format, d.enabled, d.created_at,
       count(e.id) FILTER (WHERE e.started_at >= %(start)s AND e.started_at < %(end)s) AS runs_in_window,
       count(e.id) FILTER (WHERE e.started_at >= %(start)s AND e.started_at < %(end)s AND e.status = 'failed')
           AS failed_in_window,
       max(e.started_at) AS last_run_at,
       (array_agg(e.status ORDER BY e.started_at DESC) FILTER (WHERE e.id IS NOT NULL))[1] AS last_status,
       count(*) OVER () AS total
FROM report_definitions d
LEFT JOIN report_executions e
  ON e.report_definition_id = d.id AND e.organization_id = d.organization_id AND e.started_at < %(end)s
WHERE d.organization_id = %(org)s
  AND d.deleted_at IS NULL
GROUP BY d.id
ORDER BY failed_in_window DESC, d.enabled DESC, last_run_at DESC NULLS LAST, d.name
LIMIT %(limit)s
