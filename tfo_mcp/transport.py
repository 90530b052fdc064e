"""Running the server: stdio, or streamable HTTP / SSE with a bearer token off loopback."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import signal
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import mcp.types as mt
from loguru import logger

from tfo_mcp.config import ConfigError, Settings

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

PARSE_ERROR = -32700
INVALID_REQUEST = -32600

#: Paths answered without a token (they reveal nothing but liveness).
OPEN_PATHS = frozenset({"/healthz"})


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_http_exposure(settings: Settings) -> str | None:
    """The bearer token HTTP must require, or None; refuse an open non-loopback bind."""
    server = settings.server
    token = server.auth_token.get_secret_value() if server.auth_token else None
    if token:
        return token
    if is_loopback(server.host) or server.allow_unauthenticated:
        return None
    raise ConfigError(
        f"config error: server.host={server.host} is not loopback, so HTTP needs a bearer token: set "
        "TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN (or server.allow_unauthenticated=true to accept the risk)"
    )


class BearerAuthMiddleware:
    """Pure ASGI middleware: every HTTP request but OPEN_PATHS needs `Authorization: Bearer <token>`."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        supplied = dict(scope.get("headers") or []).get(b"authorization", b"")
        if hmac.compare_digest(supplied, self._expected):
            await self.app(scope, receive, send)
            return
        body = b'{"error":"unauthorized","error_description":"missing or wrong bearer token"}'
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"www-authenticate", b'Bearer realm="tfo-mcp"'),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def rejection_for(exc: Exception) -> dict[str, Any] | None:
    """The JSON-RPC error answering a line that is not valid JSON-RPC (None for blank lines)."""
    errors = exc.errors() if hasattr(exc, "errors") else []
    first = errors[0] if errors else {}
    raw = first.get("input")
    if first.get("type") == "json_invalid":
        if isinstance(raw, str) and not raw.strip():
            return None
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


MAX_LINE_BYTES = 64 * 1024 * 1024


class _StdinLines:
    """stdin as async text lines read by the event loop (cancellable, unlike a blocked reader thread)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    def __aiter__(self) -> _StdinLines:
        return self

    async def __anext__(self) -> str:
        try:
            line = await self._reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            if not exc.partial:
                raise StopAsyncIteration from None
            line = exc.partial
        except asyncio.LimitOverrunError:
            raise StopAsyncIteration from None
        return line.decode("utf-8", errors="replace")


async def _cancellable_stdin() -> Any:
    """An event-loop reader for a piped stdin, or None to let the SDK read it (files, terminals)."""
    import os
    import stat

    if not stat.S_ISFIFO(os.fstat(0).st_mode) and not stat.S_ISSOCK(os.fstat(0).st_mode):
        return None
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
    pipe = os.fdopen(os.dup(0), "rb", buffering=0)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    return _StdinLines(reader)


#: On stdin EOF, how long requests already read may still take to be answered before the server stops.
EOF_DRAIN_SECONDS = 30.0
CANCELLED = "notifications/cancelled"


class _AnswerNoting:
    """The SDK's stdout stream (its WriteStream protocol), crossing off each request once its answer is out."""

    def __init__(self, stream: Any, unanswered: set[str | int]) -> None:
        self._stream = stream
        self._unanswered = unanswered

    async def send(self, item: Any) -> None:
        await self._stream.send(item)
        if isinstance(item.message, mt.JSONRPCResponse | mt.JSONRPCError):
            self._unanswered.discard(item.message.id)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def __aenter__(self) -> _AnswerNoting:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


@contextlib.asynccontextmanager
async def guarded_stdio() -> AsyncIterator[tuple[Any, Any]]:
    """The SDK's stdio streams, answering malformed lines with -32700/-32600 instead of dropping them.

    At stdin EOF the server's input is closed only once every request read so far has been answered (or
    cancelled by the client, or EOF_DRAIN_SECONDS passed): a client that writes its requests and closes
    the pipe still gets every answer.
    """
    import anyio
    from mcp.server.stdio import stdio_server
    from mcp.shared.message import SessionMessage

    unanswered: set[str | int] = set()

    async with stdio_server(stdin=await _cancellable_stdin()) as (sdk_read, write):
        send, receive = anyio.create_memory_object_stream[Any](0)

        async def pump() -> None:
            async with send:
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
                    reply = mt.JSONRPCError(
                        jsonrpc="2.0",
                        id=error.pop("id", None),
                        error=mt.ErrorData(**error),
                    )
                    await write.send(SessionMessage(reply))
                with anyio.move_on_after(EOF_DRAIN_SECONDS):
                    while unanswered:
                        await anyio.sleep(0.01)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(pump)
            try:
                yield receive, _AnswerNoting(write, unanswered)
            finally:
                tasks.cancel_scope.cancel()


async def _serve_stdio() -> None:
    from fastmcp.server.context import reset_transport, set_transport

    from tfo_mcp.server import mcp

    token = set_transport("stdio")
    try:
        # FastMCP.run_stdio_async's steps with the guarded streams, opened before the lifespan so that
        # anything start-up hooks or native libraries write to fd 1 is already diverted to stderr.
        async with guarded_stdio() as (read, write), mcp._lifespan_manager():
            await mcp._mcp_server.run(read, write, mcp._mcp_server.create_initialization_options())
    finally:
        reset_transport(token)


def _register_liveness_route() -> None:
    from starlette.responses import JSONResponse

    from tfo_mcp.server import mcp

    if getattr(mcp, "_tfo_liveness", False):
        return

    @mcp.custom_route("/healthz", methods=["GET"])
    async def healthz(_: Any) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    mcp._tfo_liveness = True  # type: ignore[attr-defined]


async def serve(settings: Settings) -> None:
    """Serve until stdin closes (stdio), or until SIGTERM/SIGINT; shutdown hooks always run."""
    from starlette.middleware import Middleware as ASGIMiddleware

    from tfo_mcp.server import mcp

    transport = settings.server.transport
    try:
        if transport == "stdio":
            # uvicorn handles signals for HTTP; for stdio, SIGTERM/SIGHUP cancel the serve task so the
            # lifespan's shutdown hooks (pool close, analytics flush) still run.
            task = asyncio.current_task()
            loop = asyncio.get_running_loop()
            stopping = asyncio.Event()

            def request_stop() -> None:
                stopping.set()
                task.cancel()  # type: ignore[union-attr]

            for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(signum, request_stop)
            try:
                await _serve_stdio()
            except BaseExceptionGroup as group:
                # The SDK's stream tasks can fail with closed-stream errors while a cancel unwinds them.
                if not stopping.is_set():
                    raise
                logger.debug("ignored during shutdown: {!r}", group)
            return
        token = check_http_exposure(settings)
        # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal; catching that
        # re-raise here lets the lifespan's shutdown hooks run instead of the process dying mid-way.
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, logger.info, "shutdown requested")
        _register_liveness_route()
        middleware = [ASGIMiddleware(BearerAuthMiddleware, token=token)] if token else []
        logger.info(
            "serving {} on http://{}:{}/mcp ({})",
            transport,
            settings.server.host,
            settings.server.port,
            "bearer token required" if token else "no auth, loopback only",
        )
        await mcp.run_http_async(
            transport="sse" if transport == "sse" else "http",
            host=settings.server.host,
            port=settings.server.port,
            middleware=middleware,
            show_banner=False,
            log_level=settings.logging.level.lower() if settings.logging.level != "TRACE" else "debug",
            uvicorn_config={"access_log": False, "log_config": None},
        )
    except asyncio.CancelledError:
        logger.info("shutdown requested")
