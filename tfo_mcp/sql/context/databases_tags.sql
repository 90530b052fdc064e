-- Tag keys on the organization's database instances (tags are scoped through their instance).
SELECT t.key, count(*) AS instances, array_agg(DISTINCT t.value ORDER BY t.value) AS tag_values
FROM database_instance_tags t
JOIN database_instances i ON i.id = t.instance_id
WHERE i.organization_id = %(org)s
  AND i.deleted_at IS NULL
GROUP BY t.key
ORDER BY instances DESC, t.key
LIMIT 20
