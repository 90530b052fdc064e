"""The server's own usage, read back from its analytics tables: `ch_tool_analytics`, `ch_session_analytics`,
`ch_error_analytics` and `ch_api_usage`."""

from __future__ import annotations

from fastmcp.server.providers import LocalProvider
from pydantic import BaseModel, Field

from tfo_mcp.analytics import queries
from tfo_mcp.config import Settings
from tfo_mcp.tools.annotations import READ_ONLY


class ToolStats(BaseModel):
    tool_name: str
    calls: int
    errors: int
    error_rate: float = Field(description="errors / calls")
    avg_duration_ms: float
    p50_duration_ms: float | None
    p95_duration_ms: float | None
    p99_duration_ms: float | None
    max_duration_ms: float
    input_bytes: int = Field(description="Total size of the arguments")
    output_bytes: int = Field(description="Total size of the results")
    last_call: str | None = Field(description="UTC time of the latest call")


class ToolAnalytics(BaseModel):
    hours: int
    source: str = Field(description="Rollup table that answered")
    tools: list[ToolStats]


async def ch_tool_analytics(
    tool_name: str | None = Field(None, max_length=200, description="Only this tool (exact name); all when empty"),
    hours: int = Field(24, ge=1, le=8760, description="Look back this many hours"),
    limit: int = Field(50, ge=1, le=1000, description="Most tools to list (busiest first)"),
) -> ToolAnalytics:
    """Tool usage of this server (and any sharing its store): calls, errors, latency percentiles, sizes."""
    rollup = queries.rollup(hours)
    rows = await queries.run(f"tool_analytics_{rollup}", {"tool_name": tool_name or "", "hours": hours, "limit": limit})
    tools = [
        ToolStats(
            tool_name=row["tool_name"],
            calls=row["call_count"],
            errors=row["error_count"],
            error_rate=round(row["error_count"] / row["call_count"], 4) if row["call_count"] else 0.0,
            avg_duration_ms=row["avg_duration_ms"] or 0.0,
            p50_duration_ms=queries.quantile(row["duration_q"], 0),
            p95_duration_ms=queries.quantile(row["duration_q"], 1),
            p99_duration_ms=queries.quantile(row["duration_q"], 2),
            max_duration_ms=round(row["duration_max"] or 0.0, 3),
            input_bytes=row["input_total"],
            output_bytes=row["output_total"],
            last_call=row["latest_call"],
        )
        for row in rows
    ]
    return ToolAnalytics(hours=hours, source=f"tool_calls_{rollup}", tools=tools)


class SessionRow(BaseModel):
    session_id: str
    server_id: str
    state: str
    client_name: str
    client_version: str
    protocol_version: str
    started_at: str
    initialized_at: str | None
    closed_at: str | None
    duration_seconds: float
    tool_calls: int
    api_calls: int
    input_tokens: int
    output_tokens: int
    errors: int


class ClientSummary(BaseModel):
    client_name: str
    sessions: int
    open_sessions: int
    avg_duration_seconds: float
    tool_calls: int
    errors: int


class SessionAnalytics(BaseModel):
    hours: int
    total_sessions: int
    by_client: list[ClientSummary] = Field(description="Sessions per client name")
    sessions: list[SessionRow] = Field(description="Latest sessions first")


async def ch_session_analytics(
    hours: int = Field(168, ge=1, le=8760, description="Look back this many hours"),
    limit: int = Field(50, ge=1, le=1000, description="Most sessions to list (newest first)"),
) -> SessionAnalytics:
    """Client sessions of this server: who connected, how long, how many tool calls, tokens and errors."""
    params = {"hours": hours, "limit": limit}
    by_client = await queries.run("session_summary", params)
    sessions = await queries.run("session_list", params)
    summaries = [
        ClientSummary(
            client_name=row["client_name"],
            sessions=row["session_count"],
            open_sessions=row["open_sessions"],
            avg_duration_seconds=row["avg_duration_seconds"] or 0.0,
            tool_calls=row["tool_call_count"],
            errors=row["error_count"],
        )
        for row in by_client
    ]
    return SessionAnalytics(
        hours=hours,
        total_sessions=sum(item.sessions for item in summaries),
        by_client=summaries,
        sessions=[SessionRow(**row) for row in sessions],
    )


class ErrorGroup(BaseModel):
    source: str = Field(description="tool, resource, prompt, llm or server")
    error_type: str
    error_code: int
    count: int
    sessions: int = Field(description="Distinct sessions that saw it")
    last_seen: str | None
    last_message: str


class ErrorAnalytics(BaseModel):
    hours: int
    source: str = Field(description="Rollup table that answered")
    total_errors: int
    errors: list[ErrorGroup]


async def ch_error_analytics(
    hours: int = Field(72, ge=1, le=8760, description="Look back this many hours"),
    limit: int = Field(50, ge=1, le=1000, description="Most error groups to list (most frequent first)"),
) -> ErrorAnalytics:
    """Errors seen by this server grouped by source, type and code, with the latest message of each."""
    rollup = queries.rollup(hours)
    rows = await queries.run(f"error_analytics_{rollup}", {"hours": hours, "limit": limit})
    groups = [
        ErrorGroup(
            source=row["source"],
            error_type=row["error_type"],
            error_code=row["error_code"],
            count=row["error_count"],
            sessions=row["session_count"],
            last_seen=row["latest_seen"],
            last_message=row["latest_message"] or "",
        )
        for row in rows
    ]
    return ErrorAnalytics(
        hours=hours, source=f"error_analytics_{rollup}", total_errors=sum(g.count for g in groups), errors=groups
    )


class ModelUsage(BaseModel):
    provider: str
    model: str
    requests: int
    errors: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_usd: float | None = Field(description="Summed cost of the priced requests; null when none was priced")
    unpriced_requests: int = Field(description="Requests whose price LiteLLM did not know (not counted in cost)")
    avg_duration_ms: float
    p95_duration_ms: float | None = Field(description="Only from the hourly rollup (windows up to 31 days)")
    last_request: str | None


class ApiUsage(BaseModel):
    hours: int
    source: str = Field(description="Rollup table that answered")
    total_requests: int
    total_tokens: int
    total_cost_usd: float | None = Field(description="Null when no request in the window had a known price")
    models: list[ModelUsage]


def _total_cost(models: list[ModelUsage]) -> float | None:
    priced = [m.cost_usd for m in models if m.cost_usd is not None]
    return round(sum(priced), 6) if priced else None


async def ch_api_usage(
    hours: int = Field(168, ge=1, le=8760, description="Look back this many hours"),
    model: str | None = Field(None, max_length=200, description="Only this model id (exact); all when empty"),
    limit: int = Field(50, ge=1, le=1000, description="Most models to list (most requests first)"),
) -> ApiUsage:
    """LLM usage recorded by this server: requests, errors, tokens, cost and latency per provider and model."""
    rollup = queries.rollup(hours)
    rows = await queries.run(f"api_usage_{rollup}", {"model": model or "", "hours": hours, "limit": limit})
    models = [
        ModelUsage(
            provider=row["provider"],
            model=row["model"],
            requests=row["request_count"],
            errors=row["error_count"],
            input_tokens=row["input_total"],
            output_tokens=row["output_total"],
            total_tokens=row["tokens_total"],
            cost_usd=None if row["cost_total"] is None else round(row["cost_total"], 6),
            unpriced_requests=row["request_count"] - row["priced_count"],
            avg_duration_ms=row["avg_duration_ms"] or 0.0,
            p95_duration_ms=queries.quantile(row.get("duration_q"), 1),
            last_request=row.get("latest_request"),
        )
        for row in rows
    ]
    return ApiUsage(
        hours=hours,
        source=f"api_usage_{rollup}",
        total_requests=sum(m.requests for m in models),
        total_tokens=sum(m.total_tokens for m in models),
        total_cost_usd=_total_cost(models),
        models=models,
    )


def provider(settings: Settings) -> LocalProvider:
    """The four analytics tools."""
    tools = LocalProvider()
    for tool in (ch_tool_analytics, ch_session_analytics, ch_error_analytics, ch_api_usage):
        tools.tool(tool, annotations=READ_ONLY)
    return tools
