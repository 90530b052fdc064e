"""Scores the contexts on the evaluation scenarios.

For an incident, ``collect_context(truth.context, org, window, budget=120)`` is scored on three criteria:

* **named**: every culprit term appears in the summary (case-insensitive);
* **first**: ``data["findings"][0]["entity"]`` names every culprit term;
* **figure**: ``data["findings"][0]["after"]``, or a number in the summary, is within the truth's relative
  tolerance of the figure measured on the rows.

For a quiet window, every context it lists is **quiet** when no finding has status new / worsened and the
summary claims no change. ``investigate(org, time_from, time_to)`` (:mod:`tfo_mcp.context.investigate`) is
scored the same way on every scenario (named in its summary and findings' text, first, figure; quiet).

:func:`score` returns per-class and overall rates; :func:`table` prints them.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from tfo_mcp.context.collector import collect_context
from tfo_mcp.context.investigate import investigate
from tfo_mcp.evaluation.scenarios import Scenario, Truth

BUDGET = 120.0
CRITERIA = ("named", "first", "figure")
#: Summary phrases that claim a change (the ones tfo_mcp.context.change.what_changed writes).
CLAIMS = re.compile(r"\bchanged against\b|\bnew in this window\b", re.IGNORECASE)
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
MOVED = ("new", "worsened")


@dataclass
class Outcome:
    """One scored check: a scenario with one context (or investigate)."""

    scenario: str
    kind: str
    context: str
    checks: dict[str, bool]
    detail: dict[str, Any] = field(default_factory=dict)


def _named(text: str, truth: Truth) -> bool:
    lowered = text.lower()
    return all(term.lower() in lowered for term in truth.culprit)


def _close(value: Any, truth: Truth) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return abs(number - truth.figure) <= truth.tolerance * max(abs(truth.figure), 1e-9)


def _numbers(text: str) -> list[float]:
    return [float(match.replace(",", "")) for match in NUMBER.findall(text)]


def score_incident(summary: str, findings: list[dict[str, Any]], truth: Truth) -> dict[str, bool]:
    """The three criteria for one answer (summary text and ranked findings)."""
    top = findings[0] if findings else {}
    figure_ok = _close(top.get("after"), truth) or any(_close(n, truth) for n in _numbers(summary))
    return {
        "named": _named(summary, truth),
        "first": bool(top) and _named(str(top.get("entity", "")), truth),
        "figure": figure_ok,
    }


def score_quiet(summary: str, findings: list[dict[str, Any]]) -> dict[str, bool]:
    moved = [f for f in findings if f.get("status") in MOVED]
    return {"quiet": not moved and not CLAIMS.search(summary)}


def _findings(data: Any) -> list[dict[str, Any]]:
    found = data.get("findings") if isinstance(data, dict) else None
    return [f for f in found if isinstance(f, dict)] if isinstance(found, list) else []


async def _collect(scenario: Scenario, context: str) -> tuple[str, list[dict[str, Any]], str]:
    result = await collect_context(
        context, scenario.organization_id, scenario.start, scenario.end, budget=BUDGET, baseline=scenario.baseline
    )
    return result.summary, _findings(result.data), result.status


async def _investigate(scenario: Scenario) -> tuple[str, list]:
    answer = await investigate(
        scenario.organization_id,
        time_from=scenario.start.isoformat(),
        time_to=scenario.end.isoformat(),
        baseline=scenario.baseline,
        budget=BUDGET,
    )
    findings = _findings(answer)
    text = str(answer["summary"])
    text += " " + " ".join(f"{f.get('entity', '')}: {f.get('text', '')}" for f in findings)
    return text, findings


async def run(scenarios: list[Scenario], *, with_investigate: bool = True) -> list[Outcome]:
    """Every check on every scenario, in order."""
    outcomes: list[Outcome] = []
    for scenario in scenarios:
        truth = scenario.truth
        if truth is not None:
            summary, findings, status = await _collect(scenario, truth.context)
            detail = {"status": status, "summary": summary[:600], "top": findings[0] if findings else None,
                      "truth": truth.to_dict()}  # fmt: skip
            outcomes.append(Outcome(scenario.name, scenario.kind, truth.context,
                                    score_incident(summary, findings, truth), detail))  # fmt: skip
        for context in scenario.quiet_contexts:
            summary, findings, status = await _collect(scenario, context)
            moved = [f.get("text") for f in findings if f.get("status") in MOVED]
            outcomes.append(Outcome(scenario.name, scenario.kind, context, score_quiet(summary, findings),
                                    {"status": status, "summary": summary[:600], "moved": moved[:3]}))  # fmt: skip
        if with_investigate:
            text, findings = await _investigate(scenario)
            checks = score_incident(text, findings, truth) if truth is not None else score_quiet("", findings)
            detail = {"top": findings[0] if findings else None, "findings": len(findings)}
            outcomes.append(Outcome(scenario.name, scenario.kind, "investigate", checks, detail))
    return outcomes


def _rate(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def summarize(outcomes: list[Outcome]) -> dict[str, Any]:
    """Rates per class and overall; ``investigate`` figures apart from the contexts'."""

    def block(items: list[Outcome]) -> dict[str, Any]:
        incident = [o for o in items if o.kind != "quiet"]
        quiet = [o for o in items if o.kind == "quiet"]
        rates = {c: _rate([o.checks[c] for o in incident]) for c in CRITERIA}
        rates["quiet"] = _rate([o.checks["quiet"] for o in quiet])
        every = [v for o in items for v in o.checks.values()]
        return {"overall": _rate(every), **rates, "incidents": len(incident), "quiet_checks": len(quiet)}

    contexts = [o for o in outcomes if o.context != "investigate"]
    investigated = [o for o in outcomes if o.context == "investigate"]
    kinds = list(dict.fromkeys(o.kind for o in outcomes))
    per_class = {}
    for kind in kinds:
        items = [o for o in contexts if o.kind == kind]
        entry = block(items)
        entry["context"] = ", ".join(dict.fromkeys(o.context for o in items))
        inv = [o for o in investigated if o.kind == kind]
        if inv:
            entry["investigate"] = block(inv)
        per_class[kind] = entry
    result: dict[str, Any] = {"contexts": block(contexts), "per_class": per_class}
    if investigated:
        result["investigate"] = block(investigated)
    return result


async def score(scenarios: list[Scenario], *, with_investigate: bool = True) -> dict[str, Any]:
    """Run and summarize; adds the seconds taken and every check's outcome."""
    started = time.perf_counter()
    outcomes = await run(scenarios, with_investigate=with_investigate)
    result = summarize(outcomes)
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["outcomes"] = [
        {"scenario": o.scenario, "kind": o.kind, "context": o.context, "checks": o.checks, **o.detail} for o in outcomes
    ]
    return result


def _cell(value: float | None) -> str:
    return "  -  " if value is None else f"{value * 100:5.0f}%"


def table(result: dict[str, Any]) -> str:
    """The per-class rates as a printable table (percent), contexts then investigate."""
    has_investigate = "investigate" in result
    head = f"{'class':<22} {'context':<20} {'n':>3} {'named':>6} {'first':>6} {'figure':>6} {'quiet':>6}"
    if has_investigate:
        head += f"  | {'inv named':>9} {'first':>6} {'figure':>6} {'quiet':>6}"
    lines = [head, "-" * len(head)]

    def cells(block: dict[str, Any]) -> str:
        return " ".join(f"{_cell(block.get(c)):>6}" for c in (*CRITERIA, "quiet"))

    for kind, entry in result["per_class"].items():
        count = entry["incidents"] or entry["quiet_checks"]
        line = f"{kind:<22} {entry['context'][:20]:<20} {count:>3} {cells(entry)}"
        if has_investigate and "investigate" in entry:
            line += f"  | {'':>3}{cells(entry['investigate'])}"
        lines.append(line)
    lines.append("-" * len(head))
    total = result["contexts"]
    line = f"{'all':<22} {'':<20} {total['incidents']:>3} {cells(total)}"
    if has_investigate:
        line += f"  | {'':>3}{cells(result['investigate'])}"
    lines.append(line)
    lines.append(f"overall (every check): contexts {_cell(total['overall'])}"
                 + (f", investigate {_cell(result['investigate']['overall'])}" if has_investigate else ""))  # fmt: skip
    return "\n".join(lines)
