"""Start-up: the console-script entry point.

`tfo-mcp` and `tfo-mcp serve` (what MCP clients run, on every start) take a direct path to
:func:`tfo_mcp.startup.serve`, and `tfo-mcp demo` to :func:`tfo_mcp.startup.serve_demo`; every other
command goes through the typer CLI in :mod:`tfo_mcp.cli`, imported only then (typer and its help machinery
cost start-up time a client would wait for).
"""

from __future__ import annotations

import gc
import sys

#: Arguments that mean "serve over stdio with the configured settings".
_PLAIN_SERVE = ([], ["serve"])


def main() -> None:
    """Console-script entry point: plain stdio serving directly, everything else through the CLI."""
    # Start-up allocates some 10^5 long-lived objects (FastMCP, pydantic, our tools): collecting garbage
    # among them is wasted time. serve() turns collection back on once the server is built; the CLI does
    # for every other command.
    gc.disable()
    from tfo_mcp import startup  # after gc.disable(): the settings models are the first of those objects

    if sys.argv[1:] in _PLAIN_SERVE:
        startup.serve(startup.load(None))
        return
    if sys.argv[1:] == ["demo"]:
        startup.serve_demo(startup.load(None))
        return
    from tfo_mcp.cli import main as cli_main

    cli_main()
