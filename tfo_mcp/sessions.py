"""In-memory session store: each client connection's life cycle and call counts."""

from __future__ import annotations

import contextlib
import threading
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

SessionState = Literal["created", "initializing", "ready", "closing", "closed"]
MAX_CLOSED_KEPT = 1000


@dataclass
class Session:
    """One client connection as the server saw it."""

    id: str
    connection_key: str
    state: SessionState = "created"
    client_name: str | None = None
    client_version: str | None = None
    protocol_version: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    initialized_at: datetime | None = None
    closed_at: datetime | None = None
    tool_calls: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("created_at", "initialized_at", "closed_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data.pop("connection_key")
        data["duration_seconds"] = round(((self.closed_at or datetime.now(UTC)) - self.created_at).total_seconds(), 3)
        return data


_lock = threading.Lock()
_sessions: dict[str, Session] = {}
_by_connection: dict[str, str] = {}
_listeners: list[Any] = []


def add_listener(listener: Any) -> None:
    """Call ``listener(event, session, extra)`` on open/ready/close/call (used by analytics)."""
    _listeners.append(listener)


def _notify(event: str, session: Session, **extra: Any) -> None:
    for listener in list(_listeners):
        with contextlib.suppress(Exception):  # a listener must never break a session
            listener(event, session, extra)


def open_session(
    connection_key: str,
    client_name: str | None = None,
    client_version: str | None = None,
    protocol_version: str | None = None,
) -> Session:
    """Record a new session at `initialize` (state: initializing)."""
    session = Session(id=str(uuid.uuid4()), connection_key=connection_key)
    session.client_name, session.client_version = client_name, client_version
    session.protocol_version = protocol_version
    session.state = "initializing"
    with _lock:
        _sessions[session.id] = session
        _by_connection[connection_key] = session.id
    _notify("open", session)
    return session


def mark_ready(session_id: str) -> None:
    """The server answered `initialize`: the session is ready."""
    with _lock:
        session = _sessions.get(session_id)
        if session is None or session.state != "initializing":
            return
        session.state = "ready"
        session.initialized_at = datetime.now(UTC)
    _notify("ready", session)


def close_session(session_id: str) -> None:
    """Move a session through closing to closed (idempotent)."""
    with _lock:
        session = _sessions.get(session_id)
        if session is None or session.state == "closed":
            return
        session.state = "closing"
    _notify("closing", session)
    with _lock:
        session.state = "closed"
        session.closed_at = datetime.now(UTC)
        _by_connection.pop(session.connection_key, None)
        _trim_closed()
    _notify("close", session)


def close_all() -> None:
    """Close every open session (server shutdown)."""
    for session_id in [s.id for s in list_sessions() if s.state != "closed"]:
        close_session(session_id)


def record_call(connection_key: str, kind: str, name: str, ok: bool, seconds: float, error: str | None = None) -> None:
    """Count a tool call against the session of its connection, if one is known."""
    with _lock:
        session_id = _by_connection.get(connection_key)
        session = _sessions.get(session_id) if session_id else None
        if session is not None:
            session.tool_calls += 1
            session.errors += 0 if ok else 1
    if session is not None:
        _notify("call", session, kind=kind, name=name, ok=ok, seconds=seconds, error=error)


def session_id_for(connection_key: str) -> str | None:
    """The open session of a connection, if one is known."""
    with _lock:
        return _by_connection.get(connection_key)


def list_sessions(state: str | None = None, limit: int | None = None) -> list[Session]:
    """Sessions newest first, optionally filtered by state."""
    with _lock:
        items = sorted(_sessions.values(), key=lambda s: s.created_at, reverse=True)
    if state:
        items = [s for s in items if s.state == state]
    return items[:limit] if limit else items


def active_count() -> int:
    """Sessions not yet closed."""
    with _lock:
        return sum(1 for s in _sessions.values() if s.state != "closed")


def _trim_closed() -> None:
    closed = [s for s in _sessions.values() if s.state == "closed"]
    if len(closed) <= MAX_CLOSED_KEPT:
        return
    closed.sort(key=lambda s: s.created_at)
    for session in closed[:-MAX_CLOSED_KEPT]:
        _sessions.pop(session.id, None)
