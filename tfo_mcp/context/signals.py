"""Collectors for the core signals: metrics, logs, traces, exemplars, uptime and audit (ClickHouse only).

Rollups are read where the window allows (:func:`tfo_mcp.context.sources.rollup`); the queries avoid
features the native clickhouse-server 18.16 lacks (no CTEs, window functions, JSON or Map access).
``context_id``: metrics and exemplars filter one metric name, logs one service name; traces, uptime and audit
ignore it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from tfo_mcp.context._shaping import (
    ERROR_RATE_PERCENT,
    MAX_HIGHLIGHTS,
    SLOW_P95_MS,
    SPIKE_FACTOR,
    UPTIME_SLA_PERCENT,
    UPTIME_SLOW_P95_MS,
    as_float,
    as_int,
    clock,
)
from tfo_mcp.context.change import Finding, baseline_request, compare, point_in_time, rank
from tfo_mcp.context.collector import CollectRequest, collector
from tfo_mcp.context.sources import (
    available,
    bucket_bounds,
    ch,
    compared,
    empty,
    gather_sources,
    has_table,
    number,
    percent,
    rollup,
    split_windows,
)
from tfo_mcp.context.types import ContextType, TelemetryContext

#: Our own: a burst is a bucket with this many times the window's average errors per bucket (and at least
#: BURST_MIN_ERRORS); certificates expiring within CERT_WARN_DAYS; FAILED_LOGIN_ALERT failures from one source.
BURST_FACTOR = 3.0
BURST_MIN_ERRORS = 10
CERT_WARN_DAYS = 14
FAILED_LOGIN_ALERT = 5
ERROR_SEVERITIES = frozenset({"ERROR", "FATAL", "CRITICAL", "EMERGENCY", "ALERT"})
#: The same, as a query parameter (``upper(severity_text) IN %(error_severities)s``).
ERROR_SEVERITY_LIST = tuple(sorted(ERROR_SEVERITIES))
#: The latency columns of service_requests() rows, in ms.
LATENCY_MS = ("avg_ms", "p95_ms", "p99_ms", "max_ms")

# Comparison with the baseline window (ours; the signals' own levels are in tfo_mcp/data/change_signals.tsv).
#: A metric series moved when its window mean (or peak) lies outside the baseline's [min, max] range by at least
#: this share of the range's width: a gauge's own wobble is no change.
RANGE_MARGIN = 0.5
#: The narrowest range a series is measured against, as a share of its baseline mean (a flat gauge).
RANGE_FLOOR_SHARE = 0.05
#: A count (error lines, failed requests, failed checks) rose clearly when, of both windows' events, the window
#: holds more than its share (by exposure) by this many binomial standard deviations (see clear_rise()).
COUNT_Z = 3.0
#: Fewest requests (checks) in each window for a p95 comparison; fewest failed checks, error lines for a rate.
MIN_P95_REQUESTS = 50
MIN_P95_CHECKS = 20
MIN_FAILED_CHECKS = 3
#: A window with this share of its checks failed has no p95 response time of its own to compare (see _answered()).
P95_FAILURE_SHARE = 0.05
MIN_ERROR_REQUESTS = 20
#: Rows the comparison reads per window: metric series, error patterns (the lists shown are cut to max_items).
METRIC_SERIES_CAP = 1000
PATTERN_CAP = 500
#: Error patterns in the summary are cut to this many characters (at a word boundary); top_error_patterns lists
#: the TOP_PATTERNS most frequent.
PATTERN_TEXT_CHARS = 80
TOP_PATTERNS = 10
CRITICAL_SEVERITIES = frozenset({"FATAL", "CRITICAL", "EMERGENCY", "ALERT"})


def _metric_filter(req: CollectRequest) -> str:
    return req.context_id or ""


# --------------------------------------------------------------------------- comparison with the baseline


def clear_rise(after: float, before: float, exposure_after: float = 1.0, exposure_before: float = 1.0) -> bool:
    """Whether the count ``after`` (over ``exposure_after``: requests, checks, or 1 for equal windows) is clearly
    higher than the baseline's ``before`` (over ``exposure_before``): given both counts' sum, the window's share
    exceeds its expected share by COUNT_Z binomial standard deviations (0 -> 9 is the smallest clear rise)."""
    total = after + before
    if exposure_before <= 0 or total <= 0:
        return after >= COUNT_Z**2
    share = exposure_after / (exposure_after + exposure_before)
    return after - total * share >= COUNT_Z * math.sqrt(total * share * (1 - share))


def judged(
    context: str, entity: str, signal_name: str, before: float | None, after: float, *, clear: bool, **options: Any
) -> Finding | None:
    """:func:`~tfo_mcp.context.change.compare`, with a move that is not statistically ``clear`` taken as steady: no
    finding, or a chronic one when the figure is a problem in both windows."""
    if clear:
        return compare(context, entity, signal_name, before, after, **options)
    if before is None:
        return None
    steady = compare(context, entity, signal_name, before, before, **options)
    return replace(steady, after=float(after)) if steady is not None and steady.status == "chronic" else None


def _windows(req: CollectRequest, base: CollectRequest) -> dict[str, Any]:
    """The window and baseline keywords of compare()."""
    return {"window": req.time_range, "baseline": base.time_range}


def _covered(findings: list[Finding | None], statuses: tuple[str, ...] = ("new", "worsened")) -> set[str]:
    """Entities with a finding of one of ``statuses``."""
    return {f.entity for f in findings if f is not None and f.status in statuses}


# --------------------------------------------------------------------------- metrics


@collector(ContextType.METRICS)
async def collect_metrics(req: CollectRequest) -> TelemetryContext:
    """Series (service, metric, type) with mean/min/max/samples, spiking series (max > 3x mean) first; findings for
    the series whose mean or peak left the baseline window's range."""
    choice = rollup("metrics", req.time_range)
    base = baseline_request(req)
    params = {"metric": _metric_filter(req), "limit": METRIC_SERIES_CAP}
    series, before = await gather_sources(
        ch(req, "signals_metrics_series", rollup=choice, **params),
        ch(base, "signals_metrics_series", rollup=choice, **params),
    )
    if not series:
        return empty(req, choice.table)
    if len(series) >= METRIC_SERIES_CAP:
        totals = await ch(req, "signals_metrics_totals", rollup=choice, metric=params["metric"])
        total = totals[0] if totals else {}
    else:
        total = _metric_totals(series)
    baseline = {_series_key(row): row for row in before}
    rows = [_metric_row(row, baseline.get(_series_key(row))) for row in series]
    kw = _windows(req, base)
    findings = [_series_finding(row, baseline.get(_series_key(row)), kw) for row in series] if before else None
    highlights = [] if findings is not None else _spike_highlights(rows)
    new_series = sum(1 for row in series if _series_key(row) not in baseline)
    lead = (
        f"{total.get('series', len(rows))} metric series from {total.get('services', '?')} services "
        f"({total.get('samples', 0)} samples) in {choice.table}; {total.get('spiking', 0)} series spiked "
        f"(max > {SPIKE_FACTOR:g}x average)."
    )
    data = {
        "source": choice.table,
        "metric_filter": req.context_id,
        "total_series": total.get("series"),
        "total_samples": total.get("samples"),
        "services": total.get("services"),
        "spiking_series": total.get("spiking"),
        "new_series": new_series if before else None,
        "metrics": rows[: req.max_items],
    }
    return compared(req, lead, data, highlights, findings, "metric samples")


def _series_key(row: dict[str, Any]) -> tuple[str, str, str]:
    return row["service_name"], row["metric_name"], row["metric_type"]


def _metric_totals(series: list[dict[str, Any]]) -> dict[str, Any]:
    """signals_metrics_totals' figures from every series row (when the series query was not cut)."""
    return {
        "series": len(series),
        "samples": sum(as_int(row["samples"]) for row in series),
        "services": len({row["service_name"] for row in series}),
        "spiking": sum(1 for row in series if _spiking(float(row["mean"] or 0), float(row["maximum"] or 0))),
    }


def _spiking(mean: float, peak: float) -> bool:
    """The totals query's rule: a series spiked when its max is over SPIKE_FACTOR x its (positive) mean."""
    return mean > 0 and peak > SPIKE_FACTOR * mean


def _metric_row(row: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "service_name": row["service_name"],
        "metric_name": row["metric_name"],
        "metric_type": row["metric_type"],
        "avg": number(row["mean"], 4),
        "min": number(row["minimum"], 4),
        "max": number(row["maximum"], 4),
        "samples": row["samples"],
        "baseline_avg": number(before["mean"], 4) if before else None,
        "baseline_max": number(before["maximum"], 4) if before else None,
    }


def _series_finding(row: dict[str, Any], before: dict[str, Any] | None, kw: dict[str, Any]) -> Finding | None:
    """The stronger of the mean and peak findings of one series, counted only when the figure lies outside the
    baseline's [min, max] by RANGE_MARGIN of its width (series new in the window are not compared)."""
    if before is None:
        return None
    low, high, usual = as_float(before["minimum"]), as_float(before["maximum"]), as_float(before["mean"])
    spread = max(high - low, RANGE_FLOOR_SHARE * abs(usual), 1e-9)
    mean, peak = as_float(row["mean"]), as_float(row["maximum"])
    entity = f"{row['service_name']} {row['metric_name']}"
    found = []
    if max(mean - high, low - mean) >= RANGE_MARGIN * spread:
        found.append(compare("metrics", entity, "metric_mean", usual, mean, **kw))
    if peak - high >= RANGE_MARGIN * spread:
        found.append(compare("metrics", entity, "metric_max", high, peak, **kw))
    ranked = rank(found)
    return ranked[0] if ranked else None


def _spike_highlights(rows: list[dict[str, Any]]) -> list[str]:
    """Series whose peak is over SPIKE_FACTOR x their mean (where no baseline says whether that is usual)."""
    highlights = []
    for row in rows:
        mean, peak = row["avg"] or 0, row["max"] or 0
        if mean > 0 and peak > SPIKE_FACTOR * mean and len(highlights) < MAX_HIGHLIGHTS:
            highlights.append(
                f"{row['service_name']} {row['metric_name']} spiked to {peak:g} (average {mean:g}, {peak / mean:.1f}x)"
            )
    return highlights


# --------------------------------------------------------------------------- logs


@collector(ContextType.LOGS)
async def collect_logs(req: CollectRequest) -> TelemetryContext:
    """Lines per severity and service, error share, error bursts, top error patterns and newest errors; findings for
    the services whose error lines rose against the baseline and for the error patterns new or grown since it.

    Severity counts and error bursts read the logs rollup (bursts are buckets of the window's step, a multiple
    of the rollup's interval; error lines are the ERROR_SEVERITIES of severity_text); the error patterns read the
    log_error_patterns summary (:func:`log_pattern_stats`); the newest errors read logs_errors.
    """
    choice = rollup("logs", req.time_range)
    base = baseline_request(req)
    step = req.time_range.step_seconds()
    params = {"service": req.context_id or ""}
    base_from, base_to = bucket_bounds(choice, base.time_range)
    both, recent, bursts, patterns, patterns_before = await gather_sources(
        ch(req, "signals_logs_severity", rollup=choice, base_from=base_from, base_to=base_to, **params),
        ch(req, "signals_logs_recent_errors", **params),
        log_error_bursts(req, params["service"]),
        log_pattern_stats(req, params["service"]),
        log_pattern_stats(base, params["service"], examples=False),
    )
    severity, severity_before = split_windows(both)
    if not severity and not recent:
        return empty(req, choice.table)
    distribution: dict[str, int] = {}
    for row in severity:
        distribution[row["severity_text"]] = distribution.get(row["severity_text"], 0) + int(row["lines"])
    per_service = _log_lines_per_service(severity)
    total = sum(distribution.values())
    error_total = sum(stats["errors"] for stats in per_service.values())
    services = sorted(
        (
            {"service_name": name, **stats, "error_percent": percent(stats["errors"], stats["lines"])}
            for name, stats in per_service.items()
        ),
        key=lambda item: (-(item["error_percent"] or 0), -item["lines"], item["service_name"]),
    )[: req.max_items]
    lead = (
        f"{total} log lines from {len(per_service)} services in {choice.table}; {error_total} at ERROR or above "
        f"({percent(error_total, total) or 0:g}%)."
    )
    findings: list[Finding | None] | None = None
    changes: list[dict[str, Any]] = []
    changed: set[str] = set()
    if severity_before:
        kw = _windows(req, base)
        pattern_findings, changes = _pattern_findings(patterns, patterns_before, kw)
        explained = {row["service_name"] for row in changes}  # a new or grown pattern says more than the count
        services_moved = _log_service_findings(per_service, _log_lines_per_service(severity_before), kw)
        findings = [f for f in services_moved if f is None or f.entity not in explained or f.status == "chronic"]
        findings += pattern_findings
        changed = _covered(services_moved) | explained
        lead += _top_new_pattern(changes)
    highlights = _log_highlights(services, bursts, req, step, changed if findings is not None else None)
    data = {
        "source": choice.table,
        "service_filter": req.context_id,
        "total_logs": total,
        "error_logs": error_total,
        "severity_distribution": dict(sorted(distribution.items(), key=lambda item: -item[1])),
        "services": services,
        "error_bursts": [{**row, "peak_at": row["peak_at"], "bucket_seconds": step} for row in bursts[: req.max_items]],
        "top_error_patterns": [_pattern_row(row) for row in patterns[:TOP_PATTERNS]],
        "pattern_changes": changes[: req.max_items],
        "recent_errors": recent,
    }
    return compared(req, lead, data, highlights, findings, "log lines")


def _log_lines_per_service(severity: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """``{service: {"lines": n, "errors": n}}`` from signals_logs_severity rows."""
    per_service: dict[str, dict[str, int]] = {}
    for row in severity:
        lines = int(row["lines"])
        stats = per_service.setdefault(row["service_name"], {"lines": 0, "errors": 0})
        stats["lines"] += lines
        if row["severity_text"].upper() in ERROR_SEVERITIES:
            stats["errors"] += lines
    return per_service


def _log_service_findings(
    now: dict[str, dict[str, int]], before: dict[str, dict[str, int]], kw: dict[str, Any]
) -> list[Finding | None]:
    """Per service: its error lines against the baseline's, else (no clear move in the count) its share of error
    lines, which states a chronic condition. Impact: the service's share of the window's error lines."""
    errors = sum(stats["errors"] for stats in now.values()) or 1
    findings: list[Finding | None] = []
    for name, stats in now.items():
        old = before.get(name)
        count_before = old["errors"] if old else None
        impact = stats["errors"] / errors
        clear = clear_rise(stats["errors"], count_before or 0)
        found = judged("logs", name, "log_errors", count_before, stats["errors"], clear=clear, impact=impact, **kw)
        if found is None and stats["errors"] >= BURST_MIN_ERRORS and (old is None or old["errors"] >= BURST_MIN_ERRORS):
            share_before = percent(old["errors"], old["lines"]) if old else None
            share = percent(stats["errors"], stats["lines"]) or 0.0
            found = judged("logs", name, "log_error_percent", share_before, share, clear=clear, impact=impact, **kw)
        findings.append(found)
    return findings


def _pattern_key(row: dict[str, Any]) -> tuple[str, str]:
    return row["service_name"], row["pattern"]


def _pattern_findings(
    now: list[dict[str, Any]], before: list[dict[str, Any]], kw: dict[str, Any]
) -> tuple[list[Finding | None], list[dict[str, Any]]]:
    """Findings for error patterns new or grown against the baseline (steady ones give none), and those patterns
    as rows (ranked) with their counts in both windows and when they were first seen in the window."""
    counts_before: dict[tuple[str, str], int] = {}
    for row in before:
        counts_before[_pattern_key(row)] = counts_before.get(_pattern_key(row), 0) + as_int(row["occurrences"])
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for row in now:
        item = merged.get(_pattern_key(row))
        if item is None:
            merged[_pattern_key(row)] = {**row, "occurrences": as_int(row["occurrences"])}
            continue
        item["occurrences"] += as_int(row["occurrences"])
        item["first_seen"] = min(str(item["first_seen"]), str(row["first_seen"]))
        if row["severity_text"].upper() in CRITICAL_SEVERITIES:
            item["severity_text"] = row["severity_text"]
    start = kw["window"].start.strftime("%Y-%m-%d %H:%M:%S")
    found: list[tuple[Finding, dict[str, Any]]] = []
    for key, item in merged.items():
        old = counts_before.get(key)
        first_seen = max(str(item["first_seen"]), start)  # a summary bucket may begin before the window
        severity = "critical" if item["severity_text"].upper() in CRITICAL_SEVERITIES else "warning"
        entity = f'{item["service_name"]} error "{short_pattern(item["pattern"])}"'
        since = point_in_time(first_seen) if not old else None
        clear = clear_rise(item["occurrences"], old or 0)
        finding = judged(
            "logs", entity, "pattern_count", old, item["occurrences"], clear=clear, severity=severity, since=since, **kw
        )
        if finding is not None and finding.status in ("new", "worsened"):
            found.append((finding, {
                "service_name": item["service_name"], "severity_text": item["severity_text"],
                "pattern": item["pattern"], "occurrences": item["occurrences"], "baseline_occurrences": old or 0,
                "first_seen": first_seen, "status": "new" if not old else "grown", "example": item["example"],
            }))  # fmt: skip
    order = {id(f): i for i, f in enumerate(rank(f for f, _ in found))}
    found.sort(key=lambda pair: order[id(pair[0])])
    return [f for f, _ in found], [row for _, row in found]


def _top_new_pattern(changes: list[dict[str, Any]]) -> str:
    """The lead's sentence on the top new (else grown) error pattern, or ''."""
    if not changes:
        return ""
    top = next((row for row in changes if row["status"] == "new"), changes[0])
    text = f'{top["service_name"]} "{short_pattern(top["pattern"])}"'
    if top["status"] == "new":
        return f" Top new error pattern: {text}, {top['occurrences']} lines, first seen {clock(top['first_seen'])}."
    return (
        f" Top grown error pattern: {text}, {top['occurrences']} lines ({top['baseline_occurrences']} in the baseline)."
    )


def short_pattern(pattern: str, limit: int = PATTERN_TEXT_CHARS) -> str:
    """An error pattern for a sentence: whitespace collapsed, cut at a word boundary to about ``limit`` characters."""
    text = " ".join(str(pattern).split()).replace('"', "'")
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[: limit // 2 :] else text[:limit]
    return cut.rstrip(" ,;:-") + "…"


def _pattern_row(row: dict[str, Any]) -> dict[str, Any]:
    """A pattern as top_error_patterns lists it (the columns of signals_logs_error_patterns)."""
    keys = ("service_name", "severity_text", "pattern", "occurrences", "last_seen", "example")
    return {key: row[key] for key in keys}


async def log_pattern_stats(req: CollectRequest, service: str, *, examples: bool = True) -> list[dict[str, Any]]:
    """Every ERROR-and-above pattern (ids and numbers masked; up to PATTERN_CAP, most frequent first) with its count,
    and with ``examples`` its first-seen time, newest line and an example: from the log_error_patterns summary where
    the window selects a rollup and the server has it, else computed from logs_errors."""
    name = "signals_logs_pattern_stats" if examples else "signals_logs_pattern_counts"
    choice = rollup("log_error_patterns", req.time_range)
    if choice.kind == "rollup" and await has_table(choice.table):
        return await ch(req, name, rollup=choice, service=service, limit=PATTERN_CAP)
    return await ch(req, f"{name}_live", service=service, limit=PATTERN_CAP)


async def log_error_bursts(req: CollectRequest, service: str) -> list[dict[str, Any]]:
    """Error log lines per service (``service`` = '' for all) in buckets of the window's step, from the logs
    rollup: total, peak bucket and its time (also read by the errors context)."""
    return await ch(
        req,
        "signals_logs_error_bursts",
        rollup=rollup("logs", req.time_range),
        step=req.time_range.step_seconds(),
        error_severities=ERROR_SEVERITY_LIST,
        service=service,
    )


async def log_error_patterns(req: CollectRequest, service: str) -> list[dict[str, Any]]:
    """The most frequent ERROR-and-above patterns (ids and numbers masked) with the newest example line: from the
    log_error_patterns summary where the window selects a rollup and the server has it, else computed from
    logs_errors."""
    choice = rollup("log_error_patterns", req.time_range)
    if choice.kind == "rollup" and await has_table(choice.table):
        return await ch(req, "signals_logs_error_patterns", rollup=choice, service=service)
    return await ch(req, "signals_logs_error_patterns_live", service=service)


def _log_highlights(
    services: list[dict[str, Any]],
    bursts: list[dict[str, Any]],
    req: CollectRequest,
    step: int,
    changed: set[str] | None = None,
) -> list[str]:
    """Error bursts (of the services in ``changed``, those whose errors moved against the baseline; every service
    when there is no baseline) and services with a high share of error lines."""
    highlights = []
    buckets = max(1.0, req.time_range.duration.total_seconds() / step)
    for row in bursts:
        average = row["errors"] / buckets
        if changed is not None and row["service_name"] not in changed:
            continue
        if row["peak"] >= BURST_MIN_ERRORS and row["peak"] > BURST_FACTOR * average:
            highlights.append(
                f"Error burst in {row['service_name']}: {row['peak']} error lines in the {step}-second bucket at "
                f"{clock(row['peak_at'])} (average {average:.1f} per bucket)"
            )
    for item in services:
        if (item["error_percent"] or 0) > ERROR_RATE_PERCENT and item["errors"] >= BURST_MIN_ERRORS:
            highlights.append(
                f"{item['service_name']}: {item['error_percent']:g}% of its {item['lines']} log lines are errors"
            )
    return highlights[:MAX_HIGHLIGHTS]


# --------------------------------------------------------------------------- traces


@collector(ContextType.TRACES)
async def collect_traces(req: CollectRequest) -> TelemetryContext:
    """Per-service request latency (avg, p95, p99, max ms) and error rates from entry spans; findings for the
    services whose p95, error rate or throughput moved against the baseline (impact: share of the requests)."""
    base = baseline_request(req)
    (rows, tables), (before, _) = await gather_sources(service_requests(req), service_requests(base))
    if not rows:
        return empty(req, ", ".join(tables))
    latencies = latency_rows(rows)
    error_rates = error_rate_rows(rows)
    highlights = [
        f"{row['service_name']} is slow: p95 {row['p95_ms']:g} ms (p99 {row['p99_ms']:g} ms)"
        for row in latencies
        if (row["p95_ms"] or 0) > SLOW_P95_MS
    ]
    highlights += [
        f"{row['service_name']} fails {row['error_percent']:g}% of requests ({row['errors']} of {row['requests']})"
        for row in error_rates
        if (row["error_percent"] or 0) > ERROR_RATE_PERCENT
    ]
    requests = sum(row["requests"] for row in error_rates)
    failed = sum(row["errors"] for row in error_rates)
    lead = (
        f"{requests} requests across {len(error_rates)} services ({', '.join(tables)}); "
        f"{failed} failed ({percent(failed, requests) or 0:g}%)."
    )
    data = {
        "sources": tables,
        "total_requests": requests,
        "failed_requests": failed,
        "service_latencies": latencies[: req.max_items],
        "service_error_rates": error_rates[: req.max_items],
    }
    minutes = max(req.time_range.duration.total_seconds() / 60, 1 / 60)
    findings = request_findings("traces", rows, before, minutes, _windows(req, base)) if before else None
    return compared(req, lead, data, highlights[:MAX_HIGHLIGHTS], findings, "requests")


def request_findings(
    context: str, rows: list[dict[str, Any]], before: list[dict[str, Any]], minutes: float, kw: dict[str, Any]
) -> list[Finding | None]:
    """Per service (:func:`service_requests` rows of the window and the baseline): p95 latency, error rate and
    throughput against the baseline. A p95 needs MIN_P95_REQUESTS in both windows; an error rate counts as moved
    when the failed requests rose clearly (:func:`clear_rise`); a service gone from the window lost its throughput.
    Impact: the service's share of the requests (the larger of the two windows')."""
    now = {row["service_name"]: row for row in rows}
    old = {row["service_name"]: row for row in before}
    total_now = sum(as_int(row["requests"]) for row in rows) or 1
    total_old = sum(as_int(row["requests"]) for row in before) or 1
    findings: list[Finding | None] = []
    for name in sorted(set(now) | set(old)):
        row, prior = now.get(name), old.get(name)
        requests, requests_before = as_int(row and row["requests"]), as_int(prior and prior["requests"])
        impact = max(requests / total_now, requests_before / total_old)
        if prior is not None:
            findings.append(
                compare(context, name, "requests_per_min", requests_before / minutes, requests / minutes,
                        impact=impact, **kw)
            )  # fmt: skip
        if row is None or requests < MIN_ERROR_REQUESTS:
            continue
        errors = as_int(row["errors"])
        if prior is not None and requests_before >= MIN_ERROR_REQUESTS:
            errors_before = as_int(prior["errors"])
            clear = clear_rise(errors, errors_before, requests, requests_before)
            rate_before: float | None = 100.0 * errors_before / requests_before
        else:
            clear, rate_before = clear_rise(errors, 0), None
        findings.append(
            judged(context, name, "error_percent", rate_before, 100.0 * errors / requests, clear=clear,
                   impact=impact, severity="critical", **kw)
        )  # fmt: skip
        if row.get("p95_ms") is None or requests < MIN_P95_REQUESTS:
            continue
        p95_before = None
        if prior is not None and prior.get("p95_ms") is not None:
            if requests_before < MIN_P95_REQUESTS:
                continue
            p95_before = float(prior["p95_ms"])
        findings.append(compare(context, name, "p95_ms", p95_before, float(row["p95_ms"]), impact=impact, **kw))
    return findings


def latency_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """:func:`service_requests` rows as latencies (ms, rounded), slowest p95 first; services without timings
    are left out."""
    latencies = [
        {
            "service_name": row["service_name"],
            "requests": row["requests"],
            **{key: number(row[key]) for key in LATENCY_MS},
        }
        for row in rows
        if row["p95_ms"] is not None
    ]
    return sorted(latencies, key=lambda row: (-(row["p95_ms"] or 0), row["service_name"]))


def error_rate_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """:func:`service_requests` rows as error rates, worst rate first (then busiest)."""
    return sorted(
        (
            {
                "service_name": row["service_name"],
                "requests": row["requests"],
                "errors": row["errors"],
                "error_percent": percent(row["errors"], row["requests"]),
            }
            for row in rows
        ),
        key=lambda row: (-(row["error_percent"] or 0), -row["requests"], row["service_name"]),
    )


async def service_requests(req: CollectRequest, service: str = "") -> tuple[list[dict[str, Any]], list[str]]:
    """Per service (``service`` = '' for all), from entry spans: ``requests``, ``errors`` and ``avg_ms`` /
    ``p95_ms`` / ``p99_ms`` / ``max_ms``; and the tables read.

    One query on the service_request_stats summary (DDSketch percentiles) where the server has it, or on the raw
    spans where TFO's rule reads raw rows; else TFO's service_latency_percentiles and service_error_rates
    rollups (a TFO deployment, or clickhouse-server 18.16).
    """
    choice = rollup("service_request_stats", req.time_range)
    if choice.kind == "raw" or await has_table(choice.table):
        return await ch(req, "signals_trace_stats", rollup=choice, service=service), [choice.table]
    latency_choice = rollup("service_latency_percentiles", req.time_range)
    errors_choice = rollup("service_error_rates", req.time_range)
    latency, errors = await gather_sources(
        ch(req, "signals_trace_latency", rollup=latency_choice, service=service, limit=1000),
        ch(req, "signals_trace_errors", rollup=errors_choice, service=service, limit=1000),
    )
    timings = {row["service_name"]: row for row in latency}
    missing = dict.fromkeys(LATENCY_MS)
    rows = [{**missing, **timings.get(row["service_name"], {}), **row} for row in errors]
    return rows, list(dict.fromkeys([latency_choice.table, errors_choice.table]))


# --------------------------------------------------------------------------- exemplars


@collector(ContextType.EXEMPLARS)
async def collect_exemplars(req: CollectRequest) -> TelemetryContext:
    """Newest exemplars plus a per-metric digest: largest value and its trace, exemplars on failed traces."""
    params = {"metric": _metric_filter(req)}
    recent, by_metric = await gather_sources(
        ch(req, "signals_exemplars_recent", **params),
        ch(req, "signals_exemplars_by_metric", **params),
    )
    if not recent and not by_metric:
        return empty(req, "exemplars")
    metrics = [
        {
            "service_name": row["service_name"],
            "metric_name": row["metric_name"],
            "exemplars": row["exemplars"],
            "avg": number(row["mean"], 4),
            "max": number(row["maximum"], 4),
            "max_trace_id": row["max_trace_id"],
            "failed_traces": row["failed_traces"],
        }
        for row in by_metric
    ]
    highlights = []
    for row in metrics:
        if row["failed_traces"]:
            highlights.append(
                f"{row['failed_traces']} of {row['exemplars']} {row['service_name']} {row['metric_name']} exemplars "
                "link to failed traces"
            )
        mean, peak = row["avg"] or 0, row["max"] or 0
        if mean > 0 and peak > SPIKE_FACTOR * mean:
            highlights.append(
                f"Outlier exemplar for {row['service_name']} {row['metric_name']}: {peak:g} (average {mean:g}), "
                f"trace {row['max_trace_id']}"
            )
    count = sum(row["exemplars"] for row in metrics)
    lead = f"{count} exemplars for {len(metrics)} service metrics link metric samples to traces (table exemplars)."
    data = {"source": "exemplars", "metric_filter": req.context_id, "metrics": metrics, "exemplars": recent}
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


# --------------------------------------------------------------------------- uptime


@collector(ContextType.UPTIME)
async def collect_uptime(req: CollectRequest) -> TelemetryContext:
    """Availability and response times per monitor (and region), outages and expiring certificates; findings for
    the monitors (or the regions of a monitor) whose success rate or p95 response time moved against the baseline."""
    base = baseline_request(req)
    (regional, failures, table), (before, _, _) = await gather_sources(
        uptime_monitors(req), uptime_monitors(base, outages=False)
    )
    if not regional:
        return empty(req, table)
    monitors: dict[str, dict[str, Any]] = {}
    regions = []
    for row in regional:
        availability = percent(row["successes"], row["checks"])
        regions.append(
            {
                "monitor_name": row["monitor_name"],
                "region": row["region"],
                "checks": row["checks"],
                "availability_percent": availability,
                "avg_ms": number(row["avg_ms"]),
                "p95_ms": number(row["p95_ms"]),
                "max_ms": row["max_ms"],
            }
        )
        item = monitors.setdefault(
            row["monitor_id"],
            {"monitor_id": row["monitor_id"], "monitor_name": row["monitor_name"], "checks": 0, "successes": 0,
             "worst_p95_ms": 0.0, "max_ms": 0, "ssl_days_remaining": None},
        )  # fmt: skip
        item["checks"] += row["checks"]
        item["successes"] += row["successes"]
        item["worst_p95_ms"] = max(item["worst_p95_ms"], number(row["p95_ms"]) or 0.0)
        item["max_ms"] = max(item["max_ms"], row["max_ms"] or 0)
        if row["ssl_days"] is not None and row["ssl_days"] >= 0:
            days = item["ssl_days_remaining"]
            item["ssl_days_remaining"] = row["ssl_days"] if days is None else min(days, row["ssl_days"])
    for item in monitors.values():
        item["availability_percent"] = percent(item["successes"], item["checks"])
    ordered = sorted(monitors.values(), key=lambda m: (m["availability_percent"] or 0, m["monitor_name"]))
    highlights = _uptime_highlights(ordered, failures)
    checks = sum(m["checks"] for m in ordered)
    successes = sum(m["successes"] for m in ordered)
    below = sum(1 for m in ordered if (m["availability_percent"] or 0) < UPTIME_SLA_PERCENT)
    lead = (
        f"{len(ordered)} uptime monitors ran {checks} checks ({table}); overall availability "
        f"{percent(successes, checks) or 0:g}%, {below} below the {UPTIME_SLA_PERCENT:g}% SLA."
    )
    data = {
        "source": table,
        "overall_availability_percent": percent(successes, checks),
        "monitors": ordered[: req.max_items],
        "regions": regions[: req.max_items],
        "failures": failures,
    }
    findings = uptime_findings(regional, before, failures, _windows(req, base)) if before else None
    return compared(req, lead, data, highlights, findings, "uptime checks")


def _region_figures(row: dict[str, Any]) -> tuple[int, int, float | None]:
    """checks, failed checks and p95 response (ms) of a per-region row."""
    checks = as_int(row["checks"])
    return checks, checks - as_int(row["successes"]), number(row["p95_ms"])


def _answered(checks: int, failed: int) -> bool:
    """Whether a window's p95 response time is that of answered checks: with P95_FAILURE_SHARE or more of the checks
    failed, the p95 is the failures' timeout, which the success rate already reports."""
    return failed < P95_FAILURE_SHARE * checks


def _uptime_pair(
    entity: str, now: tuple[int, int, float | None], old: tuple[int, int, float | None] | None, kw: dict[str, Any]
) -> dict[str, Finding | None]:
    """Success rate and p95 response findings of one monitor (or monitor and region) from (checks, failures, p95)."""
    checks, failed, p95 = now
    out: dict[str, Finding | None] = {"success_percent": None, "response_p95_ms": None}
    if checks:
        success = 100.0 * (checks - failed) / checks
        if old is not None and old[0]:
            success_before: float | None = 100.0 * (old[0] - old[1]) / old[0]
            clear = failed >= MIN_FAILED_CHECKS and clear_rise(failed, old[1], checks, old[0])
            if not clear and (failed < MIN_FAILED_CHECKS or old[1] < MIN_FAILED_CHECKS):
                success_before = None  # too few failures on one side to call it chronic
        else:
            success_before, clear = None, failed >= MIN_FAILED_CHECKS and clear_rise(failed, 0)
        out["success_percent"] = judged(
            "uptime", entity, "success_percent", success_before, success, clear=clear, severity="critical", **kw
        )
    if p95 is not None and checks >= MIN_P95_CHECKS and _answered(checks, failed):
        usable = old is not None and old[0] >= MIN_P95_CHECKS and _answered(old[0], old[1])
        p95_before = old[2] if old is not None and usable else None
        if p95_before is not None or old is None:
            out["response_p95_ms"] = compare("uptime", entity, "response_p95_ms", p95_before, p95, **kw)
    return out


def uptime_findings(
    regional: list[dict[str, Any]], before: list[dict[str, Any]], failures: list[dict[str, Any]], kw: dict[str, Any]
) -> list[Finding | None]:
    """Per monitor and region against the baseline (:func:`uptime_monitors` rows). A monitor whose every region
    (two or more) moved the same way gives one finding for the monitor ("in all N regions"); otherwise each region
    that moved is named: ``monitor (region)``. Success findings start at the region's (else the monitor's) first
    failure."""
    old = {(row["monitor_id"], row["region"]): _region_figures(row) for row in before}
    first_failure = {row["monitor_id"]: row.get("first_failure") for row in failures}
    monitors: dict[str, list[dict[str, Any]]] = {}
    for row in regional:
        monitors.setdefault(row["monitor_id"], []).append(row)
    findings: list[Finding | None] = []
    for monitor_id, rows in monitors.items():
        name = rows[0]["monitor_name"]
        per_region = {}
        for row in rows:
            since = point_in_time(row.get("first_failure") or first_failure.get(monitor_id))
            prior = old.get((monitor_id, row["region"]))
            pair = _uptime_pair(f"{name} ({row['region']})", _region_figures(row), prior, kw)
            if pair["success_percent"] is not None and pair["success_percent"].status != "chronic":
                pair["success_percent"] = replace(pair["success_percent"], since=since)
            per_region[row["region"]] = pair
        for signal_name in ("success_percent", "response_p95_ms"):
            found = [pair[signal_name] for pair in per_region.values()]
            statuses = {f.status if f else None for f in found}
            if len(rows) >= 2 and len(statuses) == 1 and None not in statuses:
                findings.append(_monitor_finding(name, rows, old, monitor_id, signal_name, found, kw))
            else:
                findings += found
    return findings


def _monitor_finding(
    name: str,
    rows: list[dict[str, Any]],
    old: dict[tuple[str, str], tuple[int, int, float | None]],
    monitor_id: str,
    signal_name: str,
    regional: list[Finding | None],
    kw: dict[str, Any],
) -> Finding | None:
    """One finding for a monitor whose every region moved alike: the monitor's totals (worst p95), noted."""
    figures = [_region_figures(row) for row in rows]
    priors = [old[(monitor_id, row["region"])] for row in rows if (monitor_id, row["region"]) in old]
    p95s = [f[2] for f in figures if f[2] is not None]
    now = (sum(f[0] for f in figures), sum(f[1] for f in figures), max(p95s) if p95s else None)
    prior_p95s = [f[2] for f in priors if f[2] is not None]
    prior = (sum(f[0] for f in priors), sum(f[1] for f in priors), max(prior_p95s) if prior_p95s else None)
    finding = _uptime_pair(name, now, prior if priors else None, kw)[signal_name]
    if finding is None:
        return rank(regional)[0] if rank(regional) else None
    since = min((f.since for f in regional if f is not None and f.since), default=None)
    return replace(finding, since=since if finding.status != "chronic" else None, note=f"in all {len(rows)} regions")


async def uptime_monitors(
    req: CollectRequest, *, outages: bool = True
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """Per monitor and region: ``checks``, ``successes``, ``avg_ms`` / ``p95_ms`` / ``max_ms``, ``ssl_days``; the
    failures per monitor (count, regions, first and last, newest error); and the table read.

    One query on the uptime_monitor_stats summary where the server has it (or on the raw checks where TFO's rule
    reads raw rows); else TFO's uptime_checks rollup plus the failed raw checks. ``outages=False``: no failures
    (an empty list), and on TFO's tables no scan of the failed checks, for callers that need only the counts.
    """
    choice = rollup("uptime_monitor_stats", req.time_range)
    if choice.kind == "raw" or await has_table(choice.table):
        rows = await ch(req, "signals_uptime_stats", rollup=choice)
        failures = _failures_per_monitor(rows)[: req.max_items] if outages else []
        return rows, failures, choice.table
    choice = rollup("uptime_checks", req.time_range)
    if not outages:
        return await ch(req, "signals_uptime_monitors", rollup=choice), [], choice.table
    regional, failures = await gather_sources(
        ch(req, "signals_uptime_monitors", rollup=choice),
        ch(req, "signals_uptime_failures"),
    )
    return regional, failures, choice.table


def _failures_per_monitor(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-region failure figures summed per monitor (the newest error is the one of the latest failure)."""
    monitors: dict[str, dict[str, Any]] = {}
    for row in rows:
        if not row["failures"]:
            continue
        item = monitors.get(row["monitor_id"])
        if item is None:
            monitors[row["monitor_id"]] = item = {
                "monitor_id": row["monitor_id"], "monitor_name": row["monitor_name"], "failures": 0, "regions": 0,
                "first_failure": row["first_failure"], "last_failure": row["last_failure"],
                "last_error": row["last_error"], "last_status_code": row["last_status_code"],
            }  # fmt: skip
        item["failures"] += row["failures"]
        item["regions"] += 1
        item["first_failure"] = min(item["first_failure"], row["first_failure"])
        if row["last_failure"] > item["last_failure"]:
            item.update({key: row[key] for key in ("last_failure", "last_error", "last_status_code")})
    return sorted(monitors.values(), key=lambda item: (-item["failures"], item["monitor_name"]))


def _uptime_highlights(monitors: list[dict[str, Any]], failures: list[dict[str, Any]]) -> list[str]:
    highlights = []
    failed = {row["monitor_id"]: row for row in failures}
    for item in monitors:
        name, availability = item["monitor_name"], item["availability_percent"] or 0
        if availability < UPTIME_SLA_PERCENT:
            detail = failed.get(item["monitor_id"])
            outage = ""
            if detail:
                code = f"HTTP {detail['last_status_code']}: " if detail["last_status_code"] else ""
                outage = (
                    f": {detail['failures']} failed checks from {detail['regions']} regions between "
                    f"{clock(detail['first_failure'])} and {clock(detail['last_failure'])} (last error: "
                    f"{code}{detail['last_error']})"
                )
            highlights.append(f"{name} availability {availability:g}% is below the {UPTIME_SLA_PERCENT:g}% SLA{outage}")
        if item["worst_p95_ms"] > UPTIME_SLOW_P95_MS:
            highlights.append(f"{name} is slow: p95 {item['worst_p95_ms']:g} ms in its slowest region")
        days = item["ssl_days_remaining"]
        if days is not None and days <= CERT_WARN_DAYS:
            highlights.append(f"{name}: TLS certificate expires in {days} days")
    return highlights[:MAX_HIGHLIGHTS]


# --------------------------------------------------------------------------- audit


@collector(ContextType.AUDIT)
async def collect_audit(req: CollectRequest) -> TelemetryContext:
    """Newest audit events, counts per type and result, and failed/denied attempts grouped by source; findings for
    the event types and source addresses whose failed or denied events rose against the baseline."""
    choice = rollup("audit_logs", req.time_range)
    base = baseline_request(req)
    events, stats, failures, sources, stats_before, sources_before = await gather_sources(
        ch(req, "signals_audit_events"),
        ch(req, "signals_audit_stats", rollup=choice),
        ch(req, "signals_audit_failures"),
        ch(req, "signals_audit_failure_sources"),
        ch(base, "signals_audit_stats", rollup=choice),
        ch(base, "signals_audit_failure_sources"),
    )
    if not events and not stats:
        return empty(req, "audit_logs")
    total = sum(row["events"] for row in stats)
    failed = sum(row["events"] for row in stats if row["result"] != "SUCCESS")
    denied = sum(row["events"] for row in stats if row["result"] == "DENIED")
    highlights = []
    for row in failures:
        if row["attempts"] >= FAILED_LOGIN_ALERT:
            highlights.append(
                f"{row['attempts']} {row['result'].lower()} {row['action']} attempts for "
                f"{row['user_email'] or 'unknown'} from {row['ip_address'] or 'unknown address'} "
                f"between {clock(row['first_at'])} and {clock(row['last_at'])}"
            )
    if denied:
        highlights.append(f"{denied} requests were denied by authorization")
    lead = f"{total} audit events in the window ({choice.table}); {failed} failed or denied."
    data = {
        "sources": ["audit_logs", choice.table],
        "total_events": total,
        "failed_or_denied": failed,
        "stats": stats,
        "failures": failures,
        "events": events,
    }
    findings = None
    if stats_before:
        findings = audit_findings(stats, stats_before, sources, sources_before, _windows(req, base))
    return compared(req, lead, data, highlights[:MAX_HIGHLIGHTS], findings, "audit events")


def audit_findings(
    stats: list[dict[str, Any]],
    stats_before: list[dict[str, Any]],
    sources: list[dict[str, Any]],
    sources_before: list[dict[str, Any]],
    kw: dict[str, Any],
) -> list[Finding | None]:
    """Failed or denied events per event type and per source address against the baseline (a clear rise only);
    a source address absent from the baseline is new from its first failure."""

    def failed_per_type(rows: list[dict[str, Any]]) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in rows:
            if row["result"] != "SUCCESS":
                out[row["event_type"]] = out.get(row["event_type"], 0) + as_int(row["events"])
        return out

    now, old = failed_per_type(stats), failed_per_type(stats_before)
    findings: list[Finding | None] = [
        judged("audit", kind, "failed_events", old.get(kind, 0), count, clear=clear_rise(count, old.get(kind, 0)), **kw)
        for kind, count in now.items()
    ]
    prior = {row["ip_address"]: as_int(row["failures"]) for row in sources_before}
    for row in sources:
        count, before = as_int(row["failures"]), prior.get(row["ip_address"])
        entity = f"source {row['ip_address'] or 'unknown'}"
        since = point_in_time(row["first_at"]) if before is None else None
        clear = clear_rise(count, before or 0)
        findings.append(judged("audit", entity, "failed_events", before, count, clear=clear, since=since, **kw))
    return findings
