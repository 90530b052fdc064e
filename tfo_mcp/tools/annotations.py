"""Every tool-annotation preset (clients use the hints to decide what to auto-approve)."""

from __future__ import annotations

from mcp.types import ToolAnnotations

#: Reads only; the same call gives the same answer while the data stands still.
READ_ONLY = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)
#: Reads live stores: results change between calls; nothing is written.
READ_LIVE = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=False, openWorldHint=False)
#: Reaches services outside the server (LLM providers); writes nothing of the user's.
READ_ONLY_OPEN_WORLD = ToolAnnotations(
    readOnlyHint=True, destructiveHint=False, idempotentHint=False, openWorldHint=True
)
#: Replaces a file's content: destructive, but writing the same content again changes nothing.
OVERWRITE = ToolAnnotations(readOnlyHint=False, destructiveHint=True, idempotentHint=True, openWorldHint=False)
#: May write or delete anything its caller names (SQL with writes allowed, operator-chosen programs).
MAY_DESTROY = ToolAnnotations(readOnlyHint=False, destructiveHint=True, idempotentHint=False, openWorldHint=False)
