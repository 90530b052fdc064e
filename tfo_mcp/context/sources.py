"""Query helpers every collector function uses: ClickHouse and PostgreSQL under the request's budget.

* :func:`ch` / :func:`pg` run one packaged SQL file (``tfo_mcp/sql/context/<name>.sql``) with the request's
  organization, window and item cap bound as parameters, and server-side limits taken from the budget that is
  left: ``max_execution_time`` on ClickHouse (fractional seconds on chDB, whole seconds on a native server),
  ``statement_timeout`` on PostgreSQL. When the budget runs out the calling task is cancelled: psycopg then
  cancels the server statement, and :func:`ch` kills its ClickHouse query (``KILL QUERY`` on a marker the
  query text carries), so nothing keeps running after the context came back ``unavailable``.
* :func:`rollup` picks the table to read for a family (``metrics``, ``logs``, ``traces``, ...) by the window,
  as TFO does: the largest rollup whose interval is at most the window's step, else the raw table. Table and
  bucket-column names reach the SQL (``{table}``, ``{bucket}``, ``{time}``) only from that whitelist.
  :func:`coarse_rollup` picks fewer, wider buckets for per-bucket views (peaks); :func:`raw_tables` makes
  every collector read raw rows (benchmarks, cross-checks).
* :func:`gather_sources` runs the sub-queries of one context concurrently; :func:`partial` lets a hybrid
  context keep the sources that answered when another one failed (:func:`failures` lists those).
* :func:`available` / :func:`empty` / :func:`empty_unless_failed` build the results collectors return.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import uuid
from collections.abc import Awaitable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fastmcp.exceptions import ToolError
from loguru import logger

from tfo_mcp.logs import scrub_secrets
from tfo_mcp.stores import postgres
from tfo_mcp.stores.clickhouse import get_clickhouse
from tfo_mcp.stores.clickhouse_backend import UNKNOWN_DATABASE, UNKNOWN_TABLE, QueryTimeout

if TYPE_CHECKING:
    from tfo_mcp.context.change import Finding
    from tfo_mcp.context.collector import CollectRequest
    from tfo_mcp.context.types import TelemetryContext, TimeRange

__all__ = [
    "ROLLUP_FAMILIES",
    "BudgetExceeded",
    "Failed",
    "RollupChoice",
    "available",
    "bucket_bounds",
    "ch",
    "coarse_rollup",
    "compared",
    "empty",
    "empty_unless_failed",
    "failure_reason",
    "failures",
    "full_buckets_from",
    "gather_sources",
    "has_table",
    "load_sql",
    "number",
    "partial",
    "percent",
    "pg",
    "raise_if_all_failed",
    "raw_tables",
    "rollup",
    "rows_of",
    "with_failures",
]

SQL_DIR = Path(__file__).resolve().parent.parent / "sql" / "context"
#: The reason a source gives when the ClickHouse store lacks TFO's platform tables (an empty or non-TFO store).
NO_PLATFORM_SCHEMA = (
    "the ClickHouse store {missing}: run `tfo-mcp demo` for the demo estate, or point "
    "TELEMETRYFLOW_MCP_CLICKHOUSE_URL (clickhouse.url) at a TelemetryFlow deployment's ClickHouse"
)
_QUOTED = re.compile(r"'([A-Za-z0-9_.]+)'")
#: Variants for the native clickhouse-server 18.16 family (no DateTime64/Map): ``legacy/<name>.sql``.
LEGACY_DIR = SQL_DIR / "legacy"
#: A budget with less than this many seconds left is treated as spent (no query is started).
MIN_QUERY_SECONDS = 0.05
#: Rows any one context query may return, whatever its LIMIT says (the server stops there too).
MAX_QUERY_ROWS = 5_000
#: Seconds a KILL QUERY issued for a cancelled query may take before we give up waiting for it.
KILL_TIMEOUT = 0.5
_SQL_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_MARKER_PREFIX = "tfo-ctx"


class BudgetExceeded(TimeoutError):
    """The request's budget ran out before or while a query ran (the collector reports "timed out")."""


# --------------------------------------------------------------------------- rollups


@dataclass(frozen=True)
class RollupChoice:
    """The table a family is read from for a window: a rollup (``kind="rollup"``) or the raw table."""

    family: str
    table: str
    #: the time column to filter on: the rollup's bucket (``five_minutes``, ``fifteen_minutes``, ``hour``, ``day``)
    #: or the raw timestamp
    bucket_column: str
    kind: Literal["rollup", "raw"]
    #: bucket width in seconds (0 for the raw table)
    interval_seconds: int = 0


@dataclass(frozen=True)
class _Family:
    raw_table: str
    raw_time: str
    #: (interval seconds, table, bucket column), ascending
    rollups: tuple[tuple[int, str, str], ...]


#: Rollup suffix -> (interval seconds, bucket column) as in the platform schema.
_SUFFIXES: dict[str, tuple[int, str]] = {
    "1m": (60, "minute"),
    "5m": (300, "five_minutes"),
    "15m": (900, "fifteen_minutes"),
    "1h": (3600, "hour"),
    "1d": (86400, "day"),
}
#: The tiers of the core signal families (TFO's 5m / 15m / 1h plus a daily one): a 24 h window (step 900 s)
#: reads 96 fifteen-minute buckets instead of 288 five-minute ones.
_FULL = ("5m", "15m", "1h", "1d")
#: Families this schema keeps without the 15-minute tier (a 24 h window reads their 5-minute rollup).
_NO_15M = ("5m", "1h", "1d")


def _family(
    raw_table: str, raw_time: str, prefix: str, suffixes: tuple[str, ...], columns: dict[str, str] | None = None
) -> _Family:
    """A family whose rollups are ``<prefix>_<suffix>``; ``columns`` names bucket columns that differ from
    _SUFFIXES (TFO's db_aurora_metrics_1m has ``timestamp_1m``)."""
    columns = columns or {}
    rollups = tuple((_SUFFIXES[s][0], f"{prefix}_{s}", columns.get(s, _SUFFIXES[s][1])) for s in suffixes)
    return _Family(raw_table, raw_time, rollups)


#: Rollup families of the platform schema (tfo_mcp/sql/clickhouse/platform/): family -> raw table, its time
#: column and the rollups. The only source of table and column names that are formatted into SQL text.
ROLLUP_FAMILIES: dict[str, _Family] = {
    "metrics": _family("metrics", "timestamp", "metrics", ("1m", *_FULL)),
    "logs": _family("logs", "timestamp", "logs", _FULL),
    "traces": _family("traces", "timestamp", "traces", _FULL),
    "service_latency_percentiles": _family("traces", "timestamp", "service_latency_percentiles", _FULL),
    "service_error_rates": _family("traces", "timestamp", "service_error_rates", _FULL),
    "exemplars": _family("exemplars", "timestamp", "exemplars", ("1h",)),
    "uptime_checks": _family("uptime_checks", "checked_at", "uptime_checks", _FULL),
    "audit_logs": _family("audit_logs", "timestamp", "audit_logs", ("5m", "15m", "1h")),
    "vm_metrics": _family("vm_metrics", "timestamp", "vm_metrics", _NO_15M),
    "kubernetes_metrics": _family("kubernetes_metrics", "timestamp", "kubernetes_metrics", _NO_15M),
    "cache_metrics": _family("cache_metrics", "timestamp", "cache_metrics", ("1h",)),
    "queue_metrics": _family("queue_metrics", "timestamp", "queue_metrics", ("1h",)),
    "load_balancer_metrics": _family("load_balancer_metrics", "timestamp", "load_balancer_metrics", ("1h",)),
    "service_map_metrics": _family("service_map_metrics", "timestamp", "service_map_metrics", _NO_15M),
    "network_map_traffic": _family("network_map_traffic", "timestamp", "network_map_traffic", _NO_15M),
    "network_map_connection_metrics": _family(
        "network_map_connection_metrics", "timestamp", "network_map_connection_metrics", _NO_15M
    ),
    "signal_correlations": _family("signal_correlations", "timestamp", "signal_correlations", ("5m", "1h")),
    "db_aurora_metrics": _family(
        "db_aurora_metrics", "timestamp", "db_aurora_metrics", ("1m",), columns={"1m": "timestamp_1m"}
    ),
    # summary tables this server adds (platform migrations 008 and 013 to 015); check has_table() before reading one
    "service_request_stats": _family("traces", "timestamp", "service_request_stats", ("1m", *_FULL)),
    "uptime_monitor_stats": _family("uptime_checks", "checked_at", "uptime_monitor_stats", _FULL),
    "log_error_patterns": _family("logs", "timestamp", "log_error_patterns", ("1m", *_FULL)),
    # entry-span durations per service in whole milliseconds (platform migration 014): latency SLO attainment
    "service_latency_histogram": _family("traces", "timestamp", "service_latency_histogram", ("1m", "15m", "1h", "1d")),
    # per service and operation: span count, duration sum / max and a sketch (platform migration 015)
    "service_operation_stats": _family("traces", "timestamp", "service_operation_stats", ("1m", "15m", "1h", "1d")),
    # caller -> callee edges from CLIENT / PRODUCER spans (platform migrations 010 and 011; context/edges.py)
    "service_edges": _family("traces", "timestamp", "service_edges", ("1m", *_FULL)),
}


#: Set by :func:`raw_tables`: every rollup() in this task (and its children) answers with the raw table.
_FORCE_RAW: ContextVar[bool] = ContextVar("tfo_context_force_raw", default=False)


@contextlib.contextmanager
def raw_tables() -> Iterator[None]:
    """Within this block, collectors read raw tables instead of rollups (benchmarks and cross-checks)."""
    token = _FORCE_RAW.set(True)
    try:
        yield
    finally:
        _FORCE_RAW.reset(token)


def rollup(family: str, time_range: TimeRange, *, raw: bool = False) -> RollupChoice:
    """The table to read ``family`` from for ``time_range`` (section 1.4 of the TFO reference).

    The largest rollup whose interval is at most the window's step (``TimeRange.step_seconds()``: 60 s up
    to 1 h, 300 s up to 6 h, 900 s up to 24 h, ...), else the raw table. ``raw=True`` forces the raw table
    (benchmarks, cross-checks), as does running inside :func:`raw_tables`.
    """
    spec = ROLLUP_FAMILIES.get(family)
    if spec is None:
        raise ValueError(f"unknown rollup family {family!r}")
    if not raw and not _FORCE_RAW.get():
        step = time_range.step_seconds()
        fitting = [entry for entry in spec.rollups if entry[0] <= step]
        if fitting:
            seconds, table, bucket = fitting[-1]
            return RollupChoice(family, table, bucket, "rollup", seconds)
    return RollupChoice(family, spec.raw_table, spec.raw_time, "raw", 0)


def coarse_rollup(family: str, time_range: TimeRange, buckets: int = 24) -> RollupChoice:
    """For per-bucket views (peaks, troughs): the largest rollup that still splits the window into at least
    ``buckets`` buckets, else the raw table. Coarser than :func:`rollup` on long windows (a 24 h window reads
    hourly buckets, not 288 five-minute ones), so states merged per bucket stay few."""
    spec = ROLLUP_FAMILIES.get(family)
    if spec is None:
        raise ValueError(f"unknown rollup family {family!r}")
    if not _FORCE_RAW.get():
        widest = time_range.duration.total_seconds() / buckets
        fitting = [entry for entry in spec.rollups if entry[0] <= widest]
        if fitting:
            seconds, table, bucket = fitting[-1]
            return RollupChoice(family, table, bucket, "rollup", seconds)
    return RollupChoice(family, spec.raw_table, spec.raw_time, "raw", 0)


def full_buckets_from(choice: RollupChoice, time_range: TimeRange) -> datetime:
    """The first bucket start at or after the window's start (skips a partial first bucket)."""
    if choice.kind == "raw":
        return time_range.start
    interval = choice.interval_seconds
    return datetime.fromtimestamp(math.ceil(time_range.start.timestamp() / interval) * interval, UTC)


def bucket_bounds(choice: RollupChoice, time_range: TimeRange) -> tuple[Any, Any]:
    """Bounds for ``{time} >= %(bucket_from)s AND {time} < %(bucket_to)s``, typed like the column.

    Raw tables: the window itself. Rollups: every bucket that overlaps the window (the first one may begin
    up to one interval before ``start``; windows aligned to the interval are exact).
    """
    if choice.kind == "raw":
        return time_range.start, time_range.end
    interval = choice.interval_seconds
    start_epoch = math.floor(time_range.start.timestamp() / interval) * interval
    start = datetime.fromtimestamp(start_epoch, UTC)
    end = time_range.end
    if choice.bucket_column == "day":
        last = end - timedelta(microseconds=1)
        return start.date(), last.date() + timedelta(days=1)
    return start, end


# --------------------------------------------------------------------------- SQL files


@cache
def load_sql(name: str, legacy: bool = False) -> str:
    """The text of ``tfo_mcp/sql/context/<name>.sql`` (or its ``legacy/`` variant when one exists)."""
    if not _SQL_NAME.match(name):
        raise ValueError(f"bad SQL file name {name!r}")
    if legacy:
        path = LEGACY_DIR / f"{name}.sql"
        if path.is_file():
            return path.read_text(encoding="utf-8").strip().rstrip(";")
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8").strip().rstrip(";")


def _variant(name: str, choice: RollupChoice | None) -> str:
    """``<name>_raw`` when that file exists and the raw table is chosen (or forced by :func:`raw_tables`,
    which also replaces reads of row-copy views such as ``logs_errors``), else ``name``."""
    raw = choice.kind == "raw" if choice is not None else _FORCE_RAW.get()
    if raw and (SQL_DIR / f"{name}_raw.sql").is_file():
        return f"{name}_raw"
    return name


def _fill(sql: str, choice: RollupChoice | None) -> str:
    """Fill ``{table}``, ``{bucket}`` (and ``{time}``, the same column) from a whitelisted choice."""
    if choice is None:
        if "{table}" in sql or "{bucket}" in sql:
            raise ValueError("this query reads a rollup family: pass rollup=...")
        return sql
    family = ROLLUP_FAMILIES[choice.family]
    allowed = {(family.raw_table, family.raw_time)} | {(table, bucket) for _, table, bucket in family.rollups}
    if (choice.table, choice.bucket_column) not in allowed:
        raise ValueError(f"{choice.table}.{choice.bucket_column} is not a table of the {choice.family} family")
    column = choice.bucket_column
    return sql.replace("{table}", choice.table).replace("{bucket}", column).replace("{time}", column)


def _window_params(req: CollectRequest) -> dict[str, Any]:
    return {
        "org": req.organization_id,
        "start": req.time_range.start,
        "end": req.time_range.end,
        "limit": req.max_items,
    }


def _budget_left(req: CollectRequest) -> float:
    remaining = req.remaining()
    if remaining < MIN_QUERY_SECONDS:
        raise BudgetExceeded("the budget ran out before the query could start")
    return remaining


# --------------------------------------------------------------------------- ClickHouse


#: (server URL, database) -> whether the server is older than 20.x (platform_legacy schema).
_legacy_servers: dict[tuple[str, str], bool] = {}
LEGACY_MAJOR_BELOW = 20


async def _legacy_tables(backend: Any) -> frozenset[str] | None:
    """None for chDB and native servers from 20.x on; for older servers (no DateTime64/Map, the platform_legacy
    schema with fewer rollups) the set of tables in the database (the version is read once per backend)."""
    if backend.kind == "chdb":
        return None
    key = (backend.url, backend.database)
    if key not in _legacy_servers:
        result = await backend.query("SELECT version()", readonly=True, timeout=5)
        version = str(result.rows[0][0]) if result.rows else ""
        head = version.split(".", 1)[0]
        _legacy_servers[key] = not head.isdigit() or int(head) < LEGACY_MAJOR_BELOW
    return await backend.table_names() if _legacy_servers[key] else None


def split_windows(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of a query that reads a window and its baseline in one scan (``current`` = 1 for the window's,
    0 for the baseline's): (window rows, baseline rows)."""
    return [row for row in rows if row["current"]], [row for row in rows if not row["current"]]


async def has_table(table: str) -> bool:
    """Whether the ClickHouse database has ``table``: the summary tables this server adds beside TFO's rollups
    (``service_request_stats_*``, ...) exist only where its migrations ran, so collectors check before use and
    read TFO's tables otherwise."""
    return table in await get_clickhouse().table_names()


def _available_choice(choice: RollupChoice, tables: frozenset[str]) -> RollupChoice:
    """``choice``, or the largest smaller rollup (else the raw table) when the server lacks that rollup."""
    if choice.kind == "raw" or choice.table in tables:
        return choice
    spec = ROLLUP_FAMILIES[choice.family]
    for seconds, table, bucket in reversed(spec.rollups):
        if seconds <= choice.interval_seconds and table in tables:
            return RollupChoice(choice.family, table, bucket, "rollup", seconds)
    return RollupChoice(choice.family, spec.raw_table, spec.raw_time, "raw", 0)


async def _kill(backend: Any, marker: str) -> None:
    """Stop the query whose text carries ``marker`` (the caller was cancelled; the server may still run it)."""
    head, tail = marker[: len(_MARKER_PREFIX)], marker[len(_MARKER_PREFIX) :]
    # The pattern is split so this statement's own text does not match it.
    sql = "KILL QUERY WHERE query LIKE concat('%%', %(head)s, %(tail)s, '%%') SYNC"
    try:
        await asyncio.wait_for(backend.execute(sql, {"head": head, "tail": tail}), KILL_TIMEOUT)
    except Exception as exc:  # best effort: max_execution_time stops it anyway
        logger.debug("KILL QUERY for a cancelled context query failed: {}", scrub_secrets(str(exc))[:200])


async def ch(
    req: CollectRequest,
    sql_name: str,
    *,
    rollup: RollupChoice | None = None,
    **params: Any,
) -> list[dict[str, Any]]:
    """Run ``tfo_mcp/sql/context/<sql_name>.sql`` on ClickHouse for ``req``; rows as dicts.

    With a ``rollup`` choice of the raw table, ``<sql_name>_raw.sql`` is run instead when it exists (the
    aggregate expressions differ: ``avgMerge(avg_value)`` on a rollup, ``avg(value)`` on raw rows).

    Always binds ``org``, ``start``, ``end`` (UTC datetimes), ``limit`` (req.max_items) and, with a
    ``rollup`` choice, ``bucket_from`` / ``bucket_to`` (bounds typed like the chosen time column, so one
    condition ``{time} >= %(bucket_from)s AND {time} < %(bucket_to)s`` serves raw and rollup tables),
    ``interval_seconds`` and the ``{table}`` / ``{bucket}`` / ``{time}`` names; ``params`` add to or
    override these. The server stops the query at the budget's end (``max_execution_time``); if the caller
    is cancelled first the query is killed. On a server older than 20.x (platform_legacy schema) a rollup it
    lacks is replaced by the next smaller one or the raw table, and ``legacy/<sql_name>.sql`` is preferred
    when present. Raises StoreUnavailable, QueryError or BudgetExceeded.
    """
    backend = get_clickhouse()
    legacy = await _legacy_tables(backend)
    if rollup is not None and legacy is not None:
        rollup = _available_choice(rollup, legacy)
    values = _window_params(req)
    if rollup is not None:
        values["bucket_from"], values["bucket_to"] = bucket_bounds(rollup, req.time_range)
        values["interval_seconds"] = rollup.interval_seconds
    values.update(params)
    sql = _fill(load_sql(_variant(sql_name, rollup), legacy=legacy is not None), rollup)
    result = await run_budgeted(
        req, backend, sql, values, max_rows=MAX_QUERY_ROWS, what=f"the {sql_name} query", name=sql_name
    )
    return result.as_dicts()


async def run_budgeted(
    req: CollectRequest,
    backend: Any,
    sql: str,
    params: dict[str, Any],
    *,
    max_rows: int,
    what: str,
    name: str | None = None,
) -> Any:
    """Run one read-only ClickHouse query within the request's remaining budget (``name``: the statement's name
    in telemetry).

    The server stops it at the budget's end (``max_execution_time``); if the caller is cancelled first, the
    query is killed through a marker comment in its text. Raises BudgetExceeded when the budget is gone.
    """
    marker = f"{_MARKER_PREFIX}:{uuid.uuid4().hex}"
    remaining = min(_budget_left(req), backend.cfg.max_execution_time)  # never above the configured limit
    # chDB takes fractional seconds; a native server's setting is whole seconds (at least 1).
    seconds = round(remaining, 3) if backend.kind == "chdb" else max(1, math.ceil(remaining))
    try:
        return await backend.query(
            f"/* {marker} */\n{sql}",
            params,
            max_rows=max_rows,
            readonly=True,
            timeout=seconds,
            settings={"max_execution_time": seconds},
            name=name,
        )
    except asyncio.CancelledError:
        await _kill(backend, marker)
        raise
    except QueryTimeout:
        raise BudgetExceeded(f"ClickHouse stopped {what} at the end of the budget") from None


# --------------------------------------------------------------------------- PostgreSQL


def as_uuid(value: str | None) -> uuid.UUID | None:
    """``value`` as a UUID, or None when it is not one (PostgreSQL ids are uuid columns)."""
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def pg(req: CollectRequest, sql_name: str, **params: Any) -> list[dict[str, Any]]:
    """Run ``tfo_mcp/sql/context/<sql_name>.sql`` on PostgreSQL (``postgres.url``) for ``req``; rows as dicts.

    Binds ``org`` (a UUID), ``start``, ``end``, ``limit`` and ``user_id`` (a UUID or None) plus ``params``,
    in a READ ONLY transaction whose ``statement_timeout`` is the budget left; cancelling the caller cancels
    the server statement (psycopg sends a cancel request). An organization id that is not a UUID matches no
    PostgreSQL row, so no query is sent and ``[]`` comes back. Raises StoreUnavailable, QueryError or
    BudgetExceeded.
    """
    from tfo_mcp.config import get_settings

    org = as_uuid(req.organization_id)
    if org is None:
        postgres.require_configured()  # still says so when PostgreSQL is not configured
        return []
    await postgres.ensure_reachable(_budget_left(req))
    values: dict[str, Any] = _window_params(req)
    values["org"] = org
    values["user_id"] = as_uuid(req.user_id)
    values.update(params)
    sql = load_sql(sql_name)
    remaining = min(_budget_left(req), get_settings().postgres.statement_timeout)
    try:
        return await postgres.fetch_all(sql, values, timeout=remaining, name=sql_name)
    except postgres.QueryError as exc:
        if "statement timeout" in str(exc).lower() or "canceling statement" in str(exc).lower():
            raise BudgetExceeded(f"PostgreSQL stopped the {sql_name} query at the end of the budget") from None
        raise


# --------------------------------------------------------------------------- concurrency


async def gather_sources(*coros: Awaitable[Any]) -> tuple[Any, ...]:
    """Run the sub-queries of one context concurrently; the first failure cancels the others and is raised."""
    tasks: list[asyncio.Task[Any]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_awaited(coro)) for coro in coros]
    except BaseExceptionGroup as group_error:
        raise _first(group_error) from None
    return tuple(task.result() for task in tasks)


async def _awaited(coro: Awaitable[Any]) -> Any:
    return await coro


def _first(group_error: BaseExceptionGroup) -> BaseException:
    """The exception to re-raise from a TaskGroup failure (budget first, then store errors)."""
    leaves: list[BaseException] = []

    def walk(error: BaseException) -> None:
        if isinstance(error, BaseExceptionGroup):
            for inner in error.exceptions:
                walk(inner)
        else:
            leaves.append(error)

    walk(group_error)
    for kind in (BudgetExceeded, ToolError):
        for leaf in leaves:
            if isinstance(leaf, kind):
                return leaf
    return leaves[0]


@dataclass(frozen=True)
class Failed:
    """What :func:`partial` returns for a source that failed: its name and the reason."""

    source: str
    reason: str


def failure_reason(exc: BaseException) -> str:
    """A short, secret-free reason a store failed; a ClickHouse store without the platform schema says what to
    run instead of the engine's message."""
    text = str(exc).strip() or type(exc).__name__
    if getattr(exc, "code", None) in (UNKNOWN_TABLE, UNKNOWN_DATABASE):
        table = _QUOTED.search(text)
        missing = f"has no table {table.group(1)} (no TFO platform data)" if table else "holds no TFO platform data"
        return NO_PLATFORM_SCHEMA.format(missing=missing)
    return scrub_secrets(" ".join(text.split()))


async def partial(source: str, coro: Awaitable[Any]) -> Any:
    """Await ``coro``; if its store fails, return :class:`Failed` instead of raising (hybrid contexts).

    Cancellation (the budget) still propagates. Use :func:`rows_of` to read a result and :func:`failures`
    to fill ``data["unavailable_sources"]``.
    """
    try:
        return await coro
    except BudgetExceeded:
        return Failed(source, "timed out")
    except (ToolError, OSError) as exc:
        return Failed(source, failure_reason(exc)[:300])


def rows_of(result: Any) -> Any:
    """``result`` itself, or an empty list when it is :class:`Failed` or None."""
    return [] if result is None or isinstance(result, Failed) else result


def failures(*results: Any) -> dict[str, str]:
    """``{source: reason}`` for the :class:`Failed` results among ``results``."""
    return {result.source: result.reason for result in results if isinstance(result, Failed)}


def with_failures(data: dict[str, Any], *results: Any) -> dict[str, Any]:
    """``data`` with ``unavailable_sources`` added (last) when any of ``results`` failed."""
    failed = failures(*results)
    if failed:
        data["unavailable_sources"] = failed
    return data


def raise_if_all_failed(*results: Any) -> None:
    """Raise StoreUnavailable naming every source when all ``results`` are :class:`Failed` (nothing to show)."""
    from tfo_mcp.errors import StoreUnavailable

    failed = [item for item in results if isinstance(item, Failed)]
    if results and len(failed) == len(results):
        if all(item.reason == "timed out" for item in failed):
            raise BudgetExceeded("every source of this context timed out")
        raise StoreUnavailable("; ".join(f"{item.source}: {item.reason}" for item in failed))


# --------------------------------------------------------------------------- results


def number(value: Any, digits: int = 2) -> float | int | None:
    """A row value as a rounded number (None stays None; integers stay integers; NaN/inf become None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(result):
        return None
    return round(result, digits)


def percent(part: float | None, whole: float | None, digits: int = 2) -> float | None:
    """``part / whole`` as a percentage, None when ``whole`` is 0 or missing."""
    if not whole or part is None:
        return None
    return round(100.0 * float(part) / float(whole), digits)


def available(
    req: CollectRequest,
    lead: str,
    data: dict[str, Any],
    highlights: list[str] | None = None,
    findings: list[Finding] | None = None,
) -> TelemetryContext:
    """An ``available`` context: summary = ``lead``, then what changed, then the highlights.

    ``findings`` (from :func:`tfo_mcp.context.change.compare`) are ranked here, once for every context: the
    summary names the top changes against the baseline (or says that nothing changed) and the chronic
    conditions; ``data["findings"]`` holds them, ranked and cut to ``max_items``. Without findings (a context
    that compares nothing), the highlights alone follow the lead. ``data["highlights"]`` holds the highlights.
    """
    from tfo_mcp.context.change import rank, what_changed
    from tfo_mcp.context.types import TelemetryContext

    notes = list(highlights or [])
    summary = lead.strip()
    body = dict(data)
    if findings is not None:
        ranked = rank(findings)
        summary += " " + what_changed(ranked, req.baseline)
        body["findings"] = [finding.to_dict() for finding in ranked[: req.max_items]]
        body["baseline"] = req.baseline
    if notes:
        summary += " Highlights: " + " ".join(note if note.endswith(".") else f"{note}." for note in notes)
    elif findings is None:
        summary += " No threshold was crossed in this window."
    body["highlights"] = notes
    if isinstance(body.get("sources"), list):  # a window may pick the same raw table for two families
        body["sources"] = list(dict.fromkeys(body["sources"]))
    return TelemetryContext(
        type=req.context_type, time_range=req.time_range, summary=summary, data=body, status="available"
    )


def compared(
    req: CollectRequest,
    lead: str,
    data: dict[str, Any],
    highlights: list[str],
    findings: list[Finding | None] | None,
    what: str,
) -> TelemetryContext:
    """The result of a context that compared its window with the baseline. ``findings`` None: the baseline window
    held no ``what`` (nothing to compare), so the lead says so and the highlights stand alone."""
    from tfo_mcp.context.change import BASELINE_WORDS

    if findings is not None:
        return available(req, lead, data, highlights, findings=[f for f in findings if f is not None])
    words = BASELINE_WORDS.get(req.baseline, "the baseline")
    body = {**data, "findings": [], "baseline": req.baseline, "baseline_empty": True}
    return available(req, f"{lead} No baseline: {words} holds no {what} to compare with.", body, highlights)


def empty(req: CollectRequest, source: str) -> TelemetryContext:
    """An ``empty`` context naming the tables that held no rows for the organization in the window."""
    from tfo_mcp.context.types import empty_context

    return empty_context(req.context_type, req.time_range, source)


def empty_unless_failed(req: CollectRequest, source: str, *results: Any) -> TelemetryContext:
    """``empty`` when every source answered with nothing; when some source failed, the emptiness is not known,
    so raise StoreUnavailable naming the failed sources (the context becomes ``unavailable``)."""
    from tfo_mcp.errors import StoreUnavailable

    failed = [item for item in results if isinstance(item, Failed)]
    if failed:
        raise StoreUnavailable(
            "no data from the sources that answered, and "
            + "; ".join(f"{item.source} failed: {item.reason}" for item in failed)
        )
    return empty(req, source)
