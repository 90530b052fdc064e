-- Sources the firewalls blocked most in the window (deny, drop, reject), with what they tried to reach.
SELECT src_ip,
       count() AS blocked,
       uniqExact(dst_port) AS distinct_ports,
       uniqExact(dst_ip) AS distinct_targets,
       groupUniqArray(5)(dst_port) AS sample_ports,
       groupUniqArray(3)(rule_name) AS rules,
       min(timestamp) AS first_seen, max(timestamp) AS last_seen
FROM network_firewall_events
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
  AND action != 'allow'
GROUP BY src_ip
ORDER BY blocked DESC, src_ip
LIMIT %(limit)s
