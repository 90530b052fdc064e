"""The telemetry-context capability: collect_context, investigate, list_context_types, build_prompt,
analyze_telemetry, the `telemetry://{organization_id}/{context_type}` resource and the `analyze_context` prompt.

Each takes the organization by id, name or slug: :func:`tfo_mcp.tools.organizations.resolve_organization` turns it
into the id (after the other arguments are checked, so a bad argument is named first) before any collector runs.
Contexts and investigations are then served through the short-lived result cache
(:mod:`tfo_mcp.stores.result_cache`), keyed by that resolved, allowed organization and the arguments.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote

from fastmcp import Context
from fastmcp.exceptions import PromptError, ResourceError, ToolError
from fastmcp.server.providers import LocalProvider
from pydantic import BaseModel, Field

from tfo_mcp.config import Settings
from tfo_mcp.context.types import ContextType, InsightType, TelemetryContext, TimeRange, available_context_types
from tfo_mcp.errors import CallerError
from tfo_mcp.llm.completion import complete
from tfo_mcp.results import CUT_DESCRIPTION, round_figures
from tfo_mcp.results import dumps as results_json
from tfo_mcp.tools.annotations import READ_LIVE, READ_ONLY, READ_ONLY_OPEN_WORLD
from tfo_mcp.tools.organizations import resolve_organization
from tfo_mcp.toolsets import HARD_CAP_TOKENS, entry

ORGANIZATION_TEXT = (
    "Organization (tenant): its id, name or slug as list_organizations shows them (e.g. 'Acme Retail' or "
    "'acme-retail'); every query is scoped to it. Omit it for your credential's own organization"
)
ORGANIZATION = Field(None, description=ORGANIZATION_TEXT, max_length=200)
CONTEXT_TYPE = Field(description="One of the 78 context types (see list_context_types), e.g. metrics, logs, traces")
TIME_FROM = Field(None, description="Window start, ISO-8601 with timezone (default: one hour before time_to)")
TIME_TO = Field(None, description="Window end, ISO-8601 with timezone (default: now)")
BASELINE = Field(
    "previous",
    description="What the window is compared with: previous (the equal window just before), yesterday or last_week",
)


class ContextResult(BaseModel):
    """A collected telemetry context."""

    type: str = Field(description="The context type")
    status: str = Field(description="available, empty (no rows in the window) or unavailable (source down/slow)")
    time_range: dict[str, str] = Field(description="The window as ISO-8601 from/to")
    summary: str = Field(description="Short digest with highlights; [SYSTEM] marks empty/unavailable")
    data: Any = Field(description="Structured detail")
    cut: list[dict[str, Any]] | None = Field(None, description=CUT_DESCRIPTION)


class ContextTypeEntry(BaseModel):
    value: str
    category: str
    description: str


class ContextTypeList(BaseModel):
    count: int
    context_types: list[ContextTypeEntry]


class BuiltPrompt(BaseModel):
    """Prompts ready to send to any model."""

    system_prompt: str = Field(description="Persona and instructions for this context type")
    user_prompt: str = Field(description="The live context (and the insight task when asked)")
    context_status: str = Field(description="available, empty or unavailable")


class TelemetryAnalysis(BaseModel):
    """An LLM's analysis of collected telemetry."""

    analysis: str = Field(description="The model's answer")
    context_type: str
    context_status: str
    model: str
    provider: str
    input_tokens: int
    output_tokens: int
    cost_usd: float | None = Field(description="Price in USD when LiteLLM knows it, else null")
    latency_ms: float


T = TypeVar("T")


def _window_key(time_from: str | None, time_to: str | None, ttl: float) -> dict[str, Any]:
    """What the window contributes to a cache key: an explicit end as the resolved window; a window ending now
    as the arguments plus the TTL-long time bucket it falls in (so "the last hour" is shared for one TTL)."""
    if time_to is not None:
        return TimeRange.resolve(time_from, time_to).to_dict()
    return {"from": time_from, "bucket": int(time.time() // ttl) if ttl > 0 else 0}


async def _cached(
    kind: str,
    organization_id: str,
    arguments: dict[str, Any],
    produce: Callable[[], Awaitable[T]],
    encode: Callable[[T], bytes | None],
    decode: Callable[[bytes], T],
) -> T:
    """``produce()`` through the result cache. Called only after the organization was resolved and the caller
    allowed to read it (tenancy), so the key's organization is one this caller may read."""
    import orjson

    from tfo_mcp.context.collector import configured_budget
    from tfo_mcp.stores.result_cache import context_cache

    cache = context_cache()
    if cache.backend == "off":
        return await produce()
    body = {"organization": organization_id, **arguments}
    body.update(_window_key(body.pop("time_from"), body.pop("time_to"), cache.ttl_seconds))
    digest = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()[:40]
    return await cache.get_or_run(
        f"{kind}:{digest}", produce, encode=encode, decode=decode, lock_seconds=configured_budget() + 2
    )


def _encode_json(body: Any) -> bytes | None:
    import orjson

    try:
        return orjson.dumps(body)
    except (TypeError, orjson.JSONEncodeError):  # e.g. an integer beyond 64 bits: not cached
        return None


def _encode_context(context: TelemetryContext) -> bytes | None:
    """A context to store; None for an unavailable one (a store failure or the seed still running is not kept)."""
    return _encode_json(context.to_dict()) if context.status in ("available", "empty") else None


def _decode_context(raw: bytes) -> TelemetryContext:
    import orjson

    body = orjson.loads(raw)
    return TelemetryContext(
        type=ContextType.parse(body["type"]),
        time_range=TimeRange.model_validate(body["time_range"]),
        summary=body["summary"],
        data=body["data"],
        status=body["status"],
    )


def _encode_investigation(answer: dict[str, Any]) -> bytes | None:
    """An investigation to store; None while contexts were unavailable (a partial answer is not kept)."""
    return None if answer["unavailable"] else _encode_json(answer)


def _decode_investigation(raw: bytes) -> dict[str, Any]:
    import orjson

    return orjson.loads(raw)


def _to_result(context: TelemetryContext) -> ContextResult:
    body = context.to_dict()
    return ContextResult(
        type=body["type"],
        status=body["status"],
        time_range=body["time_range"],
        summary=body["summary"],
        data=round_figures(body["data"]),
    )


async def _collect(
    context_type: str,
    organization_id: str | None,
    time_from: str | None = None,
    time_to: str | None = None,
    context_id: str | None = None,
    user_id: str | None = None,
    max_items: int | None = None,
    baseline: str = "previous",
) -> TelemetryContext:
    from tfo_mcp.context.collector import collect_context as run_collector

    try:
        ContextType.parse(context_type)  # argument mistakes are named before the organization is looked up
        TimeRange.resolve(time_from, time_to)
        organization = await resolve_organization(organization_id)
        arguments = {
            "time_from": time_from,
            "time_to": time_to,
            "context_id": context_id,
            "user_id": user_id,
            "max_items": max_items,
            "baseline": baseline,
        }
        return await _cached(
            f"context:{ContextType.parse(context_type).value}",
            organization,
            arguments,
            lambda: run_collector(context_type, organization, **arguments),
            _encode_context,
            _decode_context,
        )
    except ValueError as exc:
        raise CallerError(str(exc)) from None


def _insight(insight_type: str | None) -> InsightType | None:
    if not insight_type:
        return None
    try:
        return InsightType.parse(insight_type)
    except ValueError as exc:
        raise CallerError(str(exc)) from None


def _prompts(context: TelemetryContext, insight: InsightType | None, custom_prompt: str | None) -> tuple[str, str]:
    from tfo_mcp.prompting import build_context_prompt, build_insight_prompt, build_system_prompt

    system = build_system_prompt(context.type, custom_prompt)
    user = build_insight_prompt(insight, context) if insight else build_context_prompt(context)
    return system, user


async def collect_context(
    context_type: Annotated[str, CONTEXT_TYPE],
    organization_id: Annotated[str | None, ORGANIZATION] = None,
    time_from: Annotated[str | None, TIME_FROM] = None,
    time_to: Annotated[str | None, TIME_TO] = None,
    context_id: Annotated[
        str | None, Field(None, description="Narrow the context: a metric name (metrics), a service (logs), ...")
    ] = None,
    user_id: Annotated[str | None, Field(None, description="User id for account-level contexts")] = None,
    max_items: Annotated[int | None, Field(None, ge=1, le=500, description="Row cap per source (default 30)")] = None,
    baseline: Annotated[str, BASELINE] = "previous",
    max_tokens: Annotated[
        int, Field(ge=200, le=HARD_CAP_TOKENS, description="Result size cap in tokens; cut says what left")
    ] = entry("collect_context").budget,
) -> ContextResult:
    """Collect live telemetry context of one type for one organization from ClickHouse and PostgreSQL.

    Signal contexts compare the window with a baseline and rank what changed (`data.findings`). Reads rollups
    where the window allows, caps every source, and answers within 5 seconds: `available` with data, `empty`
    when nothing was recorded in the window, or `unavailable` with the reason (store down or slow).
    """
    context = await _collect(
        context_type, organization_id, time_from, time_to, context_id, user_id, max_items, baseline
    )
    return _to_result(context)


class Investigation(BaseModel):
    """What changed, where and since when, across the signals of one organization."""

    organization_id: str
    service: str | None = Field(description="The service the findings were narrowed to, if any")
    window: dict[str, str] = Field(description="The window investigated, ISO-8601")
    baseline: dict[str, str] = Field(description="What it was compared with: kind, start, end")
    changed: bool = Field(description="Whether anything new or worse was found")
    summary: str = Field(description="The top changes with their figures, or a plain 'nothing changed'")
    findings: list[dict[str, Any]] = Field(
        description="Ranked: new, worsened, chronic, improved; each with context, entity, before, after, since"
    )
    contexts: dict[str, str] = Field(description="Each context read and its status")
    unavailable: dict[str, str] = Field(description="Contexts that could not answer, with the reason")
    elapsed_ms: float
    truncated: dict[str, int] | None = Field(None, description="Set when findings were cut to fit max_tokens")
    cut: list[dict[str, Any]] | None = Field(None, description=CUT_DESCRIPTION)


async def investigate(
    organization_id: Annotated[str | None, ORGANIZATION] = None,
    service: Annotated[str | None, Field(None, max_length=200, description="Narrow to one service")] = None,
    time_from: Annotated[str | None, TIME_FROM] = None,
    time_to: Annotated[str | None, TIME_TO] = None,
    baseline: Annotated[str, BASELINE] = "previous",
    max_tokens: Annotated[int, Field(ge=200, le=HARD_CAP_TOKENS, description="Answer size cap in tokens")] = entry(
        "investigate"
    ).budget,
) -> Investigation:
    """What changed, where, since when: reads the signal, change, anomaly, topology, pod, security and cost
    contexts at once (5 s budget), compares each with the baseline and returns one ranked list of findings
    (figure before and after, context, since when), or says plainly that nothing changed."""
    from tfo_mcp.context.change import baseline_window
    from tfo_mcp.context.investigate import investigate as run_investigation

    try:
        baseline_window(TimeRange.resolve(time_from, time_to), baseline)  # argument mistakes first
        organization = await resolve_organization(organization_id)
        arguments = {
            "time_from": time_from,
            "time_to": time_to,
            "service": service,
            "baseline": baseline,
            "max_tokens": max_tokens,
        }
        answer = await _cached(
            "investigate",
            organization,
            arguments,
            lambda: run_investigation(
                organization, service, time_from, time_to, baseline=baseline, max_tokens=max_tokens
            ),
            _encode_investigation,
            _decode_investigation,
        )
    except ValueError as exc:
        raise CallerError(str(exc)) from None
    return Investigation(**{**answer, "findings": round_figures(answer["findings"])})


def list_context_types() -> ContextTypeList:
    """List the 78 telemetry context types with their category and a one-line description."""
    entries = [ContextTypeEntry(**item) for item in available_context_types()]
    return ContextTypeList(count=len(entries), context_types=entries)


async def build_prompt(
    context_type: Annotated[str, CONTEXT_TYPE],
    organization_id: Annotated[str | None, ORGANIZATION] = None,
    insight_type: Annotated[
        str | None, Field(None, description="chronology, prediction, recommendation, root-cause or pattern")
    ] = None,
    custom_prompt: Annotated[
        str | None, Field(None, max_length=20_000, description="Extra instructions appended to the system prompt")
    ] = None,
    time_from: Annotated[str | None, TIME_FROM] = None,
    time_to: Annotated[str | None, TIME_TO] = None,
) -> BuiltPrompt:
    """Collect a context, then return the analyst system prompt and the context (or insight) prompt for any model."""
    insight = _insight(insight_type)
    context = await _collect(context_type, organization_id, time_from, time_to)
    system, user = _prompts(context, insight, custom_prompt)
    return BuiltPrompt(system_prompt=system, user_prompt=user, context_status=context.status)


async def analyze_telemetry(
    context_type: Annotated[str, CONTEXT_TYPE],
    organization_id: Annotated[str | None, ORGANIZATION] = None,
    question: Annotated[
        str | None, Field(None, max_length=20_000, description="What you want to know about this telemetry")
    ] = None,
    insight_type: Annotated[
        str | None, Field(None, description="chronology, prediction, recommendation, root-cause or pattern")
    ] = None,
    model: Annotated[str | None, Field(None, description="Model id (default: llm.default_model)")] = None,
    time_from: Annotated[str | None, TIME_FROM] = None,
    time_to: Annotated[str | None, TIME_TO] = None,
    max_tokens: Annotated[int | None, Field(None, ge=1, le=1_000_000, description="Reply length limit")] = None,
    ctx: Context | None = None,
) -> TelemetryAnalysis:
    """Collect telemetry context, build the analyst prompt and ask an LLM (any configured provider) about it.

    Reports progress for each stage (collect, prompt, model) when the client asks for progress.
    """
    insight = _insight(insight_type)

    async def stage(step: int, message: str) -> None:
        if ctx is not None:
            await ctx.report_progress(step, 3, message)

    await stage(0, f"collecting {context_type} context")
    context = await _collect(context_type, organization_id, time_from, time_to)
    await stage(1, f"context {context.status}; building the prompt")
    system, user = _prompts(context, insight, None)
    if question:
        user = f"{user}\n\n## Question\n{question}"
    await stage(2, "asking the model")

    async def streaming(chars: int, message: str) -> None:
        if ctx is not None:
            await ctx.report_progress(2, 3, f"{message} ({chars} characters)")

    result = await complete(
        [{"role": "system", "content": system}, {"role": "user", "content": user}],
        model=model,
        max_tokens=max_tokens,
        progress=streaming,
    )
    await stage(3, "done")
    return TelemetryAnalysis(
        analysis=result.reply,
        context_type=str(context.type),
        context_status=context.status,
        model=result.model,
        provider=result.provider,
        input_tokens=result.usage.input_tokens,
        output_tokens=result.usage.output_tokens,
        cost_usd=result.cost_usd,
        latency_ms=result.latency_ms,
    )


async def telemetry_resource(organization_id: str, context_type: str) -> str:
    """The last hour's telemetry context of one type for one organization (id, name or slug), as JSON."""
    try:
        context = await _collect(context_type, unquote(organization_id))
    except (ValueError, ToolError) as exc:
        raise ResourceError(str(exc), log_level=getattr(exc, "log_level", logging.WARNING)) from None
    return results_json(_to_result(context).model_dump(exclude_none=True))


async def analyze_context(
    context_type: str = Field(description="One of the 78 context types, e.g. metrics, logs, traces"),
    organization_id: str = Field("", description=ORGANIZATION_TEXT),
    insight_type: str = Field("", description="chronology, prediction, recommendation, root-cause or pattern"),
) -> str:
    """Analyst prompt over the live telemetry context of one type for one organization (last hour)."""
    try:
        insight = _insight(insight_type)
        context = await _collect(context_type, organization_id)
    except ToolError as exc:
        raise PromptError(str(exc), log_level=exc.log_level) from None
    system, user = _prompts(context, insight, None)
    return f"{system}\n\n{user}"


def provider(settings: Settings) -> LocalProvider:
    """The context tools, the `telemetry://` resource template and the `analyze_context` prompt."""
    components = LocalProvider()
    components.tool(collect_context, annotations=READ_LIVE)
    components.tool(investigate, annotations=READ_LIVE)
    components.tool(list_context_types, annotations=READ_ONLY)
    components.tool(build_prompt, annotations=READ_LIVE)
    components.tool(analyze_telemetry, annotations=READ_ONLY_OPEN_WORLD)
    components.resource("telemetry://{organization_id}/{context_type}", mime_type="application/json")(
        telemetry_resource
    )
    components.prompt(analyze_context)
    return components
