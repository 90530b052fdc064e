"""Small helpers the topology, databases, security, platform and intelligence collectors share.

Thresholds are TFO's (reference section 3.1) unless marked as ours. Nothing here queries a store: these
functions shape rows that :func:`tfo_mcp.context.sources.ch` / :func:`~tfo_mcp.context.sources.pg` returned
(ClickHouse rows may carry 64-bit integers as text, PostgreSQL rows carry Decimals and datetimes).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tfo_mcp.context.sources import BudgetExceeded, number, partial

if TYPE_CHECKING:
    from tfo_mcp.context.collector import CollectRequest

#: TFO thresholds (reference section 3.1).
SPIKE_FACTOR = 3.0
SLOW_P95_MS = 1000.0
ERROR_RATE_PERCENT = 5.0
UPTIME_SLA_PERCENT = 99.0
UPTIME_SLOW_P95_MS = 2000.0
HIGH_CPU_PERCENT = 80.0
HIGH_MEMORY_PERCENT = 85.0
PACKET_LOSS_PERCENT = 1.0
SESSIONS_FLAG = 5
HIGH_RISK_PROBABILITY = 0.7
#: Ours: disk use that is worth a highlight, a health score that marks a degraded service, a failure streak
#: that looks like brute force, a connection pool that is nearly full, replication lag worth a note.
HIGH_DISK_PERCENT = 85.0
LOW_HEALTH_SCORE = 80.0
BRUTE_FORCE_FAILURES = 10
POOL_NEAR_FULL_PERCENT = 80.0
REPLICATION_LAG_SECONDS = 30.0
#: Highlights per context (the summary stays short).
MAX_HIGHLIGHTS = 8
#: Rows a structural query (services, edges, nodes, inventory) may return before it is cut; lists shown to the
#: caller are then cut to max_items with the total kept.
STRUCTURE_CAP = 1000
#: Share of the budget left that an optional source may use: a store that hangs (PostgreSQL down at first contact
#: waits for its connect timeout) is given up in time for the required parts to answer.
OPTIONAL_BUDGET_SHARE = 0.8


async def optional(req: CollectRequest, source: str, coro: Awaitable[Any]) -> Any:
    """:func:`~tfo_mcp.context.sources.partial` with a soft deadline (``OPTIONAL_BUDGET_SHARE`` of the budget left).

    A source that fails or runs past it comes back as ``Failed`` (reason "timed out") and is cancelled, so the
    context still answers with the other sources within the budget.
    """

    async def bounded() -> Any:
        try:
            return await asyncio.wait_for(coro, timeout=max(0.05, req.remaining() * OPTIONAL_BUDGET_SHARE))
        except TimeoutError:
            raise BudgetExceeded(f"{source} did not answer in time") from None

    return await partial(source, bounded())


def as_int(value: Any) -> int:
    """A count from a row (64-bit integers may arrive as text; None and junk count as 0)."""
    if value is None:
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return 0


def as_float(value: Any) -> float:
    """A number from a row (None and junk become 0.0)."""
    result = number(value, 6)
    return float(result) if result is not None else 0.0


def clock(value: Any) -> str:
    """``HH:MM UTC`` of a datetime or a ClickHouse DateTime text (``YYYY-MM-DD hh:mm:ss``)."""
    if isinstance(value, datetime):
        return value.strftime("%H:%M UTC")
    text = str(value or "")
    return f"{text[11:16]} UTC" if len(text) >= 16 else text


def total_of(rows: list[dict[str, Any]]) -> int:
    """The ``total`` column PostgreSQL list queries carry (``count(*) OVER ()``), else the row count."""
    if rows and "total" in rows[0]:
        return as_int(rows[0]["total"])
    return len(rows)


def without(rows: Iterable[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """Rows without helper columns such as ``total``."""
    return [{key: value for key, value in row.items() if key not in keys} for row in rows]


def counts_by(rows: Iterable[dict[str, Any]], key: str, weight: str | None = None) -> dict[str, int]:
    """``{value of key: number of rows (or sum of weight)}``, largest first."""
    out: dict[str, int] = {}
    for row in rows:
        name = str(row.get(key) if row.get(key) is not None else "unknown")
        out[name] = out.get(name, 0) + (as_int(row.get(weight)) if weight else 1)
    return dict(sorted(out.items(), key=lambda item: (-item[1], item[0])))


def add_note(notes: list[str], text: str) -> None:
    """Append a highlight unless the list is full."""
    if len(notes) < MAX_HIGHLIGHTS and text not in notes:
        notes.append(text)


def fmt(value: Any, digits: int = 2) -> str:
    """A number for a sentence: rounded, without a trailing ``.0``."""
    result = number(value, digits)
    if result is None:
        return "n/a"
    return f"{result:g}" if isinstance(result, float) else str(result)


def plural(count: int, word: str, suffix: str = "s") -> str:
    """``1 service`` / ``3 services``."""
    return f"{count} {word}{'' if count == 1 else suffix}"
