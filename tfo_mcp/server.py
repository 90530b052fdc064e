"""The default server instance, ``tfo_mcp.server:mcp`` (what `fastmcp dev inspector tfo_mcp/server.py:mcp` loads)."""

from __future__ import annotations

from tfo_mcp.app import build_server

mcp = build_server()
