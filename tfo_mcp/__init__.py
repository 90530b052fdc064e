"""tfo-mcp: the MCP server of the TelemetryFlow observability platform."""

import os

# FastMCP reads these at import: no banner, no rich console handler (our logs go to loguru/stderr).
os.environ.setdefault("FASTMCP_SHOW_SERVER_BANNER", "false")
os.environ.setdefault("FASTMCP_LOG_ENABLED", "false")
os.environ.setdefault("FASTMCP_CHECK_FOR_UPDATES", "off")

__version__ = "0.1.0"
