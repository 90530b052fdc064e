"""Recording of the server's own tool calls, sessions, errors and LLM usage.

Placeholder interface: the datastores work replaces the bodies with a bounded,
batched queue into ClickHouse. Every function is non-blocking and never raises.
"""

from __future__ import annotations

from typing import Any


def record(table: str, row: dict[str, Any]) -> None:
    """Queue one analytics row for `table` (tool_calls, api_usage, session_analytics, ...)."""


def stats() -> dict[str, Any]:
    """Queue counters for status://health."""
    return {"queued": 0, "written": 0, "dropped": 0}
