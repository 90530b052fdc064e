    -- Generic gauge series (included by the series_*.sql files at their SERIES marker): s_count series, one point
    -- every step_ms starting at start + point p0; value = base x (1 + amp x diurnal) x (1 + noise x N(0,1))
    -- + trend x hours since start, multiplied by spike_mult inside [spike_from_ms, spike_to_ms), clamped to
    -- [lo, hi] and rounded to digits. Deterministic hashes of (seed, org, salt, series, point); a statement holds
    -- series i0 + 1 .. i0 + s_count, so splitting the series over statements does not change a value.
    SELECT
        *,
        round(greatest(%(s_lo)s[i], least(%(s_hi)s[i],
            (%(s_base)s[i] * (1 + %(s_amp)s[i] * diurnal) * (1 + %(s_noise)s[i] * gauss)
             + %(s_trend)s[i] * offset_ms / 3600000)
            * if(offset_ms >= %(s_spike_from_ms)s[i] AND offset_ms < %(s_spike_to_ms)s[i], %(s_spike_mult)s[i], 1))),
            %(s_digits)s[i]) AS value
    FROM
    (
        SELECT
            modulo(number, %(s_count)s) + 1 AS i,
            %(p0)s + intDiv(number, %(s_count)s) AS p,
            p * %(step_ms)s + %(s_offset_ms)s[i] AS offset_ms,
            addMilliseconds(toDateTime64(%(start)s, 3, 'UTC'), offset_ms) AS ts,
            sin(2 * pi() * (toHour(ts) + toMinute(ts) / 60 - 10) / 24) AS diurnal,
            cityHash64(%(seed)s, %(org_idx)s, %(salt)s, toUInt64(%(i0)s + i), p, 1) / 18446744073709551616.0 AS u1,
            cityHash64(%(seed)s, %(org_idx)s, %(salt)s, toUInt64(%(i0)s + i), p, 2) / 18446744073709551616.0 AS u2,
            sqrt(-2 * log(greatest(u1, 1e-12))) * cos(2 * pi() * u2) AS gauss
        FROM numbers(%(rows)s)
    )
