"""The server's own usage, read back from its analytics tables: `ch_tool_analytics`, `ch_session_analytics`,
`ch_error_analytics` and `ch_api_usage`."""

from __future__ import annotations

from fastmcp.server.providers import LocalProvider

from tfo_mcp.clickhouse import ch_api_usage, ch_error_analytics, ch_session_analytics, ch_tool_analytics
from tfo_mcp.config import Settings
from tfo_mcp.tools.annotations import READ_ONLY


def provider(settings: Settings) -> LocalProvider:
    """The four analytics tools."""
    tools = LocalProvider()
    for tool in (ch_tool_analytics, ch_session_analytics, ch_error_analytics, ch_api_usage):
        tools.tool(tool, annotations=READ_ONLY)
    return tools
