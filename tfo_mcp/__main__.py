"""`python -m tfo_mcp` runs the CLI."""

from tfo_mcp.launch import main

main()
