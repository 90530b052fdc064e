"""The `execute_command` tool."""

from __future__ import annotations

from fastmcp.server.providers import LocalProvider

from tfo_mcp.commands import execute_command
from tfo_mcp.config import Settings
from tfo_mcp.tools.annotations import MAY_DESTROY


def provider(settings: Settings) -> LocalProvider:
    """`execute_command`: conservative hints, since an operator can allow programs that write or delete."""
    tools = LocalProvider()
    tools.tool(execute_command, annotations=MAY_DESTROY)
    return tools
