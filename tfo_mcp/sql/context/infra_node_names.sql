-- Network node names as reported with their traffic samples in the last part of the window.
SELECT node_id AS id, any(node_name) AS name
FROM network_map_traffic
WHERE organization_id = %(org)s AND timestamp >= %(names_from)s AND timestamp < %(end)s
GROUP BY node_id
LIMIT 1000
