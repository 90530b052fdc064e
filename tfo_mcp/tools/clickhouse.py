"""The `ch_query` tool: read-only SQL on the configured ClickHouse."""

from __future__ import annotations

from fastmcp.server.providers import LocalProvider

from tfo_mcp.clickhouse import ch_query
from tfo_mcp.config import Settings
from tfo_mcp.tools.annotations import READ_ONLY


def provider(settings: Settings) -> LocalProvider:
    """`ch_query`."""
    tools = LocalProvider()
    tools.tool(ch_query, annotations=READ_ONLY)
    return tools
