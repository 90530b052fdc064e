-- Failed logins (AUTH events with result FAILURE or DENIED) in the window per source, once by source IP (kind 'ip')
-- and once by user (kind 'user'): the failures per bucket of %(bucket_seconds)s seconds (bucket = epoch seconds /
-- bucket_seconds), the first and last failure of each bucket, and the other side of the failures (the users an IP
-- failed for, the IPs a user failed from): how many, and the most frequent three.
SELECT kind, source,
       sum(n) AS failures,
       groupArray(bucket) AS buckets,
       groupArray(n) AS bucket_failures,
       groupArray(first_at) AS bucket_first,
       groupArray(last_at) AS bucket_last,
       uniqExactMerge(counterpart_state) AS counterparts,
       topKMerge(3)(counterpart_top) AS counterpart_examples
FROM
(
    SELECT 'ip' AS kind, ip_address AS source,
           intDiv(toUInt32(toDateTime(timestamp)), %(bucket_seconds)s) AS bucket,
           count() AS n, min(timestamp) AS first_at, max(timestamp) AS last_at,
           uniqExactState(if(user_email != '', user_email, user_id)) AS counterpart_state,
           topKState(3)(if(user_email != '', user_email, user_id)) AS counterpart_top
    FROM audit_logs
    WHERE organization_id = %(org)s
      AND timestamp >= %(start)s AND timestamp < %(end)s
      AND event_type = 'AUTH' AND result IN ('FAILURE', 'DENIED')
      AND ip_address != ''
    GROUP BY source, bucket
    UNION ALL
    SELECT 'user' AS kind, if(user_email != '', user_email, user_id) AS source,
           intDiv(toUInt32(toDateTime(timestamp)), %(bucket_seconds)s) AS bucket,
           count() AS n, min(timestamp) AS first_at, max(timestamp) AS last_at,
           uniqExactState(ip_address) AS counterpart_state,
           topKState(3)(ip_address) AS counterpart_top
    FROM audit_logs
    WHERE organization_id = %(org)s
      AND timestamp >= %(start)s AND timestamp < %(end)s
      AND event_type = 'AUTH' AND result IN ('FAILURE', 'DENIED')
      AND (user_email != '' OR user_id != '')
    GROUP BY source, bucket
)
GROUP BY kind, source
ORDER BY max(n) DESC, failures DESC, kind, source
LIMIT %(cap)s
