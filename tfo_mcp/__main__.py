"""`python -m tfo_mcp` runs the CLI."""

from tfo_mcp.cli import main

main()
