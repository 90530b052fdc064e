"""What changed: the baseline window, findings, and the one ranking every context uses.

A context compares each entity's figure in its window with the same figure in a baseline window (by default
the window of equal length just before; ``yesterday`` / ``last_week`` shift the window by a day or a week) and
turns the pairs into :class:`Finding` values with :func:`compare`. :func:`rank` orders them:

1. by status: ``new`` (the figure moved past its usual range, or crossed its condition level) first, then
   ``worsened`` (already a problem in the baseline, and clearly worse now), then ``chronic`` (a problem in
   both windows, about the same), then ``improved``;
2. within a status, by ``score = magnitude x weight``:

   * ``magnitude = log2(1 + min(|relative change|, 100))``: 2x is 1.6, 10x is 3.5; when the baseline's
     per-bucket values are known, it is scaled by ``min(1, |robust z| / 3)``, so a move inside the baseline's
     own noise counts for little (robust z = (value - median) / (1.4826 x MAD));
   * ``weight = severity x (0.25 + 0.75 x impact)``, impact being the entity's share of the traffic (0..1)
     and severity 1.0 (critical), 0.6 (warning) or 0.3 (info);
   * a chronic finding's magnitude is how far past its condition level it is, divided by ten.

The signals (label, unit, which way is worse, the floor a change is measured against, the condition level and
the smallest move that counts) are data: ``tfo_mcp/data/change_signals.tsv``.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tfo_mcp.context.types import TimeRange

if TYPE_CHECKING:
    from tfo_mcp.context.collector import CollectRequest

__all__ = [
    "BASELINES",
    "Finding",
    "Signal",
    "baseline_window",
    "compare",
    "describe",
    "order_key",
    "rank",
    "robust_z",
    "signal",
    "what_changed",
]

Baseline = Literal["previous", "yesterday", "last_week"]
Status = Literal["new", "worsened", "chronic", "improved"]
Severity = Literal["critical", "warning", "info"]

#: baseline name -> how far the baseline window lies before the window (None: directly before, equal length).
BASELINES: dict[str, timedelta | None] = {
    "previous": None,
    "yesterday": timedelta(days=1),
    "last_week": timedelta(days=7),
}
BASELINE_WORDS = {
    "previous": "the preceding window",
    "yesterday": "the same window yesterday",
    "last_week": "the same window last week",
}
STATUS_ORDER: dict[str, int] = {"new": 0, "worsened": 1, "chronic": 2, "improved": 3}
SEVERITY_WEIGHT: dict[str, float] = {"critical": 1.0, "warning": 0.6, "info": 0.3}
#: |robust z| at which a move stands clear of the baseline's noise.
Z_CLEAR = 3.0
#: MAD -> standard deviation for normal data.
MAD_SCALE = 1.4826
CHRONIC_DISCOUNT = 0.1
_SIGNALS_PATH = Path(__file__).resolve().parent.parent / "data" / "change_signals.tsv"


def baseline_window(window: TimeRange, baseline: str = "previous") -> TimeRange:
    """The window ``window`` is compared with: the equal-length window just before it, or the same window a day
    or a week earlier. Raises ValueError for an unknown baseline name."""
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {', '.join(BASELINES)}, not {baseline!r}")
    shift = BASELINES[baseline] or window.duration
    return TimeRange(start=window.start - shift, end=window.end - shift)


def baseline_request(req: CollectRequest) -> CollectRequest:
    """``req`` for its baseline window (same organization, options and budget)."""
    return replace(req, time_range=baseline_window(req.time_range, req.baseline))


# --------------------------------------------------------------------------- signals


@dataclass(frozen=True)
class Signal:
    """One comparable figure (a row of change_signals.tsv)."""

    name: str
    label: str
    unit: str
    worse: Literal["up", "down", "both"]
    floor: float
    condition: float | None
    min_change: float


@cache
def _signals() -> dict[str, Signal]:
    rows = [line for line in _SIGNALS_PATH.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    out = {}
    for row in csv.DictReader(rows, delimiter="\t"):
        out[row["signal"]] = Signal(
            name=row["signal"],
            label=row["label"],
            unit=row["unit"],
            worse=row["worse"],  # type: ignore[arg-type]
            floor=float(row["floor"]),
            condition=float(row["condition"]) if row["condition"] else None,
            min_change=float(row["min_change"]),
        )
    return out


def signal(name: str) -> Signal:
    """The signal called ``name``; KeyError names the known ones."""
    try:
        return _signals()[name]
    except KeyError:
        raise KeyError(f"unknown signal {name!r}; known: {', '.join(_signals())}") from None


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """One entity's figure, compared with its baseline, ranked by :func:`rank`."""

    context: str
    entity: str
    signal: str
    before: float | None
    after: float
    status: Status
    score: float
    #: "baseline" (window vs baseline), "detector" (our robust detector), "tfo" (TFO's anomaly_events),
    #: "change" (before/after a change event)
    source: str = "baseline"
    severity: Severity = "warning"
    impact: float = 0.0
    z: float | None = None
    #: when the figure first stood out (ISO-8601), where the context knows
    since: str | None = None
    window: dict[str, str] = field(default_factory=dict)
    baseline: dict[str, str] = field(default_factory=dict)
    #: what else the context knows that explains it (e.g. "after deploy v2.3 of checkout at 10:40 UTC")
    note: str = ""

    @property
    def change_percent(self) -> float | None:
        if self.before is None or self.before == 0:
            return None
        return round((self.after - self.before) / abs(self.before) * 100, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "context": self.context,
            "entity": self.entity,
            "signal": self.signal,
            "before": _round(self.before),
            "after": _round(self.after),
            "change_percent": self.change_percent,
            "status": self.status,
            "score": round(self.score, 3),
            "source": self.source,
            "severity": self.severity,
            "since": self.since,
            "window": self.window,
            "baseline": self.baseline,
            "text": describe(self),
        }


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    return round(value, 2) if abs(value) >= 1 else round(value, 4)


def robust_z(points: Sequence[float], value: float, floor: float = 0.0) -> float | None:
    """How far ``value`` lies from ``points`` in robust standard deviations (median / MAD); None for fewer than
    4 points. The spread is at least ``floor`` / 3 (so a flat baseline does not turn every wobble into 100 sigma)."""
    if len(points) < 4:
        return None
    median = statistics.median(points)
    mad = statistics.median(abs(p - median) for p in points)
    spread = max(MAD_SCALE * mad, floor / 3, 1e-9)
    return (value - median) / spread


def _worse_by(spec: Signal, before: float, after: float) -> float:
    """The relative change in the bad direction (negative when the figure got better)."""
    rel = (after - before) / max(abs(before), spec.floor)
    if spec.worse == "down":
        return -rel
    if spec.worse == "both":
        return abs(rel)
    return rel


def _at_condition(spec: Signal, value: float) -> bool:
    if spec.condition is None:
        return False
    return value <= spec.condition if spec.worse == "down" else value >= spec.condition


def compare(
    context: str,
    entity: str,
    signal_name: str,
    before: float | None,
    after: float,
    *,
    impact: float = 0.0,
    severity: Severity = "warning",
    baseline_points: Sequence[float] | None = None,
    since: str | None = None,
    window: TimeRange | None = None,
    baseline: TimeRange | None = None,
    source: str = "baseline",
    note: str = "",
) -> Finding | None:
    """A finding for one figure, or None when it is steady and no problem.

    ``before`` is the baseline's figure (None: the entity did not exist in the baseline, which makes a bad
    figure new). ``baseline_points`` are the baseline's per-bucket values, for the robust z.
    """
    spec = signal(signal_name)
    after = float(after)
    z = robust_z(baseline_points, after, spec.floor) if baseline_points is not None else None
    if spec.worse == "down" and z is not None:
        z = -z
    bad_now = _at_condition(spec, after)
    if before is None:
        worse = math.inf if (bad_now or (spec.condition is None and after > spec.floor)) else 0.0
        bad_before = False
    else:
        before = float(before)
        worse = _worse_by(spec, before, after)
        bad_before = _at_condition(spec, before)
    clear = z is None or abs(z) >= Z_CLEAR
    moved = worse >= spec.min_change and clear
    status: Status | None
    if moved and not bad_before:
        status = "new"
    elif moved:
        status = "worsened"
    elif bad_now and bad_before:
        status = "chronic"
    elif worse <= -spec.min_change and clear and before is not None and spec.worse != "both":
        status = "improved"
    else:
        return None
    weight = SEVERITY_WEIGHT[severity] * (0.25 + 0.75 * min(1.0, max(0.0, impact)))
    if status == "chronic":
        level = spec.condition or spec.floor
        magnitude = CHRONIC_DISCOUNT * abs(after - level) / max(abs(level), spec.floor)
    else:
        magnitude = math.log2(1 + min(abs(worse), 100.0))
        if z is not None:
            magnitude *= min(1.0, abs(z) / Z_CLEAR)
    return Finding(
        context=context,
        entity=entity,
        signal=signal_name,
        before=before,
        after=after,
        status=status,
        score=magnitude * weight,
        source=source,
        severity=severity,
        impact=impact,
        z=None if z is None else round(z, 2),
        since=since,
        window=window.to_dict() if window else {},
        baseline=baseline.to_dict() if baseline else {},
        note=note,
    )


def order_key(status: str, score: float, entity: str, signal_name: str) -> tuple[int, float, str, str]:
    """The sort key of the one ranking: status (new, worsened, chronic, improved), then score, highest first."""
    return STATUS_ORDER.get(status, len(STATUS_ORDER)), -score, entity, signal_name


def rank(findings: Iterable[Finding | None]) -> list[Finding]:
    """Findings in report order: new, worsened, chronic, improved; within each, highest score first."""
    present = [f for f in findings if f is not None]
    return sorted(present, key=lambda f: order_key(f.status, f.score, f.entity, f.signal))


# --------------------------------------------------------------------------- sentences


def _figure(value: float | None, spec: Signal) -> str:
    if value is None:
        return "n/a"
    rounded = round(value, 1) if abs(value) < 100 else round(value)
    text = f"{rounded:g}" if isinstance(rounded, float) else str(rounded)
    return f"{text}{spec.unit}"


def describe(finding: Finding) -> str:
    """One sentence for a finding: who, which figure, from what to what, since when, and why if known."""
    spec = signal(finding.signal)
    who = f"{finding.entity} {spec.label}"
    since = f" since {finding.since[11:16]} UTC" if finding.since and len(finding.since) >= 16 else ""
    origin = {"detector": " (detected in the data)", "tfo": " (TFO anomaly)"}.get(finding.source, "")
    if finding.status == "chronic":
        usual = _figure(finding.before, spec)
        text = f"{who} has stayed at about {_figure(finding.after, spec)} (baseline {usual}): chronic"
    elif finding.before is None:
        text = f"{who} is {_figure(finding.after, spec)}, new in this window{since}"
    else:
        verb = "rose" if finding.after > finding.before else "fell"
        ratio = ""
        if finding.before and finding.after and min(finding.before, finding.after) > 0:
            factor = max(finding.after, finding.before) / min(finding.after, finding.before)
            ratio = f" ({factor:.1f}x)" if factor >= 1.5 else f" ({finding.change_percent:+g}%)"
        text = f"{who} {verb} from {_figure(finding.before, spec)} to {_figure(finding.after, spec)}{ratio}{since}"
    if finding.note:
        text += f", {finding.note}"
    return text + origin


def what_changed(findings: Sequence[Finding], baseline: str = "previous", limit: int = 3) -> str:
    """The summary sentence for ranked findings: the top changes, then chronic conditions, or "nothing changed"."""
    moved = [f for f in findings if f.status in ("new", "worsened")]
    chronic = [f for f in findings if f.status == "chronic"]
    against = BASELINE_WORDS.get(baseline, "the baseline")
    parts = []
    if moved:
        parts.append(f"Changed against {against}: " + "; ".join(describe(f) for f in moved[:limit]) + ".")
    else:
        parts.append(f"Nothing changed measurably against {against}.")
    if chronic:
        parts.append("Chronic: " + "; ".join(describe(f) for f in chronic[:limit]) + ".")
    return " ".join(parts)


def point_in_time(value: Any) -> str | None:
    """ISO-8601 text of a datetime or a ClickHouse time text, for ``Finding.since``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return text.replace(" ", "T", 1) if len(text) >= 16 else None
