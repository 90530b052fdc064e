"""The one FastMCP instance: lifespan hooks, error-code and session middleware.

Capability modules import :data:`mcp` and register with decorators; importing
:mod:`tfo_mcp.server` imports every capability module (at the bottom) so the
instance is complete.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import mcp.types as mt
from fastmcp import FastMCP
from fastmcp.exceptions import NotFoundError
from fastmcp.exceptions import ValidationError as ArgumentsError
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.tools import Tool
from loguru import logger
from mcp.shared.exceptions import MCPError

from tfo_mcp import __version__, analytics, logs, sessions

#: JSON-RPC error codes kept from the seed server.
TOOL_NOT_FOUND = -32001
RESOURCE_NOT_FOUND = -32002
PROMPT_NOT_FOUND = -32003
INVALID_PARAMS = -32602

#: Tool annotations, chosen deliberately per tool (clients use them to decide auto-approval).
READ_ONLY = mt.ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)
READ_ONLY_OPEN_WORLD = mt.ToolAnnotations(
    readOnlyHint=True, destructiveHint=False, idempotentHint=False, openWorldHint=True
)

Hook = Callable[[], Awaitable[None]]
_startup_hooks: list[Hook] = []
_shutdown_hooks: list[Hook] = []
STARTED_AT = time.time()


def on_startup(hook: Hook) -> Hook:
    """Register a coroutine run when the server starts (keep it fast: start slow work in a task)."""
    _startup_hooks.append(hook)
    return hook


def on_shutdown(hook: Hook) -> Hook:
    """Register a coroutine run when the server stops (close pools, flush queues)."""
    _shutdown_hooks.append(hook)
    return hook


async def run_startup_hooks() -> None:
    """Run every registered start-up hook; a failing hook is logged, never fatal."""
    for hook in _startup_hooks:
        try:
            await hook()
        except Exception as exc:  # a store that is down must not stop the server
            logger.warning("start-up hook {} failed: {}", hook.__qualname__, exc)


async def run_shutdown_hooks() -> None:
    """Run every shutdown hook in reverse order of registration."""
    for hook in reversed(_shutdown_hooks):
        try:
            await hook()
        except Exception as exc:
            logger.warning("shutdown hook {} failed: {}", hook.__qualname__, exc)


@asynccontextmanager
async def lifespan(_: FastMCP) -> AsyncIterator[dict[str, Any]]:
    """Open shared resources once per process and close them on shutdown."""
    logger.info("tfo-mcp {} starting", __version__)
    await run_startup_hooks()
    try:
        yield {}
    finally:
        sessions.close_all()
        await run_shutdown_hooks()
        logger.info("tfo-mcp stopped")


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
        prompt = await mcp.get_prompt(context.message.name)
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
            analytics.record_tool_call(key, name, context.message.arguments, result, failure, seconds)

        return await _observed(context, call_next, record)

    async def on_read_resource(
        self, context: MiddlewareContext[mt.ReadResourceRequestParams], call_next: CallNext
    ) -> Any:
        key, uri = _connection_key(context), str(context.message.uri)
        return await _observed(
            context, call_next, lambda result, failure, seconds: analytics.record_resource_read(
                key, uri, result, failure, seconds)
        )  # fmt: skip

    async def on_get_prompt(self, context: MiddlewareContext[mt.GetPromptRequestParams], call_next: CallNext) -> Any:
        key, name, arguments = _connection_key(context), context.message.name, context.message.arguments
        return await _observed(
            context, call_next, lambda result, failure, seconds: analytics.record_prompt_get(
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


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its local ``#/$defs/...`` references inlined and ``$defs`` dropped.

    Some clients cannot follow ``$ref``. Keywords beside a ``$ref`` (description, default) are kept. A
    schema whose definitions refer to themselves cannot be inlined and is returned unchanged.
    """
    definitions = schema.get("$defs")
    if not definitions:
        return schema

    def resolve(node: Any, trail: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [resolve(item, trail) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            name = ref.removeprefix("#/$defs/")
            if name in trail or name not in definitions:
                raise RecursionError(name)
            target = resolve(definitions[name], (*trail, name))
            siblings = {key: resolve(value, trail) for key, value in node.items() if key != "$ref"}
            return {**target, **siblings}
        return {key: resolve(value, trail) for key, value in node.items() if key != "$defs"}

    try:
        return resolve(schema, ())
    except RecursionError:
        return schema


def _inline_tool_schemas(server: FastMCP) -> None:
    """Inline the ``$ref``s of every registered tool's schemas, once, at start-up."""
    for tool in server._local_provider._components.values():
        if isinstance(tool, Tool):
            tool.parameters = inline_refs(tool.parameters)
            if tool.output_schema is not None:
                tool.output_schema = inline_refs(tool.output_schema)


class TFOServer(FastMCP):
    """FastMCP with `logging/setLevel` also setting the server's own stderr log level."""

    async def _on_set_logging_level(self, ctx: Any, params: mt.SetLevelRequestParams) -> mt.EmptyResult:
        result = await super()._on_set_logging_level(ctx, params)
        logs.set_level(str(params.level))
        logger.info("log level set to {} by the client", params.level)
        return result


INSTRUCTIONS = (
    "TelemetryFlow (TFO) MCP server: read telemetry context from ClickHouse and PostgreSQL, "
    "query those stores read-only, chat with any configured LLM provider, and work with files "
    "and commands inside the configured sandbox roots."
)

mcp = TFOServer(
    name="tfo-mcp",
    instructions=INSTRUCTIONS,
    version=__version__,
    lifespan=lifespan,
    middleware=[ProtocolErrorsMiddleware(), SessionMiddleware()],
    mask_error_details=True,
    on_duplicate="error",
    dereference_schemas=False,  # inlined once below instead of on every tools/list
)

# Capability modules register their tools, resources and prompts on `mcp` when imported.
from tfo_mcp import builtin_prompts, clickhouse, commands, files, llm, postgres, resources, system, telemetry  # noqa: E402, F401

_inline_tool_schemas(mcp)
