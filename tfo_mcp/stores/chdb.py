"""The embedded engine chDB (``tfo-mcp[embedded]``): ``chdb:///path/to/dir``, the default store when no
ClickHouse URL is configured."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import enum
import json
import operator
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tfo_mcp.errors import StoreUnavailable
from tfo_mcp.stores import sql_guard
from tfo_mcp.stores.clickhouse_backend import (
    CLOSED,
    INSERT_BATCH_ROWS,
    NOT_CONFIGURED,
    UNKNOWN_TABLE,
    URL_SETTING,
    Backend,
    QueryError,
    QueryResult,
    batches,
    cap_rows,
    clean_message,
    query_error,
    setting_text,
)

if TYPE_CHECKING:
    from tfo_mcp.config import ClickHouseSettings

CHDB_FORMAT = "JSONCompactEachRowWithNamesAndTypes"
_CODE = re.compile(r"Code:\s*(\d+)")


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
        self._denied: frozenset[str] = sql_guard.DENIED_FUNCTIONS
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
                raise self._unavailable(clean_message(text)) from None
            try:
                if self.database != "default":
                    anchor.query(f"CREATE DATABASE IF NOT EXISTS {sql_guard.quote_identifier(self.database)}")
                names = anchor.query("SELECT name FROM system.table_functions", "TabSeparated").bytes()
            except Exception as exc:
                anchor.close()
                raise self._unavailable(clean_message(str(exc))) from None
            table_functions = {line.strip().lower() for line in names.decode().splitlines() if line.strip()}
            self._denied = sql_guard.DENIED_FUNCTIONS | frozenset(table_functions - sql_guard.SAFE_TABLE_FUNCTIONS)
            self._anchor = anchor

    def _connection_string(self, settings: dict[str, Any]) -> str:
        options = {"session_timezone": "UTC", **settings}
        if self.database != "default":
            options = {"database": self.database, **options}
        return self.path + "?" + "&".join(f"{name}={setting_text(name, value)}" for name, value in options.items())

    def _connect(self, settings: dict[str, Any]) -> Any:
        import chdb  # loaded by _open() on first use (about a second of CPU), never at start-up

        try:
            return chdb.connect(self._connection_string(settings))
        except Exception as exc:
            raise self._unavailable(clean_message(str(exc))) from None

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
        return query_error(int(match.group(1)) if match else None, text, timeout=timeout)

    # -- operations -----------------------------------------------------------------------------

    def _query_sync(
        self, sql: str, limits: dict[str, Any], readonly: bool, max_rows: int | None, max_bytes: int | None
    ) -> QueryResult:
        self._open()
        if readonly:
            sql_guard.check_read_query(sql, denied_functions=self._denied)
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
            kept, truncated = cap_rows(rows_sized, max_rows, max_bytes)
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
            sql = sql_guard.render(
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
                for batch in batches(rows, INSERT_BATCH_ROWS):
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
