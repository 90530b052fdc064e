-- Monitoring agents (one per host) of the organization; vm_metrics.vm_id is agents.id.
SELECT id::text AS id, name, hostname, type, ip_address, os, region, status, agent_version, cpu_cores,
       memory_bytes, disk_bytes, last_heartbeat_at
FROM agents
WHERE organization_id = %(org)s AND deleted_at IS NULL
ORDER BY name
LIMIT 1000
