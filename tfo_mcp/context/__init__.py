"""Telemetry context: the context types, the time window, the result model and (in sibling modules) the collectors."""

from tfo_mcp.context.types import (
    ContextType,
    InsightType,
    TelemetryContext,
    TimeRange,
    available_context_types,
    empty_context,
    unavailable_context,
)

__all__ = [
    "ContextType",
    "InsightType",
    "TelemetryContext",
    "TimeRange",
    "available_context_types",
    "empty_context",
    "unavailable_context",
]
