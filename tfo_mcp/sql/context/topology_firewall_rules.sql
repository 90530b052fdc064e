-- Rules that matched most in the window, with their action mix.
SELECT firewall_name, rule_id, rule_name,
       count() AS hits,
       countIf(action = 'allow') AS allowed,
       countIf(action != 'allow') AS blocked,
       groupUniqArray(5)(dst_port) AS ports
FROM network_firewall_events
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
GROUP BY firewall_name, rule_id, rule_name
ORDER BY hits DESC, rule_name
LIMIT %(limit)s
