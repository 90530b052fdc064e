-- Firewall decisions over the window by firewall, action and direction.
SELECT firewall_name, action, direction,
       count() AS events, sum(bytes) AS bytes, sum(packets) AS packets
FROM network_firewall_events
WHERE organization_id = %(org)s
  AND timestamp >= %(start)s AND timestamp < %(end)s
GROUP BY firewall_name, action, direction
ORDER BY events DESC
LIMIT 200
