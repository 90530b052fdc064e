-- Changes to the estate from lookback_from to the window's end (deploys, config, flags, scaling, infrastructure),
-- newest first: what changed before and during the window.
SELECT timestamp, change_type, source, service_name, version, previous_version, author, title, status, risk
FROM change_events
WHERE organization_id = %(org)s
  AND timestamp >= %(lookback_from)s AND timestamp < %(end)s
ORDER BY timestamp DESC
LIMIT %(limit)s
