-- metrics context totals from the raw table.
SELECT count() AS series, sum(series_samples) AS samples, uniqExact(service_name) AS services,
       countIf(mean > 0 AND maximum > 3 * mean) AS spiking
FROM
(
    SELECT service_name, metric_name, metric_type, avg(value) AS mean, max(value) AS maximum, count() AS series_samples
    FROM {table}
    WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s AND {time} < %(bucket_to)s
      AND (%(metric)s = '' OR metric_name = %(metric)s)
    GROUP BY service_name, metric_name, metric_type
)
