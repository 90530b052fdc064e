"""The configured ClickHouse: which backend, its start and stop, the server's analytics schema, its health.

Backends (chosen by ``TELEMETRYFLOW_MCP_CLICKHOUSE_URL``):
  * ``clickhouse://user:pass@host:9000/db`` / ``clickhouses://`` (TLS): a native server through
    clickhouse-driver (:mod:`tfo_mcp.stores.clickhouse_native`), with a small client pool;
  * ``chdb:///path/to/dir``: the embedded engine chDB (:mod:`tfo_mcp.stores.chdb`, ``tfo-mcp[embedded]``), the
    default when nothing is configured (a store under the user's data dir).

Both speak :class:`~tfo_mcp.stores.clickhouse_backend.Backend`. One backend is kept per process and replaced
when the settings change; :func:`reset` closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

import platformdirs
from loguru import logger

from tfo_mcp.config import get_settings, redact_url
from tfo_mcp.errors import StoreUnavailable
from tfo_mcp.health import ComponentHealth
from tfo_mcp.logs import scrub_secrets
from tfo_mcp.stores import migrations, sql_guard
from tfo_mcp.stores.chdb import ChdbBackend
from tfo_mcp.stores.clickhouse_backend import MESSAGE_LIMIT, NOT_CONFIGURED, URL_SETTING, Backend
from tfo_mcp.stores.clickhouse_native import NativeBackend

if TYPE_CHECKING:
    from tfo_mcp.config import ClickHouseSettings

#: seconds the start-up migration waits, so a client's handshake is answered first.
STARTUP_DELAY = 0.5


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
        if not sql_guard.IDENTIFIER.match(database):
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


async def migrate(kind: str = "server", *, directory: Path | None = None) -> list[str]:
    """Apply the versioned SQL files of ``kind`` (``tfo_mcp/sql/clickhouse/<kind>/NNN_name.sql``) once each.

    Versions are recorded per kind in ``schema_migrations``; already-applied files are skipped, so it is
    safe to run at every start. Returns the names applied now.
    """
    folder = migrations.clickhouse_folder(kind, directory)
    if _state.migrate_lock is None:
        _state.migrate_lock = asyncio.Lock()
    backend = get_clickhouse()
    async with _state.migrate_lock:
        return await migrations.apply_clickhouse(backend, kind, folder)


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
