"""Guards in front of the `http` and `sse` transports: Host/Origin allow-lists and a streaming body cap.

* :class:`HostOriginGuard` is the DNS-rebinding protection. A request must name this server in its
  ``Host`` header (one of the loopback names at the served port, a configured ``server.allowed_hosts``
  entry, or the IP address the connection came in on); a request that carries an ``Origin`` must come
  from an allowed origin (this server's own loopback origins or ``server.allowed_origins``). Refusals are
  421 / 403 with a fixed JSON body that echoes nothing.
* :class:`BodyLimit` refuses a body larger than ``server.max_body_bytes`` with 413 as soon as that is
  known: up front from ``Content-Length``, or while a chunked body streams in, and closes the connection
  instead of reading the rest.

Both are pure ASGI middleware and import nothing heavy, so the config validators can use the parsers.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
from typing import TYPE_CHECKING, Any

from loguru import logger

if TYPE_CHECKING:
    from starlette.middleware import Middleware
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from tfo_mcp.config import ServerSettings

#: Paths answered whatever the Host and Origin (liveness probes name the pod IP; they reveal nothing).
OPEN_PATHS = frozenset({"/healthz"})
#: Host names a loopback client may use, at the served port (or with no port).
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_.])?")
_PORT = re.compile(r"[0-9]{1,5}")
_ORIGIN = re.compile(r"(https?)://(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::([0-9]{1,5}))?")
_DEFAULT_PORTS = {"http": 80, "https": 443}


# --------------------------------------------------------------------------- parsing


def _ipv6_literal(bracketed: str) -> str | None:
    """``[::1]``-style literal in canonical compressed form, or None."""
    try:
        return f"[{ipaddress.IPv6Address(bracketed[1:-1]).compressed}]"
    except ValueError:
        return None


def parse_host(value: str) -> tuple[str, int | None] | None:
    """A ``Host`` header (or allow-list entry) as (lower-case name, port or None); None when malformed."""
    value = value.lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = _ipv6_literal(value[: end + 1]), value[end + 1 :]
        if name is None:
            return None
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
        if not _NAME.fullmatch(name):
            return None
    if not rest:
        return name, None
    if rest[0] != ":" or not _PORT.fullmatch(rest[1:]) or not 0 < int(rest[1:]) <= 65535:
        return None
    return name, int(rest[1:])


def normalize_origin(value: str) -> str | None:
    """``scheme://host[:port]`` lower-cased, the scheme's default port dropped; None unless http(s) and bare."""
    match = _ORIGIN.fullmatch(value.lower())
    if match is None:
        return None
    scheme, host, port_text = match.groups()
    if host.startswith("["):
        host = _ipv6_literal(host)
        if host is None:
            return None
    elif not _NAME.fullmatch(host):
        return None
    port = int(port_text) if port_text else _DEFAULT_PORTS[scheme]
    if not 0 < port <= 65535:
        return None
    return f"{scheme}://{host}" if port == _DEFAULT_PORTS[scheme] else f"{scheme}://{host}:{port}"


def normalize_host_entry(entry: str) -> str:
    """One ``server.allowed_hosts`` entry (``name`` or ``name:port``) normalised; ValueError when not one."""
    parsed = parse_host(entry.strip())
    if parsed is None:
        raise ValueError(
            f"{entry[:100]!r} is not a host name: give the name clients put in the URL, optionally with a "
            "port (mcp.example.com, mcp.example.com:8443, 10.0.0.5, [fd00::5]); no scheme, path or wildcard"
        )
    name, port = parsed
    return name if port is None else f"{name}:{port}"


def normalize_origin_entry(entry: str) -> str:
    """One ``server.allowed_origins`` entry normalised; ValueError for ``*``, ``null`` or anything not an origin."""
    normalized = normalize_origin(entry.strip().removesuffix("/"))
    if normalized is None:
        raise ValueError(
            f"{entry[:100]!r} is not an origin: give scheme://host[:port] with http or https, as the browser "
            "sends it (https://app.example.com); `*` and `null` are not accepted"
        )
    return normalized


# --------------------------------------------------------------------------- policy


class HostPolicy:
    """Which Host and Origin values a server bound to ``port`` answers."""

    def __init__(self, port: int, bind_host: str, allowed_hosts: list[str], allowed_origins: list[str]) -> None:
        self.port = port
        names = set(LOOPBACK_NAMES)
        bind = parse_host(f"[{bind_host}]" if ":" in bind_host and not bind_host.startswith("[") else bind_host)
        if bind is not None and _is_loopback_name(bind[0]):
            names.add(bind[0])  # e.g. 127.0.0.2
        #: name -> ports accepted (None: any port, or none given)
        self._hosts: dict[str, set[int | None]] = {name: {port, None} for name in names}
        self._any_port: set[str] = set()
        for entry in allowed_hosts:
            parsed = parse_host(entry)
            if parsed is None:  # settings validate entries; a bad one here matches nothing
                continue
            name, entry_port = parsed
            if entry_port is None:
                self._any_port.add(name)
            else:
                self._hosts.setdefault(name, set()).add(entry_port)
        self._origins = {f"http://{name}" if port == 80 else f"http://{name}:{port}" for name in names}
        self._origins.update(o for o in (normalize_origin(entry) for entry in allowed_origins) if o)

    def host_allowed(self, value: str, local_address: str | None = None) -> bool:
        """True when ``value`` names this server (``local_address``: the IP the connection came in on)."""
        parsed = parse_host(value)
        if parsed is None:
            return False
        name, port = parsed
        if name in self._any_port or port in self._hosts.get(name, ()):
            return True
        # An IP literal is no DNS name, so it cannot be rebound: the address this connection reached is fine.
        return local_address is not None and port in (self.port, None) and name == _literal(local_address)

    def origin_allowed(self, value: str) -> bool:
        """True when a present ``Origin`` header is one this server trusts (never ``null``)."""
        normalized = normalize_origin(value)
        return normalized is not None and normalized in self._origins


def _is_loopback_name(name: str) -> bool:
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def _literal(address: str) -> str | None:
    """A socket address as it appears in a Host header (IPv6 bracketed, canonical)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return f"[{ip.compressed}]" if ip.version == 6 else ip.compressed


# --------------------------------------------------------------------------- responses


def _json_body(error: str, description: str) -> bytes:
    return json.dumps({"error": error, "error_description": description}).encode()


MISDIRECTED = _json_body("misdirected_request", "this server does not answer for the Host named in the request")
FORBIDDEN_ORIGIN = _json_body("forbidden_origin", "requests from this Origin are refused")


async def _send_json(send: Send, status: int, body: bytes, *, close: bool = False) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _Throttle:
    """At most one warning per ``interval`` seconds; the rest go to debug and are counted."""

    def __init__(self, interval: float = 10.0) -> None:
        self.interval = interval
        self._last = float("-inf")
        self._suppressed = 0

    def warn(self, message: str, *args: Any) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            self._suppressed += 1
            logger.opt(depth=1).debug(message, *args)
            return
        suppressed, self._suppressed, self._last = self._suppressed, 0, now
        more = f" ({suppressed} more since the last warning)" if suppressed else ""
        logger.opt(depth=1).warning(message + more, *args)


def _shown(value: bytes) -> str:
    """An attacker-chosen header value, safe for one log line."""
    return repr(value[:100].decode("latin-1"))


# --------------------------------------------------------------------------- middleware


class HostOriginGuard:
    """Pure ASGI middleware: refuse a foreign ``Host`` (421) or a foreign ``Origin`` (403), OPEN_PATHS aside."""

    def __init__(self, app: ASGIApp, policy: HostPolicy) -> None:
        self.app = app
        self.policy = policy
        self._throttle = _Throttle()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket") or scope.get("path") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        hosts: list[bytes] = []
        origins: list[bytes] = []
        for name, value in scope.get("headers") or ():
            if name == b"host":
                hosts.append(value)
            elif name == b"origin":
                origins.append(value)
        server = scope.get("server")
        local = server[0] if server else None
        if len(hosts) != 1 or not self.policy.host_allowed(hosts[0].decode("latin-1"), local):
            self._throttle.warn(
                "refused a request for Host {} (421): add the name clients use to server.allowed_hosts",
                " / ".join(_shown(h) for h in hosts) or "(none)",
            )
            await self._refuse(kind, send, 421, MISDIRECTED)
            return
        if origins and (len(origins) != 1 or not self.policy.origin_allowed(origins[0].decode("latin-1"))):
            self._throttle.warn(
                "refused a request from Origin {} (403): a browser page's own origin goes in server.allowed_origins",
                " / ".join(_shown(o) for o in origins),
            )
            await self._refuse(kind, send, 403, FORBIDDEN_ORIGIN)
            return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(kind: str, send: Send, status: int, body: bytes) -> None:
        if kind == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: the server answers 403
            return
        await _send_json(send, status, body)


class BodyLimit:
    """Pure ASGI middleware: a body over ``max_bytes`` gets 413 (and the connection closed) before the app runs.

    A ``Content-Length`` over the cap is refused before one byte of the body is read; with a valid one at
    or under it the server's framing already stops the body there, so the request passes untouched.
    Otherwise (chunked) the body is read up to the cap, then handed on in one piece.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self._refusal = _json_body(
            "payload_too_large", f"the request body is larger than {max_bytes} bytes (server.max_body_bytes)"
        )
        self._throttle = _Throttle()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length: bytes | None = None
        chunked = False
        for name, value in scope.get("headers") or ():
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = True  # framing wins over any Content-Length
        if length is not None and not chunked and length.isdigit():
            if int(length) > self.max_bytes:
                await self._too_large(send)
                return
            await self.app(scope, receive, send)
            return
        body = bytearray()
        complete = False
        replay: list[Message] = []
        while not complete:
            message = await receive()
            if message["type"] != "http.request":  # the client went away mid-body
                replay.append(message)
                break
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._too_large(send)
                return
            complete = not message.get("more_body", False)
        replay.insert(0, {"type": "http.request", "body": bytes(body), "more_body": not complete})
        del body

        async def replaying() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app(scope, replaying, send)

    async def _too_large(self, send: Send) -> None:
        self._throttle.warn("refused an HTTP request body over server.max_body_bytes={} (413)", self.max_bytes)
        await _send_json(send, 413, self._refusal, close=True)


def http_middleware(server: ServerSettings) -> list[Middleware]:
    """The guards for one HTTP/SSE app, outermost first."""
    from starlette.middleware import Middleware

    policy = HostPolicy(server.port, server.host, server.allowed_hosts, server.allowed_origins)
    return [
        Middleware(HostOriginGuard, policy=policy),
        Middleware(BodyLimit, max_bytes=server.max_body_bytes),
    ]
