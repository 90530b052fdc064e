-- The ids of a batch already stored in one analytics table ({table}, {time_column}: the recorder's names).
-- The time window (the batch's own first and last record times) keeps the scan to the partitions they fall in.
SELECT DISTINCT record_id
FROM {table}
WHERE {time_column} >= %(since)s AND {time_column} <= %(until)s AND record_id IN %(ids)s
