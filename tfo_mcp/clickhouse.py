"""ClickHouse: one small interface over two backends, the server's analytics migrations, and the ch_* tools.

Backends (chosen by ``TELEMETRYFLOW_MCP_CLICKHOUSE_URL``):
  * ``clickhouse://user:pass@host:9000/db`` / ``clickhouses://`` (TLS): a native server through
    clickhouse-driver, with a small client pool;
  * ``chdb:///path/to/dir``: the embedded engine chDB (``tfo-mcp[embedded]``), the default when nothing
    is configured (a store under the user's data dir).

Both speak the same API (:class:`Backend`): ``query``, ``execute``, ``insert``, ``ping``, ``close``.
Parameters use one style, ``%(name)s``, rendered with clickhouse-driver's escaping; when parameters are
given a literal ``%`` must be written ``%%``. Blocking calls run in the backend's own threads, never on the
event loop. Read-only queries carry ``readonly=1``, ``max_execution_time``, ``max_result_rows`` /
``max_result_bytes`` with ``result_overflow_mode='break'`` as server-side settings, and a guard
(:mod:`tfo_mcp.chsql`) refuses what the engine would not stop (several statements, ``INTO OUTFILE``,
``KILL``, file/network functions on the embedded engine).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import decimal
import enum
import hashlib
import importlib.util
import itertools
import json
import math
import operator
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from loguru import logger
from pydantic import BaseModel, Field

from tfo_mcp import chsql
from tfo_mcp.chsql import QueryError, QueryRefused, QueryTimeout
from tfo_mcp.config import get_settings, redact_url
from tfo_mcp.errors import StoreUnavailable
from tfo_mcp.health import ComponentHealth
from tfo_mcp.logs import scrub_secrets

if TYPE_CHECKING:
    from tfo_mcp.config import ClickHouseSettings

__all__ = [
    "Backend",
    "QueryError",
    "QueryRefused",
    "QueryResult",
    "QueryTimeout",
    "ensure_schema",
    "get_clickhouse",
    "migrate",
    "reset",
]

URL_SETTING = "TELEMETRYFLOW_MCP_CLICKHOUSE_URL"
SQL_DIR = Path(__file__).parent / "sql" / "clickhouse"
QUERIES_DIR = SQL_DIR / "queries"
RUNNER_DIR = SQL_DIR / "runner"
RESERVED_KINDS = frozenset({"queries", "runner", "demo"})  # folders that hold SQL but no migrations
#: What calls on a closed backend raise.
CLOSED = "the ClickHouse connection was closed (server shutting down)"
#: Seconds a backend's list of tables is trusted (summary tables are looked up there before use).
TABLE_NAMES_TTL = 300.0
CHDB_FORMAT = "JSONCompactEachRowWithNamesAndTypes"
#: ch_query's row cap bounds; the byte cap comes from config (clickhouse.max_result_bytes).
MAX_ROWS_LIMIT = 10_000
#: server-side result-bytes guard as a multiple of the client payload cap (see QueryResult.truncated).
SERVER_BYTES_FACTOR = 8
INSERT_BATCH_ROWS = 100_000
#: seconds the start-up migration waits, so a client's handshake is answered first.
STARTUP_DELAY = 0.5
MESSAGE_LIMIT = 500
NOT_CONFIGURED = (
    f"ClickHouse is not configured: set {URL_SETTING} (clickhouse://user:pass@host:9000/db, clickhouses://... "
    "or chdb:///path/to/dir), or install the embedded engine with `pip install 'tfo-mcp[embedded]'`"
)
_SETTING_VALUE = re.compile(r"^[A-Za-z0-9_.\-]*$")
_CODE = re.compile(r"Code:\s*(\d+)")

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


def _cap_rows(
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


def _clean_message(text: str) -> str:
    """A server message without stack trace, version noise or secrets, capped."""
    text = text.split("Stack trace", 1)[0]
    text = re.sub(r"DB::Exception:\s*", "", text)
    text = re.sub(r"\(version [^)]*\)\.?", "", text)
    text = re.sub(r"^\s*Code:\s*\d+\.?\s*", "", text)
    text = re.sub(r"\s+", " ", text).strip(" .:")
    text = scrub_secrets(text)
    return text[:MESSAGE_LIMIT] + ("..." if len(text) > MESSAGE_LIMIT else "")


def _query_error(code: int | None, message: str, *, timeout: float | None = None) -> QueryError:
    """Map a ClickHouse error code and message to the error a caller sees."""
    text = _clean_message(message)
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


def _setting_text(name: str, value: Any) -> str:
    if not chsql.IDENTIFIER.match(name):
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
    ) -> QueryResult:
        """Run one query and return its rows.

        ``readonly`` (default) makes the server refuse writes and setting changes and runs the guard;
        ``max_rows`` caps rows (and bytes, ``clickhouse.max_result_bytes``) with ``truncated`` set when cut;
        ``timeout`` is ``max_execution_time`` in seconds (config default); ``settings`` adds server settings.
        """
        rendered = chsql.render(sql, params)
        limits = self._limit_settings(readonly, max_rows, timeout, settings)
        max_bytes = self.cfg.max_result_bytes if max_rows is not None else None
        return await self._run(self._query_sync, rendered, limits, readonly, max_rows, max_bytes)

    async def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        """Run one trusted statement (migrations, analytics, demo seed): DDL or DML, no guard, no caps.

        Rows go in through :meth:`insert` or ``INSERT ... SELECT``; inline ``INSERT ... VALUES`` is refused on
        native servers (older ones wait for data blocks after it).
        """
        await self._run(self._execute_sync, chsql.render(sql, params))

    async def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert rows (sequences in ``columns`` order) in batches; return how many were written."""
        quoted_table = chsql.quote_identifier(table)
        quoted_columns = [chsql.quote_identifier(name) for name in columns]
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
            _setting_text(name, value)
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


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterable[list[Sequence[Any]]]:
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --------------------------------------------------------------------------- native backend


def _inline_insert(sql: str) -> bool:
    """``INSERT ... VALUES (...)`` text (older servers wait for client data blocks after it and hang)."""
    tokens = chsql.tokenize(sql)
    if chsql.leading_keyword(tokens) != "INSERT":
        return False
    return any(
        token.kind == "word" and token.text.upper() == "VALUES" and nxt.kind == "punct" and nxt.text == "("
        for token, nxt in itertools.pairwise(tokens)
    )


@dataclass
class NativeTarget:
    """Where a native server is, parsed from the URL."""

    host: str
    port: int
    user: str
    password: str
    database: str
    secure: bool
    verify: bool = True
    ca_certs: str | None = None


def parse_native_url(url: str) -> NativeTarget:
    """``clickhouse[s]://user:pass@host:port/db?verify=false&ca_certs=/path``."""
    parts = urlsplit(url)
    secure = parts.scheme == "clickhouses"
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    try:
        port = parts.port or (9440 if secure else 9000)
    except ValueError:
        raise StoreUnavailable(f"{URL_SETTING}: invalid port in {redact_url(url)}") from None
    return NativeTarget(
        host=parts.hostname or "localhost",
        port=port,
        user=unquote(parts.username or "default"),
        password=unquote(parts.password or ""),
        database=unquote(parts.path.lstrip("/")) or "default",
        secure=secure,
        verify=query.get("verify", "true").lower() not in ("false", "0", "no"),
        ca_certs=query.get("ca_certs"),
    )


class NativeBackend(Backend):
    """A native ClickHouse server through clickhouse-driver, with a pool of ``pool_size`` clients."""

    kind = "native"

    def __init__(self, url: str, cfg: ClickHouseSettings) -> None:
        self.target = parse_native_url(url)
        super().__init__(url, self.target.database, cfg, threads=cfg.pool_size)
        import queue

        self._pool: queue.LifoQueue[Any] = queue.LifoQueue()
        self._clients: list[Any] = []
        self._lock = threading.Lock()
        self._profile_readonly: int | None = None
        #: socket timeout: long enough for a query that runs to its max_execution_time.
        self._socket_timeout = max(cfg.max_execution_time * 2, 60.0)

    def _new_client(self, database: str | None = None) -> Any:
        from clickhouse_driver import Client

        target = self.target
        return Client(
            host=target.host,
            port=target.port,
            user=target.user,
            password=target.password,
            database=database or target.database,
            secure=target.secure,
            verify=target.verify,
            ca_certs=target.ca_certs,
            connect_timeout=self.cfg.connect_timeout,
            send_receive_timeout=self._socket_timeout,
            sync_request_timeout=self.cfg.connect_timeout,
            client_name="tfo-mcp",
        )

    @contextlib.contextmanager
    def _client(self) -> Any:
        with self._lock:
            if self._pool.empty() and len(self._clients) < self.cfg.pool_size:
                client = self._new_client()
                self._clients.append(client)
                self._pool.put(client)
        client = self._pool.get()
        try:
            yield client
        finally:
            self._pool.put(client)

    def _call(self, fn: Callable[[Any], Any], *, retry: bool, timeout: float | None = None) -> Any:
        """Run ``fn(client)``; map errors; retry once on a broken connection when ``retry``."""
        from clickhouse_driver import errors

        network_errors = (errors.NetworkError, errors.SocketTimeoutError, EOFError, OSError)
        for attempt in (1, 2):
            with self._client() as client:
                try:
                    return fn(client)
                except errors.ServerException as exc:
                    if exc.code in AUTH_CODES:
                        raise self._unavailable("the server rejected the user or password") from None
                    if exc.code == UNKNOWN_DATABASE and "database" in str(exc.message).lower():
                        client.disconnect()
                    raise _query_error(exc.code, str(exc.message), timeout=timeout) from None
                except network_errors as exc:
                    client.disconnect()
                    if attempt == 1 and retry:
                        continue
                    reason = _clean_message(str(exc)) or type(exc).__name__
                    raise self._unavailable(f"cannot reach {self.target.host}:{self.target.port} ({reason})") from None
                except errors.Error as exc:
                    client.disconnect()
                    raise QueryError(f"ClickHouse client error: {_clean_message(str(exc))}") from None
        raise AssertionError("unreachable")

    def _read_only_mode(self) -> int:
        """The ``readonly`` level of the server user's own profile (0, 1 or 2), read once."""
        if self._profile_readonly is None:
            sql = chsql.render("SELECT value FROM system.settings WHERE name = %(name)s", {"name": "readonly"})
            rows = self._call(lambda client: client.execute(sql), retry=True)
            self._profile_readonly = int(rows[0][0]) if rows else 0
        return self._profile_readonly

    def _query_sync(
        self, sql: str, limits: dict[str, Any], readonly: bool, max_rows: int | None, max_bytes: int | None
    ) -> QueryResult:
        limits = dict(limits)
        if readonly:
            profile = self._read_only_mode()
            if profile == 1:
                raise QueryRefused(
                    f"the ClickHouse user in {URL_SETTING} has readonly=1 in its profile, so per-query limits "
                    "(max_execution_time, max_result_rows) cannot be applied; give it a profile with readonly=2 "
                    "or 0 (read-only is then enforced per query)"
                )
            if profile == 2:
                limits.pop("readonly")  # already read-only; the server refuses changing it
            chsql.check_read_query(sql, allow_settings_clause=profile != 2)
        timeout = float(limits["max_execution_time"])
        started = time.perf_counter()
        rows, column_types = self._call(
            lambda client: client.execute(sql, settings=limits, with_column_types=True),
            retry=readonly,
            timeout=timeout,
        )
        elapsed = (time.perf_counter() - started) * 1000

        def sized() -> Iterable[tuple[tuple[Any, ...], int]]:
            for row in rows:
                safe = tuple(json_safe(value) for value in row)
                yield safe, (len(json.dumps(safe, ensure_ascii=False, default=str)) if max_bytes else 0)

        kept, truncated = _cap_rows(sized(), max_rows, max_bytes)
        return QueryResult(
            columns=[name for name, _ in column_types],
            types=[type_name for _, type_name in column_types],
            rows=kept,
            truncated=truncated,
            elapsed_ms=round(elapsed, 3),
        )

    def _execute_sync(self, sql: str) -> None:
        if _inline_insert(sql):
            raise ValueError("an INSERT with inline VALUES is not portable over the native protocol: use insert()")
        self._call(lambda client: client.execute(sql), retry=False)

    def _insert_sync(
        self, table: str, quoted_table: str, columns: list[str], quoted_columns: list[str], rows: Iterable[Any]
    ) -> int:
        statement = f"INSERT INTO {quoted_table} ({', '.join(quoted_columns)}) VALUES"
        written = 0
        for batch in _batches(rows, INSERT_BATCH_ROWS):
            count = self._call(
                lambda client, batch=batch: client.execute(statement, batch, types_check=False), retry=False
            )
            written += count if isinstance(count, int) else len(batch)
        return written

    def _ping_sync(self) -> None:
        self._call(lambda client: client.execute("SELECT 1"), retry=True)

    def _close_sync(self) -> None:
        for client in self._clients:
            with contextlib.suppress(Exception):
                client.disconnect()

    async def ensure_database(self) -> None:
        def create() -> None:
            client = self._new_client(database="default")
            try:
                client.execute(f"CREATE DATABASE IF NOT EXISTS {chsql.quote_identifier(self.database)}")
            finally:
                client.disconnect()

        if self.database == "default":
            return
        try:
            await self._run(self._ping_sync)
        except QueryError as exc:
            if getattr(exc, "code", None) != UNKNOWN_DATABASE:
                raise
            await self._run(create)


# --------------------------------------------------------------------------- chDB backend


def _strip_type(type_name: str) -> str:
    for wrapper in ("Nullable(", "LowCardinality("):
        while type_name.startswith(wrapper):
            type_name = type_name[len(wrapper) : -1]
    return type_name


_TSV_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0"})
_LITERAL_ESCAPE = str.maketrans({"\\": "\\\\", "'": "\\'", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0"})


def _epoch(value: Any) -> float:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.timestamp()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp()
    return float(value)


def _literal(value: Any) -> str:
    """A ClickHouse literal for values inside Array/Map/Tuple text."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, decimal.Decimal)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_literal(k)}:{_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_literal(item) for item in value) + "]"
    if isinstance(value, tuple):
        return "(" + ",".join(_literal(item) for item in value) + ")"
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
        return f"'{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'"
    text = str(value.value if isinstance(value, enum.Enum) else value)
    return "'" + text.translate(_LITERAL_ESCAPE) + "'"


def _subsecond_digits(base: str) -> int:
    """Digits after the decimal point to write for a ``DateTime64(p, ...)`` column (p, at most microseconds)."""
    match = re.match(r"DateTime64\((\d+)", base)
    return min(int(match.group(1)) if match else 3, 6)


def _tsv_formatter(type_name: str) -> Callable[[Any], str]:
    """A function turning one Python value into TSV text for a column of ``type_name``."""
    base = _strip_type(type_name)
    fmt: Callable[[Any], str]
    if base.startswith("DateTime64"):
        precision = _subsecond_digits(base)

        def fmt(value: Any) -> str:
            if isinstance(value, str):
                return value.translate(_TSV_ESCAPE)
            return f"{_epoch(value):.{precision}f}"

    elif base.startswith("DateTime"):

        def fmt(value: Any) -> str:
            if isinstance(value, str):
                return value.translate(_TSV_ESCAPE)
            return str(int(_epoch(value)))

    elif base in ("Date", "Date32"):

        def fmt(value: Any) -> str:
            if isinstance(value, dt.datetime):
                return value.date().isoformat()
            return value.isoformat() if isinstance(value, dt.date) else str(value).translate(_TSV_ESCAPE)

    elif base.startswith(("Array", "Map", "Tuple", "Nested")):
        fmt = _literal
    elif base == "Bool":

        def fmt(value: Any) -> str:
            return "true" if value else "false"

    elif base.startswith(("Int", "UInt", "Float", "Decimal")):

        def fmt(value: Any) -> str:
            if isinstance(value, bool):
                return "1" if value else "0"
            return repr(value) if isinstance(value, float) else str(value)

    else:

        def fmt(value: Any) -> str:
            if isinstance(value, enum.Enum):
                value = value.value
            return str(value).translate(_TSV_ESCAPE)

    def with_null(value: Any) -> str:
        return "\\N" if value is None else fmt(value)

    return with_null


_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r\0]")


def _tsv_column(type_name: str, values: Sequence[Any], fmt: Callable[[Any], str]) -> Sequence[str]:
    """TSV text of one column: C-speed paths for plain ints, floats, clean strings and aware datetimes,
    else ``fmt`` value by value."""
    base = _strip_type(type_name)
    kinds = set(map(type, values))
    if base.startswith(("Int", "UInt", "Float", "Decimal")):
        if kinds <= {int}:
            return list(map(str, values))
        if kinds <= {float}:
            return list(map(repr, values))
    elif base.startswith(("String", "FixedString", "Enum", "UUID", "IPv")) and kinds <= {str}:
        return (
            values if not _NEEDS_ESCAPE.search("".join(values)) else [value.translate(_TSV_ESCAPE) for value in values]
        )
    elif base.startswith("DateTime") and kinds <= {dt.datetime} and all(value.tzinfo for value in values):
        if base.startswith("DateTime64"):
            spec = f".{_subsecond_digits(base)}f"
            return [format(value.timestamp(), spec) for value in values]
        return [str(int(value.timestamp())) for value in values]
    return list(map(fmt, values))


class ChdbBackend(Backend):
    """The embedded engine: one data path per process, one connection per worker thread.

    Guarded (read-only) queries each open a fresh connection whose start-up settings carry
    ``readonly=1`` and the limits: ``readonly=1`` is sticky on a connection, so a caller can change neither
    it nor the limits, and no state leaks between queries (a connection costs about 0.3 ms).
    """

    kind = "chdb"

    def __init__(self, url: str, path: str, database: str, cfg: ClickHouseSettings) -> None:
        super().__init__(url, database, cfg, threads=cfg.pool_size)
        if any(ch in path for ch in "?&#"):
            raise StoreUnavailable(f"{URL_SETTING}: the chDB data path may not contain '?', '&' or '#'")
        self.path = path
        self._local = threading.local()
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._anchor: Any = None
        self._denied: frozenset[str] = chsql.DENIED_FUNCTIONS
        self._column_types: dict[str, list[tuple[str, str]]] = {}

    # -- connections ----------------------------------------------------------------------------

    def _open(self) -> None:
        """Start the engine on first use (in a worker thread): import chdb, create the database."""
        with self._lock:
            if self._anchor is not None:
                return
            if self._closed:
                raise StoreUnavailable(CLOSED)
            try:
                import chdb
            except ImportError:
                raise StoreUnavailable(NOT_CONFIGURED) from None
            if self.path != ":memory:":
                Path(self.path).mkdir(parents=True, exist_ok=True)
            try:
                anchor = chdb.connect(self.path)
            except Exception as exc:
                text = str(exc)
                if "already running" in text or "Cannot lock file" in text or _locked_elsewhere(self.path):
                    raise self._unavailable(
                        f"the embedded store {self.path} is in use by another process; give this server its own "
                        "chdb:///path or use a clickhouse:// server"
                    ) from None
                if "different" in text.lower() and "path" in text.lower():
                    raise self._unavailable("this process already has another chDB data path open") from None
                raise self._unavailable(_clean_message(text)) from None
            try:
                if self.database != "default":
                    anchor.query(f"CREATE DATABASE IF NOT EXISTS {chsql.quote_identifier(self.database)}")
                names = anchor.query("SELECT name FROM system.table_functions", "TabSeparated").bytes()
            except Exception as exc:
                anchor.close()
                raise self._unavailable(_clean_message(str(exc))) from None
            table_functions = {line.strip().lower() for line in names.decode().splitlines() if line.strip()}
            self._denied = chsql.DENIED_FUNCTIONS | frozenset(table_functions - chsql.SAFE_TABLE_FUNCTIONS)
            self._anchor = anchor

    def _connection_string(self, settings: dict[str, Any]) -> str:
        options = {"session_timezone": "UTC", **settings}
        if self.database != "default":
            options = {"database": self.database, **options}
        return self.path + "?" + "&".join(f"{name}={_setting_text(name, value)}" for name, value in options.items())

    def _connect(self, settings: dict[str, Any]) -> Any:
        import chdb

        try:
            return chdb.connect(self._connection_string(settings))
        except Exception as exc:
            raise self._unavailable(_clean_message(str(exc))) from None

    def _thread_connection(self) -> Any:
        self._open()
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect({})
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @staticmethod
    def _error(exc: Exception, timeout: float | None = None) -> QueryError:
        text = str(exc)
        match = _CODE.search(text)
        return _query_error(int(match.group(1)) if match else None, text, timeout=timeout)

    # -- operations -----------------------------------------------------------------------------

    def _query_sync(
        self, sql: str, limits: dict[str, Any], readonly: bool, max_rows: int | None, max_bytes: int | None
    ) -> QueryResult:
        self._open()
        if readonly:
            chsql.check_read_query(sql, denied_functions=self._denied)
        if max_rows is not None:
            # `limit` stops the engine at max_rows + 1 rows exactly (the overflow break stops only after a
            # whole block); it never widens a LIMIT the query has.
            limits = {**limits, "limit": max_rows + 1}
        conn = self._connect(limits)
        started = time.perf_counter()
        try:
            data = conn.query(sql, CHDB_FORMAT).bytes()
        except Exception as exc:
            raise self._error(exc, float(limits["max_execution_time"])) from None
        finally:
            conn.close()
        elapsed = (time.perf_counter() - started) * 1000
        return self._parse(data, max_rows, max_bytes, elapsed)

    @staticmethod
    def _parse(data: bytes, max_rows: int | None, max_bytes: int | None, elapsed: float) -> QueryResult:
        if not data.strip():
            return QueryResult([], [], [], False, round(elapsed, 3))
        lines = _iter_lines(data)
        try:
            columns = json.loads(next(lines))
            types = json.loads(next(lines))
            if not (isinstance(columns, list) and isinstance(types, list)):
                raise ValueError("header")
            rows_sized = ((tuple(json.loads(line)), len(line)) for line in lines if line)
            kept, truncated = _cap_rows(rows_sized, max_rows, max_bytes)
        except (ValueError, StopIteration):
            raise QueryError("the result could not be read (a FORMAT clause in the query?)") from None
        return QueryResult([str(c) for c in columns], [str(t) for t in types], kept, truncated, round(elapsed, 3))

    def _execute_sync(self, sql: str) -> None:
        conn = self._thread_connection()
        try:
            conn.query(sql)
        except Exception as exc:
            raise self._error(exc) from None
        self._column_types.clear()

    def _table_columns(self, table: str) -> dict[str, str]:
        if table not in self._column_types:
            database, _, name = table.rpartition(".")
            sql = chsql.render(
                "SELECT name, type FROM system.columns WHERE database = %(db)s AND table = %(table)s",
                {"db": database or self.database, "table": name},
            )
            text = self._thread_connection().query(sql, "TabSeparated").bytes().decode()
            pairs = [tuple(line.split("\t", 1)) for line in text.splitlines() if line]
            if not pairs:
                raise QueryError(f"ClickHouse error {UNKNOWN_TABLE}: table {table} does not exist")
            self._column_types[table] = pairs  # type: ignore[assignment]
        return dict(self._column_types[table])

    def _insert_sync(
        self, table: str, quoted_table: str, columns: list[str], quoted_columns: list[str], rows: Iterable[Any]
    ) -> int:
        types = self._table_columns(table)
        missing = [name for name in columns if name not in types]
        if missing:
            raise QueryError(f"table {table} has no column(s) {', '.join(missing)}")
        formatters = [_tsv_formatter(types[name]) for name in columns]
        conn = self._thread_connection()
        written = 0
        try:
            with conn.send_insert(f"INSERT INTO {quoted_table} ({', '.join(quoted_columns)})", "TabSeparated") as ins:
                for batch in _batches(rows, INSERT_BATCH_ROWS):
                    if any(len(row) != len(columns) for row in batch):
                        raise ValueError(f"every row needs {len(columns)} values")
                    text_columns = [
                        _tsv_column(types[name], list(map(operator.itemgetter(index), batch)), fmt)
                        for index, (name, fmt) in enumerate(zip(columns, formatters, strict=True))
                    ]
                    ins.append("\n".join(map("\t".join, zip(*text_columns, strict=True))) + "\n")
                    written += len(batch)
                if written:
                    ins.finish()
                else:
                    ins.cancel()
        except QueryError:
            raise
        except (ValueError, TypeError) as exc:
            raise QueryError(f"rows do not match the columns of {table}: {exc}") from None
        except Exception as exc:
            raise self._error(exc) from None
        return written

    def _ping_sync(self) -> None:
        try:
            self._thread_connection().query("SELECT 1")
        except StoreUnavailable:
            raise
        except Exception as exc:
            raise self._error(exc) from None

    def _close_sync(self) -> None:
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(Exception):
                    conn.close()
            self._connections.clear()
            if self._anchor is not None:
                with contextlib.suppress(Exception):
                    self._anchor.close()
                self._anchor = None


def _locked_elsewhere(path: str) -> bool:
    """Whether another process holds the store's status-file lock (ClickHouse takes an flock on it)."""
    status = Path(path) / "status"
    try:
        import fcntl
    except ImportError:  # not on POSIX
        return False
    try:
        with open(status, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
    except OSError:
        return False
    return False


def _iter_lines(data: bytes) -> Iterable[bytes]:
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        if end < 0:
            end = len(data)
        yield data[start:end]
        start = end + 1


# --------------------------------------------------------------------------- process-wide store


@dataclass
class _State:
    backend: Backend | None = None
    key: tuple[Any, ...] | None = None
    startup_task: asyncio.Task[None] | None = None
    schema_key: tuple[Any, ...] | None = None
    schema_error: str | None = None
    migrate_lock: asyncio.Lock | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_state = _State()


def default_chdb_path() -> Path:
    """The embedded store's default directory (XDG user data dir)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("tfo-mcp")) / "clickhouse"


def chdb_available() -> bool:
    """Whether the embedded engine is installed (checked without importing it)."""
    return importlib.util.find_spec("chdb") is not None


def _configured_url(cfg: ClickHouseSettings) -> tuple[str, bool]:
    """The URL to use and whether it is the embedded default."""
    if cfg.url is not None and cfg.url.get_secret_value().strip():
        return cfg.url.get_secret_value().strip(), False
    if not chdb_available():
        raise StoreUnavailable(NOT_CONFIGURED)
    return f"chdb://{default_chdb_path()}", True


def _create_backend(url: str, cfg: ClickHouseSettings) -> Backend:
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("clickhouse", "clickhouses"):
        return NativeBackend(url, cfg)
    if scheme == "chdb":
        parts = urlsplit(url)
        path = unquote((parts.netloc or "") + parts.path)
        if not path:
            path = str(default_chdb_path())
        if path != ":memory:" and not path.startswith("/"):
            path = str(Path(path).absolute())
        database = (parse_qs(parts.query).get("database") or ["default"])[-1]
        if not chsql.IDENTIFIER.match(database):
            raise StoreUnavailable(f"{URL_SETTING}: invalid database name in the chdb URL")
        if not chdb_available():
            raise StoreUnavailable(
                f"{URL_SETTING} asks for chDB but the embedded engine is not installed: "
                "`pip install 'tfo-mcp[embedded]'`"
            )
        return ChdbBackend(url, path, database, cfg)
    raise StoreUnavailable(
        f"{URL_SETTING}: unsupported scheme {scheme!r} in {redact_url(url)} "
        "(use clickhouse://, clickhouses:// or chdb:///path)"
    )


def get_clickhouse() -> Backend:
    """The configured ClickHouse backend (created lazily, cached per settings).

    Raises :class:`~tfo_mcp.errors.StoreUnavailable` naming the setting when nothing usable is configured.
    """
    cfg = get_settings().clickhouse
    url, _ = _configured_url(cfg)
    key = (url, cfg.pool_size, cfg.connect_timeout, cfg.max_execution_time, cfg.max_result_bytes)
    with _state.lock:
        if _state.backend is not None and _state.key == key and not _state.backend._closed:
            return _state.backend
        old, _state.backend = _state.backend, None
        if old is not None and not old._closed:
            old._closed = True
            old._close_sync()
        _state.backend = _create_backend(url, cfg)
        _state.key = key
        return _state.backend


def is_embedded() -> bool:
    """True when the store in use (or the default) is the embedded chDB engine."""
    cfg = get_settings().clickhouse
    try:
        url, _ = _configured_url(cfg)
    except StoreUnavailable:
        return False
    return url.lower().startswith("chdb:")


async def reset() -> None:
    """Close the backend and forget it (tests, shutdown); the next call creates it again."""
    task, _state.startup_task = _state.startup_task, None
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    with _state.lock:
        backend, _state.backend, _state.key = _state.backend, None, None
    _state.schema_error = _state.schema_key = None
    if backend is not None:
        await backend.close()


# --------------------------------------------------------------------------- migrations


def split_statements(text: str) -> list[str]:
    """Statements of a migration file: split on ``;`` at the end of a line, comment-only parts dropped."""
    statements = []
    for part in re.split(r";[ \t]*$", text, flags=re.MULTILINE):
        code = "\n".join(line for line in part.splitlines() if not line.strip().startswith("--")).strip()
        if code:
            statements.append(part.strip())
    return statements


@cache
def _sql_file(folder: Path, name: str) -> str:
    """The text of ``<folder>/<name>.sql`` (packaged SQL: migration runner statements, ch_* tool queries)."""
    return (folder / f"{name}.sql").read_text(encoding="utf-8")


async def migrate(kind: str = "server", *, directory: Path | None = None) -> list[str]:
    """Apply the versioned SQL files of ``kind`` (``tfo_mcp/sql/clickhouse/<kind>/NNN_name.sql``) once each.

    Versions are recorded per kind in ``schema_migrations``; already-applied files are skipped, so it is
    safe to run at every start. Returns the names applied now.
    """
    folder = directory or SQL_DIR / kind
    if not re.fullmatch(r"[a-z][a-z0-9_]*", kind) or kind in RESERVED_KINDS or not folder.is_dir():
        raise ValueError(f"unknown ClickHouse migration kind {kind!r}")
    if _state.migrate_lock is None:
        _state.migrate_lock = asyncio.Lock()
    backend = get_clickhouse()
    async with _state.migrate_lock:
        await backend.ensure_database()
        for statement in split_statements(_sql_file(RUNNER_DIR, "create")):
            await backend.execute(statement)
        result = await backend.query(_sql_file(RUNNER_DIR, "applied"), {"kind": kind}, readonly=False)
        applied = {int(version): checksum for version, checksum in result.rows}
        done: list[str] = []
        for path in sorted(folder.glob("[0-9][0-9][0-9]_*.sql")):
            version = int(path.name[:3])
            text = path.read_text(encoding="utf-8")
            checksum = hashlib.sha256(text.encode()).hexdigest()
            if version in applied:
                if applied[version] != checksum:
                    logger.warning("ClickHouse migration {}/{} changed after it was applied", kind, path.name)
                continue
            for statement in split_statements(text):
                await backend.execute(statement)
            await backend.execute(
                _sql_file(RUNNER_DIR, "record"),
                {"kind": kind, "version": version, "name": path.stem, "checksum": checksum},
            )
            done.append(path.stem)
            logger.info("ClickHouse migration {}/{} applied", kind, path.name)
        backend.forget_table_names()
        return done


def auto_migrate_enabled() -> bool:
    """``clickhouse.auto_migrate``, defaulting to on for the embedded store and off for native servers."""
    cfg = get_settings().clickhouse
    return cfg.auto_migrate if cfg.auto_migrate is not None else is_embedded()


async def ensure_schema() -> bool:
    """Apply the server's analytics migrations once per backend when auto_migrate is on.

    Returns True when the schema is (or is assumed to be, auto_migrate off) in place; never raises.
    """
    if not auto_migrate_enabled():
        return True
    try:
        key = (id(get_clickhouse()), _state.key)
        if _state.schema_key == key:
            return True
        applied = await migrate("server")
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        error = scrub_secrets(str(exc))[:MESSAGE_LIMIT]
        if error != _state.schema_error:  # say it once, not at every flush
            logger.warning("ClickHouse migrations not applied: {}", error)
        _state.schema_error = error
        return False
    _state.schema_key, _state.schema_error = key, None
    if applied:
        logger.info("ClickHouse analytics schema ready ({} migrations applied)", len(applied))
    return True


async def _auto_migrate() -> None:
    await asyncio.sleep(STARTUP_DELAY)  # let the client's handshake go first (importing chDB holds the GIL)
    await ensure_schema()


async def start() -> None:
    """Apply the analytics schema in the background when auto_migrate is on (never delays initialize)."""
    _state.migrate_lock = asyncio.Lock()
    try:
        # The embedded store is opened on first use (a ch_* call or the first analytics flush): loading chDB
        # costs about a second of CPU and would otherwise compete with the client's handshake.
        if auto_migrate_enabled() and not is_embedded():
            get_clickhouse()
            _state.startup_task = asyncio.create_task(_auto_migrate(), name="tfo-clickhouse-migrate")
    except StoreUnavailable as exc:
        logger.info("ClickHouse unavailable: {}", exc)


async def stop() -> None:
    """Close the pools (the analytics recorder has flushed before: it stops first)."""
    await reset()


async def clickhouse_health() -> ComponentHealth:
    """Configured and reachable, measured now with a ping."""
    try:
        backend = get_clickhouse()
    except StoreUnavailable as exc:
        return ComponentHealth(name="clickhouse", configured=False, detail=str(exc))
    detail = f"{backend.kind} {backend.url}"
    if _state.schema_error:
        detail += f"; migrations failed: {_state.schema_error}"
    try:
        latency = await backend.ping()
    except Exception as exc:
        return ComponentHealth(name="clickhouse", configured=True, reachable=False, detail=f"{detail}: {exc}")
    return ComponentHealth(name="clickhouse", configured=True, reachable=True, latency_ms=latency, detail=detail)


# --------------------------------------------------------------------------- tools


class QueryOutput(BaseModel):
    columns: list[str] = Field(description="Column names, in order")
    types: list[str] = Field(description="ClickHouse type of each column")
    rows: list[list[Any]] = Field(description="Rows as JSON values (DateTime as text, Decimal as number)")
    row_count: int = Field(description="Number of rows returned")
    truncated: bool = Field(description="True when rows were cut at max_rows or at the result byte cap")
    elapsed_ms: float = Field(description="Time the query took, in milliseconds")
    backend: str = Field(description="'chdb' (embedded) or 'native' (a ClickHouse server)")


async def ch_query(
    query: str = Field(
        description="One read-only ClickHouse statement (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS)",
        min_length=1,
        max_length=100_000,
    ),
    max_rows: int = Field(100, ge=1, le=MAX_ROWS_LIMIT, description="Most rows to return; more sets truncated"),
) -> QueryOutput:
    """Run one read-only SQL query on the server's ClickHouse store and return the rows.

    The server refuses writes and setting changes, stops queries at max_execution_time and caps rows
    and bytes (truncated=true says so). Functions that read files or reach the network are refused.
    """
    backend = get_clickhouse()
    result = await backend.query(query, max_rows=max_rows, readonly=True)
    return QueryOutput(
        columns=result.columns,
        types=result.types,
        rows=[list(row) for row in result.rows],
        row_count=len(result.rows),
        truncated=result.truncated,
        elapsed_ms=result.elapsed_ms,
        backend=backend.kind,
    )


#: windows up to this many hours read the hourly rollups, longer ones the daily rollups.
HOURLY_MAX_HOURS = 24 * 31


async def _analytics(name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Run a packaged analytics query with bound parameters; rows as dicts."""
    await ensure_schema()
    try:
        result = await get_clickhouse().query(_sql_file(QUERIES_DIR, name), params, readonly=True)
    except QueryError as exc:
        if getattr(exc, "code", None) in (UNKNOWN_TABLE, UNKNOWN_DATABASE):
            raise QueryError(
                "the analytics tables do not exist yet: run `tfo-mcp db migrate` (or set clickhouse.auto_migrate: true)"
            ) from None
        raise
    return result.as_dicts()


def _rollup(hours: int) -> str:
    return "hourly" if hours <= HOURLY_MAX_HOURS else "daily"


def _quantile(values: Any, index: int) -> float | None:
    if isinstance(values, list) and len(values) > index and values[index] is not None:
        return round(float(values[index]), 3)
    return None


class ToolStats(BaseModel):
    tool_name: str
    calls: int
    errors: int
    error_rate: float = Field(description="errors / calls")
    avg_duration_ms: float
    p50_duration_ms: float | None
    p95_duration_ms: float | None
    p99_duration_ms: float | None
    max_duration_ms: float
    input_bytes: int = Field(description="Total size of the arguments")
    output_bytes: int = Field(description="Total size of the results")
    last_call: str | None = Field(description="UTC time of the latest call")


class ToolAnalytics(BaseModel):
    hours: int
    source: str = Field(description="Rollup table that answered")
    tools: list[ToolStats]


async def ch_tool_analytics(
    tool_name: str | None = Field(None, max_length=200, description="Only this tool (exact name); all when empty"),
    hours: int = Field(24, ge=1, le=8760, description="Look back this many hours"),
    limit: int = Field(50, ge=1, le=1000, description="Most tools to list (busiest first)"),
) -> ToolAnalytics:
    """Tool usage of this server (and any sharing its store): calls, errors, latency percentiles, sizes."""
    rollup = _rollup(hours)
    rows = await _analytics(f"tool_analytics_{rollup}", {"tool_name": tool_name or "", "hours": hours, "limit": limit})
    tools = [
        ToolStats(
            tool_name=row["tool_name"],
            calls=row["call_count"],
            errors=row["error_count"],
            error_rate=round(row["error_count"] / row["call_count"], 4) if row["call_count"] else 0.0,
            avg_duration_ms=row["avg_duration_ms"] or 0.0,
            p50_duration_ms=_quantile(row["duration_q"], 0),
            p95_duration_ms=_quantile(row["duration_q"], 1),
            p99_duration_ms=_quantile(row["duration_q"], 2),
            max_duration_ms=round(row["duration_max"] or 0.0, 3),
            input_bytes=row["input_total"],
            output_bytes=row["output_total"],
            last_call=row["latest_call"],
        )
        for row in rows
    ]
    return ToolAnalytics(hours=hours, source=f"tool_calls_{rollup}", tools=tools)


class SessionRow(BaseModel):
    session_id: str
    server_id: str
    state: str
    client_name: str
    client_version: str
    protocol_version: str
    started_at: str
    initialized_at: str | None
    closed_at: str | None
    duration_seconds: float
    tool_calls: int
    api_calls: int
    input_tokens: int
    output_tokens: int
    errors: int


class ClientSummary(BaseModel):
    client_name: str
    sessions: int
    open_sessions: int
    avg_duration_seconds: float
    tool_calls: int
    errors: int


class SessionAnalytics(BaseModel):
    hours: int
    total_sessions: int
    by_client: list[ClientSummary] = Field(description="Sessions per client name")
    sessions: list[SessionRow] = Field(description="Latest sessions first")


async def ch_session_analytics(
    hours: int = Field(168, ge=1, le=8760, description="Look back this many hours"),
    limit: int = Field(50, ge=1, le=1000, description="Most sessions to list (newest first)"),
) -> SessionAnalytics:
    """Client sessions of this server: who connected, how long, how many tool calls, tokens and errors."""
    params = {"hours": hours, "limit": limit}
    by_client = await _analytics("session_summary", params)
    sessions = await _analytics("session_list", params)
    summaries = [
        ClientSummary(
            client_name=row["client_name"],
            sessions=row["session_count"],
            open_sessions=row["open_sessions"],
            avg_duration_seconds=row["avg_duration_seconds"] or 0.0,
            tool_calls=row["tool_call_count"],
            errors=row["error_count"],
        )
        for row in by_client
    ]
    return SessionAnalytics(
        hours=hours,
        total_sessions=sum(item.sessions for item in summaries),
        by_client=summaries,
        sessions=[SessionRow(**row) for row in sessions],
    )


class ErrorGroup(BaseModel):
    source: str = Field(description="tool, resource, prompt, llm or server")
    error_type: str
    error_code: int
    count: int
    sessions: int = Field(description="Distinct sessions that saw it")
    last_seen: str | None
    last_message: str


class ErrorAnalytics(BaseModel):
    hours: int
    source: str = Field(description="Rollup table that answered")
    total_errors: int
    errors: list[ErrorGroup]


async def ch_error_analytics(
    hours: int = Field(72, ge=1, le=8760, description="Look back this many hours"),
    limit: int = Field(50, ge=1, le=1000, description="Most error groups to list (most frequent first)"),
) -> ErrorAnalytics:
    """Errors seen by this server grouped by source, type and code, with the latest message of each."""
    rollup = _rollup(hours)
    rows = await _analytics(f"error_analytics_{rollup}", {"hours": hours, "limit": limit})
    groups = [
        ErrorGroup(
            source=row["source"],
            error_type=row["error_type"],
            error_code=row["error_code"],
            count=row["error_count"],
            sessions=row["session_count"],
            last_seen=row["latest_seen"],
            last_message=row["latest_message"] or "",
        )
        for row in rows
    ]
    return ErrorAnalytics(
        hours=hours, source=f"error_analytics_{rollup}", total_errors=sum(g.count for g in groups), errors=groups
    )


class ModelUsage(BaseModel):
    provider: str
    model: str
    requests: int
    errors: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_usd: float | None = Field(description="Summed cost of the priced requests; null when none was priced")
    unpriced_requests: int = Field(description="Requests whose price LiteLLM did not know (not counted in cost)")
    avg_duration_ms: float
    p95_duration_ms: float | None = Field(description="Only from the hourly rollup (windows up to 31 days)")
    last_request: str | None


class ApiUsage(BaseModel):
    hours: int
    source: str = Field(description="Rollup table that answered")
    total_requests: int
    total_tokens: int
    total_cost_usd: float | None = Field(description="Null when no request in the window had a known price")
    models: list[ModelUsage]


def _total_cost(models: list[ModelUsage]) -> float | None:
    priced = [m.cost_usd for m in models if m.cost_usd is not None]
    return round(sum(priced), 6) if priced else None


async def ch_api_usage(
    hours: int = Field(168, ge=1, le=8760, description="Look back this many hours"),
    model: str | None = Field(None, max_length=200, description="Only this model id (exact); all when empty"),
    limit: int = Field(50, ge=1, le=1000, description="Most models to list (most requests first)"),
) -> ApiUsage:
    """LLM usage recorded by this server: requests, errors, tokens, cost and latency per provider and model."""
    rollup = _rollup(hours)
    rows = await _analytics(f"api_usage_{rollup}", {"model": model or "", "hours": hours, "limit": limit})
    models = [
        ModelUsage(
            provider=row["provider"],
            model=row["model"],
            requests=row["request_count"],
            errors=row["error_count"],
            input_tokens=row["input_total"],
            output_tokens=row["output_total"],
            total_tokens=row["tokens_total"],
            cost_usd=None if row["cost_total"] is None else round(row["cost_total"], 6),
            unpriced_requests=row["request_count"] - row["priced_count"],
            avg_duration_ms=row["avg_duration_ms"] or 0.0,
            p95_duration_ms=_quantile(row.get("duration_q"), 1),
            last_request=row.get("latest_request"),
        )
        for row in rows
    ]
    return ApiUsage(
        hours=hours,
        source=f"api_usage_{rollup}",
        total_requests=sum(m.requests for m in models),
        total_tokens=sum(m.total_tokens for m in models),
        total_cost_usd=_total_cost(models),
        models=models,
    )
