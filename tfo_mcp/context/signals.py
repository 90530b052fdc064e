"""Collectors for the core signals: metrics, logs, traces, exemplars, uptime and audit (ClickHouse only).

Rollups are read where the window allows (:func:`tfo_mcp.context.sources.rollup`); the queries avoid
features the native clickhouse-server 18.16 lacks (no CTEs, window functions, JSON or Map access).
``context_id``: metrics and exemplars filter one metric name, logs one service name; traces, uptime and audit
ignore it.
"""

from __future__ import annotations

from typing import Any

from tfo_mcp.context._shaping import (
    ERROR_RATE_PERCENT,
    MAX_HIGHLIGHTS,
    SLOW_P95_MS,
    SPIKE_FACTOR,
    UPTIME_SLA_PERCENT,
    UPTIME_SLOW_P95_MS,
    clock,
)
from tfo_mcp.context.collector import CollectRequest, collector
from tfo_mcp.context.sources import available, ch, empty, gather_sources, has_table, number, percent, rollup
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


def _metric_filter(req: CollectRequest) -> str:
    return req.context_id or ""


# --------------------------------------------------------------------------- metrics


@collector(ContextType.METRICS)
async def collect_metrics(req: CollectRequest) -> TelemetryContext:
    """Series (service, metric, type) with mean/min/max/samples, spiking series (max > 3x mean) first."""
    choice = rollup("metrics", req.time_range)
    params = {"metric": _metric_filter(req)}
    series, totals = await gather_sources(
        ch(req, "signals_metrics_series", rollup=choice, **params),
        ch(req, "signals_metrics_totals", rollup=choice, **params),
    )
    if not series:
        return empty(req, choice.table)
    total = totals[0] if totals else {}
    rows = [
        {
            "service_name": row["service_name"],
            "metric_name": row["metric_name"],
            "metric_type": row["metric_type"],
            "avg": number(row["mean"], 4),
            "min": number(row["minimum"], 4),
            "max": number(row["maximum"], 4),
            "samples": row["samples"],
        }
        for row in series
    ]
    highlights = []
    for row in rows:
        mean, peak = row["avg"] or 0, row["max"] or 0
        if mean > 0 and peak > SPIKE_FACTOR * mean and len(highlights) < MAX_HIGHLIGHTS:
            highlights.append(
                f"{row['service_name']} {row['metric_name']} spiked to {peak:g} (average {mean:g}, {peak / mean:.1f}x)"
            )
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
        "metrics": rows,
    }
    return available(req, lead, data, highlights)


# --------------------------------------------------------------------------- logs


@collector(ContextType.LOGS)
async def collect_logs(req: CollectRequest) -> TelemetryContext:
    """Lines per severity and service, error share, error bursts, top error patterns and newest errors.

    Severity counts and error bursts read the logs rollup (bursts are buckets of the window's step, a multiple
    of the rollup's interval; error lines are the ERROR_SEVERITIES of severity_text); the top error patterns
    read the log_error_patterns summary (:func:`log_error_patterns`); the newest errors read logs_errors.
    """
    choice = rollup("logs", req.time_range)
    step = req.time_range.step_seconds()
    params = {"service": req.context_id or ""}
    severity, recent, bursts, patterns = await gather_sources(
        ch(req, "signals_logs_severity", rollup=choice, **params),
        ch(req, "signals_logs_recent_errors", **params),
        log_error_bursts(req, params["service"]),
        log_error_patterns(req, params["service"]),
    )
    if not severity and not recent:
        return empty(req, choice.table)
    distribution: dict[str, int] = {}
    per_service: dict[str, dict[str, int]] = {}
    for row in severity:
        lines = int(row["lines"])
        distribution[row["severity_text"]] = distribution.get(row["severity_text"], 0) + lines
        stats = per_service.setdefault(row["service_name"], {"lines": 0, "errors": 0})
        stats["lines"] += lines
        if row["severity_text"].upper() in ERROR_SEVERITIES:
            stats["errors"] += lines
    total = sum(distribution.values())
    error_total = sum(stats["errors"] for stats in per_service.values())
    services = sorted(
        (
            {"service_name": name, **stats, "error_percent": percent(stats["errors"], stats["lines"])}
            for name, stats in per_service.items()
        ),
        key=lambda item: (-(item["error_percent"] or 0), -item["lines"], item["service_name"]),
    )[: req.max_items]
    highlights = _log_highlights(services, bursts, req, step)
    lead = (
        f"{total} log lines from {len(per_service)} services in {choice.table}; {error_total} at ERROR or above "
        f"({percent(error_total, total) or 0:g}%)."
    )
    data = {
        "source": choice.table,
        "service_filter": req.context_id,
        "total_logs": total,
        "error_logs": error_total,
        "severity_distribution": dict(sorted(distribution.items(), key=lambda item: -item[1])),
        "services": services,
        "error_bursts": [{**row, "peak_at": row["peak_at"], "bucket_seconds": step} for row in bursts[: req.max_items]],
        "top_error_patterns": patterns,
        "recent_errors": recent,
    }
    return available(req, lead, data, highlights)


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
    services: list[dict[str, Any]], bursts: list[dict[str, Any]], req: CollectRequest, step: int
) -> list[str]:
    highlights = []
    buckets = max(1.0, req.time_range.duration.total_seconds() / step)
    for row in bursts:
        average = row["errors"] / buckets
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
    """Per-service request latency (avg, p95, p99, max ms) and error rates from entry spans."""
    rows, tables = await service_requests(req)
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
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


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
    """Availability and response times per monitor (and region), outages and expiring certificates."""
    regional, failures, table = await uptime_monitors(req)
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
    return available(req, lead, data, highlights)


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
    """Newest audit events, counts per type and result, and failed/denied attempts grouped by source."""
    choice = rollup("audit_logs", req.time_range)
    events, stats, failures = await gather_sources(
        ch(req, "signals_audit_events"),
        ch(req, "signals_audit_stats", rollup=choice),
        ch(req, "signals_audit_failures"),
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
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])
