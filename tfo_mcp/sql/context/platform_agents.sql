-- Monitoring agents (hosts, VMs) of the organization (PostgreSQL): problems first, then the stalest heartbeat.
SELECT a.id::text AS id, a.name, a.hostname, a.type, a.status, a.region, a.os, a.agent_version, a.cpu_cores,
       a.memory_bytes, a.disk_bytes, a.last_heartbeat_at, count(*) OVER () AS total
FROM agents a
WHERE a.organization_id = %(org)s
  AND a.deleted_at IS NULL
ORDER BY CASE a.status WHEN 'offline' THEN 0 WHEN 'degraded' THEN 1 ELSE 2 END, a.last_heartbeat_at NULLS FIRST, a.name
LIMIT %(cap)s
