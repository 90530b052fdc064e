"""The server: the one list of capabilities, their start and stop composed in order, and the FastMCP instance.

Every capability is a module of :mod:`tfo_mcp.tools` that builds its own provider from the settings (so
each can be built and tested alone); :func:`build_server` puts their components into a fresh
:class:`TFOServer`, so several independent servers can exist.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import mcp.types as mt
from fastmcp import FastMCP
from fastmcp.prompts import Prompt
from fastmcp.resources import Resource, ResourceTemplate
from fastmcp.server.providers import LocalProvider
from fastmcp.tools import Tool
from loguru import logger

from tfo_mcp import __version__, logs, sessions, telemetry, toolsets
from tfo_mcp.analytics import recorder, stream
from tfo_mcp.auth.rate_limits import rate_limiter
from tfo_mcp.config import Settings, get_settings
from tfo_mcp.llm.litellm_loader import close_litellm_clients
from tfo_mcp.middleware import (
    AccessMiddleware,
    ProtocolErrorsMiddleware,
    ResultsMiddleware,
    SessionMiddleware,
    ToolsetsMiddleware,
)
from tfo_mcp.stores import clickhouse, postgres, result_cache
from tfo_mcp.tools import analytics as analytics_tools
from tfo_mcp.tools import clickhouse as clickhouse_tools
from tfo_mcp.tools import commands, context, files, identity, organizations, prompts, status, system
from tfo_mcp.tools import llm as llm_tools
from tfo_mcp.tools import postgres as postgres_tools

Hook = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Capability:
    """One capability: the provider it adds to a server, and what it opens at start and closes at stop."""

    name: str
    provider: Callable[[Settings], LocalProvider]
    start: Hook | None = None
    stop: Hook | None = None


def _no_components(_: Settings) -> LocalProvider:
    """The provider of a capability that only starts and stops something."""
    return LocalProvider()


async def _start_telemetry() -> None:
    """Telemetry's start hook: the SDK's providers when telemetry is on, with the analytics queue's gauges."""
    await telemetry.start(analytics=recorder.stats)


#: The capabilities, in start order (they stop in reverse): telemetry first, so it flushes last, after every
#: other capability stopped; ClickHouse opens before the analytics recorder starts, and the recorder flushes its
#: queue before ClickHouse closes; the analytics stream (``nats.url``) stops before the recorder, so what it could
#: not publish is still flushed.
CAPABILITIES: tuple[Capability, ...] = (
    Capability("telemetry", _no_components, start=_start_telemetry, stop=telemetry.stop),
    Capability("system", system.provider),
    Capability("status", status.provider),
    Capability("files", files.provider),
    Capability("commands", commands.provider),
    Capability("clickhouse", clickhouse_tools.provider, start=clickhouse.start, stop=clickhouse.stop),
    Capability("analytics", analytics_tools.provider, start=recorder.start, stop=recorder.stop),
    Capability("analytics-stream", _no_components, start=stream.start, stop=stream.stop),
    Capability("postgres", postgres_tools.provider, start=postgres.start, stop=postgres.stop),
    Capability("organizations", organizations.provider),
    Capability("identity", identity.provider),
    Capability("context", context.provider, stop=result_cache.stop),
    Capability("llm", llm_tools.provider, stop=close_litellm_clients),
    Capability("prompts", prompts.provider),
)

INSTRUCTIONS = (
    "TelemetryFlow (TFO) MCP server: read telemetry context from ClickHouse and PostgreSQL, "
    "query those stores read-only, chat with any configured LLM provider, and work with files "
    "and commands inside the configured sandbox roots. "
    "To start: call list_organizations to find the organization (ids, names, what data each has), then "
    "investigate (what is wrong and why) or collect_context with a type from list_context_types, passing "
    "that organization's id, name or slug as organization_id."
)


async def _run(hook: Hook, when: str) -> None:
    """Run a start or stop hook; a failure is logged, never fatal (a store that is down must not stop the server)."""
    try:
        await hook()
    except Exception as exc:
        logger.warning("{} hook {} failed: {}", when, hook.__qualname__, exc)


def _lifespan(capabilities: tuple[Capability, ...]) -> Callable[[FastMCP], Any]:
    @asynccontextmanager
    async def lifespan(_: FastMCP) -> AsyncIterator[dict[str, Any]]:
        """Start every capability in order; on shutdown close the sessions, then stop them in reverse order."""
        logger.info("tfo-mcp {} starting", __version__)
        for capability in capabilities:
            if capability.start is not None:
                await _run(capability.start, "start-up")
        try:
            yield {}
        finally:
            sessions.close_all()
            for capability in reversed(capabilities):
                if capability.stop is not None:
                    await _run(capability.stop, "shutdown")
            logger.info("tfo-mcp stopped")

    return lifespan


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


def _add_components(server: FastMCP, providers: list[LocalProvider]) -> None:
    """Put every capability's components into the server's own provider, tool schemas inlined once, output
    schemas only where the tool catalog (``data/tools.tsv``) keeps them.

    One provider, not one per capability: FastMCP asks every provider concurrently on each lookup, which
    cost ~0.4 ms per call across ten. A name used twice fails here (``on_duplicate="error"``).
    """
    for provider in providers:
        for component in provider._components.values():
            if isinstance(component, Tool):
                component.parameters = inline_refs(component.parameters)
                if not toolsets.entry(component.name).output_schema:
                    component.output_schema = None  # the result is still sent as structuredContent
                elif component.output_schema is not None:
                    component.output_schema = inline_refs(component.output_schema)
                server.add_tool(component)
            elif isinstance(component, ResourceTemplate):
                server.add_template(component)
            elif isinstance(component, Resource):
                server.add_resource(component)
            elif isinstance(component, Prompt):
                server.add_prompt(component)
            else:
                raise TypeError(f"unsupported component {component!r}")


class TFOServer(FastMCP):
    """FastMCP with `logging/setLevel` also setting the server's own stderr log level."""

    async def _on_set_logging_level(self, ctx: Any, params: mt.SetLevelRequestParams) -> mt.EmptyResult:
        result = await super()._on_set_logging_level(ctx, params)
        logs.set_level(str(params.level))
        logger.info("log level set to {} by the client", params.level)
        return result


def build_server(settings: Settings | None = None, extra: tuple[Capability, ...] = ()) -> TFOServer:
    """A new server with every capability's provider, built from ``settings`` (default: the installed ones);
    ``extra`` capabilities start after the others (e.g. the demo estate's preparation)."""
    settings = settings or get_settings()
    capabilities = CAPABILITIES + extra
    server = TFOServer(
        name="tfo-mcp",
        instructions=INSTRUCTIONS,
        version=__version__,
        lifespan=_lifespan(capabilities),
        middleware=[
            ProtocolErrorsMiddleware(),
            SessionMiddleware(),
            ToolsetsMiddleware(
                toolsets.parse_selection(settings.mcp.toolsets), toolsets.parse_selection(settings.mcp.allowed_toolsets)
            ),
            AccessMiddleware(rate_limiter(settings) if settings.server.rate_limits.local else None),
            ResultsMiddleware(content_only=settings.mcp.content_only),
        ],
        mask_error_details=True,
        on_duplicate="error",
        dereference_schemas=False,  # inlined once in build_server instead of on every tools/list
    )
    _add_components(server, [capability.provider(settings) for capability in capabilities])
    switched_off = {
        kind
        for kind, enabled in (
            ("tool", settings.mcp.enable_tools),
            ("resource", settings.mcp.enable_resources),
            ("template", settings.mcp.enable_resources),
            ("prompt", settings.mcp.enable_prompts),
        )
        if not enabled
    }
    if switched_off:
        server.disable(components=switched_off)  # type: ignore[arg-type]
    return server
