"""The interface every ClickHouse backend speaks, its result type, and the value and error rules they share.

:class:`Backend`: ``query``, ``execute``, ``insert``, ``ping``, ``table_names``, ``close``. Parameters use one
style, ``%(name)s``, rendered with clickhouse-driver's escaping; when parameters are given a literal ``%`` must
be written ``%%``. Blocking calls run in the backend's own threads, never on the event loop. Read-only queries
carry ``readonly=1``, ``max_execution_time``, ``max_result_rows`` / ``max_result_bytes`` with
``result_overflow_mode='break'`` as server-side settings, and a guard (:mod:`tfo_mcp.stores.sql_guard`) refuses
what the engine would not stop (several statements, ``INTO OUTFILE``, ``KILL``, file/network functions on the
embedded engine). The backends: :mod:`tfo_mcp.stores.clickhouse_native` and :mod:`tfo_mcp.stores.chdb`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import enum
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from tfo_mcp import telemetry
from tfo_mcp.config import redact_url
from tfo_mcp.errors import StoreUnavailable
from tfo_mcp.logs import scrub_secrets
from tfo_mcp.stores import sql_guard
from tfo_mcp.stores.sql_guard import QueryError, QueryRefused, QueryTimeout

if TYPE_CHECKING:
    from tfo_mcp.config import ClickHouseSettings

__all__ = ["Backend", "QueryError", "QueryRefused", "QueryResult", "QueryTimeout", "json_safe"]

URL_SETTING = "TELEMETRYFLOW_MCP_CLICKHOUSE_URL"
#: What calls on a closed backend raise.
CLOSED = "the ClickHouse connection was closed (server shutting down)"
#: Seconds a backend's list of tables is trusted (summary tables are looked up there before use).
TABLE_NAMES_TTL = 300.0
#: server-side result-bytes guard as a multiple of the client payload cap (see QueryResult.truncated).
SERVER_BYTES_FACTOR = 8
INSERT_BATCH_ROWS = 100_000
MESSAGE_LIMIT = 500
NOT_CONFIGURED = (
    f"ClickHouse is not configured: set {URL_SETTING} (clickhouse://user:pass@host:9000/db, clickhouses://... "
    "or chdb:///path/to/dir), or install the embedded engine with `pip install 'tfo-mcp[embedded]'`"
)
_SETTING_VALUE = re.compile(r"^[A-Za-z0-9_.\-]*$")

# ClickHouse error codes the messages below refer to.
TIMEOUT_EXCEEDED = 159
READONLY = 164
UNKNOWN_TABLE = 60
UNKNOWN_DATABASE = 81
AUTH_CODES = frozenset({192, 193, 194, 516})
ACCESS_DENIED = 497
MEMORY_LIMIT_EXCEEDED = 241


@dataclass
class QueryResult:
    """Rows of one query, JSON-safe on both backends.

    Values: numbers, strings, booleans, None, lists and dicts. DateTime values are text
    ``YYYY-MM-DD hh:mm:ss[.fff]``, Date ``YYYY-MM-DD``, Decimal a float, UUID/IP text, NaN/inf None.
    ``truncated`` is True when more than ``max_rows`` rows came back or the payload reached the byte cap
    (``clickhouse.max_result_bytes``); the server's own byte guard is ``SERVER_BYTES_FACTOR`` times larger,
    so a result it cuts also trips the client cap and is reported.
    """

    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False
    elapsed_ms: float = 0.0

    def as_dicts(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name."""
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]


# --------------------------------------------------------------------------- values


def json_safe(value: Any) -> Any:
    """A driver value as JSON-safe data, formatted like chDB's JSON output."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=None)
        if value.microsecond == 0:
            return value.strftime("%Y-%m-%d %H:%M:%S")
        spec = "milliseconds" if value.microsecond % 1000 == 0 else "microseconds"
        return value.isoformat(sep=" ", timespec=spec)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(json_safe(key)): json_safe(item) for key, item in value.items()}
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def cap_rows(
    rows: Iterable[tuple[tuple[Any, ...], int]], max_rows: int | None, max_bytes: int | None
) -> tuple[list[tuple[Any, ...]], bool]:
    """Keep rows (each with its payload size) up to ``max_rows`` and ``max_bytes``; say if any were cut."""
    kept: list[tuple[Any, ...]] = []
    total = 0
    for row, size in rows:
        if max_rows is not None and len(kept) >= max_rows:
            return kept, True
        total += size
        if max_bytes is not None and total > max_bytes:
            return kept, True
        kept.append(row)
    return kept, False


def clean_message(text: str) -> str:
    """A server message without stack trace, version noise or secrets, capped."""
    text = text.split("Stack trace", 1)[0]
    text = re.sub(r"DB::Exception:\s*", "", text)
    text = re.sub(r"\(version [^)]*\)\.?", "", text)
    text = re.sub(r"^\s*Code:\s*\d+\.?\s*", "", text)
    text = re.sub(r"\s+", " ", text).strip(" .:")
    text = scrub_secrets(text)
    return text[:MESSAGE_LIMIT] + ("..." if len(text) > MESSAGE_LIMIT else "")


def query_error(code: int | None, message: str, *, timeout: float | None = None) -> QueryError:
    """Map a ClickHouse error code and message to the error a caller sees."""
    text = clean_message(message)
    if code == TIMEOUT_EXCEEDED:
        limit = f" of {timeout:g} s" if timeout else ""
        error: QueryError = QueryTimeout(f"the query ran past max_execution_time{limit} and was stopped: {text}")
    elif code == MEMORY_LIMIT_EXCEEDED:
        error = QueryError(f"the query needed more memory than clickhouse.max_memory_usage allows: {text}")
    elif code in (READONLY, ACCESS_DENIED):
        error = QueryRefused(f"refused by ClickHouse (read-only access): {text}")
    else:
        error = QueryError(f"ClickHouse error {code}: {text}" if code else f"ClickHouse error: {text}")
    error.code = code  # type: ignore[attr-defined]
    return error


def setting_text(name: str, value: Any) -> str:
    if not sql_guard.IDENTIFIER.match(name):
        raise ValueError(f"bad setting name {name!r}")
    text = str(int(value)) if isinstance(value, bool) else str(value)
    if not _SETTING_VALUE.match(text):
        raise ValueError(f"bad value for setting {name!r}")
    return text


# --------------------------------------------------------------------------- backend base


class Backend:
    """What every ClickHouse backend offers (async; blocking work runs in the backend's threads)."""

    kind: ClassVar[str] = ""

    def __init__(self, url: str, database: str, cfg: ClickHouseSettings, threads: int) -> None:
        self.url = redact_url(url)
        self.database = database
        self.cfg = cfg
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"tfo-ch-{self.kind}")
        self._closed = False
        self._table_names: tuple[float, frozenset[str]] | None = None

    # -- public API ---------------------------------------------------------------------------

    async def query(
        self,
        sql: str,
        params: dict[str, Any] | None = None,
        *,
        max_rows: int | None = None,
        readonly: bool = True,
        timeout: float | None = None,
        settings: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> QueryResult:
        """Run one query and return its rows.

        ``readonly`` (default) makes the server refuse writes and setting changes and runs the guard;
        ``max_rows`` caps rows (and bytes, ``clickhouse.max_result_bytes``) with ``truncated`` set when cut;
        ``timeout`` is ``max_execution_time`` in seconds (config default); ``settings`` adds server settings.
        ``name`` names the statement in telemetry (else its text goes, scrubbed: never the parameters).
        """
        with telemetry.query("clickhouse", name, sql, self.database):
            rendered = sql_guard.render(sql, params)
            limits = self._limit_settings(readonly, max_rows, timeout, settings)
            max_bytes = self.cfg.max_result_bytes if max_rows is not None else None
            return await self._run(self._query_sync, rendered, limits, readonly, max_rows, max_bytes)

    async def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        """Run one trusted statement (migrations, analytics, demo seed): DDL or DML, no guard, no caps.

        Rows go in through :meth:`insert` or ``INSERT ... SELECT``; inline ``INSERT ... VALUES`` is refused on
        native servers (older ones wait for data blocks after it).
        """
        with telemetry.query("clickhouse", None, sql, self.database):
            await self._run(self._execute_sync, sql_guard.render(sql, params))

    async def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert rows (sequences in ``columns`` order) in batches; return how many were written."""
        quoted_table = sql_guard.quote_identifier(table)
        quoted_columns = [sql_guard.quote_identifier(name) for name in columns]
        with telemetry.query("clickhouse", f"INSERT {table}", None, self.database):
            return await self._run(self._insert_sync, table, quoted_table, list(columns), quoted_columns, rows)

    async def ping(self) -> float:
        """Round-trip a trivial query; return the latency in milliseconds."""
        started = time.perf_counter()
        await self._run(self._ping_sync)
        return round((time.perf_counter() - started) * 1000, 2)

    async def table_names(self) -> frozenset[str]:
        """The tables of the configured database, read at most every TABLE_NAMES_TTL seconds (``migrate``
        forgets them, so tables it creates are seen at once)."""
        now = time.monotonic()
        if self._table_names is None or now - self._table_names[0] > TABLE_NAMES_TTL:
            result = await self.query("SELECT name FROM system.tables WHERE database = currentDatabase()", timeout=5)
            self._table_names = (now, frozenset(str(row[0]) for row in result.rows))
        return self._table_names[1]

    def forget_table_names(self) -> None:
        """Read the table list again on the next :meth:`table_names` (after DDL)."""
        self._table_names = None

    async def close(self) -> None:
        """Close connections and stop the worker threads (waits for running calls)."""
        if self._closed:
            return
        self._closed = True
        await asyncio.to_thread(self._shutdown_sync)

    def _shutdown_sync(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._close_sync()

    # -- shared helpers -----------------------------------------------------------------------

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self._closed:
            raise StoreUnavailable(CLOSED)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn, *args)
        except RuntimeError as exc:
            if "shutdown" in str(exc):
                raise StoreUnavailable(CLOSED) from None
            raise

    def _limit_settings(
        self, readonly: bool, max_rows: int | None, timeout: float | None, extra: dict[str, Any] | None
    ) -> dict[str, Any]:
        seconds = timeout if timeout is not None else self.cfg.max_execution_time
        limits: dict[str, Any] = {"max_execution_time": max(1, math.ceil(seconds))}
        if readonly:
            limits["readonly"] = 1
            limits["max_memory_usage"] = self.cfg.max_memory_usage
        if max_rows is not None:
            if max_rows < 1:
                raise ValueError("max_rows must be at least 1")
            limits["max_result_rows"] = max_rows + 1
            limits["max_result_bytes"] = self.cfg.max_result_bytes * SERVER_BYTES_FACTOR
            limits["result_overflow_mode"] = "break"
        for name, value in (extra or {}).items():
            limits[name] = value
            setting_text(name, value)
        return limits

    def _unavailable(self, reason: str) -> StoreUnavailable:
        reason = scrub_secrets(reason)[:MESSAGE_LIMIT]
        return StoreUnavailable(f"ClickHouse ({self.kind}, {self.url}) is unavailable: {reason}; check {URL_SETTING}")

    # -- backend specifics --------------------------------------------------------------------

    def _query_sync(
        self, sql: str, limits: dict[str, Any], readonly: bool, max_rows: int | None, max_bytes: int | None
    ) -> QueryResult:
        raise NotImplementedError

    def _execute_sync(self, sql: str) -> None:
        raise NotImplementedError

    def _insert_sync(
        self, table: str, quoted_table: str, columns: list[str], quoted_columns: list[str], rows: Iterable[Any]
    ) -> int:
        raise NotImplementedError

    def _ping_sync(self) -> None:
        raise NotImplementedError

    def _close_sync(self) -> None:
        """Close the connections (the worker threads have stopped)."""
        raise NotImplementedError

    async def ensure_database(self) -> None:
        """Create the configured database if it does not exist (used by migrations)."""


def batches(rows: Iterable[Sequence[Any]], size: int) -> Iterable[list[Sequence[Any]]]:
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
