"""Caller -> callee edges from the spans: calls, failed calls and latency per edge, per window and per bucket.

Two sources, added together per edge:

* the ``service_edges_*`` summary (platform migration 010, fed by materialized views): the caller's CLIENT /
  PRODUCER spans that name their peer (``peer.service``, else ``server.address``, else ``net.peer.name``), read
  from the rollup the window allows or the raw spans (``edges_calls`` / ``edges_calls_raw``);
* calls seen only as parent/child across services (a SERVER / CONSUMER span whose parent span belongs to another
  service and names no peer), joined at query time over the narrow ``span_links`` table (platform migration 012,
  ``edges_parent_child``): the spans of one trace reach ClickHouse in different insert blocks, so a materialized
  view cannot join them. Past MAX_JOINED_LINKS child links the join reads a uniform sample of them.

A context compared with its baseline reads both windows in one query per source (:func:`edge_series_with_baseline`).

Edges from spans need the Map columns of the modern schema and the summary table: on a server without
``service_edges_5m`` (clickhouse-server 18.16, or a store this server has not migrated) there are none, and the
contexts use the PostgreSQL inventory alone.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from tfo_mcp.context.change import Finding, Severity, Signal, baseline_request, baseline_window, compare, signal
from tfo_mcp.context.collector import CollectRequest
from tfo_mcp.context.sources import (
    bucket_bounds,
    ch,
    gather_sources,
    has_table,
    number,
    percent,
    rollup,
    split_windows,
)
from tfo_mcp.context.types import TimeRange

__all__ = [
    "BUCKETS",
    "PARENT_LOOKBACK_SECONDS",
    "edge_findings",
    "edge_series",
    "edge_series_with_baseline",
    "edge_stats",
    "edges_available",
    "label",
]

#: Buckets a window is split into for per-bucket figures (the onset of a change, the baseline's spread).
BUCKETS = 12
#: Seconds before the window in which a child span's parent is still looked up (a call that began just before).
PARENT_LOOKBACK_SECONDS = 300
#: Child links (entry spans with a parent, window and baseline) the parent/child join reads at most, about: past
#: it, a sample of the 64 shards of ``span_links`` (counts scaled up), so the join costs the same at any volume.
#: An hour of the demo at scale 10 and its baseline (about 93 k links per organization) reads 35 of the 64 shards.
MAX_JOINED_LINKS = 50_000
#: Shards of ``span_links`` (its key modulo this): the join reads shards 0 .. n - 1 of them.
SHARDS = 64
#: Calls an edge needs in a window (and a bucket) before its error rate and p95 are compared (fewer are noise).
MIN_EDGE_CALLS = 20
MIN_BUCKET_CALLS = 10
#: Consecutive worse buckets that make a late change (the window's last bucket alone also counts).
MIN_RUN_BUCKETS = 2
#: Calls a compared figure (the window's or a late stretch's) rests on at least, for a new or worsened finding.
MIN_FIGURE_CALLS = 50
#: A new or worsened error rate needs this many failed calls, this many Poisson standard deviations above what the
#: baseline's rate (at least BASELINE_ERROR_FLOOR_PERCENT) predicts.
MIN_EDGE_ERRORS = 5
ERRORS_Z = 3.0
BASELINE_ERROR_FLOOR_PERCENT = 0.1
#: An upstream edge whose callee's edge moved by at least this share of its own move ranks below it (score x 0.5).
CASCADE_SHARE = 0.5
CASCADE_DISCOUNT = 0.5
#: A change in all edges' calls past this share is named in a throughput finding's note.
TRAFFIC_NOTE_CHANGE = 0.1
#: The figures compared per edge, and how grave a change of each is.
EDGE_SIGNALS: dict[str, Severity] = {"error_percent": "critical", "p95_ms": "warning", "requests_per_min": "warning"}
#: The table whose presence says this server keeps edges from spans.
SUMMARY_TABLE = "service_edges_5m"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def edges_available() -> bool:
    """Whether the ClickHouse store keeps edges from spans (the summary of platform migration 010)."""
    return await has_table(SUMMARY_TABLE)


def bucket_seconds(req: CollectRequest) -> int:
    """Width of the per-bucket figures: about 1/BUCKETS of the window, a multiple of the table's interval."""
    choice = rollup("service_edges", req.time_range)
    unit = choice.interval_seconds or 60
    target = req.time_range.duration.total_seconds() / BUCKETS
    return max(unit, round(target / unit) * unit)


def _as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value or "")
    if not text:
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    requests = int(row.get("requests") or 0)
    errors = int(row.get("errors") or 0)
    return {
        "requests": requests,
        "errors": errors,
        "error_percent": percent(errors, requests) or 0.0,
        "p95_ms": number(row.get("p95_ms"), 3),
        "avg_ms": number(row.get("avg_ms"), 3),
        "max_ms": number(row.get("max_ms"), 3),
    }


def _combine(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two sources' figures for one edge: counts added, average weighted, p95 and max of the larger source."""
    requests = a["requests"] + b["requests"]
    errors = a["errors"] + b["errors"]
    larger = a if a["requests"] >= b["requests"] else b
    avg = None
    if requests and a.get("avg_ms") is not None and b.get("avg_ms") is not None:
        avg = number((a["avg_ms"] * a["requests"] + b["avg_ms"] * b["requests"]) / requests, 3)
    return {
        "requests": requests,
        "errors": errors,
        "error_percent": percent(errors, requests) or 0.0,
        "p95_ms": larger.get("p95_ms"),
        "avg_ms": avg if avg is not None else larger.get("avg_ms"),
        "max_ms": max((x for x in (a.get("max_ms"), b.get("max_ms")) if x is not None), default=None),
    }


def _add(edges: dict[tuple[str, str], dict[str, Any]], rows: list[dict[str, Any]], source: str) -> None:
    """Fold one source's rows (window totals and buckets) into ``edges``."""
    for row in rows:
        key = (str(row["caller"]), str(row["callee"]))
        edge = edges.setdefault(key, {"caller": key[0], "callee": key[1], "sources": [], "buckets": {}})
        start = _as_time(row.get("bucket_start"))
        figures = _figures(row)
        if start is None or start == _EPOCH:
            edge.update(_combine(edge, figures) if "requests" in edge else figures)
            if source not in edge["sources"]:
                edge["sources"].append(source)
        else:
            known = edge["buckets"].get(start)
            edge["buckets"][start] = _combine(known, figures) if known else figures


def _inside_seconds(start: datetime, step: int, req: CollectRequest) -> float:
    """Seconds of one bucket inside the window."""
    begin = max(start, req.time_range.start)
    end = min(start.timestamp() + step, req.time_range.end.timestamp())
    return max(0.0, end - begin.timestamp())


def _bucket_starts(req: CollectRequest, step: int) -> list[datetime]:
    """Every bucket of ``step`` seconds that overlaps the window (aligned as ``toStartOfInterval`` aligns them)."""
    first = math.floor(req.time_range.start.timestamp() / step) * step
    end = req.time_range.end.timestamp()
    return [datetime.fromtimestamp(moment, UTC) for moment in range(int(first), math.ceil(end), step)]


_NO_CALLS = {"requests": 0, "errors": 0, "error_percent": 0.0, "p95_ms": None, "avg_ms": None, "max_ms": None}


def _finish(edge: dict[str, Any], step: int, req: CollectRequest) -> dict[str, Any]:
    """The edge with its calls per minute, and one bucket per step of the window (no calls: zero)."""
    minutes = req.time_range.duration.total_seconds() / 60
    buckets = []
    for start in sorted(set(_bucket_starts(req, step)) | set(edge["buckets"])):
        figures = edge["buckets"].get(start, _NO_CALLS)
        seconds = _inside_seconds(start, step, req)
        buckets.append(
            {
                "start": start.isoformat(),
                **figures,
                "requests_per_min": round(figures["requests"] * 60 / seconds, 3) if seconds else 0.0,
                "minutes": round(seconds / 60, 3),
            }
        )
    edge["buckets"] = buckets
    edge["requests_per_min"] = round(edge["requests"] / minutes, 3) if minutes else 0.0
    return edge


def _canonical(edges: dict[tuple[str, str], dict[str, Any]], receivers: set[str]) -> None:
    """Name a callee written as an address (``payments.shop.svc.cluster.local``) after the service whose name is
    its first label, when that service sends spans (it calls, or ``receivers``: its entry spans have a parent);
    drop a parent/child edge the caller's spans already name."""
    services = {caller for caller, _ in edges} | receivers
    for key in list(edges):
        caller, callee = key
        label = callee.split(".", 1)[0].split(":", 1)[0]
        if callee in services or label not in services or label == caller:
            continue
        edge = edges.pop(key)
        target = (caller, label)
        known = edges.get(target)
        if known is None or known["sources"] == ["parent_child"]:
            edges[target] = {**edge, "callee": label}
        else:
            edges[target] = _merge_edges(known, edge)


def _merge_edges(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    merged = {**a, **_combine(a, b), "sources": list(dict.fromkeys(a["sources"] + b["sources"]))}
    buckets = dict(a["buckets"])
    for start, figures in b["buckets"].items():
        buckets[start] = _combine(buckets[start], figures) if start in buckets else figures
    merged["buckets"] = buckets
    return merged


async def edge_series(req: CollectRequest, service: str = "") -> list[dict[str, Any]]:
    """Edges of the request's window (``service`` = '' for all, else those it calls or is called by), each
    ``{"caller", "callee", "requests", "errors", "error_percent", "p95_ms", "avg_ms", "max_ms",
    "requests_per_min", "sources", "sampled" (when the figures come from a sample of the calls: the share
    read), "buckets": [{"start", "requests", "errors", "error_percent", "p95_ms",
    "avg_ms", "max_ms", "requests_per_min"}]}``, most calls first; [] where the store keeps no edges."""
    current, _ = await _series(req, None, service)
    return current


async def edge_series_with_baseline(
    req: CollectRequest, service: str = ""
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """:func:`edge_series` of the request's window and of its baseline window, from one query per source that
    reads both windows (two queries each read the granules around the windows' common edge, and pay the per-query
    cost twice). A baseline that overlaps the window (a day's shift of a longer window) is queried on its own."""
    base = baseline_request(req)
    if base.time_range.end <= req.time_range.start or base.time_range.start >= req.time_range.end:
        return await _series(req, base, service)
    (current, _), (before, _) = await gather_sources(_series(req, None, service), _series(base, None, service))
    return current, before


async def _series(
    req: CollectRequest, base: CollectRequest | None, service: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Edges of the window and of ``base`` (same length, not overlapping it; None: none, and [] for it)."""
    if not await edges_available():
        return [], []
    step = bucket_seconds(req)
    choice = rollup("service_edges", req.time_range)
    if base is not None:
        base_start, base_end = base.time_range.start, base.time_range.end
        base_from, base_to = bucket_bounds(choice, base.time_range)
    else:  # an empty range at the window's start (the parents' lookback before it is the window's own)
        base_start = base_end = req.time_range.start
        base_from = base_to = bucket_bounds(choice, req.time_range)[0]
    calls, parent_child = await gather_sources(
        ch(req, "edges_calls", rollup=choice, service=service, step=step, base_from=base_from, base_to=base_to),
        ch(
            req,
            "edges_parent_child",
            service=service,
            step=step,
            lookback_seconds=PARENT_LOOKBACK_SECONDS,
            max_links=MAX_JOINED_LINKS,
            base_start=base_start,
            base_end=base_end,
        ),
    )
    (calls_now, calls_before), (joined_now, joined_before) = split_windows(calls), split_windows(parent_child)
    current = _edges(req, step, calls_now, joined_now)
    if base is None:
        return current, []
    before = _edges(base, step, calls_before, joined_before)
    return current, before


def _edges(
    req: CollectRequest, step: int, calls: list[dict[str, Any]], parent_child: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One window's edges from its rows of both sources, most calls first."""
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    _add(edges, calls, "calls")
    named = set(edges)
    receivers = {str(row["callee"]) for row in parent_child}
    joined = [row for row in parent_child if row["caller"] and (str(row["caller"]), str(row["callee"])) not in named]
    _add(edges, joined, "parent_child")
    shards = max((int(row.get("shards") or SHARDS) for row in parent_child), default=SHARDS)
    for edge in edges.values():
        if edge["sources"] == ["parent_child"] and shards < SHARDS:
            edge["sampled"] = round(shards / SHARDS, 4)
    _canonical(edges, receivers)
    rows = [_finish(edge, step, req) for edge in edges.values() if "requests" in edge]
    return sorted(rows, key=lambda e: (-e["requests"], e["caller"], e["callee"]))


async def edge_stats(req: CollectRequest, service: str = "") -> list[dict[str, Any]]:
    """Edges of the request's window: ``{"caller", "callee", "requests", "errors", "error_percent", "p95_ms",
    "avg_ms"}`` per edge (``service`` = '' for all, else the edges where it is caller or callee), most calls
    first; [] where the store keeps no edges from spans (then only the PostgreSQL inventory knows them)."""
    keys = ("caller", "callee", "requests", "errors", "error_percent", "p95_ms", "avg_ms")
    return [{key: edge[key] for key in keys} for edge in await edge_series(req, service)]


# --------------------------------------------------------------------------- what changed on an edge


def label(edge: dict[str, Any]) -> str:
    """How summaries name an edge: ``caller -> callee``."""
    return f"{edge['caller']} -> {edge['callee']}"


def _sampled(edge: dict[str, Any]) -> float:
    """The share of an edge's calls its figures were read from (below 1 for a sampled parent/child join; counts
    are scaled up by its inverse, and the tests of what counting noise explains use the calls actually read)."""
    return float(edge.get("sampled", 1.0))


def _usable(bucket: dict[str, Any], signal_name: str, sampled: float) -> bool:
    return signal_name == "requests_per_min" or bucket["requests"] * sampled >= MIN_BUCKET_CALLS


def _value(bucket: dict[str, Any], signal_name: str) -> float | None:
    value = bucket.get(signal_name)
    return None if value is None else float(value)


def _worse(spec: Signal, before: float | None, value: float) -> bool:
    """Whether one bucket's figure is past the baseline's by the signal's smallest move that counts."""
    if before is None:
        return False
    reference = max(abs(before), spec.floor)
    if spec.worse == "down":
        return (before - value) / reference >= spec.min_change
    return (value - before) / reference >= spec.min_change


def _runs(flags: list[bool]) -> list[tuple[int, int]]:
    """(first, last) index of each stretch of consecutive True values."""
    runs, first = [], None
    for index, flag in enumerate(flags):
        if flag and first is None:
            first = index
        if not flag and first is not None:
            runs.append((first, index - 1))
            first = None
    if first is not None:
        runs.append((first, len(flags) - 1))
    return runs


@dataclass(frozen=True)
class _Figure:
    """The figure an edge is compared with: its value, since when (a late stretch of the window, else None), the
    calls and failed calls behind it (scaled up where sampled), the minutes they span and the share read."""

    value: float
    since: str | None
    calls: int
    errors: int
    minutes: float
    sampled: float


def _recent(edge: dict[str, Any], signal_name: str, before: float | None) -> _Figure:
    """The whole window's figure or, when the latest stretch of buckets worse than the baseline holds at least
    MIN_RUN_BUCKETS buckets (or is the window's last bucket) and MIN_FIGURE_CALLS calls but not the whole window,
    that stretch's figure from its first bucket's start (window averages hide a problem that began, or ended,
    inside the window)."""
    spec = signal(signal_name)
    sampled = _sampled(edge)
    whole = _Figure(float(edge.get(signal_name) or 0.0), None, edge["requests"], edge["errors"],
                    sum(b["minutes"] for b in edge["buckets"]), sampled)  # fmt: skip
    buckets = [b for b in edge["buckets"] if _usable(b, signal_name, sampled) and _value(b, signal_name) is not None]
    flags = [_worse(spec, before, _value(b, signal_name) or 0.0) for b in buckets]
    last = len(buckets) - 1
    runs = [(a, b) for a, b in _runs(flags) if b - a + 1 >= MIN_RUN_BUCKETS or b == last]
    if len(buckets) < MIN_RUN_BUCKETS or not runs or runs[-1] == (0, last):
        return whole
    first, final = runs[-1]
    stretch = buckets[first : final + 1]
    calls = sum(b["requests"] for b in stretch)
    errors = sum(b["errors"] for b in stretch)
    if signal_name == "error_percent":
        value = 100.0 * errors / calls if calls else 0.0
    else:
        value = statistics.median(_value(b, signal_name) or 0.0 for b in stretch)
    if signal_name != "requests_per_min" and calls * sampled < MIN_FIGURE_CALLS:
        return whole
    return _Figure(value, stretch[0]["start"], calls, errors, sum(b["minutes"] for b in stretch), sampled)


def _credible(finding: Finding, figure: _Figure, before: float | None) -> bool:
    """Whether a new or worsened figure rests on enough calls: a fall in throughput ERRORS_Z standard deviations
    below the calls the baseline's rate predicts over the same minutes (Poisson); an error rate or p95 on at least
    MIN_FIGURE_CALLS calls, and an error rate on at least MIN_EDGE_ERRORS failed calls, ERRORS_Z standard
    deviations above what the baseline's rate predicts, so a handful of failures on a quiet edge is not a change.
    Counts are those read (a sampled edge's scaled counts times the share read)."""
    if finding.status not in ("new", "worsened"):
        return True
    share = figure.sampled
    calls, errors = figure.calls * share, figure.errors * share
    if finding.signal == "requests_per_min":
        expected = (before or 0.0) * figure.minutes * share
        return expected <= 0 or (expected - calls) / math.sqrt(expected) >= ERRORS_Z
    if calls < MIN_FIGURE_CALLS:
        return False
    if finding.signal != "error_percent":
        return True
    expected = calls * max(before or 0.0, BASELINE_ERROR_FLOOR_PERCENT) / 100
    return errors >= MIN_EDGE_ERRORS and (errors - expected) / math.sqrt(expected) >= ERRORS_Z


def _downstream_first(findings: list[Finding], edges: dict[str, tuple[str, str]]) -> list[Finding]:
    """Errors and latency travel upstream: a new or worsened edge A -> B whose callee's own edge B -> C moved the
    same way (by at least CASCADE_SHARE of A -> B's move) is scored down by CASCADE_DISCOUNT and notes B -> C, so
    the edge nearest the cause ranks first."""
    moved = [f for f in findings if f.status in ("new", "worsened") and f.signal != "requests_per_min"]
    out = []
    for finding in findings:
        caller_callee = edges.get(finding.entity)
        below = None
        if finding in moved and caller_callee is not None:
            rise = finding.after - (finding.before or 0.0)
            below = next(
                (
                    other
                    for other in moved
                    if other.signal == finding.signal
                    and edges.get(other.entity, ("", ""))[0] == caller_callee[1]
                    and other.after - (other.before or 0.0) >= CASCADE_SHARE * rise
                ),
                None,
            )
        if below is None:
            out.append(finding)
        else:
            note = f"with {below.entity} downstream"
            out.append(replace(finding, score=finding.score * CASCADE_DISCOUNT, note=note))
    return out


def _points(edge: dict[str, Any] | None, signal_name: str) -> list[float] | None:
    if edge is None:
        return None
    return [_value(b, signal_name) or 0.0 for b in edge["buckets"] if _usable(b, signal_name, _sampled(edge))]


def _traffic_ratio(current: list[dict[str, Any]], baseline: list[dict[str, Any]]) -> float:
    """All edges' calls per minute in the window over the baseline's (1.0 when either has none)."""
    now = sum(e["requests_per_min"] for e in current)
    before = sum(e["requests_per_min"] for e in baseline)
    return now / before if now > 0 and before > 0 else 1.0


def _scaled_note(ratio: float) -> str:
    if abs(ratio - 1) < TRAFFIC_NOTE_CHANGE:
        return ""
    return f"baseline scaled by the change in all calls ({ratio:.2f}x)"


def edge_findings(
    context: str,
    current: list[dict[str, Any]],
    baseline: list[dict[str, Any]],
    req: CollectRequest,
    signals: tuple[str, ...] = tuple(EDGE_SIGNALS),
) -> list[Finding]:
    """Per edge (from :func:`edge_series` of the window and of its baseline): ``signals`` (error rate, p95,
    throughput) compared with the baseline (``change.compare``; impact = the edge's share of calls), including
    edges that stopped being called. Throughput is compared with the baseline scaled by the change in all edges'
    calls, so a fall every edge shares (the time of day, less traffic at the front door) is no edge's change."""
    windows = (req.time_range, baseline_window(req.time_range, req.baseline))
    before_by = {(e["caller"], e["callee"]): e for e in baseline}
    total = sum(e["requests"] for e in current) or 1
    ratio = _traffic_ratio(current, baseline)
    findings: list[Finding] = []
    for edge in current:
        before = before_by.get((edge["caller"], edge["callee"]))
        for signal_name in signals:
            finding = _edge_finding(context, edge, before, signal_name, edge["requests"] / total, ratio, windows)
            if finding is not None:
                findings.append(finding)
    if "requests_per_min" in signals:
        findings += _stopped_edges(context, current, baseline, ratio, windows)
    named = {label(e): (e["caller"], e["callee"]) for e in current}
    return _downstream_first(findings, named)


def _edge_finding(
    context: str,
    edge: dict[str, Any],
    before: dict[str, Any] | None,
    signal_name: str,
    impact: float,
    ratio: float,
    windows: tuple[TimeRange, TimeRange],
) -> Finding | None:
    """One figure of one edge against the baseline, or None (steady, too few calls, or not credible)."""
    throughput = signal_name == "requests_per_min"
    if not throughput and edge["requests"] * _sampled(edge) < MIN_EDGE_CALLS:
        return None
    before_value = None
    if before is not None and (throughput or before["requests"] * _sampled(before) >= MIN_EDGE_CALLS):
        before_value = before.get(signal_name)
    if throughput and before_value is None:
        return None  # a new edge is not a fall in throughput
    points = _points(before, signal_name)
    scale = ratio if throughput else 1.0
    if before_value is not None:
        before_value *= scale
    figure = _recent(edge, signal_name, before_value)
    finding = compare(
        context,
        label(edge),
        signal_name,
        before_value,
        figure.value,
        impact=impact,
        severity=EDGE_SIGNALS[signal_name],
        baseline_points=None if points is None else [point * scale for point in points],
        since=figure.since,
        window=windows[0],
        baseline=windows[1],
        note=_scaled_note(ratio) if throughput else "",
    )
    return finding if finding is not None and _credible(finding, figure, before_value) else None


def _stopped_edges(
    context: str,
    current: list[dict[str, Any]],
    baseline: list[dict[str, Any]],
    ratio: float,
    windows: tuple[TimeRange, TimeRange],
) -> list[Finding]:
    """Throughput findings of the baseline's edges that have no calls in the window."""
    current_keys = {(e["caller"], e["callee"]) for e in current}
    base_total = sum(e["requests"] for e in baseline) or 1
    out = []
    for before in baseline:
        if (before["caller"], before["callee"]) in current_keys or before["requests"] < MIN_FIGURE_CALLS:
            continue
        finding = compare(
            context,
            label(before),
            "requests_per_min",
            before["requests_per_min"] * ratio,
            0.0,
            impact=before["requests"] / base_total,
            severity="warning",
            window=windows[0],
            baseline=windows[1],
            note="no calls in this window",
        )
        if finding is not None:
            out.append(finding)
    return out
