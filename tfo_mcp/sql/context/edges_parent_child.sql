-- Calls seen as parent/child across services, from the span_links table (platform migration 012): a SERVER /
-- CONSUMER span whose parent span belongs to another service, for the window (current = 1: %(start)s to %(end)s)
-- and its baseline (current = 0: %(base_start)s to %(base_end)s, an empty range for none; the two must not overlap)
-- in one scan. Figures are the callee's span (its duration and status). Parents are looked up from
-- %(lookback_seconds)s seconds before each window. Links are matched on the 64-bit hash of the span id alone: span
-- ids are random 64-bit ids, so they do not repeat across traces in practice. The children (fewer) are the join's
-- hash table; the parents stream past it. A child whose parent is not among the links (a CLIENT span naming its
-- peer: that call is in service_edges_*; or a parent from before the lookback) has caller '': such rows say which
-- services receive calls, and are no edge.
-- When the windows hold more than %(max_links)s child links, only shards 0 .. n - 1 of the 64 are read (a uniform
-- sample: the key is a hash, and a child shares its parent's shard), n chosen from the links of shard 0 so that
-- about %(max_links)s are joined whatever the volume, and the counts are scaled up by 64 / n. Per window and edge,
-- one row for the whole window (bucket_start 1970-01-01) and one per bucket of %(step)s seconds, at most 2500 rows
-- per window; durations in ms; `shards` (n) on every row.
WITH
    (
        SELECT count()
        FROM span_links
        WHERE organization_id = %(org)s AND role = 'child' AND shard = 0
          AND ((timestamp >= %(start)s AND timestamp < %(end)s)
               OR (timestamp >= %(base_start)s AND timestamp < %(base_end)s))
    ) AS links_in_shard_0,
    toUInt8(least(64, greatest(1, ceil(%(max_links)s / greatest(links_in_shard_0, 1))))) AS shards
SELECT child.current AS current, parent.service_name AS caller, child.service_name AS callee,
       toStartOfInterval(child.timestamp, toIntervalSecond(%(step)s)) AS bucket_start,
       round(count() * 64 / shards) AS requests, round(sum(child.failed) * 64 / shards) AS errors,
       avg(child.duration_ns) / 1e6 AS avg_ms,
       quantile(0.95)(child.duration_ns) / 1e6 AS p95_ms,
       max(child.duration_ns) / 1e6 AS max_ms,
       shards
FROM
(
    SELECT key, service_name
    FROM span_links
    WHERE organization_id = %(org)s AND role = 'parent' AND shard < shards
      AND ((timestamp >= %(start)s - toIntervalSecond(%(lookback_seconds)s) AND timestamp < %(end)s)
           OR (timestamp >= %(base_start)s - toIntervalSecond(%(lookback_seconds)s) AND timestamp < %(base_end)s))
) AS parent
RIGHT JOIN
(
    SELECT timestamp >= %(start)s AND timestamp < %(end)s AS current, timestamp, key, service_name, failed,
           duration_ns
    FROM span_links
    WHERE organization_id = %(org)s AND role = 'child' AND shard < shards
      AND ((timestamp >= %(start)s AND timestamp < %(end)s)
           OR (timestamp >= %(base_start)s AND timestamp < %(base_end)s))
) AS child ON parent.key = child.key
WHERE parent.service_name != child.service_name
  AND (%(service)s = '' OR parent.service_name IN ('', %(service)s) OR child.service_name = %(service)s)
GROUP BY GROUPING SETS ((current, caller, callee), (current, caller, callee, bucket_start))
ORDER BY current, caller, callee, bucket_start
LIMIT 2500 BY current
