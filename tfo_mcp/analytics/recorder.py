"""Recording of the server's own tool calls, sessions, resource reads, prompt gets, errors and LLM usage.

:func:`record` is synchronous, never blocks and never raises: it appends the row to a bounded in-memory
queue. A background task (started with the server, stopped and flushed at shutdown) writes the queue in
batches into ClickHouse through ``Backend.insert``. When ClickHouse is unconfigured, down or slow, the
rows of a failed batch, and new rows arriving while the queue is full, are dropped and counted
(:func:`stats`: queued, written, dropped, last_error) instead of blocking or crashing a tool call.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import orjson
from loguru import logger

from tfo_mcp import sessions
from tfo_mcp.auth.identity import LOCAL, Identity
from tfo_mcp.config import get_settings
from tfo_mcp.logs import scrub_secrets
from tfo_mcp.results import dumps
from tfo_mcp.stores import clickhouse
from tfo_mcp.stores.background import BackgroundWriter
from tfo_mcp.stores.clickhouse_backend import UNKNOWN_TABLE

_UTC = dt.UTC
_NOW = object()  # default marker: the time the row was recorded

#: Columns of each analytics table (``sql/clickhouse/server/``) with the default used when a row leaves one out:
#: the INSERT column list of every flush. ``test_recorder_columns_are_the_migrated_tables`` checks the
#: migrated tables have exactly these columns, UNSIGNED the UInt ones and NULLABLE_TIMES the nullable times.
TABLES: dict[str, dict[str, Any]] = {
    "tool_calls": {
        "timestamp": _NOW, "server_id": "", "session_id": "", "tool_name": "", "success": 1,
        "duration_ms": 0.0, "input_size": 0, "output_size": 0, "error_type": "", "error_message": "",
        "identity": "", "organization_id": "", "arguments_hash": "", "outcome": "", "record_id": "",
    },
    "api_usage": {
        "timestamp": _NOW, "server_id": "", "session_id": "", "conversation_id": "", "provider": "",
        "model": "", "input_tokens": 0, "output_tokens": 0, "total_tokens": 0, "cost_usd": None,
        "duration_ms": 0.0, "success": 1, "error_type": "", "error_message": "", "record_id": "",
    },
    "session_analytics": {
        "session_id": "", "server_id": "", "state": "", "client_name": "", "client_version": "",
        "protocol_version": "", "started_at": _NOW, "initialized_at": None, "closed_at": None,
        "duration_seconds": 0.0, "tool_calls": 0, "api_calls": 0, "input_tokens": 0, "output_tokens": 0,
        "errors": 0, "updated_at": _NOW, "record_id": "",
    },
    "error_analytics": {
        "timestamp": _NOW, "server_id": "", "session_id": "", "source": "server", "name": "",
        "error_type": "", "error_code": 0, "error_message": "", "context": "{}", "record_id": "",
    },
    "resource_access": {
        "timestamp": _NOW, "server_id": "", "session_id": "", "resource_uri": "", "success": 1,
        "duration_ms": 0.0, "response_size": 0, "error_message": "", "identity": "", "organization_id": "",
        "record_id": "",
    },
    "prompt_usage": {
        "timestamp": _NOW, "server_id": "", "session_id": "", "prompt_name": "", "arguments_count": 0,
        "success": 1, "duration_ms": 0.0, "response_size": 0, "error_message": "", "identity": "",
        "organization_id": "", "record_id": "",
    },
}  # fmt: skip
UNSIGNED = frozenset(
    {"success", "input_size", "output_size", "input_tokens", "output_tokens", "total_tokens", "tool_calls",
     "api_calls", "errors", "response_size", "arguments_count"}
)  # fmt: skip
NULLABLE_TIMES = frozenset({"initialized_at", "closed_at"})
MESSAGE_CHARS = 2000
FLUSH_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
MAX_BACKOFF = 30.0


#: One queued row: (table, row, when it was recorded).
Queued = tuple[str, dict[str, Any], dt.datetime]
#: Takes a record for the analytics stream (:mod:`tfo_mcp.analytics.stream`); False: it went to the queue instead.
Publish = Callable[[Queued], bool]


class _Recorder:
    """The queue with its flusher, the counters, and the per-session tallies."""

    def __init__(self) -> None:
        self.queue: BackgroundWriter[Queued] = BackgroundWriter(
            "tfo-analytics-flusher", lambda: get_settings().clickhouse.analytics_queue_size
        )
        self.lock = threading.Lock()  # guards usage
        self.written: Counter[str] = Counter()
        self.last_error: str | None = None
        self.flush_lock: asyncio.Lock | None = None
        self.backoff = 0.0
        self.retry_at = 0.0
        #: per-session LLM tallies for the session rows.
        self.usage: dict[str, list[int]] = {}
        #: the analytics stream's publisher while it runs (``nats.url``); None: straight to the queue.
        self.publish: Publish | None = None
        self.stream_stats: Callable[[], dict[str, Any]] | None = None


_rec = _Recorder()


def enabled() -> bool:
    """Whether recording is on (``clickhouse.analytics_enabled``)."""
    return get_settings().clickhouse.analytics_enabled


def server_id() -> str:
    """This instance's name in analytics rows (``clickhouse.server_id``, else the host name)."""
    return get_settings().clickhouse.server_id or _hostname()


_host: list[str] = []


def _hostname() -> str:
    if not _host:
        _host.append(socket.gethostname() or "tfo-mcp")
    return _host[0]


# --------------------------------------------------------------------------- recording


def record(table: str, row: dict[str, Any]) -> None:
    """Queue one analytics row for ``table`` (tool_calls, api_usage, session_analytics, error_analytics,
    resource_access, prompt_usage). Missing columns take defaults; never blocks, never raises."""
    try:
        if not enabled():
            return
        if table not in TABLES:
            logger.debug("analytics: unknown table {}", table)
            return
        now = dt.datetime.now(_UTC)
        row = dict(row)
        if row.get("session_id"):  # a connection key (ctx.session_id) becomes the session's own id
            row["session_id"] = session_for(str(row["session_id"]))
        if not _enqueue(table, row, now):
            return
        if table == "api_usage":
            _tally_usage(row)
            if not row.get("success", True):
                _queue_llm_error(row, now)
        if len(_rec.queue) >= get_settings().clickhouse.analytics_batch_size:
            _rec.queue.wake()
    except Exception as exc:  # recording must never break the caller
        with contextlib.suppress(Exception):
            _rec.queue.dropped[table] += 1
            _rec.last_error = f"record: {type(exc).__name__}"


def _queue_llm_error(row: dict[str, Any], now: dt.datetime) -> None:
    error = {
        "session_id": row.get("session_id") or "",
        "source": "llm",
        "name": row.get("model") or "",
        "error_type": row.get("error_type") or "LLMError",
        "error_message": row.get("error_message") or "",
        "context": {"provider": row.get("provider") or "", "conversation_id": row.get("conversation_id") or ""},
    }
    _enqueue("error_analytics", error, now)


def _enqueue(table: str, row: dict[str, Any], now: dt.datetime) -> bool:
    """Give a row its unique id, then to the analytics stream when it runs and takes it, else to the bounded
    queue; when the queue is full, count the row as dropped and return False."""
    row.setdefault("record_id", uuid.uuid4().hex)
    publish = _rec.publish
    if publish is not None and publish((table, row, now)):
        return True
    return _rec.queue.put((table, row, now), table)


def set_publisher(publish: Publish | None, stream_stats: Callable[[], dict[str, Any]] | None = None) -> None:
    """Send every record to ``publish`` first (the analytics stream), or to the queue again (None);
    ``stream_stats`` adds the stream's counters to :func:`stats`."""
    _rec.publish = publish
    _rec.stream_stats = stream_stats


def fall_back(queued: list[Queued]) -> None:
    """Put records the stream could not send into the queue (written straight to ClickHouse); full: dropped.

    No wake-up: this runs at shutdown, just before the flusher is cancelled, and a wake-up landing together
    with the cancellation makes Python 3.11's ``wait_for`` swallow it (the flusher would never stop).
    """
    for item in queued:
        _rec.queue.put(item, item[0])


def _tally_usage(row: dict[str, Any]) -> None:
    """Count one LLM call and its tokens for the session (``row["session_id"]`` is the session's own id)."""
    session_id = str(row.get("session_id") or "")
    if not session_id:
        return
    with _rec.lock:
        tally = _rec.usage.setdefault(session_id, [0, 0, 0])
        tally[0] += 1
        tally[1] += int(row.get("input_tokens") or 0)
        tally[2] += int(row.get("output_tokens") or 0)


def session_for(connection_key: str) -> str:
    """The session id of a connection (the key itself when the session is unknown)."""
    return sessions.session_id_for(connection_key) or connection_key


def _payload_size(value: Any, depth: int = 0) -> int:
    """Characters of text/bytes in a tool, resource or prompt result (content blocks and structured content,
    contents, messages)."""
    if value is None or depth > 5:
        return 0
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, (list, tuple)):
        return sum(_payload_size(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return len(dumps(value))  # orjson: this runs on the request path, for results of any size
    structured = getattr(value, "structured_content", None)
    if structured is not None:  # a tool result: its content blocks and its structured payload
        return _payload_size(getattr(value, "content", None), depth + 1) + _payload_size(structured, depth + 1)
    for attribute in ("text", "blob", "content", "contents", "messages"):
        inner = getattr(value, attribute, None)
        if inner is not None:
            return _payload_size(inner, depth + 1)
    return 0


def _arguments_size(arguments: Any) -> int:
    if not arguments:
        return 0
    try:
        return len(json.dumps(arguments, default=str, separators=(",", ":")))
    except (TypeError, ValueError):
        return 0


def _error_text(result: Any, error: BaseException | None) -> tuple[str, str, int]:
    """(error_type, message, code) of a failed call: an exception, or an isError tool result."""
    if error is not None:
        code = getattr(error, "code", None)
        if not isinstance(code, int):
            code = getattr(getattr(error, "error", None), "code", 0)
        return type(error).__name__, str(error), code if isinstance(code, int) else 0
    content = getattr(result, "content", None) or []
    text = next((getattr(block, "text", "") for block in content if getattr(block, "text", None)), "")
    return "ToolError", text, 0


def _record_call(
    table: str,
    source: str,
    name_column: str,
    name: str,
    connection_key: str,
    seconds: float,
    result: Any,
    error: BaseException | None,
    extra: dict[str, Any],
) -> None:
    failed = error is not None or bool(getattr(result, "is_error", False))
    session_id = session_for(connection_key)
    row = {name_column: name, "session_id": session_id, "success": 0 if failed else 1, "duration_ms": seconds * 1000}
    row.update(extra)
    if failed:
        error_type, message, code = _error_text(result, error)
        message = scrub_secrets(message)[:MESSAGE_CHARS]
        row["error_message"] = message
        if table == "tool_calls":
            row["error_type"] = error_type
        record(table, row)
        record(
            "error_analytics",
            {
                "session_id": session_id,
                "source": source,
                "name": name,
                "error_type": error_type,
                "error_code": code,
                "error_message": message,
            },
        )
    else:
        record(table, row)


def record_tool_call(
    connection_key: str,
    name: str,
    arguments: Any,
    result: Any,
    error: BaseException | None,
    seconds: float,
    identity: Identity = LOCAL,
) -> None:
    """Record one tool call (SessionMiddleware calls this): who, for which organization, a hash of the arguments
    (never their values), how it ended and the bytes returned; never raises."""
    with contextlib.suppress(Exception):
        if enabled():
            audit = {
                **_who(identity, arguments),
                "input_size": _arguments_size(arguments),
                "output_size": _payload_size(result),
                "arguments_hash": _arguments_hash(arguments),
                "outcome": _outcome(result, error),
            }
            _record_call("tool_calls", "tool", "tool_name", name, connection_key, seconds, result, error, audit)


def record_resource_read(
    connection_key: str, uri: str, result: Any, error: BaseException | None, seconds: float, identity: Identity = LOCAL
) -> None:
    """Record one resource read; never raises."""
    with contextlib.suppress(Exception):
        if enabled():
            extra = {**_who(identity, None), "response_size": _payload_size(result)}
            _record_call(
                "resource_access", "resource", "resource_uri", uri, connection_key, seconds, result, error, extra
            )


def record_prompt_get(
    connection_key: str,
    name: str,
    arguments: Any,
    result: Any,
    error: BaseException | None,
    seconds: float,
    identity: Identity = LOCAL,
) -> None:
    """Record one prompt get; never raises."""
    with contextlib.suppress(Exception):
        if enabled():
            extra = {
                **_who(identity, arguments),
                "arguments_count": len(arguments or {}),
                "response_size": _payload_size(result),
            }
            _record_call("prompt_usage", "prompt", "prompt_name", name, connection_key, seconds, result, error, extra)


def _who(identity: Identity, arguments: Any) -> dict[str, str]:
    """The audit's identity and organization: the credential's, else the one the arguments name (operators)."""
    named = arguments.get("organization_id") if isinstance(arguments, dict) else None
    organization = identity.organization_id or (named if isinstance(named, str) else "")
    return {"identity": identity.subject, "organization_id": organization[:200]}


def _arguments_hash(arguments: Any) -> str:
    """SHA-256 (hex, 32 digits) of the arguments' canonical JSON: equal calls are recognisable, values unreadable."""
    canonical = orjson.dumps(arguments or {}, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(canonical).hexdigest()[:32]


def _outcome(result: Any, error: BaseException | None) -> str:
    from tfo_mcp.auth.tenancy import RateLimited, Refused

    if isinstance(error, Refused):
        return "refused"
    if isinstance(error, RateLimited):
        return "rate_limited"
    return "error" if error is not None or getattr(result, "is_error", False) else "ok"


def _on_session(event: str, session: sessions.Session, extra: dict[str, Any]) -> None:
    """Session life-cycle listener: one session_analytics row at open, ready and close."""
    if event not in ("open", "ready", "close"):
        return
    api_calls, input_tokens, output_tokens = _rec.usage.get(session.id, (0, 0, 0))
    data = session.as_dict()
    record(
        "session_analytics",
        {
            "session_id": session.id,
            "state": "closed" if event == "close" else session.state,
            "client_name": session.client_name or "",
            "client_version": session.client_version or "",
            "protocol_version": session.protocol_version or "",
            "started_at": session.created_at,
            "initialized_at": session.initialized_at,
            "closed_at": session.closed_at,
            "duration_seconds": data["duration_seconds"],
            "tool_calls": session.tool_calls,
            "api_calls": api_calls,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "errors": session.errors,
        },
    )
    if event == "close":
        _rec.usage.pop(session.id, None)


sessions.add_listener(_on_session)


# --------------------------------------------------------------------------- writing


def _coerce(column: str, value: Any, default: Any, now: dt.datetime) -> Any:
    if value is None:
        return now if default is _NOW else default
    if default is _NOW or column in NULLABLE_TIMES:
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=_UTC)
        if isinstance(value, (int, float)):
            return dt.datetime.fromtimestamp(value, _UTC)
        return dt.datetime.fromisoformat(str(value))
    if isinstance(default, bool) or column in UNSIGNED:
        return max(0, int(value))
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)[:MESSAGE_CHARS]
    text = str(value)
    return scrub_secrets(text)[:MESSAGE_CHARS] if "message" in column else text[:MESSAGE_CHARS]


def to_row(table: str, row: dict[str, Any], now: dt.datetime, sid: str) -> tuple[Any, ...]:
    """The values of ``row`` in the column order of ``TABLES[table]``, defaults filled in and types coerced."""
    columns = TABLES[table]
    if not row.get("server_id"):
        row["server_id"] = sid
    if table == "api_usage" and not row.get("total_tokens"):
        row["total_tokens"] = int(row.get("input_tokens") or 0) + int(row.get("output_tokens") or 0)
    return tuple(_coerce(name, row.get(name), default, now) for name, default in columns.items())


async def flush() -> int:
    """Write everything queued now; return the rows written. Failed batches are dropped and counted."""
    if _rec.flush_lock is None:
        _rec.flush_lock = asyncio.Lock()
    total = 0
    async with _rec.flush_lock:
        if _rec.queue:
            await clickhouse.ensure_schema()
        batch_size = get_settings().clickhouse.analytics_batch_size
        sid = server_id()
        while _rec.queue:
            grouped: dict[str, list[tuple[Any, ...]]] = {}
            for table, row, now in _rec.queue.take(batch_size):
                try:
                    grouped.setdefault(table, []).append(to_row(table, row, now, sid))
                except (TypeError, ValueError) as exc:
                    _rec.queue.dropped[table] += 1
                    _rec.last_error = f"{table}: bad row ({exc})"
            for table, rows in grouped.items():
                try:
                    backend = clickhouse.get_clickhouse()
                    await asyncio.wait_for(backend.insert(table, list(TABLES[table]), rows), FLUSH_TIMEOUT)
                except Exception as exc:
                    _rec.queue.dropped[table] += len(rows)
                    hint = " (run `tfo-mcp db migrate`)" if getattr(exc, "code", None) == UNKNOWN_TABLE else ""
                    _rec.last_error = scrub_secrets(f"{table}: {exc}{hint}")[:500] or type(exc).__name__
                    _rec.backoff = min(max(_rec.backoff * 2, 1.0), MAX_BACKOFF)
                    _rec.retry_at = time.monotonic() + _rec.backoff
                else:
                    _rec.written[table] += len(rows)
                    total += len(rows)
                    _rec.backoff = 0.0
    return total


async def _run() -> None:
    interval = get_settings().clickhouse.analytics_flush_interval
    while True:
        await _rec.queue.wait(interval)
        if not _rec.queue or time.monotonic() < _rec.retry_at:
            continue
        try:
            # Shielded: stop() cancels this task, but a batch already taken from the queue is still written
            # (stop() waits for it through the flush lock) instead of being lost uncounted.
            await asyncio.shield(flush())
        except Exception as exc:  # keep the flusher alive whatever happens
            _rec.last_error = scrub_secrets(f"flush: {exc}")[:500]


async def start() -> None:
    """Start the background flusher (idempotent; the analytics capability's start hook)."""
    if not enabled() or _rec.queue.running():
        return
    _rec.flush_lock = asyncio.Lock()
    _rec.queue.start(asyncio.get_running_loop(), _run)


async def stop() -> None:
    """Stop the flusher and write what is queued (bounded wait); idempotent (the shutdown hook calls it)."""
    await _rec.queue.stop()
    if _rec.queue or (_rec.flush_lock is not None and _rec.flush_lock.locked()):
        try:  # after a batch still being written (it holds the flush lock), the rest of the queue
            await asyncio.wait_for(flush(), STOP_TIMEOUT)
        except Exception as exc:
            _rec.last_error = scrub_secrets(f"final flush: {exc}")[:500]
        _rec.queue.drop_queued(lambda queued: queued[0])
    _rec.queue.detach()


def stats() -> dict[str, Any]:
    """Queue counters for status://health."""
    dropped = _rec.queue.dropped
    tables = sorted(set(_rec.written) | set(dropped))
    return {
        "enabled": enabled(),
        "running": _rec.queue.running(),
        "queued": len(_rec.queue),
        "written": sum(_rec.written.values()),
        "dropped": sum(dropped.values()),
        "last_error": _rec.last_error,
        "tables": {name: {"written": _rec.written[name], "dropped": dropped[name]} for name in tables},
        **({"stream": _rec.stream_stats()} if _rec.stream_stats is not None else {}),
    }


def reset_stats() -> None:
    """Forget counters and queued rows (tests)."""
    _rec.queue.clear()
    with _rec.lock:
        _rec.written.clear()
        _rec.last_error = None
        _rec.backoff = 0.0
        _rec.retry_at = 0.0
