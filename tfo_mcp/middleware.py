"""Server-wide middleware: JSON-RPC error codes for unknown names and bad arguments, and session tracking."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import mcp.types as mt
from fastmcp.exceptions import NotFoundError
from fastmcp.exceptions import ValidationError as ArgumentsError
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from mcp.shared.exceptions import MCPError

from tfo_mcp import sessions
from tfo_mcp.analytics import recorder

#: JSON-RPC error codes (TFO's MCP servers use -32001..-32003 for unknown tools, resources and prompts).
TOOL_NOT_FOUND = -32001
RESOURCE_NOT_FOUND = -32002
PROMPT_NOT_FOUND = -32003
INVALID_PARAMS = -32602


def _arguments_message(exc: Exception) -> str:
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        parts = []
        for error in errors()[:5]:
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "call") or "arguments"
            parts.append(f"{where}: {error.get('msg')}")
        return "Invalid arguments: " + "; ".join(parts)
    return f"Invalid arguments: {exc}"


class ProtocolErrorsMiddleware(Middleware):
    """Answer unknown tools/resources/prompts and bad arguments with JSON-RPC error codes."""

    async def on_call_tool(self, context: MiddlewareContext[mt.CallToolRequestParams], call_next: CallNext) -> Any:
        try:
            return await call_next(context)
        except NotFoundError:
            raise MCPError(code=TOOL_NOT_FOUND, message=f"Unknown tool: {context.message.name!r}") from None
        except ArgumentsError as exc:
            raise MCPError(code=INVALID_PARAMS, message=_arguments_message(exc)) from None

    async def on_read_resource(
        self, context: MiddlewareContext[mt.ReadResourceRequestParams], call_next: CallNext
    ) -> Any:
        try:
            return await call_next(context)
        except NotFoundError:
            uri = str(context.message.uri)
            raise MCPError(code=RESOURCE_NOT_FOUND, message=f"Unknown resource: {uri!r}", data={"uri": uri}) from None

    async def on_get_prompt(self, context: MiddlewareContext[mt.GetPromptRequestParams], call_next: CallNext) -> Any:
        server = context.fastmcp_context.fastmcp if context.fastmcp_context is not None else None
        prompt = await server.get_prompt(context.message.name) if server is not None else None
        if prompt is None:
            raise MCPError(code=PROMPT_NOT_FOUND, message=f"Unknown prompt: {context.message.name!r}")
        given = context.message.arguments or {}
        missing = sorted(a.name for a in prompt.arguments or [] if a.required and a.name not in given)
        if missing:
            raise MCPError(code=INVALID_PARAMS, message=f"Missing required prompt arguments: {', '.join(missing)}")
        try:
            return await call_next(context)
        except NotFoundError:
            raise MCPError(code=PROMPT_NOT_FOUND, message=f"Unknown prompt: {context.message.name!r}") from None
        except ArgumentsError as exc:
            raise MCPError(code=INVALID_PARAMS, message=_arguments_message(exc)) from None


class SessionMiddleware(Middleware):
    """Track sessions (created -> initializing -> ready -> closing -> closed) and count their calls."""

    async def on_initialize(self, context: MiddlewareContext[mt.InitializeRequest], call_next: CallNext) -> Any:
        params = getattr(context.message, "params", context.message)
        client = getattr(params, "client_info", None)
        session = sessions.open_session(
            _connection_key(context),
            client_name=getattr(client, "name", None),
            client_version=getattr(client, "version", None),
            protocol_version=getattr(params, "protocol_version", None),
        )
        _register_close(context, session.id)
        result = await call_next(context)
        sessions.mark_ready(session.id)
        return result

    async def on_call_tool(self, context: MiddlewareContext[mt.CallToolRequestParams], call_next: CallNext) -> Any:
        key, name = _connection_key(context), context.message.name

        def record(result: Any, failure: BaseException | None, seconds: float) -> None:
            ok = failure is None and not getattr(result, "is_error", False)
            sessions.record_call(key, "tool", name, ok, seconds, type(failure).__name__ if failure else None)
            recorder.record_tool_call(key, name, context.message.arguments, result, failure, seconds)

        return await _observed(context, call_next, record)

    async def on_read_resource(
        self, context: MiddlewareContext[mt.ReadResourceRequestParams], call_next: CallNext
    ) -> Any:
        key, uri = _connection_key(context), str(context.message.uri)
        return await _observed(
            context, call_next, lambda result, failure, seconds: recorder.record_resource_read(
                key, uri, result, failure, seconds)
        )  # fmt: skip

    async def on_get_prompt(self, context: MiddlewareContext[mt.GetPromptRequestParams], call_next: CallNext) -> Any:
        key, name, arguments = _connection_key(context), context.message.name, context.message.arguments
        return await _observed(
            context, call_next, lambda result, failure, seconds: recorder.record_prompt_get(
                key, name, arguments, result, failure, seconds)
        )  # fmt: skip


async def _observed(
    context: MiddlewareContext[Any],
    call_next: CallNext,
    record: Callable[[Any, BaseException | None, float], None],
) -> Any:
    """Run the handler, then hand its result (or exception) and duration to `record`; errors still propagate.

    A cancelled handler (shutdown, or the client's notifications/cancelled) is recorded as a failure: it sent
    no result.
    """
    started = time.perf_counter()
    result: Any = None
    failure: BaseException | None = None
    try:
        result = await call_next(context)
        return result
    except BaseException as exc:
        failure = exc
        raise
    finally:
        record(result, failure, time.perf_counter() - started)


def _connection_key(context: MiddlewareContext[Any]) -> str:
    ctx = context.fastmcp_context
    try:
        return ctx.session_id if ctx is not None else "local"
    except RuntimeError:
        return "local"


def _register_close(context: MiddlewareContext[Any], session_id: str) -> None:
    """Close the session record when its connection ends (HTTP session end, stdio EOF)."""
    ctx = context.fastmcp_context
    try:
        connection = ctx.session._connection if ctx is not None else None  # framework-internal
    except (RuntimeError, AttributeError):
        connection = None
    exit_stack = getattr(connection, "exit_stack", None)
    if exit_stack is not None:
        exit_stack.callback(sessions.close_session, session_id)
