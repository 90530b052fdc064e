"""PostgreSQL: connection pools, the read-only transaction, the server's own tables, migrations, health.

Connection: ``TELEMETRYFLOW_MCP_POSTGRES_URL`` (``postgres.url``) for the server's own tables (sessions,
conversations) and, by default, for the pg_* tools; ``TELEMETRYFLOW_MCP_POSTGRES_QUERY_URL``
(``postgres.query_url``) optionally gives the pg_* tools their own least-privilege login. Pools open in the
background at start-up. A store that is down or unconfigured never stops the server: the tools answer with an
error naming the setting, and the first call after the store comes back reconnects.

How :func:`run_query` (``pg_query``) stays read-only (enforced by PostgreSQL, not by parsing the SQL):

1. One statement. The text is always sent with the extended query protocol (as a server-side cursor, or in
   pipeline mode for statements a cursor cannot hold), and PostgreSQL refuses more than one command in such a
   message, so ``SELECT 1; COMMIT; DROP TABLE t`` never runs.
2. A ``READ ONLY`` transaction with ``statement_timeout`` and ``idle_in_transaction_session_timeout``, always
   rolled back. A snapshot is taken and a savepoint set before the statement, so it cannot switch the
   transaction to read-write, and the connection is ``DISCARD ALL``-ed before reuse (no advisory lock or
   prepared statement outlives the call).
3. The login. READ ONLY does not contain a superuser, nor a member of pg_execute_server_program,
   pg_read_server_files, pg_write_server_files or pg_signal_backend (``COPY ... TO PROGRAM``, ``pg_read_file``,
   ``pg_terminate_backend``), and ``SET ROLE`` is no sandbox: the statement itself can switch back with
   ``set_config('role', ...)``. pg_query therefore refuses to run as such a login unless the operator sets
   ``postgres.allow_privileged_role``.

Organization-scoped pg_query (``run_query(..., organization_id=...)``): the statement runs as the login
``tfo_org_<32 hex digits of the organization's uuid>`` (:func:`ensure_tenant_login`), a member of the group role
``tfo_tenant`` that the migration kind ``tenancy`` gives SELECT on the organization tables only, each under a
row-level security policy comparing ``organization_id`` with the organization named by ``session_user``. The
tenant is the session user, which no statement can change (``SET SESSION AUTHORIZATION`` needs a superuser
session); a tenant carried by a setting or by ``SET ROLE`` would not hold, as the statement itself can call
``set_config()`` while it runs. The login's password is HMAC-SHA256 of its name (the organization id) keyed by
the password of ``postgres.url`` (the login that creates these roles; it needs CREATEROLE): production needs pg_hba.conf
entries that let these roles in by password (and, without a password on ``postgres.url``, the tenant logins are
protected only by pg_hba.conf). Role names are visible to every login (pg_roles), so organizations that used
pg_query can see each other's ids, never their rows.

Limits, stated plainly: a login can still cancel or terminate other sessions *of its own role*, and functions
that open new connections (dblink, postgres_fdw) act outside the transaction when the statement supplies a
password. Give the tools a dedicated login (``postgres.query_url``) holding only SELECT privileges (for example
``pg_read_all_data``), and do not install dblink in a database they reach.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import math
import os
import re
import socket
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal
from functools import cache
from importlib import resources as importlib_resources
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from fastmcp.exceptions import ToolError
from loguru import logger
from pydantic import BaseModel, Field, WithJsonSchema

from tfo_mcp import __version__, sessions, telemetry
from tfo_mcp.config import PostgresSettings, get_settings, redact_url
from tfo_mcp.errors import StoreUnavailable
from tfo_mcp.health import ComponentHealth
from tfo_mcp.logs import scrub_secrets
from tfo_mcp.results import CUT_DESCRIPTION, ROWS_SCHEMA
from tfo_mcp.stores import migrations
from tfo_mcp.stores.background import BackgroundWriter

# psycopg and psycopg_pool are imported inside the functions that use them: loading them costs start-up time a
# client would wait for, and a server without PostgreSQL never needs them.
if TYPE_CHECKING:
    from psycopg import AsyncConnection
    from psycopg_pool import AsyncConnectionPool

URL_ENV = "TELEMETRYFLOW_MCP_POSTGRES_URL"
QUERY_URL_ENV = "TELEMETRYFLOW_MCP_POSTGRES_QUERY_URL"
#: a store known to be down is probed again at most this often (faster calls fail at once with the last reason)
PROBE_INTERVAL = 1.0
#: how long the pool keeps reconnecting in the background before it waits for the next call
RECONNECT_TIMEOUT = 30.0
CURSOR_NAME = "tfo_mcp_query"
SAVEPOINT = "tfo_mcp_statement"
FETCH_BATCH = 1000
MAX_ERROR_CHARS = 1000
SESSION_QUEUE_MAX = 10_000
MIGRATION_LOCK_KEY = 0x7466_6F5F_6D63_70  # "tfo_mcp" as a 64-bit advisory lock key
TENANT_LOCK_KEY = MIGRATION_LOCK_KEY + 1  # creating organization logins takes turns across servers
TENANT_ROLE = "tfo_tenant"
TENANT_LOGIN_PREFIX = "tfo_org_"
#: organizations whose pool is kept open at once (least recently used closes first), and each pool's size
TENANT_POOLS_MAX = 32
TENANT_POOL_SIZE = 2
#: seconds an idle connection of an organization's pool stays open
TENANT_IDLE_SECONDS = 60.0


class QueryError(ToolError):
    """PostgreSQL refused or failed a statement; the message says why in one or two lines."""


class QueryTimeout(QueryError):
    """The statement was cancelled by ``statement_timeout``."""


# --------------------------------------------------------------------------- SQL files


#: The text of every packaged query read so far -> its name (what telemetry calls the statement).
_SQL_NAMES: dict[str, str] = {}


@cache
def _sql(name: str) -> str:
    """A query from ``tfo_mcp/sql/postgres/queries/<name>.sql``."""
    path = importlib_resources.files("tfo_mcp") / "sql" / "postgres" / "queries" / f"{name}.sql"
    text = path.read_text(encoding="utf-8").strip().rstrip(";")
    _SQL_NAMES[text] = name
    return text


def _database_name(url: str) -> str | None:
    """The database a URL or key=value conninfo names (for telemetry's ``db.namespace``)."""
    if "://" in url:
        try:
            return urlsplit(url).path.lstrip("/") or None
        except ValueError:
            return None
    found = re.search(r"\bdbname\s*=\s*'?([^\s']+)", url)
    return found.group(1) if found else None


# --------------------------------------------------------------------------- stores (pools)


def _clean_reason(exc: BaseException) -> str:
    """One short line from a driver error: no password, no newlines."""
    text = str(exc) or type(exc).__name__
    text = re.sub(r"^connection failed:\s*", "", text.strip())
    return scrub_secrets(" ".join(text.split()))[:300]


class _Store:
    """One PostgreSQL login: a lazily opened pool plus what we know about its reachability."""

    #: seconds an idle connection above min_conns stays open (psycopg_pool's default)
    max_idle = 600.0

    def __init__(self, label: str, env_name: str, url: str, settings: PostgresSettings, discard: bool) -> None:
        self.label = label
        self.env_name = env_name
        self.redacted = scrub_secrets(redact_url(url))  # URL or key=value conninfo: no password either way
        self._url = url
        self._settings = settings
        self.discard = discard  # DISCARD ALL before a connection goes back (it ran pg_query)
        self.database = _database_name(url)
        self.pool: AsyncConnectionPool | None = None
        self.state: Literal["new", "starting", "up", "down"] = "new"
        self.reason: str | None = None
        self.server_version: str | None = None
        self._probed_at = 0.0
        self._lock: asyncio.Lock | None = None
        self._old_pools: list[AsyncConnectionPool] = []

    # -- connection parameters

    def _kwargs(self) -> dict[str, Any]:
        from psycopg.conninfo import conninfo_to_dict

        try:
            existing = conninfo_to_dict(self._url).get("options") or ""
        except Exception:
            existing = ""
        options = f"{existing} -c DateStyle=ISO -c IntervalStyle=iso_8601".strip()
        return {
            "autocommit": True,
            # no automatic server-side prepared statements: pg_query's connections are DISCARD ALL-ed on return
            "prepare_threshold": None,
            "connect_timeout": max(2, math.ceil(self._settings.connect_timeout)),
            "application_name": "tfo-mcp",
            "options": options,
        }

    def unavailable(self, reason: str | None = None) -> StoreUnavailable:
        detail = reason or self.reason or "not reachable"
        return StoreUnavailable(
            f"PostgreSQL is unreachable ({self.env_name}={self.redacted}): {detail} "
            "(the server keeps retrying; the next call reconnects once PostgreSQL is back)"
        )

    # -- pool life cycle

    def _new_pool(self) -> AsyncConnectionPool:
        from psycopg_pool import AsyncConnectionPool

        settings = self._settings
        return AsyncConnectionPool(
            self._url,
            kwargs=self._kwargs(),
            min_size=min(settings.min_conns, settings.max_conns),
            max_size=settings.max_conns,
            open=False,
            name=f"tfo-mcp-{self.label}",
            timeout=settings.connect_timeout,
            max_idle=self.max_idle,
            reconnect_timeout=RECONNECT_TIMEOUT,
            reconnect_failed=self._gave_up,
        )

    async def open(self) -> AsyncConnectionPool:
        """The pool, created and opened in the background on first use (never waits for the server)."""
        if self.pool is None:
            pool = self._new_pool()
            await pool.open(wait=False)
            self.pool = pool
            self.state = "starting"
            logger.info("postgres ({}): connecting to {}", self.label, self.redacted)
        return self.pool

    async def _gave_up(self, _pool: Any) -> None:
        if self.state != "down":
            self._mark_down("no connection after retrying for some time")

    def _mark_down(self, reason: str) -> None:
        if self.state != "down" or reason != self.reason:
            logger.warning("postgres ({}): {} is unreachable: {}", self.label, self.redacted, reason)
        self.state = "down"
        self.reason = reason

    def _mark_up(self) -> None:
        if self.state == "up":
            return
        if self.state == "down":
            logger.info("postgres ({}): {} is reachable again", self.label, self.redacted)
        self.state = "up"
        self.reason = None
        running = _state.migration_task is not None and not _state.migration_task.done()
        if self is _state.main and get_settings().postgres.auto_migrate and not _state.auto_migrated and not running:
            _state.migration_task = _spawn(_auto_migrate(), "auto-migrate")  # also after an outage at start-up

    async def probe(self) -> str | None:
        """Connect once outside the pool: None when it works, else the reason (password-free)."""
        import psycopg

        try:
            conn = await asyncio.wait_for(
                psycopg.AsyncConnection.connect(self._url, **self._kwargs()), self._settings.connect_timeout + 1
            )
        except TimeoutError:
            return f"no answer within {self._settings.connect_timeout:g} s"
        except Exception as exc:
            return _clean_reason(exc)
        self.server_version = conn.info.parameter_status("server_version")
        await conn.close()
        return None

    async def _recover(self, force: bool) -> None:
        """Decide, by a direct connection attempt, whether the store is down; rebuild the pool if it is back."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            recently = time.monotonic() - self._probed_at < PROBE_INTERVAL
            if self.state == "down" and recently and not force:
                raise self.unavailable()
            reason = await self.probe()
            self._probed_at = time.monotonic()
            if reason is not None:
                self._mark_down(reason)
                raise self.unavailable()
            if self.state != "up" or force:
                await self._replace_pool()

    async def _replace_pool(self) -> None:
        old, self.pool = self.pool, None
        await self.open()
        if old is not None:
            self._old_pools.append(old)
            _spawn(self._close_pool(old), "close old pool")

    async def _close_pool(self, pool: AsyncConnectionPool) -> None:
        with contextlib.suppress(Exception):
            await pool.close(timeout=1.0)
        with contextlib.suppress(ValueError):
            self._old_pools.remove(pool)

    async def acquire(self) -> AsyncConnection:
        """A connection from the pool, or StoreUnavailable with the reason."""
        from psycopg_pool import PoolTimeout

        pool = await self.open()
        if self.state == "down":
            await self._recover(force=False)
            pool = await self.open()
        deadline = time.monotonic() + self._settings.connect_timeout
        while True:
            # Short waits, so a store found down meanwhile (start-up probe) fails this call at once.
            remaining = deadline - time.monotonic()
            try:
                conn = await pool.getconn(timeout=max(0.05, min(0.25, remaining)))
                break
            except PoolTimeout:
                if self.state != "down" and time.monotonic() < deadline:
                    continue
            stats = pool.get_stats()
            busy = stats.get("pool_size", 0) >= self._settings.max_conns and not stats.get("pool_available", 0)
            if busy and self.state == "up" and await self.probe() is None:
                raise StoreUnavailable(
                    f"all {self._settings.max_conns} PostgreSQL connections are busy (postgres.max_conns); "
                    "try again shortly"
                ) from None
            await self._recover(force=True)
            pool = await self.open()
            try:
                conn = await pool.getconn(timeout=self._settings.connect_timeout)
                break
            except PoolTimeout:
                raise self.unavailable("no connection from the pool") from None
        self._mark_up()
        return conn

    async def release(self, conn: AsyncConnection) -> None:
        pool = getattr(conn, "_pool", None) or self.pool
        if pool is None:
            await conn.close()
            return
        try:
            await pool.putconn(conn)
        except Exception:  # the pool was replaced or closed meanwhile
            with contextlib.suppress(Exception):
                await conn.close()

    async def connection_lost(self) -> None:
        """A pooled connection turned out dead (server restart): drop the other dead ones too."""
        if self.pool is not None:
            with contextlib.suppress(Exception):
                await self.pool.check()
        reason = await self.probe()
        if reason is not None:
            self._mark_down(reason)
            raise self.unavailable()

    async def close(self) -> None:
        pools = [p for p in (self.pool, *self._old_pools) if p is not None]
        self.pool = None
        self.state = "new"
        for pool in pools:
            with contextlib.suppress(Exception):
                await pool.close(timeout=2.0)

    def pool_stats(self) -> str:
        if self.pool is None:
            return "pool not open"
        stats = self.pool.get_stats()
        idle, size = stats.get("pool_available", 0), stats.get("pool_size", 0)
        return f"pool {idle} idle of {size} (max {self._settings.max_conns})"


class _TenantStore(_Store):
    """The login of one organization (``tfo_org_<hex>``): a small pool whose idle connections close soon."""

    max_idle = TENANT_IDLE_SECONDS


class _State:
    def __init__(self) -> None:
        self.key: tuple[Any, ...] | None = None
        self.main: _Store | None = None
        self.query: _Store | None = None
        self.tasks: set[asyncio.Task[Any]] = set()
        self.start_task: asyncio.Task[Any] | None = None
        self.auto_migrated = False
        self.migration_task: asyncio.Task[Any] | None = None
        #: organizations' pools by login, least recently used first
        self.tenants: OrderedDict[str, _TenantStore] = OrderedDict()
        #: logins known to exist with the password this process derives (checked once per process)
        self.tenant_logins: set[str] = set()
        self.tenant_tables_covered = False


_state = _State()


def _spawn(coro: Awaitable[Any], what: str) -> asyncio.Task[Any]:
    """Run a coroutine in the background, keep a reference, log (never raise) its failure."""

    async def guarded() -> Any:
        try:
            return await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.warning("postgres: {} failed: {}", what, _clean_reason(exc))
            return None

    task = asyncio.get_running_loop().create_task(guarded(), name=f"tfo-mcp-postgres: {what}")
    _state.tasks.add(task)
    task.add_done_callback(_state.tasks.discard)
    return task


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def _stores() -> tuple[_Store | None, _Store | None]:
    """The (main, query) stores for the current settings; rebuilt when the settings change."""
    settings = get_settings().postgres
    url, query_url = _secret(settings.url), _secret(settings.query_url)
    key = (url, query_url, settings.min_conns, settings.max_conns, settings.connect_timeout)
    if key != _state.key:
        old = [s for s in (_state.main, _state.query, *_state.tenants.values()) if s is not None]
        _state.tenants.clear()
        _state.tenant_logins.clear()
        _state.tenant_tables_covered = False
        _state.key = key
        _state.main = _Store("main", URL_ENV, url, settings, discard=not query_url) if url else None
        _state.query = _Store("query", QUERY_URL_ENV, query_url, settings, discard=True) if query_url else None
        for store in old:
            with contextlib.suppress(RuntimeError):
                _spawn(store.close(), "close pool after a settings change")
    return _state.main, _state.query or _state.main


def is_configured() -> bool:
    """Whether ``postgres.url`` is set (the server's own tables live there)."""
    return get_settings().postgres.url is not None


def _not_configured() -> StoreUnavailable:
    return StoreUnavailable(
        f"PostgreSQL is not configured: set {URL_ENV} (postgres.url), e.g. postgresql://USER:PASSWORD@HOST:5432/DB"
    )


def _main_store() -> _Store:
    main, _ = _stores()
    if main is None:
        raise _not_configured()
    return main


def require_configured() -> None:
    """Raise StoreUnavailable naming the setting when PostgreSQL is not configured."""
    _main_store()


async def ensure_reachable(timeout: float) -> None:
    """Until the pool has served a connection, check with one direct connection (within ``timeout`` seconds)
    that PostgreSQL answers, so a server that refuses connections is reported with its reason at once instead
    of after the pool's wait. Raises StoreUnavailable (unconfigured or unreachable)."""
    store = _main_store()
    if store.state == "up":
        return
    reason = await asyncio.wait_for(store.probe(), timeout)
    if reason is not None:
        store._mark_down(reason)
        raise store.unavailable(reason)


def _query_store() -> _Store:
    _, query = _stores()
    if query is None:
        raise _not_configured()
    return query


# --------------------------------------------------------------------------- transactions


class _Transaction:
    """A pooled connection inside one explicit transaction (always rolled back unless ``commit``); in telemetry,
    one ``postgresql.query`` span from taking the connection to giving it back, named ``name`` (a packaged query,
    a tool) or described by ``statement`` (scrubbed SQL text, never the parameters)."""

    def __init__(
        self,
        store: _Store,
        *,
        write: bool,
        timeout: float,
        extra_sql: str = "",
        name: str | None = None,
        statement: str | None = None,
    ) -> None:
        name = name or _SQL_NAMES.get(statement or "")
        self.observed = telemetry.query("postgresql", name, statement, store.database)
        self.store = store
        self.write = write
        self.timeout = timeout
        self.extra_sql = extra_sql
        self.conn: AsyncConnection | None = None
        self.preamble_rows: list[tuple[Any, ...]] = []
        self.commit = False
        #: run after COMMIT/ROLLBACK, before the connection goes back to the pool (closing cursors costs no I/O then)
        self.after_end: list[Callable[[], Awaitable[Any]]] = []

    def _preamble(self) -> str:
        settings = get_settings().postgres
        statement_ms = max(1, int(self.timeout * 1000))
        idle_ms = max(statement_ms, int(settings.idle_in_transaction_timeout * 1000))
        parts = [
            "BEGIN READ WRITE" if self.write else "BEGIN READ ONLY",
            f"SET LOCAL statement_timeout = {statement_ms}",
            f"SET LOCAL idle_in_transaction_session_timeout = {idle_ms}",
        ]
        if self.extra_sql:
            parts.append(self.extra_sql)
        return "; ".join(parts)

    async def __aenter__(self) -> _Transaction:
        self.observed.__enter__()
        try:
            return await self._begin()
        except BaseException as exc:
            self.observed.__exit__(type(exc), exc, exc.__traceback__)
            raise

    async def _begin(self) -> _Transaction:
        import psycopg

        preamble = self._preamble()
        for attempt in (1, 2):
            conn = await self.store.acquire()
            try:
                cur = await conn.execute(preamble)
                while cur.nextset():
                    pass
                self.preamble_rows = await cur.fetchall() if cur.description else []
            except psycopg.OperationalError as exc:
                await self.store.release(conn)
                if attempt == 1 and (conn.closed or conn.broken):
                    await self.store.connection_lost()
                    continue
                raise self.store.unavailable(_clean_reason(exc)) from None
            except psycopg.Error as exc:
                await self.store.release(conn)
                raise _query_error(exc, preamble, self.timeout) from None
            except BaseException:
                await self.store.release(conn)
                raise
            self.conn = conn
            return self
        raise self.store.unavailable()  # pragma: no cover - the loop returns or raises

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            await self._end(exc_type)
        except BaseException as error:
            self.observed.__exit__(type(error), error, error.__traceback__)
            raise
        self.observed.__exit__(exc_type, exc, tb)

    async def _end(self, exc_type: Any) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        import psycopg

        try:
            if exc_type is None and self.commit:
                try:
                    await conn.execute("COMMIT")
                except psycopg.Error as error:  # e.g. a deferred constraint: nothing was committed
                    raise _query_error(error, "COMMIT", self.timeout) from None
            elif not conn.closed:
                with contextlib.suppress(Exception):
                    await conn.execute("ROLLBACK")
        finally:
            for hook in self.after_end:
                with contextlib.suppress(Exception):
                    await hook()
            if self.store.discard and not conn.closed:
                # Session state a statement can leave behind (advisory locks, PREPARE, SET after a commit)
                # goes before the connection is reused. Inline, not a pool reset: that runs in a pool worker,
                # and the next call would wait for it.
                try:
                    await conn.execute("DISCARD ALL")
                except Exception:
                    await conn.close()
            await self.store.release(conn)


async def fetch_all(
    sql: str, params: Any = None, *, timeout: float | None = None, name: str | None = None
) -> list[dict[str, Any]]:
    """Run trusted internal read-only SQL (``%s`` / ``%(name)s`` placeholders) on ``postgres.url``.

    The statement runs inside a READ ONLY transaction that is always rolled back, with ``statement_timeout``
    (``timeout`` seconds, default ``postgres.statement_timeout``). Rows come back as dicts of Python values.
    ``name`` names the statement in telemetry. Raises StoreUnavailable (unconfigured or unreachable) or QueryError.
    """
    from psycopg.rows import dict_row

    async with _own_sql(_main_store(), sql, write=False, timeout=timeout, name=name) as conn:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(sql, params)
        return await cur.fetchall() if cur.description else []


async def execute(sql: str, params: Any = None) -> int:
    """Run one trusted internal write on ``postgres.url`` and commit; returns the affected row count."""
    async with _own_sql(_main_store(), sql, write=True) as conn:
        cur = await conn.execute(sql, params)
    return cur.rowcount


async def copy_rows(
    batches: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]], before: Sequence[tuple[str, Any]] = ()
) -> None:
    """Trusted bulk write on ``postgres.url`` in one committed transaction: the ``before`` statements (sql, params),
    then ``COPY table (columns) FROM STDIN`` of each (table, columns, rows) batch."""
    from psycopg import sql

    async with _own_sql(_main_store(), "COPY", write=True) as conn:
        for statement, params in before:
            await conn.execute(statement, params)
        for table, columns, rows in batches:
            names = sql.SQL(", ").join(map(sql.Identifier, columns))
            query = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)
            async with conn.cursor().copy(query) as copy:
                for row in rows:
                    await copy.write_row(row)


@contextlib.asynccontextmanager
async def _own_sql(
    store: _Store, what: str, *, write: bool, timeout: float | None = None, name: str | None = None
) -> AsyncIterator[AsyncConnection]:
    """A connection in one transaction for this server's own SQL, with ``statement_timeout`` = ``timeout``
    (default ``postgres.statement_timeout``). A psycopg error in the block raises a QueryError naming ``what``
    (the SQL text, or the name of a packaged statement); a write commits when the block ends without error.
    ``name`` names the statement in telemetry (a packaged query's own is found from its text)."""
    limit = timeout if timeout is not None else get_settings().postgres.statement_timeout
    if name is None and what not in _SQL_NAMES and not re.search(r"\s", what):
        name = what  # a name already (save_turn, COPY)
    async with _Transaction(store, write=write, timeout=limit, name=name, statement=what) as tx:
        assert tx.conn is not None
        try:
            yield tx.conn
        except _psycopg_error() as exc:
            raise _query_error(exc, what, limit) from None
        tx.commit = write


def _psycopg_error() -> type[Exception]:
    import psycopg

    return psycopg.Error


# --------------------------------------------------------------------------- error messages


def _line_column(text: str, position: int) -> str:
    before = text[: max(0, position - 1)]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return f"line {line}, column {column}"


def _query_error(exc: Exception, query: str, timeout: float) -> QueryError:
    """The QueryError (QueryTimeout for statement_timeout) to raise for a PostgreSQL error."""
    from psycopg import errors as pg_errors

    message = _describe_error(exc, query, timeout)
    if isinstance(exc, pg_errors.QueryCanceled) and "statement timeout" in message:
        return QueryTimeout(message)
    return QueryError(message)


def _describe_error(exc: Exception, query: str, timeout: float) -> str:
    """A short, clear, password-free message for a PostgreSQL error."""
    import psycopg
    from psycopg import errors as pg_errors

    diag = getattr(exc, "diag", None)
    primary = (getattr(diag, "message_primary", None) or str(exc) or type(exc).__name__).strip()
    detail = getattr(diag, "message_detail", None)
    hint = getattr(diag, "message_hint", None)
    position = getattr(diag, "statement_position", None)
    sqlstate = getattr(exc, "sqlstate", None)

    if isinstance(exc, pg_errors.SyntaxError) and "multiple commands" in primary:
        message = "pg_query runs exactly one statement: the text holds more than one (remove the extra statements)"
    elif isinstance(exc, pg_errors.QueryCanceled):
        if "statement timeout" in primary:
            message = f"query cancelled after {timeout:g} s (statement timeout, postgres.statement_timeout)"
        else:
            message = f"query cancelled: {primary}"
    elif isinstance(exc, pg_errors.ReadOnlySqlTransaction) or (
        isinstance(exc, pg_errors.ActiveSqlTransaction | pg_errors.InvalidTransactionState) and "read-write" in primary
    ):
        message = (
            f"this server is read-only: {primary} "
            "(writes are enabled only by the operator setting postgres.allow_write)"
        )
    elif isinstance(exc, pg_errors.InsufficientPrivilege):
        message = f"permission denied: {primary}"
    elif isinstance(exc, pg_errors.SyntaxError):
        message = f"syntax error: {primary}"
    elif isinstance(exc, psycopg.OperationalError) and sqlstate is None:
        message = f"lost the connection to PostgreSQL: {_clean_reason(exc)}"
    else:
        message = primary
    if position and "multiple commands" not in primary:
        with contextlib.suppress(ValueError):
            message += f" (at {_line_column(query, int(position))}, character {int(position)})"
    if detail:
        message += f". Detail: {detail}"
    if hint:
        message += f". Hint: {hint}"
    if sqlstate:
        message += f" [SQLSTATE {sqlstate}]"
    return scrub_secrets(message)[:MAX_ERROR_CHARS]


# --------------------------------------------------------------------------- JSON-safe values


_PLAIN = frozenset({int, str, bool, type(None)})


def _json_row(raw: Any) -> list[Any]:
    return [v if type(v) in _PLAIN else json_value(v) for v in raw]


def json_value(value: Any) -> Any:
    """A PostgreSQL value as JSON: numbers stay numbers, numeric becomes a string (exact), times ISO-8601.

    numeric -> string ("12.340", "NaN"); float NaN/±Infinity -> "NaN"/"Infinity"/"-Infinity"; date, time,
    timestamp(tz) -> ISO-8601 (``infinity`` and years outside 1..9999 as PostgreSQL writes them); interval ->
    ISO-8601 duration ("P1Y2M3DT4H5M6S"); bytea -> PostgreSQL hex text ("\\xdeadbeef"); uuid, inet, cidr,
    macaddr, money, ranges, enums and unknown types -> their text; json/jsonb -> JSON; arrays -> lists.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | dtime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    return str(value)


@cache
def _loaders() -> list[tuple[str, type]]:
    """Loaders pg_query uses instead of psycopg's defaults (exact text where Python types lose information)."""
    from psycopg import DataError, adapters
    from psycopg.adapt import Loader
    from psycopg.pq import Format
    from psycopg.types.string import TextLoader

    def lenient(type_name: str) -> type:
        fast = adapters.get_loader(adapters.types[type_name].oid, Format.TEXT)
        assert fast is not None

        class Lenient(Loader):
            """psycopg's own (C) loader; values Python cannot hold (infinity, year 10000, BC) as PostgreSQL's text."""

            def __init__(self, oid: int, context: Any = None) -> None:
                super().__init__(oid, context)
                self._load = fast(oid, context).load

            def load(self, data: Any) -> Any:
                try:
                    return self._load(data)
                except DataError:
                    return bytes(data).decode("utf-8", "replace")

        Lenient.__name__ = f"Lenient{type_name.title()}Loader"
        return Lenient

    return [
        ("interval", TextLoader),
        ("bytea", TextLoader),
        ("date", lenient("date")),
        ("timestamp", lenient("timestamp")),
        ("timestamptz", lenient("timestamptz")),
    ]


def _install_loaders(cursor: Any) -> None:
    for type_name, loader in _loaders():
        cursor.adapters.register_loader(type_name, loader)


def _bind(value: Any) -> Any:
    """A JSON tool parameter as a psycopg parameter: objects (and lists of objects) become jsonb."""
    from psycopg.types.json import Jsonb

    if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict | list) for v in value)):
        if isinstance(value, list) and all(isinstance(v, list) for v in value):
            return value  # a multi-dimensional array of scalars
        return Jsonb(value)
    return value


# --------------------------------------------------------------------------- organization logins


_TENANCY_MISSING = (
    "organization-scoped pg_query needs the PostgreSQL migration kind 'tenancy' "
    "(tfo_mcp/sql/postgres/tenancy/001_row_security.sql: role tfo_tenant, row-level security on the organization "
    "tables), which is not applied to this database: run `tfo-mcp db migrate --tenancy` as the login that owns the "
    "platform tables, with CREATEROLE"
)


def _tenant_login_name(organization_id: str) -> str:
    try:
        return TENANT_LOGIN_PREFIX + uuid.UUID(str(organization_id)).hex
    except ValueError:
        raise QueryError(f"the organization id must be a UUID, not {str(organization_id)[:60]!r}") from None


def _tenant_password(login: str) -> str:
    """HMAC-SHA256 of the login, keyed by the password of ``postgres.url`` (else by that URL): the same in every
    server process sharing the store, never stored by this server."""
    from psycopg.conninfo import conninfo_to_dict

    url = _main_store()._url
    key = conninfo_to_dict(url).get("password") or url
    return hmac.new(str(key).encode(), login.encode(), hashlib.sha256).hexdigest()


async def ensure_tenant_login(organization_id: str) -> str:
    """The login of an organization's pg_query, ``tfo_org_<32 hex digits of its uuid>``, created if missing.

    It can log in, inherits ``tfo_tenant`` (SELECT on the organization tables, under row-level security) and
    holds nothing else; its password is set to the derived one (:func:`_tenant_password`). Created through
    ``postgres.url``, which needs CREATEROLE for this. Checked once per process. Raises QueryError (with the fix)
    when the tenancy migration is not applied, the login cannot be created, or an existing one holds more.
    """
    import psycopg
    from psycopg import sql

    login = _tenant_login_name(organization_id)
    store = _main_store()  # first: a settings change forgets the logins checked
    if login in _state.tenant_logins:
        return login
    timeout = get_settings().postgres.statement_timeout
    async with _Transaction(store, write=True, timeout=timeout, name="tenant_login") as tx:
        conn = tx.conn
        assert conn is not None
        try:
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", [TENANT_LOCK_KEY])
            cur = await conn.execute(_sql("tenant_login_state"), {"login": login})
            row = await cur.fetchone()
            assert row is not None
            ready, exists, safe, can_create, encryption = row
            if not ready:
                raise QueryError(_TENANCY_MISSING)
            if exists and not safe:
                raise QueryError(
                    f"refusing to run organization-scoped SQL as {login!r}: the role exists but holds more than "
                    f"LOGIN and membership in {TENANT_ROLE} (superuser, BYPASSRLS, CREATEROLE or another role); "
                    "drop it (DROP ROLE) and the server recreates it"
                )
            if can_create:
                algorithm = b"md5" if encryption == "md5" else b"scram-sha-256"
                secret = conn.pgconn.encrypt_password(_tenant_password(login).encode(), login.encode(), algorithm)
                verifier = sql.Literal(secret.decode())
                if exists:
                    await conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(login), verifier))
                else:
                    await conn.execute(
                        sql.SQL(
                            "CREATE ROLE {} LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                            "NOBYPASSRLS IN ROLE {} PASSWORD {}"
                        ).format(sql.Identifier(login), sql.Identifier(TENANT_ROLE), verifier)
                    )
            elif not exists:
                raise QueryError(
                    f"cannot create the PostgreSQL login {login!r} for this organization: the login of {URL_ENV} "
                    "lacks CREATEROLE (ALTER ROLE ... CREATEROLE), or create the role yourself as a member of "
                    f"{TENANT_ROLE} only, with the password the server derives"
                )
            if not _state.tenant_tables_covered:
                await _cover_tenant_tables(conn)
        except psycopg.Error as exc:
            raise QueryError(
                f"could not prepare the PostgreSQL login {login!r} for this organization "
                f"(needs CREATEROLE on the login of {URL_ENV}): {_describe_error(exc, '', timeout)}"
            ) from None
        tx.commit = True
    _state.tenant_logins.add(login)
    return login


async def _cover_tenant_tables(conn: AsyncConnection) -> None:
    """Row security and tfo_tenant's SELECT on organization tables added since the tenancy migration (once per
    process; a table left uncovered stays "permission denied" for the organizations, so a failure only logs)."""
    import psycopg

    try:
        async with conn.transaction():  # a savepoint
            await conn.execute(_sql("tenant_cover_tables"))
    except psycopg.Error as exc:
        logger.warning("postgres: could not cover new organization tables: {}", _clean_reason(exc))
    _state.tenant_tables_covered = True


def _tenant_store(login: str) -> _TenantStore:
    """The pool of an organization's login (the query store's URL with that user), kept for the most recently
    used TENANT_POOLS_MAX organizations."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    query = _query_store()
    store = _state.tenants.get(login)
    if store is not None:
        _state.tenants.move_to_end(login)
        return store
    params = {**conninfo_to_dict(query._url), "user": login, "password": _tenant_password(login)}
    settings = query._settings.model_copy(update={"min_conns": 0, "max_conns": TENANT_POOL_SIZE})
    label = f"org-{login.removeprefix(TENANT_LOGIN_PREFIX)[:8]}"
    store = _TenantStore(label, query.env_name, make_conninfo(**params), settings, discard=True)
    _state.tenants[login] = store
    while len(_state.tenants) > TENANT_POOLS_MAX:
        _, evicted = _state.tenants.popitem(last=False)
        _spawn(evicted.close(), "close an organization's pool")
    return store


async def _organization_store(organization_id: str) -> _Store:
    return _tenant_store(await ensure_tenant_login(organization_id))


# --------------------------------------------------------------------------- run_query (pg_query)


class ColumnInfo(BaseModel):
    name: str = Field(description="Column name as PostgreSQL reports it (may repeat)")
    type: str = Field(description="PostgreSQL type name, e.g. int4, numeric(10,2), varchar(20), timestamptz, text[]")


class QueryResult(BaseModel):
    columns: list[ColumnInfo] = Field(description="Result columns in order")
    rows: Annotated[list[list[Any]], WithJsonSchema(ROWS_SCHEMA)] = Field(
        description=(
            "Rows as arrays aligned with columns. numeric values are strings (exact), timestamps ISO-8601, "
            "intervals ISO-8601 durations, bytea hex text (\\x...), json/jsonb as JSON, arrays as lists"
        )
    )
    row_count: int = Field(description="Number of rows returned here")
    truncated: bool = Field(description="True when more rows existed than were returned")
    truncated_reason: Literal["max_rows", "max_result_bytes", "max_tokens"] | None = Field(
        None, description="Which cap cut the result, when truncated"
    )
    status: str | None = Field(
        None, description="PostgreSQL command tag for statements run without a cursor (e.g. 'EXPLAIN', 'UPDATE 3')"
    )
    read_only: bool = Field(description="True when the statement ran in a READ ONLY transaction (the default)")
    committed: bool = Field(description="True only when writes are enabled by the operator and the statement committed")
    elapsed_ms: float = Field(description="Time spent running the statement and fetching rows")
    cut: list[dict[str, Any]] | None = Field(None, description=CUT_DESCRIPTION)


class _Rows:
    """Accumulates JSON-safe rows under the row and byte caps."""

    def __init__(self, max_rows: int, max_bytes: int) -> None:
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.rows: list[list[Any]] = []
        self.size = 2
        self.truncated_reason: Literal["max_rows", "max_result_bytes"] | None = None

    @staticmethod
    def _size(value: Any) -> int:
        return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())

    def add(self, batch: list[Any]) -> bool:
        """Take a batch of rows; False once a cap is reached (rows beyond it are not kept)."""
        room = self.max_rows - len(self.rows)
        converted = [_json_row(raw) for raw in batch[:room]]
        if len(batch) > room:
            self.truncated_reason = "max_rows"
        size = self._size(converted) - 1  # one JSON list for the whole batch: brackets, commas
        if self.size + size <= self.max_bytes:
            self.rows.extend(converted)
            self.size += size
        else:  # near the byte cap: row by row
            for row in converted:
                size = self._size(row) + 1
                if self.size + size > self.max_bytes:
                    self.truncated_reason = "max_result_bytes"
                    break
                self.rows.append(row)
                self.size += size
        return self.truncated_reason is None


async def _declare(conn: Any, query: str, params: list[Any] | None) -> Any:
    """DECLARE the statement as a server-side cursor (extended protocol); raises if a cursor cannot hold it."""
    from psycopg import AsyncRawServerCursor

    cursor = AsyncRawServerCursor(conn, CURSOR_NAME)
    _install_loaders(cursor)
    try:
        await cursor.execute(query, params)  # DECLARE + describe
    except BaseException:
        cursor._closed = True  # nothing was declared: no CLOSE to send, no ResourceWarning
        raise
    return cursor


async def _fetch_capped(cursor: Any, rows: _Rows) -> None:
    """FETCH only what the caps allow (max_rows + 1 rows at most, to know whether more existed)."""
    wanted = rows.max_rows + 1
    fetched = 0
    while fetched < wanted:
        size = min(wanted - fetched, FETCH_BATCH)
        batch = await cursor.fetchmany(size)
        fetched += len(batch)
        if not rows.add(batch) or len(batch) < size:
            break


async def _run_pipeline(conn: Any, query: str, params: list[Any] | None, rows: _Rows) -> Any:
    """Run any other statement with the extended protocol (pipeline mode) and cap the buffered rows."""
    from psycopg import AsyncRawCursor, ProgrammingError
    from psycopg.pq import ExecStatus

    cursor = AsyncRawCursor(conn)
    _install_loaders(cursor)
    async with conn.pipeline():
        await cursor.execute(query, params)
    result = cursor.pgresult
    if result is not None and result.status == ExecStatus.EMPTY_QUERY:
        raise ProgrammingError("the query holds no SQL statement (only blanks or comments)")
    if cursor.description:
        while True:
            batch = await cursor.fetchmany(FETCH_BATCH)
            if not batch or not rows.add(batch):
                break
    return cursor


async def _column_infos(conn: Any, cursor: Any) -> list[ColumnInfo]:
    description = cursor.description or []
    names = {col.type_code: col.type_display for col in description}
    unknown = sorted({oid for oid, shown in names.items() if shown.isdigit()})
    if unknown:
        cur = await conn.execute(_sql("type_names"), {"oids": unknown})
        for oid, name in await cur.fetchall():
            names[int(oid)] = name
    return [ColumnInfo(name=col.name, type=names.get(col.type_code, str(col.type_code))) for col in description]


def _privilege_refusal(login: str, is_superuser: bool, roles: list[str]) -> str:
    what = "a superuser" if is_superuser else "a member of " + ", ".join(roles)
    env = QUERY_URL_ENV if get_settings().postgres.query_url else URL_ENV
    return (
        f"pg_query refuses to run SQL as {login!r}: the login is {what}, and a READ ONLY transaction does not "
        "stop such a login from running programs (COPY ... TO PROGRAM), reading server files or terminating "
        f"other sessions. Point {env} at a login without these privileges (for example one granted only "
        "pg_read_all_data), or set postgres.allow_privileged_role to accept the risk."
    )


async def run_query(
    query: str, params: list[Any] | None = None, max_rows: int = 100, *, organization_id: str | None = None
) -> QueryResult:
    """pg_query's engine (also used by the benchmark): one statement, read-only unless the operator allows writes.

    With ``organization_id`` the statement runs as that organization's login (:func:`ensure_tenant_login`):
    PostgreSQL's row-level security shows it that organization's rows only, and other tables not at all.
    """
    import psycopg
    from psycopg.pq import TransactionStatus

    if not query.strip():
        raise QueryError("the query is empty")
    settings = get_settings().postgres
    store = _query_store() if organization_id is None else await _organization_store(organization_id)
    write = settings.allow_write
    bound = [_bind(value) for value in params] if params else None
    extra = f"SAVEPOINT {SAVEPOINT}; {_sql('login_privileges')}"
    rows = _Rows(max_rows, settings.max_result_bytes)
    async with _Transaction(
        store, write=write, timeout=settings.statement_timeout, extra_sql=extra, name="pg_query", statement=query
    ) as tx:
        conn = tx.conn
        assert conn is not None
        login, is_superuser, privileged_roles = tx.preamble_rows[0]
        if (is_superuser or privileged_roles) and not settings.allow_privileged_role:
            raise QueryError(_privilege_refusal(login, is_superuser, list(privileged_roles)))
        started = time.perf_counter()
        status: str | None = None
        try:
            try:
                cursor = await _declare(conn, query, bound)
            except psycopg.Error as exc:
                if (
                    conn.closed
                    or isinstance(exc, psycopg.errors.QueryCanceled)
                    or conn.info.transaction_status != TransactionStatus.INERROR
                ):
                    raise
                # Not a statement a cursor can hold (EXPLAIN, SHOW, DML...), or an error that the direct run
                # reports with the caller's own positions: run it as it is. Nothing ran yet (DECLARE only plans).
                await conn.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
                cursor = await _run_pipeline(conn, query, bound, rows)
                status = cursor.statusmessage
            else:
                tx.after_end.append(cursor.close)
                await _fetch_capped(cursor, rows)
            columns = await _column_infos(conn, cursor)
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.OperationalError) and exc.sqlstate is None:
                raise store.unavailable(f"lost the connection during the query: {_clean_reason(exc)}") from None
            raise _query_error(exc, query, settings.statement_timeout) from None
        elapsed = (time.perf_counter() - started) * 1000
        tx.commit = write
    return QueryResult(
        columns=columns,
        rows=rows.rows,
        row_count=len(rows.rows),
        truncated=rows.truncated_reason is not None,
        truncated_reason=rows.truncated_reason,
        status=status,
        read_only=not write,
        committed=write,
        elapsed_ms=round(elapsed, 3),
    )


# --------------------------------------------------------------------------- catalog


async def read_catalog(queries: list[tuple[str, dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """Run packaged catalog queries (``sql/postgres/queries/<name>.sql``, parameters) in one read-only
    transaction on the pg_* tools' login; the rows of each as dicts."""
    from psycopg.rows import dict_row

    results = []
    names = ", ".join(name for name, _ in queries)
    async with _own_sql(_query_store(), names, write=False, name=names) as conn:
        cur = conn.cursor(row_factory=dict_row)
        for name, params in queries:
            await cur.execute(_sql(name), params)
            results.append(await cur.fetchall())
    return results


# --------------------------------------------------------------------------- sessions


class _SessionRecords:
    """Session snapshots waiting for the writer (bounded, never blocks the caller), and what became of them."""

    def __init__(self) -> None:
        self.queue: BackgroundWriter[dict[str, Any]] = BackgroundWriter(
            "tfo-mcp-postgres: session writer", lambda: SESSION_QUEUE_MAX
        )
        self.failed = 0
        self.written = 0
        self.warned_missing_table = False
        self.last_warning = ("", 0.0)  # (reason, monotonic time): one warning per reason per minute


_records = _SessionRecords()
_HOST = socket.gethostname()


def _snapshot(session: sessions.Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "state": session.state,
        "client_name": session.client_name,
        "client_version": session.client_version,
        "protocol_version": session.protocol_version,
        "server_name": get_settings().server.name,
        "server_version": __version__,
        "server_host": _HOST,
        "server_pid": os.getpid(),
        "tool_calls": session.tool_calls,
        "errors": session.errors,
        "created_at": session.created_at,
        "initialized_at": session.initialized_at,
        "closed_at": session.closed_at,
    }


def _on_session_event(event: str, session: sessions.Session, extra: dict[str, Any]) -> None:
    """sessions listener: queue a snapshot for PostgreSQL (only when configured); never blocks or raises."""
    if not is_configured():
        return
    if not _records.queue.put(_snapshot(session)):
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:  # else called from another thread: the writer is woken on its own loop
        _records.queue.start(loop, _session_writer)
    _records.queue.wake()


async def _session_writer() -> None:
    queue = _records.queue
    while True:
        await queue.wait()
        while queue:
            latest: dict[str, dict[str, Any]] = {}
            for snapshot in queue.take():
                latest[snapshot["id"]] = snapshot
            queue.busy = True
            try:
                await _write_sessions(list(latest.values()))
                _records.written += len(latest)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _records.failed += len(latest)
                _log_session_failure(exc)
            finally:
                queue.busy = False


def _log_session_failure(exc: Exception) -> None:
    from psycopg import errors as pg_errors

    if (isinstance(exc, QueryError) and "does not exist" in str(exc)) or isinstance(exc, pg_errors.UndefinedTable):
        if not _records.warned_missing_table:
            _records.warned_missing_table = True
            logger.warning(
                "postgres: the sessions table does not exist; run `tfo-mcp db migrate` or set postgres.auto_migrate"
            )
        return
    reason = _clean_reason(exc)
    now = time.monotonic()
    if reason != _records.last_warning[0] or now - _records.last_warning[1] > 60:
        _records.last_warning = (reason, now)
        logger.warning("postgres: could not record sessions (kept in memory): {}", reason)


async def _write_sessions(snapshots: list[dict[str, Any]]) -> None:
    async with _own_sql(_main_store(), "upsert_session", write=True) as conn, conn.cursor() as cur:
        await cur.executemany(_sql("upsert_session"), snapshots)


async def flush_sessions(timeout: float = 5.0) -> bool:
    """Wait until queued session snapshots are written (or failed); False on timeout."""
    return await _records.queue.drained(timeout, _session_writer)


sessions.add_listener(_on_session_event)


async def recorded_sessions(state: str | None, limit: int) -> list[dict[str, Any]]:
    """The session records in the sessions table, newest first (every server process sharing it)."""
    return await fetch_all(_sql("list_sessions"), {"state": state, "limit": limit})


# --------------------------------------------------------------------------- conversations (the LLM layer's memory)


_CONVERSATION_NAMESPACE = uuid.UUID("6f1c2a52-5b1e-4c53-9d0e-2d8a3f6b7c10")


def conversation_uuid(conversation_id: str) -> uuid.UUID:
    """The row id of a conversation: the id itself when it is a UUID, else a stable UUIDv5 of it."""
    try:
        return uuid.UUID(conversation_id)
    except ValueError:
        return uuid.uuid5(_CONVERSATION_NAMESPACE, conversation_id)


async def api_keys_with_prefix(prefix: str) -> list[dict[str, Any]]:
    """The TFO API keys whose ``key_prefix`` is ``prefix`` (the caller compares ``key_hash``)."""
    return await fetch_all(_sql("api_key_by_prefix"), {"prefix": prefix})


async def record_api_key_use(key_id: str, uses: int) -> None:
    """``last_used_at`` now and ``usage_count`` up by ``uses`` for one API key."""
    await execute(_sql("api_key_used"), {"id": key_id, "uses": uses})


async def load_conversation(conversation_id: str) -> list[dict[str, str]] | None:
    """The messages of a conversation as ``{"role", "content"}``, oldest first; None when it is unknown.

    The conversation's system prompt, when one was saved, comes first as a ``system`` message.
    Raises StoreUnavailable when PostgreSQL is unconfigured or unreachable.
    """
    found = await fetch_all(_sql("load_conversation"), {"id": conversation_uuid(conversation_id)})
    if not found:
        return None
    system_prompt = found[0]["system_prompt"]
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    messages += [{"role": row["role"], "content": row["content"]} for row in found if row["role"] is not None]
    return messages


async def save_turn(
    conversation_id: str,
    model: str,
    provider: str,
    system_prompt: str | None,
    user_message: str,
    assistant_message: str,
    input_tokens: int,
    output_tokens: int,
) -> None:
    """Append one turn (the user's message and the answer) to a conversation, creating it if needed.

    Token counts add up on the conversation; the system prompt is kept unless a new one is given.
    Raises StoreUnavailable when PostgreSQL is unconfigured or unreachable.
    """
    store = _main_store()
    values = {
        "id": conversation_uuid(conversation_id),
        "external_id": conversation_id,
        "model": model,
        "provider": provider,
        "system_prompt": system_prompt,
        "user_message": user_message,
        "assistant_message": assistant_message,
        "input_tokens": max(0, int(input_tokens or 0)),
        "output_tokens": max(0, int(output_tokens or 0)),
    }
    async with _own_sql(store, "save_turn", write=True) as conn:
        cur = await conn.execute(_sql("save_conversation"), values)
        row = await cur.fetchone()
        assert row is not None
        await conn.execute(_sql("insert_turn_messages"), {**values, "first_position": row[0]})


# --------------------------------------------------------------------------- migrations


async def migrate(kind: str = "server") -> list[str]:
    """Apply the pending migrations of ``tfo_mcp/sql/postgres/<kind>/NNN_name.sql`` in one transaction.

    Idempotent: applied versions are recorded in ``schema_migrations`` (kind, version, name, checksum), and an
    advisory lock makes concurrent servers take turns. Returns the names applied now (``kind/NNN_name``).
    """
    files = migrations.postgres_files(kind)
    store = _main_store()
    applied_now: list[str] = []
    current = "schema_migrations"
    timeout = max(60.0, get_settings().postgres.statement_timeout)
    async with _Transaction(store, write=True, timeout=timeout, name="migrate") as tx:
        conn = tx.conn
        assert conn is not None
        try:
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK_KEY])
            await conn.execute(_sql("schema_migrations"))
            cur = await conn.execute("SELECT version, checksum FROM schema_migrations WHERE kind = %s", [kind])
            done = {int(version): checksum for version, checksum in await cur.fetchall()}
            for version, name, text in files:
                current = f"{kind}/{name}"
                checksum = migrations.checksum(text)
                if version in done:
                    if done[version] != checksum:
                        logger.warning("postgres: migration {}/{} changed after it was applied", kind, name)
                    continue
                await conn.execute(text)  # trusted file; several statements (simple protocol)
                await conn.execute(
                    "INSERT INTO schema_migrations (kind, version, name, checksum) VALUES (%s, %s, %s, %s)",
                    [kind, version, name, checksum],
                )
                applied_now.append(f"{kind}/{name}")
        except _psycopg_error() as exc:
            raise QueryError(f"migration {current} failed: {_describe_error(exc, '', timeout)}") from None
        tx.commit = True
    if applied_now:
        logger.info("postgres: applied migrations {}", ", ".join(applied_now))
    return applied_now


# --------------------------------------------------------------------------- health, start-up, shutdown


async def _measure(store: _Store, name: str) -> ComponentHealth:
    started = time.perf_counter()
    try:
        rows = await asyncio.wait_for(_server_version(store), 4.0)
    except (StoreUnavailable, QueryError) as exc:
        return ComponentHealth(name=name, configured=True, reachable=False, detail=str(exc))
    except TimeoutError:
        return ComponentHealth(
            name=name, configured=True, reachable=False, detail=f"{store.redacted}: no answer within 4 s"
        )
    latency = round((time.perf_counter() - started) * 1000, 2)
    detail = f"PostgreSQL {rows} at {store.redacted}; {store.pool_stats()}"
    if store is _state.main:
        counts = stats()
        detail += f"; sessions recorded {counts['written']}, failed {counts['failed']}, dropped {counts['dropped']}"
    return ComponentHealth(name=name, configured=True, reachable=True, detail=detail, latency_ms=latency)


async def _server_version(store: _Store) -> str:
    async with _Transaction(store, write=False, timeout=3.0, name="server_version") as tx:
        assert tx.conn is not None
        cur = await tx.conn.execute("SELECT current_setting('server_version')")
        row = await cur.fetchone()
    store.server_version = row[0] if row else None
    return store.server_version or "?"


async def postgres_health() -> list[ComponentHealth]:
    """Measured now: PostgreSQL configured, reachable, server version, redacted URL."""
    main, query = _stores()
    if main is None and query is None:
        return [
            ComponentHealth(
                name="postgres", configured=False, detail=f"not configured: set {URL_ENV} to enable the pg_* tools"
            )
        ]
    checks: list[Awaitable[ComponentHealth]] = []
    if main is not None:
        checks.append(_measure(main, "postgres"))
    else:
        checks.append(_unconfigured_main())
    if query is not None and query is not main:
        checks.append(_measure(query, "postgres-query"))
    return list(await asyncio.gather(*checks))


async def _unconfigured_main() -> ComponentHealth:
    return ComponentHealth(
        name="postgres", configured=False, detail=f"not configured: set {URL_ENV} to keep sessions in PostgreSQL"
    )


async def _start() -> None:
    """Background start-up: open the pools, wait for the first connection, migrate, start the session writer."""
    main, query = _stores()
    for store in {s for s in (main, query) if s is not None}:
        pool = await store.open()
        reason = await store.probe()  # a refused connection is known in milliseconds
        if reason is None:
            try:
                await pool.wait(timeout=get_settings().postgres.connect_timeout)
            except Exception:
                reason = "no pooled connection at start-up"
        if reason is not None:
            store._mark_down(reason)
            continue
        store._mark_up()
    if main is not None and main.state == "up":
        _records.queue.start(asyncio.get_running_loop(), _session_writer)


async def _auto_migrate() -> None:
    """postgres.auto_migrate: apply the server migrations once per process (again only after a failure).

    Two at once (start-up and a reconnection) are safe: migrate() takes an advisory lock.
    """
    if not _state.auto_migrated:
        await migrate("server")
        _state.auto_migrated = True


async def wait_started(timeout: float = 10.0) -> None:
    """Wait for the background start-up work and any auto-migration (tests, the CLI); never raises."""
    for name in ("start_task", "migration_task"):  # the start-up may begin the migration: read it afterwards
        task = getattr(_state, name)
        if task is not None and not task.done():
            with contextlib.suppress(TimeoutError, Exception):
                await asyncio.wait_for(asyncio.shield(task), timeout)


async def start() -> None:
    """Only schedules work: `initialize` is never delayed by PostgreSQL."""
    main, query = _stores()
    if main is None and query is None:
        return
    _state.start_task = _spawn(_start(), "start-up")


async def stop() -> None:
    """Flush session records, then close the pools."""
    if is_configured():
        await flush_sessions(timeout=5.0)
    await close()


async def close() -> None:
    """Stop background work and close the pools (they reopen on the next call)."""
    current = asyncio.current_task()
    writer = _records.queue.task
    pending = [t for t in (*_state.tasks, writer) if t is not None and t is not current and not t.done()]
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(BaseException):
            await task
    _records.queue.task = None
    for store in {s for s in (_state.main, _state.query, *_state.tenants.values()) if s is not None}:
        await store.close()


async def reset() -> None:
    """Forget pools, state and queued session records (tests)."""
    await close()
    _state.key = None
    _state.main = None
    _state.query = None
    _state.start_task = None
    _state.auto_migrated = False
    _state.migration_task = None
    _state.tenants.clear()
    _state.tenant_logins.clear()
    _state.tenant_tables_covered = False
    _records.queue.clear()
    _records.queue.detach()
    _records.failed = _records.written = 0
    _records.warned_missing_table = False
    _records.last_warning = ("", 0.0)


def stats() -> dict[str, Any]:
    """Session-recording counters (queued, written, failed, dropped)."""
    return {
        "queued": len(_records.queue),
        "written": _records.written,
        "failed": _records.failed,
        "dropped": sum(_records.queue.dropped.values()),
    }
