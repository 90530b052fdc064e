"""Server-wide middleware: JSON-RPC error codes for unknown names and bad arguments, session tracking, what
the caller's credential allows, the connection's toolsets, and one payload per tool result within its budget."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import mcp.types as mt
from fastmcp.exceptions import NotFoundError
from fastmcp.exceptions import ValidationError as ArgumentsError
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.tools import ToolResult
from mcp.shared.exceptions import MCPError
from mcp.types import TextContent
from mcp_types.version import is_version_at_least

from tfo_mcp import results, sessions, telemetry, toolsets
from tfo_mcp.analytics import recorder
from tfo_mcp.auth.identity import Identity, current_identity
from tfo_mcp.auth.tenancy import MissingScope, RateLimited, refuse_unisolated

if TYPE_CHECKING:
    from tfo_mcp.auth.rate_limits import RateLimiter

#: JSON-RPC error codes (TFO's MCP servers use -32001..-32003 for unknown tools, resources and prompts).
TOOL_NOT_FOUND = -32001
RESOURCE_NOT_FOUND = -32002
PROMPT_NOT_FOUND = -32003
#: a resource or prompt the caller's credential does not allow (a tool answers with an error result instead)
FORBIDDEN = -32004
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


#: The methods :func:`_observed` times (with the analytics record); :meth:`SessionMiddleware.on_request` the rest.
_OBSERVED_METHODS = frozenset({"tools/call", "resources/read", "prompts/get"})


class SessionMiddleware(Middleware):
    """Track sessions (created -> initializing -> ready -> closing -> closed) and count their calls; the one
    place that times every request, for analytics and for telemetry (:func:`tfo_mcp.telemetry.record_request`)."""

    async def on_request(self, context: MiddlewareContext[Any], call_next: CallNext) -> Any:
        method = context.method
        if telemetry.active is None or method in _OBSERVED_METHODS or method is None:
            return await call_next(context)
        return await _observed(
            context, call_next, lambda result, failure, seconds: telemetry.record_request(
                method, None, seconds, failure, result)
        )  # fmt: skip

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
        key, name, identity = _connection_key(context), context.message.name, current_identity()

        def record(result: Any, failure: BaseException | None, seconds: float) -> None:
            ok = failure is None and not getattr(result, "is_error", False)
            sessions.record_call(key, "tool", name, ok, seconds, type(failure).__name__ if failure else None)
            recorder.record_tool_call(key, name, context.message.arguments, result, failure, seconds, identity)
            telemetry.record_request("tools/call", name, seconds, failure, result)

        return await _observed(context, call_next, record)

    async def on_read_resource(
        self, context: MiddlewareContext[mt.ReadResourceRequestParams], call_next: CallNext
    ) -> Any:
        key, uri, identity = _connection_key(context), str(context.message.uri), current_identity()

        def record(result: Any, failure: BaseException | None, seconds: float) -> None:
            recorder.record_resource_read(key, uri, result, failure, seconds, identity)
            telemetry.record_request("resources/read", uri, seconds, failure, result)

        return await _observed(context, call_next, record)

    async def on_get_prompt(self, context: MiddlewareContext[mt.GetPromptRequestParams], call_next: CallNext) -> Any:
        key, name, arguments = _connection_key(context), context.message.name, context.message.arguments
        identity = current_identity()

        def record(result: Any, failure: BaseException | None, seconds: float) -> None:
            recorder.record_prompt_get(key, name, arguments, result, failure, seconds, identity)
            telemetry.record_request("prompts/get", name, seconds, failure, result)

        return await _observed(context, call_next, record)


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


#: what resources and prompts need (they read an organization's telemetry context)
TELEMETRY_SCOPE = "telemetry:read"


def _may_list(identity: Identity, entry: toolsets.ToolEntry) -> bool:
    return identity.allows(entry.scope) and not (entry.tenant == "operator" and identity.organization_id is not None)


class AccessMiddleware(Middleware):
    """Let a caller list and call only what its credential allows: each tool's scope, no tool that reads across
    organizations for an organization-scoped caller, and the rate limit of the local user when it is limited
    (HTTP callers are limited before their request reaches the server: :mod:`tfo_mcp.http_guard`)."""

    def __init__(self, limiter: RateLimiter | None) -> None:
        self.limiter = limiter

    async def on_list_tools(self, context: MiddlewareContext[mt.ListToolsRequest], call_next: CallNext) -> Any:
        identity = current_identity()
        return [tool for tool in await call_next(context) if _may_list(identity, toolsets.entry(tool.name))]

    async def on_call_tool(self, context: MiddlewareContext[mt.CallToolRequestParams], call_next: CallNext) -> Any:
        identity, name = current_identity(), context.message.name
        known = toolsets.catalog().get(name)
        if known is not None:
            _require(identity, known.scope, name)
            if known.tenant == "operator":
                refuse_unisolated(name, known.why_operator, identity)
        if self.limiter is not None and identity.is_local:
            refusal = await self.limiter.acquire(identity.subject, identity.organization_id)
            if refusal is not None:
                raise RateLimited(
                    f"Rate limit: {refusal.per_minute} calls a minute per {refusal.bucket}; retry after "
                    f"{refusal.retry_after:.1f} s"
                )
        return await call_next(context)

    async def on_read_resource(
        self, context: MiddlewareContext[mt.ReadResourceRequestParams], call_next: CallNext
    ) -> Any:
        _require(current_identity(), TELEMETRY_SCOPE, f"resource {context.message.uri}", protocol_error=True)
        return await call_next(context)

    async def on_get_prompt(self, context: MiddlewareContext[mt.GetPromptRequestParams], call_next: CallNext) -> Any:
        _require(current_identity(), TELEMETRY_SCOPE, f"prompt {context.message.name}", protocol_error=True)
        return await call_next(context)


def _require(identity: Identity, scope: str, what: str, *, protocol_error: bool = False) -> None:
    """Raise when ``identity`` lacks ``scope``: a tool error (the model reads it), or a JSON-RPC error."""
    if not identity.allows(scope):
        held = ", ".join(sorted(identity.scopes)) or "none"
        message = f"{what} needs the scope {scope!r}, which this credential does not hold (it holds: {held})"
        if protocol_error:
            raise MCPError(code=FORBIDDEN, message=message)
        raise MissingScope(message)


#: the HTTP query parameter and header a connection selects its toolsets with
TOOLSETS_PARAMETER = "toolsets"
TOOLSETS_HEADER = "x-mcp-toolsets"
#: the first protocol revision with ``structuredContent``
STRUCTURED_SINCE = "2025-06-18"


class ToolsetsMiddleware(Middleware):
    """List and allow only the tools of the toolsets this connection selected, in catalog order."""

    def __init__(self, chosen: frozenset[str], allowed: frozenset[str]) -> None:
        self.chosen, self.allowed = chosen, allowed

    def _selection(self) -> frozenset[str]:
        from fastmcp.server.dependencies import get_http_request

        try:
            request = get_http_request()
        except RuntimeError:  # stdio, or in-process
            return self.chosen
        asked = request.query_params.get(TOOLSETS_PARAMETER) or request.headers.get(TOOLSETS_HEADER)
        if asked is None:
            return self.chosen
        try:
            selected = toolsets.parse_selection(asked.split(","))
        except ValueError as exc:
            raise MCPError(code=INVALID_PARAMS, message=f"toolsets: {exc}") from None
        refused = sorted(selected - self.allowed)
        if refused:
            raise MCPError(
                code=INVALID_PARAMS,
                message=f"toolsets: {', '.join(refused)} not offered here (mcp.allowed_toolsets: "
                f"{', '.join(sorted(self.allowed))})",
            )
        return selected

    async def on_list_tools(self, context: MiddlewareContext[mt.ListToolsRequest], call_next: CallNext) -> Any:
        selected = self._selection()
        listed = [tool for tool in await call_next(context) if toolsets.entry(tool.name).toolset in selected]
        return sorted(listed, key=lambda tool: toolsets.entry(tool.name).position)

    async def on_call_tool(self, context: MiddlewareContext[mt.CallToolRequestParams], call_next: CallNext) -> Any:
        name = context.message.name
        known = toolsets.catalog().get(name)
        if known is not None and known.toolset not in (selected := self._selection()):
            raise MCPError(
                code=TOOL_NOT_FOUND,
                message=f"Unknown tool: {name!r} is in the toolset {known.toolset!r}, which this connection did "
                f"not select (selected: {', '.join(sorted(selected)) or 'none'}); select it with "
                f"?{TOOLSETS_PARAMETER}= or mcp.toolsets",
            )
        return await call_next(context)


def _reads_structured(context: MiddlewareContext[Any]) -> bool:
    """Whether the client's protocol has ``structuredContent``: none known is taken as current (an in-process
    client), an unrecognised one as old."""
    ctx = context.fastmcp_context
    try:
        version = ctx.request_context.protocol_version if ctx is not None and ctx.request_context else None
    except (RuntimeError, AttributeError):
        version = None
    return version is None or is_version_at_least(str(version), STRUCTURED_SINCE)


class ResultsMiddleware(Middleware):
    """Send each tool result's payload once, within its token budget (:mod:`tfo_mcp.results`)."""

    def __init__(self, content_only: bool) -> None:
        self.content_only = content_only

    async def on_call_tool(self, context: MiddlewareContext[mt.CallToolRequestParams], call_next: CallNext) -> Any:
        result = await call_next(context)
        payload = getattr(result, "structured_content", None)
        known = toolsets.catalog().get(context.message.name)
        if result.is_error or not isinstance(payload, dict) or known is None:
            return result
        budget = known.budget
        asked = (context.message.arguments or {}).get("max_tokens") if known.budget_argument else None
        if isinstance(asked, int) and not isinstance(asked, bool):
            budget = min(asked, toolsets.HARD_CAP_TOKENS)
        rest = known.rest
        if self.content_only or not _reads_structured(context):
            payload = results.fit(payload, budget, rest=rest)
            return ToolResult(content=[TextContent(type="text", text=results.dumps(payload))], meta=result.meta)
        payload = results.fit(payload, math.floor(budget / (1 + results.BRIEF_SHARE)), rest=rest)  # room for the brief
        return ToolResult(
            content=results.brief(payload, len(results.encoded(payload))), structured_content=payload, meta=result.meta
        )
