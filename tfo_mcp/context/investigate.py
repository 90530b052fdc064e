"""`investigate`: one bounded answer to "what changed, where, since when" across the signals.

The contexts in :data:`INVESTIGATED` run concurrently under one budget (5 s by default); their findings
(each already compared with the same baseline) are merged into one list ranked by
:func:`tfo_mcp.context.change.order_key`, the same finding reported by two contexts kept once (the first
context that ranked it names it; ``also_in`` lists the others). With a service, only findings about that
service (or an edge it is on) are kept. The answer is cut to ``max_tokens`` (cl100k) of JSON, saying so.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from datetime import UTC
from typing import Any

from tfo_mcp.context import collector
from tfo_mcp.context.change import BASELINE_WORDS, baseline_window, order_key
from tfo_mcp.context.collector import collect_context, validate_organization
from tfo_mcp.context.types import ContextType, TimeRange, jsonable, preparing_summary
from tfo_mcp.health import pending_preparation
from tfo_mcp.tokens import count_tokens

__all__ = ["DEFAULT_MAX_TOKENS", "INVESTIGATED", "investigate"]

#: The contexts an investigation reads: the signals, the changes, the detector and the places incidents show.
INVESTIGATED: tuple[ContextType, ...] = tuple(
    ContextType(name)
    for name in (
        "service-health", "errors", "latency", "throughput", "logs", "metrics", "uptime", "anomalies",
        "deployment", "change-events", "service-map", "kubernetes-pods", "security-events", "platform-cost",
    )
)  # fmt: skip
#: Contexts whose ``context_id`` is a service name (the others are filtered by the findings' entities).
SERVICE_SCOPED = frozenset({ContextType.LOGS})
DEFAULT_MAX_TOKENS = 2000
#: Findings kept before the token cut (the cut then drops from the tail).
MAX_FINDINGS = 40
MOVED = ("new", "worsened")
#: How an edge's entity joins caller and callee (``checkout -> payments``).
EDGE = "->"
#: A caller's finding that its call explains ranks at most this share of the call's score.
CASCADE_DISCOUNT = 0.5


def _about(entity: str, service: str) -> bool:
    """Whether a finding's entity is the service, starts with it (``checkout /pay``) or is an edge it is on."""
    if entity == service or entity.startswith((f"{service} ", f"{service}/", f"{service}:")):
        return True
    return service in (part.strip() for part in entity.split(EDGE))


def _merge(
    results: dict[ContextType, dict[str, Any]], service: str | None, window: dict[str, str], baseline: dict[str, str]
) -> list[dict[str, Any]]:
    """Every context's findings in one ranked list, each (entity, signal) once; a finding's window and baseline
    are kept only where they differ from the investigation's own (change impact compares its own periods)."""
    found: list[dict[str, Any]] = []
    for kind, context in results.items():
        for finding in (context.get("data") or {}).get("findings") or []:
            if service and not _about(str(finding.get("entity", "")), service):
                continue
            entry = {**finding, "context": kind.value}
            if entry.get("window") in (window, {}):
                entry.pop("window", None)
            if entry.get("baseline") in (baseline, {}):
                entry.pop("baseline", None)
            found.append(entry)
    _rank_symptoms_below_calls(found)
    found.sort(key=lambda f: order_key(f["status"], f.get("score") or 0.0, str(f["entity"]), str(f["signal"])))
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for finding in found:
        key = (str(finding["entity"]), str(finding["signal"]))
        if key in merged:
            merged[key].setdefault("also_in", []).append(finding["context"])
        else:
            merged[key] = finding
    return list(merged.values())


def _rank_symptoms_below_calls(findings: list[dict[str, Any]]) -> None:
    """Errors and latency travel upstream: a service's new or worsened figure that one of its calls (an edge
    ``service -> callee``) shows as new or worsened too is the symptom, so it ranks below that call (its score
    becomes the call's x CASCADE_DISCOUNT) and names it in ``explained_by``."""
    calls: dict[tuple[str, str], dict[str, Any]] = {}
    for finding in findings:
        entity = str(finding["entity"])
        if finding["status"] in MOVED and EDGE in entity:
            key = (entity.split(EDGE)[0].strip(), str(finding["signal"]))
            if key not in calls or (finding.get("score") or 0.0) > (calls[key].get("score") or 0.0):
                calls[key] = finding
    for finding in findings:
        call = calls.get((str(finding["entity"]), str(finding["signal"])))
        if call is None or finding["status"] not in MOVED:
            continue
        ceiling = (call.get("score") or 0.0) * CASCADE_DISCOUNT
        if (finding.get("score") or 0.0) > ceiling:
            finding["score"] = round(ceiling, 3)
            finding["explained_by"] = call["entity"]


def _span(window: TimeRange) -> str:
    """``2026-12-02 08:59 to 09:59 UTC`` (the end's date too when it differs)."""
    start, end = window.start.astimezone(UTC), window.end.astimezone(UTC)
    end_format = "%H:%M" if start.date() == end.date() else "%Y-%m-%d %H:%M"
    return f"{start:%Y-%m-%d %H:%M} to {end:{end_format}} UTC"


def _summary(findings: list[dict[str, Any]], window: TimeRange, baseline: str, service: str | None) -> str:
    scope = f"{service} " if service else ""
    against = BASELINE_WORDS.get(baseline, "the baseline")
    moved = [f for f in findings if f["status"] in MOVED]
    chronic = [f for f in findings if f["status"] == "chronic"]
    if moved:
        lead = f"What changed in {scope}{_span(window)} against {against}: " + "; ".join(
            f"{f['text']} [{f['context']}]" for f in moved[:3]
        )
        lead += "." if len(moved) <= 3 else f"; and {len(moved) - 3} more."
    else:
        lead = f"Nothing changed measurably in {scope}{_span(window)} against {against}."
    if chronic:
        lead += " Chronic (not new): " + "; ".join(f["text"] for f in chronic[:2]) + "."
    return lead


def _fit(answer: dict[str, Any], max_tokens: int) -> dict[str, Any]:
    """Drop findings from the tail until the answer's JSON is within ``max_tokens``; say how many went."""
    findings = answer["findings"]
    total = len(findings)

    def size() -> int:
        return count_tokens(json.dumps(answer, separators=(",", ":")))  # escaped: the largest form

    while findings and size() > max_tokens:
        findings.pop()
        answer["truncated"] = {"findings_shown": len(findings), "findings_found": total, "limit_tokens": max_tokens}
    return answer


async def investigate(
    organization_id: str,
    service: str | None = None,
    time_from: str | None = None,
    time_to: str | None = None,
    baseline: str = "previous",
    budget: float | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    contexts: Iterable[ContextType] = INVESTIGATED,
) -> dict[str, Any]:
    """What changed for one organization (optionally one service) in the window, ranked, within the budget.

    Raises ValueError for invalid arguments; a context that fails or runs out of time is listed under
    ``unavailable`` and the others still answer.
    """
    organization_id = validate_organization(organization_id)
    window = TimeRange.resolve(time_from, time_to)
    against = baseline_window(window, baseline)
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or not 200 <= max_tokens <= 100_000:
        raise ValueError("max_tokens must be a whole number from 200 to 100000")
    service = (service or "").strip() or None
    if service is not None and (len(service) > 200 or any(ord(ch) < 32 for ch in service)):
        raise ValueError("service must be a name of at most 200 characters without control characters")
    budget = collector.configured_budget() if budget is None else budget
    kinds = list(dict.fromkeys(contexts))
    started = time.monotonic()

    async def one(kind: ContextType) -> dict[str, Any]:
        context = await collect_context(
            kind,
            organization_id,
            time_from=window.start,
            time_to=window.end,
            context_id=service if kind in SERVICE_SCOPED else None,
            budget=max(0.05, budget - (time.monotonic() - started)),
            baseline=baseline,
        )
        return context.to_dict()

    preparing = pending_preparation()
    answers = [] if preparing else await asyncio.gather(*(one(kind) for kind in kinds))
    results = dict(zip(kinds, answers, strict=False))
    findings = _merge(results, service, window.to_dict(), against.to_dict())[:MAX_FINDINGS]
    summary = (
        preparing_summary("investigate", preparing.percent, preparing.step)
        if preparing
        else _summary(findings, window, baseline, service)
    )
    answer = {
        "organization_id": organization_id,
        "service": service,
        "window": window.to_dict(),
        "baseline": {"kind": baseline, **against.to_dict()},
        "changed": any(f["status"] in MOVED for f in findings),
        "summary": summary,
        "findings": [jsonable(f) for f in findings],
        "contexts": {kind.value: result["status"] for kind, result in results.items()},
        "unavailable": {
            kind.value: result["summary"] for kind, result in results.items() if result["status"] == "unavailable"
        },
        "elapsed_ms": round((time.monotonic() - started) * 1000, 1),
    }
    return _fit(answer, max_tokens)
