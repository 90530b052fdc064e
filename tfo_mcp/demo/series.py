"""Gauge series: one dict per series (base value, diurnal amplitude, noise, trend, spike window, clamps and the
target table's own columns), expanded over the seeded window inside ClickHouse by sql/clickhouse/demo/series*.sql.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tfo_mcp.demo.plan import CHUNK_ROWS, SERIES_STEP_MS, OrgPlan, Window, chunks, grid_days, naive_utc

#: Series per generated statement (their parameters are inline arrays of up to ~250 bytes a series against the
#: engine's 256 KiB statement limit).
SERIES_PER_STATEMENT = 500

_SERIES_DEFAULTS: dict[str, Any] = {
    "amp": 0.0,
    "noise": 0.05,
    "trend": 0.0,
    "lo": 0.0,
    "hi": 1e18,
    "spike_from_ms": -1,
    "spike_to_ms": -1,
    "spike_mult": 1.0,
    "digits": 3,
}


_SERIES_NUMERIC = ("base", "amp", "noise", "trend", "lo", "hi", "spike_from_ms", "spike_to_ms", "spike_mult", "digits")


def gauge(columns: dict[str, Any], metric: str, unit: str, base: float, **options: Any) -> dict[str, Any]:
    """One series: the target table's ``columns``, its metric and unit, base value and shape ``options`` (amp,
    noise, trend, lo, hi, spike_from_ms, spike_to_ms, spike_mult, digits; defaults in _SERIES_DEFAULTS) and any
    further column."""
    return {**columns, "metric": metric, "unit": unit, "base": base, **options}


def series_statements(
    table: str, plan: OrgPlan, window: Window, series: list[dict[str, Any]], salt: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The generated statements (name, parameters) that expand ``series`` over the window into ``table``.

    At most SERIES_PER_STATEMENT series go into one statement (their parameters are inline arrays, and a
    statement has a size limit): large ``--scale`` values multiply the series.
    """
    rows = [{**_SERIES_DEFAULTS, **item} for item in series]
    for i0 in range(0, len(rows), SERIES_PER_STATEMENT):
        yield from _group_statements(table, plan, window, rows[i0 : i0 + SERIES_PER_STATEMENT], salt, i0)


def _group_statements(
    table: str, plan: OrgPlan, window: Window, rows: list[dict[str, Any]], salt: int, i0: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    params: dict[str, Any] = {
        "org_id": plan.id, "org_idx": plan.index, "salt": salt, "start": naive_utc(window.start), "i0": i0,
    }  # fmt: skip
    for key in _SERIES_NUMERIC:
        params[f"s_{key}"] = [float(row[key]) if key not in ("digits",) else int(row[key]) for row in rows]
    for key in rows[0]:
        if key not in _SERIES_NUMERIC:
            params[f"s_{key}"] = [row[key] for row in rows]
    params["s_spike_from_ms"] = [int(row["spike_from_ms"]) for row in rows]
    params["s_spike_to_ms"] = [int(row["spike_to_ms"]) for row in rows]
    params["s_offset_ms"] = [(index * 7919) % 30000 for index in range(i0, i0 + len(rows))]
    count = len(rows)
    points = max(1, window.total_ms // SERIES_STEP_MS)
    for p0, n in chunks(points, max(1, CHUNK_ROWS // count)):
        for first, points_of_day, day in grid_days(window.start, p0, n, SERIES_STEP_MS):
            yield f"series_{table}", {
                **params, "s_count": count, "p0": first, "rows": points_of_day * count, "step_ms": SERIES_STEP_MS,
                "day": day,
            }  # fmt: skip
