"""The PostgreSQL tools: `pg_query`, `pg_list_tables`, `pg_describe_table` and `pg_sessions`."""

from __future__ import annotations

from fastmcp.server.providers import LocalProvider

from tfo_mcp.config import Settings
from tfo_mcp.postgres import pg_describe_table, pg_list_tables, pg_query, pg_sessions
from tfo_mcp.tools.annotations import MAY_DESTROY, READ_ONLY


def provider(settings: Settings) -> LocalProvider:
    """The pg_* tools; `pg_query` is marked as possibly destructive when `postgres.allow_write` is on."""
    tools = LocalProvider()
    tools.tool(pg_query, annotations=MAY_DESTROY if settings.postgres.allow_write else READ_ONLY)
    for tool in (pg_list_tables, pg_describe_table, pg_sessions):
        tools.tool(tool, annotations=READ_ONLY)
    return tools
