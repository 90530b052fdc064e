"""A native ClickHouse server through clickhouse-driver: ``clickhouse://user:pass@host:9000/db`` or
``clickhouses://`` (TLS), with a small client pool."""

from __future__ import annotations

import contextlib
import itertools
import json
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from tfo_mcp.config import redact_url
from tfo_mcp.errors import StoreUnavailable
from tfo_mcp.stores import sql_guard
from tfo_mcp.stores.clickhouse_backend import (
    AUTH_CODES,
    INSERT_BATCH_ROWS,
    UNKNOWN_DATABASE,
    URL_SETTING,
    Backend,
    QueryError,
    QueryRefused,
    QueryResult,
    batches,
    cap_rows,
    clean_message,
    json_safe,
    query_error,
)

if TYPE_CHECKING:
    from tfo_mcp.config import ClickHouseSettings


def _inline_insert(sql: str) -> bool:
    """``INSERT ... VALUES (...)`` text (older servers wait for client data blocks after it and hang)."""
    tokens = sql_guard.tokenize(sql)
    if sql_guard.leading_keyword(tokens) != "INSERT":
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
        self._pool: queue.LifoQueue[Any] = queue.LifoQueue()
        self._clients: list[Any] = []
        self._lock = threading.Lock()
        self._profile_readonly: int | None = None
        #: socket timeout: long enough for a query that runs to its max_execution_time.
        self._socket_timeout = max(cfg.max_execution_time * 2, 60.0)

    def _new_client(self, database: str | None = None) -> Any:
        from clickhouse_driver import Client  # imported when a native server is first used, not at start-up

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
                    raise query_error(exc.code, str(exc.message), timeout=timeout) from None
                except network_errors as exc:
                    client.disconnect()
                    if attempt == 1 and retry:
                        continue
                    reason = clean_message(str(exc)) or type(exc).__name__
                    raise self._unavailable(f"cannot reach {self.target.host}:{self.target.port} ({reason})") from None
                except errors.Error as exc:
                    client.disconnect()
                    raise QueryError(f"ClickHouse client error: {clean_message(str(exc))}") from None
        raise AssertionError("unreachable")

    def _read_only_mode(self) -> int:
        """The ``readonly`` level of the server user's own profile (0, 1 or 2), read once."""
        if self._profile_readonly is None:
            sql = sql_guard.render("SELECT value FROM system.settings WHERE name = %(name)s", {"name": "readonly"})
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
            sql_guard.check_read_query(sql, allow_settings_clause=profile != 2)
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

        kept, truncated = cap_rows(sized(), max_rows, max_bytes)
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
        for batch in batches(rows, INSERT_BATCH_ROWS):
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
                client.execute(f"CREATE DATABASE IF NOT EXISTS {sql_guard.quote_identifier(self.database)}")
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
