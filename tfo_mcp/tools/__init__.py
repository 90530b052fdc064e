"""The MCP capabilities: one module per capability, each building its own FastMCP provider.

Nothing here is registered on import; :mod:`tfo_mcp.app` lists the capabilities and builds a server from them.
"""
