"""The floor for `initialize`: a FastMCP server with one tool and nothing of tfo-mcp, garbage collection off
during start-up as in tfo-mcp. bench_first_run.py times it beside `tfo-mcp demo`."""

import gc

gc.disable()

from fastmcp import FastMCP  # noqa: E402

server = FastMCP("bare")


@server.tool
def ping() -> str:
    """Answer pong."""
    return "pong"


gc.enable()
server.run(show_banner=False)
