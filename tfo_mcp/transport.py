"""Running the server: stdio, or streamable HTTP / SSE with a bearer token off loopback."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import signal
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import mcp.types as mt
from loguru import logger

from tfo_mcp import telemetry
from tfo_mcp.auth.identity import scope_names
from tfo_mcp.config import ConfigError, Settings

if TYPE_CHECKING:
    from fastmcp import FastMCP

PARSE_ERROR = -32700
INVALID_REQUEST = -32600


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_http_exposure(settings: Settings) -> list[str]:
    """The ways HTTP callers must authenticate (:func:`tfo_mcp.auth.verifiers.auth_modes`); refuse an open or
    unnamed non-loopback bind."""
    from tfo_mcp.auth.verifiers import auth_modes

    server = settings.server
    modes = auth_modes(server)
    if modes == ["none"] and not is_loopback(server.host) and not server.allow_unauthenticated:
        raise ConfigError(
            f"config error: server.host={server.host} is not loopback, so HTTP needs authentication: set "
            "TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN, or server.auth_mode api_keys or jwt (or "
            "server.allow_unauthenticated=true to accept the risk)"
        )
    if not is_loopback(server.host) and not server.allowed_hosts:
        raise ConfigError(
            f"config error: server.host={server.host} is not loopback, so HTTP needs server.allowed_hosts: the "
            "host names clients put in the URL (mcp.example.com, or mcp.example.com:8443 for one port only), "
            "set e.g. TELEMETRYFLOW_MCP_SERVER__ALLOWED_HOSTS=mcp.example.com; requests naming any other Host "
            "are refused with 421 (DNS-rebinding protection)"
        )
    return modes


def remote_rate_limit(settings: Settings, modes: list[str]) -> list[Any]:
    """The ASGI guard that answers 429 to a verified caller over its rate limit (none without authentication)."""
    from starlette.middleware import Middleware

    from tfo_mcp.auth.http_rate_limit import RateLimitGuard
    from tfo_mcp.auth.rate_limits import rate_limiter

    return [] if modes == ["none"] else [Middleware(RateLimitGuard, limiter=rate_limiter(settings))]


def http_auth(settings: Settings, modes: list[str]) -> Any:
    """FastMCP's auth provider for ``modes`` (None for ``none``): the credential verifier, and in ``jwt`` mode
    the OAuth protected-resource metadata (RFC 9728) that names the authorization servers."""
    from fastmcp.server.auth import RemoteAuthProvider

    from tfo_mcp.auth.verifiers import Credentials

    if modes == ["none"]:
        return None
    server = settings.server
    credentials = Credentials(server, modes)
    if "jwt" not in modes:
        return credentials
    issuers = server.jwt.authorization_servers or ([server.jwt.issuer] if server.jwt.issuer else [])
    if not issuers:
        raise ConfigError(
            "config error: server.auth_mode jwt needs server.jwt.issuer or server.jwt.authorization_servers"
        )
    base_url = server.public_url or f"http://{server.host}:{server.port}"
    return RemoteAuthProvider(
        token_verifier=credentials,
        authorization_servers=issuers,  # type: ignore[arg-type]
        base_url=base_url,
        scopes_supported=list(scope_names()),
        resource_name="tfo-mcp",
    )


def rejection_for(exc: Exception) -> dict[str, Any] | None:
    """The JSON-RPC error answering a line that is not valid JSON-RPC (None for blank lines)."""
    errors = exc.errors() if hasattr(exc, "errors") else []
    first = errors[0] if errors else {}
    raw = first.get("input")
    if first.get("type") == "json_invalid":
        if isinstance(raw, str) and not raw.strip():
            return None
        if raw == OVERSIZED_LINE:
            return {
                "code": PARSE_ERROR,
                "message": f"Parse error: the line is longer than {MAX_LINE_BYTES:,} bytes; it was skipped",
            }
        return {"code": PARSE_ERROR, "message": "Parse error: the line is not valid JSON"}
    request_id = None
    for error in errors:
        candidate = error.get("input")
        if isinstance(candidate, dict) and isinstance(candidate.get("id"), (str, int)):
            request_id = candidate["id"]
            break
    return {
        "code": INVALID_REQUEST,
        "message": "Invalid Request: not a JSON-RPC 2.0 request, notification or response",
        "id": request_id,
    }


#: Longest stdin line (bytes, newline not counted) the stdio server accepts. A longer one is answered with
#: -32700 (id null) and skipped as it streams in: at most this much of it is ever held in memory.
MAX_LINE_BYTES = 64 * 1024 * 1024
#: Bytes taken from the pipe per read.
STDIN_CHUNK = 1024 * 1024
#: What _StdinLines yields for a line over MAX_LINE_BYTES: not JSON, so the SDK hands it on as a parse error.
OVERSIZED_LINE = "\x00tfo-mcp: a line over MAX_LINE_BYTES\n"


class _StdinLines:
    """stdin as async text lines read by the event loop (cancellable, unlike a blocked reader thread).

    A line over MAX_LINE_BYTES comes out as OVERSIZED_LINE once its newline (or EOF) arrives; what was read of
    it is dropped as soon as it passes the limit, and the lines after it are read as usual.
    """

    def __init__(self, reader: asyncio.StreamReader, limit: int = MAX_LINE_BYTES) -> None:
        self._reader = reader
        self._limit = limit
        self._buffer = bytearray()

    def __aiter__(self) -> _StdinLines:
        return self

    async def __anext__(self) -> str:
        oversized = False
        scanned = 0  # bytes of the buffer already searched for a newline
        while True:
            newline = self._buffer.find(b"\n", scanned)
            if newline != -1:
                line = bytes(self._buffer[: newline + 1])
                del self._buffer[: newline + 1]
                if oversized or newline > self._limit:
                    return OVERSIZED_LINE
                return line.decode("utf-8", errors="replace")
            if len(self._buffer) > self._limit:
                oversized = True
                self._buffer.clear()  # the line is refused: keep skipping to its end without holding it
            scanned = len(self._buffer)
            chunk = await self._reader.read(STDIN_CHUNK)
            if not chunk:  # EOF: the last line may lack its newline
                if oversized:
                    return OVERSIZED_LINE
                if not self._buffer:
                    raise StopAsyncIteration
                line = bytes(self._buffer)
                self._buffer.clear()
                return line.decode("utf-8", errors="replace")
            self._buffer += chunk


async def _cancellable_stdin() -> Any:
    """An event-loop reader for a piped stdin, or None to let the SDK read it (files, terminals)."""
    import os
    import stat

    if not stat.S_ISFIFO(os.fstat(0).st_mode) and not stat.S_ISSOCK(os.fstat(0).st_mode):
        return None
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=STDIN_CHUNK)  # the pipe is paused while 2 chunks wait unread
    pipe = os.fdopen(os.dup(0), "rb", buffering=0)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    return _StdinLines(reader)


#: On stdin EOF, how long requests already read may still take to be answered before the server stops.
EOF_DRAIN_SECONDS = 30.0
#: On SIGTERM/SIGHUP/SIGINT (stdio), how long requests already read may still take to be answered. Reading
#: stops at the signal; a request still running after this is answered with SHUTDOWN_ERROR_CODE.
SHUTDOWN_GRACE_SECONDS = 5.0
#: After that, how long closing down (handlers unwinding, shutdown hooks) may take before it is cut short.
SHUTDOWN_TEARDOWN_SECONDS = 10.0
#: The JSON-RPC error for a request that the server stopped before answering (the SDK's CONNECTION_CLOSED).
SHUTDOWN_ERROR_CODE = mt.CONNECTION_CLOSED
CANCELLED = "notifications/cancelled"


class _AnswerNoting:
    """The SDK's stdout stream (its WriteStream protocol), crossing off each request once its answer is out.

    An answer for a request in `settled` (already answered by the shutdown path) is dropped: one answer each.
    """

    def __init__(self, stream: Any, unanswered: set[str | int], settled: set[str | int]) -> None:
        self._stream = stream
        self._unanswered = unanswered
        self._settled = settled

    async def send(self, item: Any) -> None:
        answer = isinstance(item.message, mt.JSONRPCResponse | mt.JSONRPCError)
        if answer and item.message.id in self._settled:
            return
        await self._stream.send(item)
        if answer:
            self._unanswered.discard(item.message.id)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def __aenter__(self) -> _AnswerNoting:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


@contextlib.asynccontextmanager
async def guarded_stdio(stop: asyncio.Event | None = None) -> AsyncIterator[tuple[Any, Any]]:
    """The SDK's stdio streams, answering malformed lines with -32700/-32600 instead of dropping them.

    At stdin EOF, or once `stop` is set (SIGTERM), no more input is read and the server's input is closed
    only when every request read so far has been answered (or cancelled by the client), or when
    EOF_DRAIN_SECONDS (at EOF) / SHUTDOWN_GRACE_SECONDS (after `stop`) passed: then each request still
    unanswered gets a SHUTDOWN_ERROR_CODE error, and a late answer of its handler is dropped. Every request
    read gets exactly one answer.
    """
    import anyio
    from mcp.server.stdio import stdio_server
    from mcp.shared.message import SessionMessage

    unanswered: set[str | int] = set()
    settled: set[str | int] = set()
    stopped_at = [0.0]  # when `stop` was set (anyio clock)

    async with stdio_server(stdin=await _cancellable_stdin()) as (sdk_read, write):
        send, receive = anyio.create_memory_object_stream[Any](0)

        async def read_until_eof() -> None:
            async for item in sdk_read:
                if not isinstance(item, Exception):
                    message = item.message
                    if isinstance(message, mt.JSONRPCRequest):
                        unanswered.add(message.id)
                    elif isinstance(message, mt.JSONRPCNotification) and message.method == CANCELLED:
                        unanswered.discard((message.params or {}).get("requestId"))  # no answer will come
                    await send.send(item)
                    continue
                error = rejection_for(item)
                if error is None:
                    continue
                logger.warning("rejected a malformed JSON-RPC line: {}", error["message"])
                reply = mt.JSONRPCError(jsonrpc="2.0", id=error.pop("id", None), error=mt.ErrorData(**error))
                await write.send(SessionMessage(reply))

        async def drain() -> None:
            """Wait for the answers still due, then answer what is left with an error."""
            deadline = anyio.current_time() + EOF_DRAIN_SECONDS
            while unanswered and anyio.current_time() < deadline:
                if stop is not None and stop.is_set():
                    deadline = min(deadline, stopped_at[0] + SHUTDOWN_GRACE_SECONDS)
                await anyio.sleep(0.01)
            late = sorted(unanswered, key=str)
            if late:
                logger.warning("stopping with {} request(s) unanswered: answering them with an error", len(late))
            message = "server shutting down: the request did not finish in time and was stopped"
            for request_id in late:
                settled.add(request_id)
                unanswered.discard(request_id)
                reply = mt.JSONRPCError(
                    jsonrpc="2.0", id=request_id, error=mt.ErrorData(code=SHUTDOWN_ERROR_CODE, message=message)
                )
                with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):  # client gone
                    await write.send(SessionMessage(reply))

        async def pump(reading: anyio.CancelScope) -> None:
            async with send:
                with reading:
                    await read_until_eof()
                await drain()

        async def watch(reading: anyio.CancelScope) -> None:
            assert stop is not None
            await stop.wait()
            stopped_at[0] = anyio.current_time()
            reading.cancel()  # no new requests: only those already read are answered

        async with anyio.create_task_group() as tasks:
            reading = anyio.CancelScope()
            tasks.start_soon(pump, reading)
            if stop is not None:
                tasks.start_soon(watch, reading)
            try:
                yield receive, _AnswerNoting(write, unanswered, settled)
            finally:
                tasks.cancel_scope.cancel()


async def _serve_stdio(mcp: FastMCP, stop: asyncio.Event | None = None) -> None:
    from fastmcp.server.context import reset_transport, set_transport

    token = set_transport("stdio")
    try:
        # FastMCP.run_stdio_async's steps with the guarded streams, opened before the lifespan so that
        # anything start-up hooks or native libraries write to fd 1 is already diverted to stderr.
        async with guarded_stdio(stop) as (read, write), mcp._lifespan_manager():
            await mcp._mcp_server.run(read, write, mcp._mcp_server.create_initialization_options())
    finally:
        reset_transport(token)


def _register_liveness_route(mcp: FastMCP) -> None:
    from starlette.responses import JSONResponse

    @mcp.custom_route("/healthz", methods=["GET"])
    async def healthz(_: Any) -> JSONResponse:
        return JSONResponse({"status": "ok"})


#: Where the Prometheus text of the server's metrics is served (HTTP transports, while telemetry is on).
METRICS_PATH = "/metrics"


class _MetricsPage:
    """ASGI app of ``/metrics``: the Prometheus text of the server's own metrics (:mod:`tfo_mcp.telemetry`); 404
    while telemetry is off."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        from starlette.responses import PlainTextResponse, Response

        from tfo_mcp.telemetry.prometheus import CONTENT_TYPE

        text = telemetry.prometheus_text()
        if text is None:
            response: Response = PlainTextResponse("telemetry is off (telemetry.enabled)\n", status_code=404)
        else:
            response = Response(text, media_type=CONTENT_TYPE)
        await response(scope, receive, send)


def _register_metrics_route(mcp: FastMCP, settings: Settings) -> None:
    """``/metrics`` behind the credentials ``/mcp`` takes (FastMCP's RequireAuthMiddleware, the same verifier), or
    open with ``telemetry.metrics_open``."""
    from fastmcp.server.auth.middleware import RequireAuthMiddleware

    page: Any = _MetricsPage()
    if mcp.auth is not None and not settings.telemetry.metrics_open:
        page = RequireAuthMiddleware(page, mcp.auth.required_scopes, None, mcp.auth.challenge_scopes)
    mcp.custom_route(METRICS_PATH, methods=["GET"])(page)


class _HttpTraceContext:
    """The SDK's server middleware that parents a request's spans on its HTTP ``traceparent`` header (a
    ``traceparent`` in the request's ``_meta`` still counts where the header is absent; the header wins)."""

    async def __call__(self, ctx: Any, call_next: Any) -> Any:
        headers = getattr(ctx.request, "headers", None)  # the HTTP request's (Starlette), None on stdio
        parent = telemetry.http_trace_context(headers) if headers is not None else None
        if parent is None:
            return await call_next(ctx)
        from opentelemetry import context as otel_context

        token = otel_context.attach(parent)
        try:
            return await call_next(ctx)
        finally:
            otel_context.detach(token)


async def serve(settings: Settings, mcp: FastMCP) -> None:
    """Serve ``mcp`` until stdin closes (stdio), or until SIGTERM/SIGINT; shutdown hooks always run."""
    transport = settings.server.transport
    try:
        if transport == "stdio":
            # uvicorn handles signals for HTTP; for stdio, SIGTERM/SIGHUP/SIGINT stop reading stdin, let the
            # requests already read be answered (SHUTDOWN_GRACE_SECONDS), then the server stops and the
            # lifespan's shutdown hooks (pool close, analytics flush) run. A second signal, or a teardown
            # longer than SHUTDOWN_TEARDOWN_SECONDS, cancels the serve task outright.
            task = asyncio.current_task()
            loop = asyncio.get_running_loop()
            stopping = asyncio.Event()

            def request_stop() -> None:
                if stopping.is_set():
                    task.cancel()  # type: ignore[union-attr]
                    return
                logger.info("shutdown requested: answering the requests already read")
                stopping.set()
                loop.call_later(SHUTDOWN_GRACE_SECONDS + SHUTDOWN_TEARDOWN_SECONDS, task.cancel)  # type: ignore[union-attr]

            for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(signum, request_stop)
            try:
                await _serve_stdio(mcp, stopping)
            except BaseExceptionGroup as group:
                # The SDK's stream tasks can fail with closed-stream errors while a cancel unwinds them.
                if not stopping.is_set():
                    raise
                logger.debug("ignored during shutdown: {!r}", group)
            return
        modes = check_http_exposure(settings)
        # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal; catching that
        # re-raise here lets the lifespan's shutdown hooks run instead of the process dying mid-way.
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, logger.info, "shutdown requested")
        _register_liveness_route(mcp)
        from tfo_mcp.http_guard import http_middleware

        # FastMCP reads `mcp.auth` when it builds the HTTP app: the MCP endpoints then need a credential.
        mcp.auth = http_auth(settings, modes)
        _register_metrics_route(mcp, settings)
        # before FastMCP's own (which opens the request's span): the header's trace context is current by then
        mcp._mcp_server.middleware.insert(0, _HttpTraceContext())
        auth = "no auth" if modes == ["none"] else "credentials required: " + ", ".join(modes)
        if modes == ["none"] and is_loopback(settings.server.host):
            auth += ", loopback only"
        logger.info(
            "serving {} on http://{}:{}{} ({}; Host/Origin checked, bodies up to {} bytes)",
            transport,
            settings.server.host,
            settings.server.port,
            "/sse" if transport == "sse" else "/mcp",
            auth,
            settings.server.max_body_bytes,
        )
        await mcp.run_http_async(
            transport="sse" if transport == "sse" else "http",
            host=settings.server.host,
            port=settings.server.port,
            middleware=[*http_middleware(settings.server), *remote_rate_limit(settings, modes)],
            # our HostOriginGuard is the one Host/Origin check (FastMCP's would be a second allow-list)
            host_origin_protection=False,
            show_banner=False,
            log_level=settings.logging.level.lower() if settings.logging.level != "TRACE" else "debug",
            uvicorn_config={"access_log": False, "log_config": None},
        )
    except asyncio.CancelledError:
        logger.info("shutdown requested")
