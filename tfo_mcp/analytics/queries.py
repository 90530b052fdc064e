"""The packaged analytics queries (``tfo_mcp/sql/clickhouse/queries/``) over the recorder's tables and rollups."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from tfo_mcp.stores import clickhouse
from tfo_mcp.stores.clickhouse_backend import UNKNOWN_DATABASE, UNKNOWN_TABLE, QueryError

QUERIES_DIR = Path(__file__).parent.parent / "sql" / "clickhouse" / "queries"
#: windows up to this many hours read the hourly rollups, longer ones the daily rollups.
HOURLY_MAX_HOURS = 24 * 31


@cache
def _query_text(name: str) -> str:
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


async def run(name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Run the packaged query ``name`` with bound parameters (applying the schema first); rows as dicts."""
    await clickhouse.ensure_schema()
    try:
        result = await clickhouse.get_clickhouse().query(_query_text(name), params, readonly=True, name=name)
    except QueryError as exc:
        if getattr(exc, "code", None) in (UNKNOWN_TABLE, UNKNOWN_DATABASE):
            raise QueryError(
                "the analytics tables do not exist yet: run `tfo-mcp db migrate` (or set clickhouse.auto_migrate: true)"
            ) from None
        raise
    return result.as_dicts()


def rollup(hours: int) -> str:
    """``hourly`` or ``daily``: the rollup a window of ``hours`` reads."""
    return "hourly" if hours <= HOURLY_MAX_HOURS else "daily"


def quantile(values: Any, index: int) -> float | None:
    """The ``index``-th value of a quantiles array, rounded; None when absent."""
    if isinstance(values, list) and len(values) > index and values[index] is not None:
        return round(float(values[index]), 3)
    return None
