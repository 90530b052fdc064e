"""The server's own usage: :mod:`~tfo_mcp.analytics.recorder` writes it into ClickHouse as it happens,
:mod:`~tfo_mcp.analytics.queries` reads it back for the ch_*_analytics tools."""
