"""The baseline: a bare FastMCP server with one echo tool (stdio, or HTTP with --http PORT)."""

import sys

from fastmcp import FastMCP

mcp = FastMCP("bare")


@mcp.tool
def echo(message: str) -> dict:
    """Echo a message back."""
    return {"message": message}


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--http":
        mcp.run(transport="http", host="127.0.0.1", port=int(sys.argv[2]), show_banner=False)
    else:
        mcp.run(transport="stdio", show_banner=False)
