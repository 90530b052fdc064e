#!/usr/bin/env bash
# The server's main job on its embedded default: `tfo-mcp demo` over stdio (fetches uv when it is missing).
#   bash scripts/demo.sh [tfo-mcp demo args...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/uv.sh
exec uv run --frozen --all-extras --quiet tfo-mcp demo "$@"
