"""Collectors for SRE views: errors, latency, throughput, saturation, service health, anomalies, SLOs, SLIs,
error budgets, change events, deployments and alerts.

SLOs have no TFO table; their definitions live in PostgreSQL ``slo_definitions`` and attainment is computed
from ClickHouse for the requested window. ``context_id`` is a service-name filter for errors, latency,
throughput, anomalies and change-events; the others ignore it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tfo_mcp.context._shaping import as_int, plural
from tfo_mcp.context.change import Finding, baseline_request, compare, signal
from tfo_mcp.context.collector import CollectRequest, collector
from tfo_mcp.context.detect import anomalies
from tfo_mcp.context.edges import edge_stats
from tfo_mcp.context.infrastructure import NODE_METRICS, host_metrics, pivot, saturation_notes
from tfo_mcp.context.signals import (
    BURST_FACTOR,
    BURST_MIN_ERRORS,
    ERROR_RATE_PERCENT,
    LATENCY_MS,
    MAX_HIGHLIGHTS,
    SLOW_P95_MS,
    SPIKE_FACTOR,
    clock,
    error_rate_rows,
    latency_rows,
    log_error_bursts,
    service_requests,
    uptime_monitors,
)
from tfo_mcp.context.sources import (
    Failed,
    RollupChoice,
    available,
    ch,
    coarse_rollup,
    compared,
    empty,
    empty_unless_failed,
    failures,
    full_buckets_from,
    gather_sources,
    has_table,
    number,
    partial,
    percent,
    pg,
    raise_if_all_failed,
    rollup,
    rows_of,
    with_failures,
)
from tfo_mcp.context.types import ContextType, TelemetryContext, TimeRange

HEALTH_SCORE_MIN = 70.0
#: A burn rate above 1 spends the error budget faster than the SLO window allows; 14.4 is the usual fast-burn
#: page threshold (2 % of a 30-day budget in one hour).
FAST_BURN_RATE = 14.4
TRAFFIC_DROP_FACTOR = 3.0
#: Spikes, drops and latency peaks are only judged on buckets with at least this many requests (fewer is noise).
MIN_REQUESTS_PER_BUCKET = 20
#: Changes measured before and after (most recent first), the most minutes on each side, the direct callers
#: measured with each changed service (most calls first), and the span of the window's end in which callers are
#: looked up (edges from spans).
CHANGE_IMPACT_COUNT = 20
CHANGE_IMPACT_MINUTES = 30
MAX_CALLERS = 5
#: A caller's finding weighs this much of the changed service's in the ranking (its move is a consequence).
CALLER_WEIGHT = 0.5
CALLER_LOOKUP = timedelta(hours=1)
#: Bucket width of service_request_stats_5m: a change's sides are whole buckets, the one holding the change is skipped.
IMPACT_BUCKET_SECONDS = 300
#: Ours: an error rate is compared only when both periods hold at least RATE_MIN_REQUESTS requests, a p95 or average
#: latency when both hold LATENCY_MIN_REQUESTS (a p95 is set by the slowest 5 %), a throughput when the earlier
#: period holds RATE_MIN_REQUESTS; fewer is sampling noise.
RATE_MIN_REQUESTS = 30
LATENCY_MIN_REQUESTS = 50
#: Ours: a move in error rate counts only when it stands this many standard errors clear of sampling noise
#: (two-proportion z test on the request counts).
ERROR_RATE_Z = 3.0
#: Ours: a service's average latency (service map) worth a highlight: half TFO's slow p95.
SLOW_AVERAGE_MS = SLOW_P95_MS / 2
#: How much a finding of each signal weighs in the ranking (change.SEVERITY_WEIGHT).
SIGNAL_SEVERITY: dict[str, Any] = {
    "error_percent": "critical",
    "p95_ms": "warning",
    "avg_ms": "warning",
    "requests_per_min": "warning",
}
#: Host and node saturation metrics (averages) compared with the baseline, and the signal of each.
HOST_SATURATION = r"^system\.(cpu\.utilization|memory\.utilization|disk\.used_percent)$"
SATURATION_SIGNALS = {
    "system.cpu.utilization": "cpu_percent",
    "k8s.node.cpu.utilization": "cpu_percent",
    "system.memory.utilization": "memory_percent",
    "k8s.node.memory.utilization": "memory_percent",
    "system.disk.used_percent": "disk_percent",
    "k8s.node.filesystem.utilization": "disk_percent",
}
#: Ours: a saturation average is compared only from this share of its condition level on (a host at 20 % CPU is
#: not saturated, whatever it was before).
SATURATION_COMPARED_FROM = 0.5
#: The baseline is read from whole buckets of the largest rollup that splits it into at least this many
#: (sources.coarse_rollup): a 1 h baseline reads twelve 5-minute buckets, not its raw rows, so it costs little
#: beside the window's own read; it may then start and end up to one bucket inside the baseline window.
BASELINE_BUCKETS = 12
#: The figures compared per service: error rate, p95 latency, throughput.
REQUEST_SIGNALS = ("error_percent", "p95_ms", "requests_per_min")
#: SLO attainment is computed for at most this many objectives per context.
MAX_SLOS = 50
#: The largest latency threshold the latency histogram counts exactly (platform migration 014); a longer one is
#: counted from the raw entry spans.
HISTOGRAM_MAX_MS = 60_000


def _service(req: CollectRequest) -> str:
    return req.context_id or ""


# --------------------------------------------------------------------------- baseline comparisons


@dataclass(frozen=True)
class Traffic:
    """One service's requests in one period: counts, latency (ms) and the period's length in minutes."""

    requests: float
    errors: float
    minutes: float
    p95_ms: float | None = None
    avg_ms: float | None = None

    @property
    def error_percent(self) -> float:
        return 100.0 * self.errors / self.requests if self.requests else 0.0

    @property
    def per_minute(self) -> float:
        return self.requests / self.minutes if self.minutes > 0 else 0.0

    def value(self, signal_name: str) -> float | None:
        """The figure a signal compares: error_percent, p95_ms, avg_ms or requests_per_min."""
        if signal_name == "error_percent":
            return self.error_percent
        if signal_name == "requests_per_min":
            return self.per_minute
        return {"p95_ms": self.p95_ms, "avg_ms": self.avg_ms}[signal_name]

    def figures(self) -> dict[str, Any]:
        """The period's figures as data (rounded)."""
        return {
            "requests": int(self.requests),
            "error_percent": number(self.error_percent),
            "p95_ms": number(self.p95_ms),
            "requests_per_min": number(self.per_minute),
        }


def traffic_of(rows: list[dict[str, Any]], time_range: TimeRange) -> dict[str, Traffic]:
    """:func:`service_requests` rows (or rows with ``requests``, ``errors``, ``p95_ms``) per service."""
    minutes = time_range.duration.total_seconds() / 60
    return {
        row["service_name"]: Traffic(
            requests=as_int(row.get("requests")),
            errors=as_int(row.get("errors")),
            minutes=minutes,
            p95_ms=number(row.get("p95_ms"), 3),
        )
        for row in rows
    }


def _enough(signal_name: str, traffic: Traffic | None) -> bool:
    if traffic is None or traffic.value(signal_name) is None:
        return False
    need = LATENCY_MIN_REQUESTS if signal_name in ("p95_ms", "avg_ms") else RATE_MIN_REQUESTS
    return traffic.requests >= need


def _within_noise(before: Traffic, after: Traffic) -> bool:
    """Whether two error rates differ by less than ERROR_RATE_Z standard errors (two-proportion z test)."""
    pooled = (before.errors + after.errors) / (before.requests + after.requests)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / before.requests + 1 / after.requests))
    return spread > 0 and abs(after.errors / after.requests - before.errors / before.requests) < ERROR_RATE_Z * spread


def _at_condition(signal_name: str, value: float) -> bool:
    spec = signal(signal_name)
    if spec.condition is None:
        return False
    return value <= spec.condition if spec.worse == "down" else value >= spec.condition


def compare_traffic(
    context: str,
    entity: str,
    signal_name: str,
    before: Traffic | None,
    after: Traffic | None,
    *,
    impact: float,
    window: TimeRange,
    baseline: TimeRange,
    source: str = "baseline",
    note: str = "",
) -> Finding | None:
    """One figure of one service, ``before`` (baseline or before a change) against ``after``, as a finding (None:
    steady, or too few requests to tell). Throughput needs the earlier period (a service that went silent falls to 0);
    the others need the later one, and a service without any requests earlier is compared as new. A move in error
    rate within sampling noise is no move (a condition in both periods stays chronic)."""
    if signal_name == "requests_per_min":
        if before is None or not _enough(signal_name, before):
            return None
        before_value: float | None = before.per_minute
        after_value = after.per_minute if after else 0.0
    else:
        if after is None or not _enough(signal_name, after):
            return None
        if before is None or not before.requests:
            before_value = None
        elif not _enough(signal_name, before):
            return None  # some requests earlier, too few to tell
        else:
            before_value = before.value(signal_name)
        after_value = after.value(signal_name) or 0.0
    options: dict[str, Any] = {
        "impact": impact,
        "severity": SIGNAL_SEVERITY[signal_name],
        "window": window,
        "baseline": baseline,
        "source": source,
        "note": note,
    }
    finding = compare(context, entity, signal_name, before_value, after_value, **options)
    if finding is None or finding.status == "chronic" or before_value is None or before is None or after is None:
        return finding
    if signal_name == "error_percent" and _within_noise(before, after):
        if not (_at_condition(signal_name, before_value) and _at_condition(signal_name, after_value)):
            return None
        steady = compare(context, entity, signal_name, after_value, after_value, **options)
        return replace(steady, before=before_value) if steady else None
    return finding


def traffic_findings(
    req: CollectRequest,
    current: dict[str, Traffic],
    earlier: dict[str, Traffic],
    signals: tuple[str, ...],
    base: TimeRange,
) -> list[Finding] | None:
    """Per service, each signal of the window against the baseline (read over ``base``); impact = the service's
    share of the requests (of the baseline's, for a service that went silent). None when the baseline holds no
    requests at all (nothing to compare with, e.g. before the data begins)."""
    if not any(traffic.requests for traffic in earlier.values()):
        return None
    window = req.time_range
    total = sum(traffic.requests for traffic in current.values())
    base_total = sum(traffic.requests for traffic in earlier.values())
    findings = []
    for name in sorted(current.keys() | earlier.keys()):
        now, then = current.get(name), earlier.get(name)
        share = now.requests / total if now and total else (then.requests / base_total if then else 0.0)
        for signal_name in signals:
            findings.append(
                compare_traffic(
                    req.context_type.value, name, signal_name, then, now, impact=share, window=window, baseline=base
                )
            )
    return [finding for finding in findings if finding is not None]


def _whole_buckets(window: TimeRange, seconds: int) -> TimeRange | None:
    """The whole buckets of ``seconds`` inside ``window`` (None when not one fits)."""
    start, end = _ceil(window.start, seconds), _floor(window.end, seconds)
    return TimeRange(start=start, end=end) if end > start else None


async def coarse_baseline(req: CollectRequest, family: str) -> tuple[CollectRequest, RollupChoice | None]:
    """The baseline request cut to whole buckets of the family's coarse rollup (BASELINE_BUCKETS per window), and
    that rollup; the plain baseline and None where the server lacks that rollup or no whole bucket fits."""
    base = baseline_request(req)
    choice = coarse_rollup(family, base.time_range, BASELINE_BUCKETS)
    if choice.kind == "rollup" and await has_table(choice.table):
        snapped = _whole_buckets(base.time_range, choice.interval_seconds)
        if snapped is not None:
            return replace(base, time_range=snapped), choice
    return base, None


async def _coarse_or_rule(req: CollectRequest, family: str) -> tuple[CollectRequest, RollupChoice]:
    """:func:`coarse_baseline`, else the plain baseline with the table the window's rule picks."""
    base, choice = await coarse_baseline(req, family)
    return base, choice or rollup(family, base.time_range)


async def baseline_requests(req: CollectRequest, service: str = "") -> tuple[list[dict[str, Any]], TimeRange]:
    """Per service, the baseline's requests, errors and p95 (:func:`service_requests` rows) and the period read:
    whole buckets of the request summary where the server has it, else what service_requests() reads."""
    base, choice = await coarse_baseline(req, "service_request_stats")
    if choice is not None:
        return await ch(base, "signals_trace_stats", rollup=choice, service=service), base.time_range
    rows, _ = await service_requests(base, service)
    return rows, base.time_range


# --------------------------------------------------------------------------- errors


@collector(ContextType.ERRORS)
async def collect_errors(req: CollectRequest) -> TelemetryContext:
    """Error rates per service against the baseline, the most frequent failures (spans), error bursts in spans and
    logs."""
    logs_table = rollup("logs", req.time_range).table
    step = req.time_range.step_seconds()
    service = _service(req)
    (rates, tables), (base_rates, base_range), messages, span_bursts, log_bursts = await gather_sources(
        service_requests(req, service),
        baseline_requests(req, service),
        ch(req, "sre_error_messages", service=service),
        ch(req, "sre_error_bursts", step=step, service=service),
        log_error_bursts(req, service),
    )
    sources = [*tables, "traces_errors", logs_table]
    if not rates and not messages and not log_bursts:
        return empty(req, ", ".join(sources))
    services = [row for row in error_rate_rows(rates) if row["errors"] or service]
    requests = sum(row["requests"] for row in rates)
    failed = sum(row["errors"] for row in rates)
    highlights = [
        f"{row['service_name']} fails {row['error_percent']:g}% of requests ({row['errors']} of {row['requests']})"
        for row in services
        if (row["error_percent"] or 0) > ERROR_RATE_PERCENT
    ]
    buckets = max(1.0, req.time_range.duration.total_seconds() / step)
    for label, rows in (("failed requests", span_bursts), ("error log lines", log_bursts)):
        for row in rows:
            if row["peak"] >= BURST_MIN_ERRORS and row["peak"] > BURST_FACTOR * row["errors"] / buckets:
                highlights.append(
                    f"Error burst in {row['service_name']}: {row['peak']} {label} in the {step}-second bucket at "
                    f"{clock(row['peak_at'])}"
                )
    if messages:
        top = messages[0]
        highlights.append(
            f'Most frequent failure: {top["service_name"]} {top["span_name"]} "{top["message"]}" '
            f"({top['occurrences']} times, last {clock(top['last_seen'])})"
        )
    findings = traffic_findings(
        req, traffic_of(rates, req.time_range), traffic_of(base_rates, base_range), ("error_percent",), base_range
    )
    lead = (
        f"{failed} of {requests} requests failed ({percent(failed, requests) or 0:g}%) in {len(rates)} services "
        f"({', '.join(sources)})."
    )
    data = {
        "sources": sources,
        "service_filter": req.context_id,
        "total_requests": requests,
        "failed_requests": failed,
        "services": services[: req.max_items],
        "top_failures": messages,
        "failed_request_bursts": span_bursts[: req.max_items],
        "error_log_bursts": log_bursts[: req.max_items],
    }
    return compared(req, lead, data, highlights[:MAX_HIGHLIGHTS], findings, "requests")


# --------------------------------------------------------------------------- latency


@collector(ContextType.LATENCY)
async def collect_latency(req: CollectRequest) -> TelemetryContext:
    """Latency percentiles per service (p95 against the baseline), the slowest operations and each service's worst
    bucket."""
    ops_choice, ops_sql = await _operations_choice(req)
    service = _service(req)
    (services, tables), (base_services, base_range), operations, (peaks, peaks_table) = await gather_sources(
        service_requests(req, service),
        baseline_requests(req, service),
        ch(req, ops_sql, rollup=ops_choice, service=service),
        _latency_peaks(req, service),
    )
    rows = latency_rows(services)
    if not rows:
        return empty(req, ", ".join(tables))
    peak_by_service = {row["service_name"]: row for row in peaks}
    highlights = [
        f"{row['service_name']} is slow: p95 {row['p95_ms']:g} ms (p99 {row['p99_ms']:g} ms)"
        for row in rows
        if (row["p95_ms"] or 0) > SLOW_P95_MS
    ]
    for row in rows:
        peak = peak_by_service.get(row["service_name"])
        overall = row["p95_ms"] or 0
        if peak and overall > 0 and (peak["peak_p95_ms"] or 0) > SPIKE_FACTOR * overall:
            row["peak_p95_ms"] = number(peak["peak_p95_ms"])
            row["peak_at"] = peak["peak_at"]
            highlights.append(
                f"{row['service_name']} latency spiked: p95 {row['peak_p95_ms']:g} ms at {clock(peak['peak_at'])} "
                f"vs {overall:g} ms over the window"
            )
    findings = traffic_findings(
        req, traffic_of(services, req.time_range), traffic_of(base_services, base_range), ("p95_ms",), base_range
    )
    slowest = rows[0]
    lead = (
        f"Latency of {len(rows)} services ({', '.join(tables)}): slowest p95 is {slowest['service_name']} at "
        f"{slowest['p95_ms']:g} ms."
    )
    data = {
        "sources": list(dict.fromkeys([*tables, ops_choice.table, peaks_table])),
        "service_filter": req.context_id,
        "services": rows[: req.max_items],
        "slowest_operations": [{**row, **{k: number(row[k]) for k in LATENCY_MS if k in row}} for row in operations],
        "latency_peaks": [{**row, "peak_p95_ms": number(row["peak_p95_ms"])} for row in peaks][: req.max_items],
    }
    return compared(req, lead, data, highlights[:MAX_HIGHLIGHTS], findings, "requests")


async def _operations_choice(req: CollectRequest) -> tuple[RollupChoice, str]:
    """Where the slowest operations are read, and the query: the operation summary's sketches (or the raw spans)
    where the server has the summary, else TFO's traces rollups (reservoir states)."""
    choice = rollup("service_operation_stats", req.time_range)
    if choice.kind == "raw" or await has_table(choice.table):
        return choice, "sre_slow_operations"
    tfo = rollup("traces", req.time_range)
    return tfo, "sre_slow_operations_tfo" if tfo.kind == "rollup" else "sre_slow_operations"


async def _latency_peaks(req: CollectRequest, service: str) -> tuple[list[dict[str, Any]], str]:
    """Each service's worst bucket (highest p95, at least MIN_REQUESTS_PER_BUCKET requests) and when, and the
    table read: the request summary's sketches where the server has them, else TFO's service_latency_percentiles
    (reservoir states, ~4x slower to merge) or the raw spans."""
    choice, sql_name = coarse_rollup("service_request_stats", req.time_range), "sre_request_peaks"
    if choice.kind == "raw" or not await has_table(choice.table):
        choice, sql_name = coarse_rollup("service_latency_percentiles", req.time_range), "sre_latency_peaks"
    rows = await ch(
        req,
        sql_name,
        rollup=choice,
        service=service,
        step=req.time_range.step_seconds(),
        min_requests=MIN_REQUESTS_PER_BUCKET,
        bucket_from=full_buckets_from(choice, req.time_range),
    )
    return rows, choice.table


# --------------------------------------------------------------------------- throughput


@collector(ContextType.THROUGHPUT)
async def collect_throughput(req: CollectRequest) -> TelemetryContext:
    """Requests per service: total, average rate (against the baseline), busiest and quietest bucket (spikes and
    drops)."""
    choice = rollup("service_error_rates", req.time_range)
    step = choice.interval_seconds or req.time_range.step_seconds()
    first, last = req.time_range.start.timestamp(), req.time_range.end.timestamp()
    full_from, full_to = math.ceil(first / step) * step, math.floor(last / step) * step
    expected = max(0, (full_to - full_from) // step)
    rows, (base_rows, base_range) = await gather_sources(
        _throughput_rows(req, choice, step), baseline_requests(req, _service(req))
    )
    if not rows:
        return empty(req, choice.table)
    findings = traffic_findings(
        req, traffic_of(rows, req.time_range), traffic_of(base_rows, base_range), ("requests_per_min",), base_range
    )
    seconds = req.time_range.duration.total_seconds()
    services = []
    highlights = []
    for row in rows:
        mean_per_bucket = row["requests"] / max(1.0, seconds / step)
        trough = 0 if row["full_buckets"] < expected else row["trough"]
        item = {
            "service_name": row["service_name"],
            "requests": row["requests"],
            "avg_rps": number(row["requests"] / seconds, 3),
            "peak_rps": number(row["peak"] / step, 3),
            "peak_at": row["peak_at"],
            "trough_rps": number(trough / step, 3) if expected else None,
            "trough_at": row["trough_at"] if expected and row["full_buckets"] >= expected else None,
            "bucket_seconds": step,
        }
        services.append(item)
        if mean_per_bucket < MIN_REQUESTS_PER_BUCKET:
            continue  # too few requests per bucket to call a spike or a drop
        if row["peak"] > SPIKE_FACTOR * mean_per_bucket:
            highlights.append(
                f"{row['service_name']} traffic spiked to {item['peak_rps']:g} req/s at {clock(row['peak_at'])} "
                f"(average {item['avg_rps']:g} req/s)"
            )
        if expected >= 3 and trough * TRAFFIC_DROP_FACTOR < mean_per_bucket:
            when = f" at {clock(item['trough_at'])}" if item["trough_at"] else ""
            highlights.append(
                f"{row['service_name']} traffic dropped to {item['trough_rps']:g} req/s{when} "
                f"(average {item['avg_rps']:g} req/s)"
            )
    total = sum(row["requests"] for row in rows)
    lead = f"{total} requests ({number(total / seconds, 2)} req/s) across {len(rows)} services ({choice.table})."
    data = {"source": choice.table, "service_filter": req.context_id, "total_requests": total, "services": services}
    return compared(req, lead, data, highlights[:MAX_HIGHLIGHTS], findings, "requests")


async def _throughput_rows(req: CollectRequest, choice: Any, step: int) -> list[dict[str, Any]]:
    """sre_throughput rows of the request's window: requests, busiest and quietest full bucket per service."""
    first, last = req.time_range.start.timestamp(), req.time_range.end.timestamp()
    full_from, full_to = math.ceil(first / step) * step, math.floor(last / step) * step
    return await ch(
        req, "sre_throughput", rollup=choice, service=_service(req), step=step, full_from=full_from, full_to=full_to
    )


# --------------------------------------------------------------------------- saturation


@collector(ContextType.SATURATION)
async def collect_saturation(req: CollectRequest) -> TelemetryContext:
    """CPU, memory and disk saturation of hosts (vm_metrics) and Kubernetes nodes (kubernetes_metrics), each
    host's and node's averages against the baseline."""
    k8s_choice = rollup("kubernetes_metrics", req.time_range)
    (host_base, host_choice), (node_base, node_choice) = await gather_sources(
        _coarse_or_rule(req, "vm_metrics"), _coarse_or_rule(req, "kubernetes_metrics")
    )
    names_from = max(req.time_range.start, req.time_range.end - timedelta(hours=1))
    node_params = {"resource_type": "node", "metric_regex": NODE_METRICS}
    hosts_result, nodes, clusters, base_hosts, base_nodes = await gather_sources(
        partial("hosts", host_metrics(req, HOST_SATURATION)),
        partial("clickhouse nodes", ch(req, "k8s_resource_metrics", rollup=k8s_choice, **node_params)),
        partial("clickhouse cluster names", ch(req, "k8s_cluster_names", names_from=names_from)),
        partial("clickhouse baseline hosts", ch(host_base, "infra_host_metrics", rollup=host_choice,
                                                metric_regex=HOST_SATURATION)),
        partial("clickhouse baseline nodes", ch(node_base, "k8s_resource_metrics", rollup=node_choice,
                                                **node_params)),
    )  # fmt: skip
    raise_if_all_failed(hosts_result, nodes)
    hosts, failed, vm_table = ([], {}, "vm_metrics") if isinstance(hosts_result, Failed) else hosts_result
    cluster_names = {row["cluster_id"]: row["cluster_name"] for row in rows_of(clusters)}
    node_items = pivot(rows_of(nodes), ("cluster_id", "resource_name"))
    for item in node_items:
        item["cluster"] = cluster_names.get(item["cluster_id"], "")
        item["node"] = item.pop("resource_name")
    reporting = [host for host in hosts if host["metrics"]]
    if not reporting and not node_items:
        return empty_unless_failed(req, f"{vm_table}, {k8s_choice.table}", hosts_result, nodes)
    highlights = saturation_notes(reporting, "host") + saturation_notes(node_items, "node")
    current, earlier = _saturation_means(reporting, node_items, rows_of(base_hosts), rows_of(base_nodes))
    for item in node_items:
        item.pop("cluster_id")
    data: dict[str, Any] = {
        "sources": [vm_table, k8s_choice.table],
        "hosts": reporting[: req.max_items],
        "kubernetes_nodes": node_items[: req.max_items],
    }
    failed = {**failed, **failures(hosts_result, nodes, clusters, base_hosts, base_nodes)}
    if failed:
        data["unavailable_sources"] = failed
    lead = f"Saturation of {len(reporting)} hosts and {len(node_items)} Kubernetes nodes."
    if isinstance(base_hosts, Failed) or isinstance(base_nodes, Failed):
        return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])  # nothing to compare
    findings = saturation_findings(req, current, earlier, host_base.time_range)
    return compared(req, lead, data, highlights[:MAX_HIGHLIGHTS], findings, "host or node samples")


def _saturation_means(
    hosts: list[dict[str, Any]],
    nodes: list[dict[str, Any]],
    base_hosts: list[dict[str, Any]],
    base_nodes: list[dict[str, Any]],
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Averages per entity (host name, ``cluster/node``) and metric in the window and in the baseline."""
    host_names = {host["vm_id"]: host["host"] for host in hosts}
    current: dict[str, dict[str, float]] = {}
    for host in hosts:
        current[host["host"]] = {m: v["avg"] for m, v in host["metrics"].items() if v.get("avg") is not None}
    for node in nodes:
        entity = f"{node['cluster'] or node['cluster_id']}/{node['node']}"
        current[entity] = {m: v["avg"] for m, v in node["metrics"].items() if v.get("avg") is not None}
    node_names = {(node["cluster_id"], node["node"]): f"{node['cluster'] or node['cluster_id']}/{node['node']}"
                  for node in nodes}  # fmt: skip
    earlier: dict[str, dict[str, float]] = {}
    for row in base_hosts:
        entity = host_names.get(row["vm_id"], row["vm_id"])
        earlier.setdefault(entity, {})[row["metric_name"]] = float(row["mean"])
    for row in base_nodes:
        entity = node_names.get(
            (row["cluster_id"], row["resource_name"]), f"{row['cluster_id']}/{row['resource_name']}"
        )
        earlier.setdefault(entity, {})[row["metric_name"]] = float(row["mean"])
    return current, earlier


def saturation_findings(
    req: CollectRequest, current: dict[str, dict[str, float]], earlier: dict[str, dict[str, float]], base: TimeRange
) -> list[Finding] | None:
    """Per host or node, each saturation average (CPU, memory, disk) against the baseline, where the window's
    average reaches SATURATION_COMPARED_FROM of its condition level; impact = one entity's share of the fleet.
    None when the baseline holds no samples."""
    if not earlier:
        return None
    window = req.time_range
    share = 1 / max(1, len(current))
    findings = []
    for entity, metrics in sorted(current.items()):
        for metric, mean in sorted(metrics.items()):
            signal_name = SATURATION_SIGNALS.get(metric)
            level = signal(signal_name).condition if signal_name else None
            if signal_name is None or (level is not None and mean < SATURATION_COMPARED_FROM * level):
                continue
            before = earlier.get(entity, {}).get(metric)
            findings.append(
                compare(req.context_type.value, entity, signal_name, before, mean, impact=share, window=window,
                        baseline=base)
            )  # fmt: skip
    return [finding for finding in findings if finding is not None]


# --------------------------------------------------------------------------- service health


@collector(ContextType.SERVICE_HEALTH)
async def collect_service_health(req: CollectRequest) -> TelemetryContext:
    """Health score, error rate, latency, request rate and uptime per service (service map), with status; error
    rate, average latency and request rate against the baseline."""
    choice = rollup("service_map_metrics", req.time_range)
    base, base_choice = await _coarse_or_rule(req, "service_map_metrics")
    metrics, base_metrics, services = await gather_sources(
        partial("clickhouse", ch(req, "sre_service_health", rollup=choice)),
        partial("clickhouse baseline", ch(base, "sre_service_health", rollup=base_choice)),
        partial("postgresql", pg(req, "sre_pg_services")),
    )
    raise_if_all_failed(metrics, services)
    registry = {row["id"]: row for row in rows_of(services)}
    rows = []
    for row in rows_of(metrics):
        known = registry.get(row["service_id"], {})
        rows.append(
            {
                "service_name": row["service_name"],
                "status": known.get("status"),
                "type": known.get("type"),
                "owner_team": known.get("owner_team"),
                **{
                    key: number(row[key])
                    for key in ("health_score", "lowest_health_score", "error_rate", "peak_error_rate", "latency_ms",
                                "peak_latency_ms", "request_rate", "uptime_percent")
                },
            }
        )  # fmt: skip
    listed = {row["service_name"] for row in rows}
    silent = [row for row in rows_of(services) if row["name"] not in listed]
    if not rows and not silent:
        return empty_unless_failed(req, f"{choice.table}, service_map_services", metrics, services)
    highlights = []
    for row in rows:
        if (row["health_score"] or 100) < HEALTH_SCORE_MIN:
            highlights.append(
                f"{row['service_name']} health score {row['health_score']:g} (lowest {row['lowest_health_score']:g}), "
                f"error rate {row['error_rate']:g}%, latency {row['latency_ms']:g} ms"
            )
        elif (row["error_rate"] or 0) > ERROR_RATE_PERCENT:
            highlights.append(f"{row['service_name']} error rate {row['error_rate']:g}%")
        if (row["latency_ms"] or 0) > SLOW_AVERAGE_MS:
            highlights.append(
                f"{row['service_name']} is slow: average latency {row['latency_ms']:g} ms "
                f"(peak {row['peak_latency_ms'] or row['latency_ms']:g} ms)"
            )
    highlights += [
        f"{row['name']} is marked {row['status']} in the service map"
        for row in rows_of(services)
        if row["status"] not in ("healthy", "active")
    ]
    healthy = sum(1 for row in rows if (row["health_score"] or 0) >= HEALTH_SCORE_MIN)
    lead = f"{len(rows)} services report health ({choice.table}); {healthy} at or above {HEALTH_SCORE_MIN:g}."
    data: dict[str, Any] = {
        "sources": [choice.table, "service_map_services"],
        "services": rows[: req.max_items],
        "services_without_metrics": [row["name"] for row in silent][: req.max_items],
    }
    with_failures(data, metrics, base_metrics, services)
    if isinstance(metrics, Failed) or isinstance(base_metrics, Failed):
        return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])  # nothing to compare
    findings = traffic_findings(
        req,
        _map_traffic(rows_of(metrics), req.time_range),
        _map_traffic(rows_of(base_metrics), base.time_range),
        ("error_percent", "avg_ms", "requests_per_min"),
        base.time_range,
    )
    return compared(req, lead, data, highlights[:MAX_HIGHLIGHTS], findings, "service-map samples")


def _map_traffic(rows: list[dict[str, Any]], time_range: TimeRange) -> dict[str, Traffic]:
    """Service-map rows (error_rate %, latency_ms average, request_rate per second) as traffic per service; the
    request and error counts are estimated from the rates over the window."""
    minutes = time_range.duration.total_seconds() / 60
    out = {}
    for row in rows:
        requests = float(row.get("request_rate") or 0) * 60 * minutes
        errors = requests * float(row.get("error_rate") or 0) / 100
        out[row["service_name"]] = Traffic(requests, errors, minutes, avg_ms=number(row.get("latency_ms"), 3))
    return out


# --------------------------------------------------------------------------- anomalies


@collector(ContextType.ANOMALIES)
async def collect_anomalies(req: CollectRequest) -> TelemetryContext:
    """TFO's anomalies (anomaly_events: highest score first, counts per severity and signal) and the series the
    detector finds anomalous in the data (tfo_mcp.context.detect), ranked together as findings marked with their
    source."""
    service = _service(req)
    events, counts, found = await gather_sources(
        ch(req, "sre_anomalies", service=service),
        ch(req, "sre_anomaly_counts", service=service),
        anomalies(req, service),
    )
    if not events and not found.examined:
        return empty(req, "anomaly_events")
    total = sum(row["events"] for row in counts)
    critical = sum(row["events"] for row in counts if row["severity"] == "critical")
    rows = [
        {**row, **{key: number(row[key], 3) for key in ("anomaly_score", "z_score", "sigma_level", "observed_value",
                                                       "expected_value")}}
        for row in events
    ]  # fmt: skip
    highlights = [
        f"{row['severity'].capitalize()} anomaly in {row['service_name']} {row['metric_name']} at "
        f"{clock(row['timestamp'])}: {row['observed_value']:g} vs expected {row['expected_value']:g} "
        f"(z {row['z_score']:g})"
        for row in rows
        if row["severity"] == "critical"
    ]
    data = {
        "source": "anomaly_events",
        "service_filter": req.context_id,
        "total": total,
        "critical": critical,
        "by_severity_and_signal": counts,
        "anomalies": rows,
        **found.data(req.max_items),
    }
    if found.failed:
        data["unavailable_sources"] = found.failed
    lead = found.lead(total, critical)
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS], findings=found.findings)


# --------------------------------------------------------------------------- SLOs, error budgets, SLIs


async def _histogram_choice(req: CollectRequest, thresholds_ms: list[int]) -> RollupChoice:
    """Where latency attainment is counted: the latency histogram the window's rule picks, else (no such table,
    or a threshold above the histogram's exact range) the raw entry spans."""
    choice = rollup("service_latency_histogram", req.time_range)
    if choice.kind == "rollup" and max(thresholds_ms) <= HISTOGRAM_MAX_MS and await has_table(choice.table):
        return choice
    return rollup("service_latency_histogram", req.time_range, raw=True)


async def _slo_attainment(req: CollectRequest) -> tuple[list[dict[str, Any]], list[str]]:
    """Each enabled SLO with its SLI measured over the window: attainment, burn rate, budget consumed."""
    definitions = await pg(req, "sre_slo_definitions", limit=MAX_SLOS)
    if not definitions:
        return [], []
    latency_slos = [slo for slo in definitions if slo["sli_type"] == "latency" and slo["latency_threshold_ms"]]
    thresholds = sorted({int(slo["latency_threshold_ms"]) for slo in latency_slos})
    queries = [service_requests(req), uptime_monitors(req, outages=False)]
    latency_tables = []
    if latency_slos:
        services = tuple(sorted({slo["service_name"] for slo in latency_slos}))
        choice = await _histogram_choice(req, thresholds)
        latency_tables.append(choice.table)
        queries.append(ch(req, "sre_latency_attainment", rollup=choice, services=services, thresholds_ms=thresholds))
    (rates, request_tables), (uptime, _, uptime_table), *latency = await gather_sources(*queries)
    by_service = {row["service_name"]: row for row in rates}
    by_monitor: dict[str, list[int]] = {}
    for row in uptime:
        counts = by_monitor.setdefault(row["monitor_id"], [0, 0])
        counts[0] += row["successes"]
        counts[1] += row["checks"]
    attainment = {row["service_name"]: row for row in (latency[0] if latency else [])}
    latency_counts = {}
    for slo in latency_slos:
        row = attainment.get(slo["service_name"])
        index = thresholds.index(int(slo["latency_threshold_ms"]))
        latency_counts[slo["id"]] = {"good": row["good"][index], "total": row["total"]} if row else {}
    window_days = req.time_range.duration.total_seconds() / 86400
    results = []
    for slo in definitions:
        good, total, basis = _sli_counts(slo, by_service, by_monitor, latency_counts)
        target = float(slo["target_percent"])
        attained = percent(good, total, 4)
        item: dict[str, Any] = {
            "name": slo["name"],
            "service_name": slo["service_name"],
            "sli_type": slo["sli_type"],
            "target_percent": target,
            "slo_window_days": slo["window_days"],
            "owner_team": slo["owner_team"],
            "measured_by": basis,
            "good_events": good,
            "total_events": total,
            "attained_percent": attained,
        }
        if attained is not None:
            burn = (100.0 - attained) / (100.0 - target)
            item["burn_rate"] = number(burn, 3)
            item["budget_consumed_percent"] = number(100.0 * burn * window_days / slo["window_days"], 3)
            item["status"] = "met" if attained >= target else "breached"
            item["hours_to_exhaustion"] = number(slo["window_days"] * 24 / burn, 1) if burn > 0 else None
        else:
            item["status"] = "no data"
        results.append(item)
    results.sort(key=lambda item: (item["status"] != "breached", -(item.get("burn_rate") or 0), item["name"]))
    return results, list(dict.fromkeys([*request_tables, uptime_table, *latency_tables]))


def _sli_counts(
    slo: dict[str, Any],
    by_service: dict[str, dict[str, Any]],
    by_monitor: dict[str, list[int]],
    latency_counts: dict[str, dict[str, Any]],
) -> tuple[int, int, str]:
    """(good events, total events, how it was measured) for one SLO."""
    kind = slo["sli_type"]
    if kind == "availability" and slo.get("monitor_id") and slo["monitor_id"] in by_monitor:
        good, total = by_monitor[slo["monitor_id"]]
        return good, total, "uptime checks"
    if kind == "latency":
        counts = latency_counts.get(slo["id"], {})
        threshold = slo["latency_threshold_ms"]
        return int(counts.get("good") or 0), int(counts.get("total") or 0), f"requests under {threshold} ms"
    row = by_service.get(slo["service_name"])
    if row is None:
        return 0, 0, "successful requests"
    return row["requests"] - row["errors"], row["requests"], "successful requests"


@collector(ContextType.SLO, ContextType.ERROR_BUDGET)
async def collect_slos(req: CollectRequest) -> TelemetryContext:
    """SLOs (PostgreSQL definitions) with attainment over the window; error-budget adds burn rates and the
    budget each SLO spent in the window, and orders by burn rate."""
    slos, sources = await _slo_attainment(req)
    if not slos:
        return empty(req, "slo_definitions")
    budget = req.context_type is ContextType.ERROR_BUDGET
    breached = [slo for slo in slos if slo["status"] == "breached"]
    highlights = []
    for slo in slos:
        if slo["status"] != "breached" and not (budget and (slo.get("burn_rate") or 0) > 1):
            continue
        note = (
            f"{slo['name']} ({slo['service_name']}): {slo['attained_percent']:.2f}% against a "
            f"{slo['target_percent']:g}% target, burn rate {slo['burn_rate']:g}"
        )
        if budget:
            note += (
                f", {slo['budget_consumed_percent']:g}% of the {slo['slo_window_days']}-day budget spent in this window"
            )
            if (slo["burn_rate"] or 0) >= FAST_BURN_RATE:
                note += " (fast burn)"
        highlights.append(note)
    if budget:
        slos.sort(key=lambda slo: -(slo.get("burn_rate") or 0))
        burning = sum(1 for slo in slos if (slo.get("burn_rate") or 0) > 1)
        lead = f"Error budgets of {len(slos)} SLOs: {burning} burning faster than sustainable."
    else:
        lead = f"{len(slos)} SLOs measured over the window: {len(breached)} breached, {len(slos) - len(breached)} not."
    data = {"sources": ["slo_definitions", *sources], "slos": slos[: req.max_items]}
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


@collector(ContextType.SLI)
async def collect_slis(req: CollectRequest) -> TelemetryContext:
    """Service level indicators without targets: availability and latency per service, uptime per monitor."""
    (rates, request_tables), (uptime, _, uptime_table) = await gather_sources(
        service_requests(req), uptime_monitors(req, outages=False)
    )
    if not rates and not uptime:
        return empty(req, ", ".join([*request_tables, uptime_table]))
    services = []
    for row in rates:
        services.append(
            {
                "service_name": row["service_name"],
                "requests": row["requests"],
                "availability_percent": percent(row["requests"] - row["errors"], row["requests"], 3),
                "p95_ms": number(row["p95_ms"]),
                "p99_ms": number(row["p99_ms"]),
            }
        )
    services.sort(key=lambda item: (item["availability_percent"] or 0, item["service_name"]))
    monitors: dict[str, dict[str, Any]] = {}
    for row in uptime:
        item = monitors.setdefault(row["monitor_name"], {"monitor_name": row["monitor_name"], "checks": 0, "ok": 0})
        item["checks"] += row["checks"]
        item["ok"] += row["successes"]
    monitor_rows = sorted(
        ({"monitor_name": m["monitor_name"], "checks": m["checks"],
          "availability_percent": percent(m["ok"], m["checks"], 3)} for m in monitors.values()),
        key=lambda item: (item["availability_percent"] or 0, item["monitor_name"]),
    )  # fmt: skip
    highlights = [
        f"{row['service_name']} availability {row['availability_percent']:g}%"
        for row in services
        if (row["availability_percent"] or 100) < 100 - ERROR_RATE_PERCENT
    ]
    highlights += [
        f"{row['service_name']} p95 latency {row['p95_ms']:g} ms"
        for row in services
        if (row["p95_ms"] or 0) > SLOW_P95_MS
    ]
    highlights += [
        f"Monitor {row['monitor_name']} availability {row['availability_percent']:g}%"
        for row in monitor_rows
        if (row["availability_percent"] or 100) < 99
    ]
    lead = f"Service level indicators of {len(services)} services and {len(monitor_rows)} uptime monitors."
    data = {
        "sources": [*request_tables, uptime_table],
        "services": services[: req.max_items],
        "monitors": monitor_rows[: req.max_items],
    }
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


# --------------------------------------------------------------------------- changes and deployments


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class ChangePeriods:
    """One change and the periods its service is measured in: before [before_from, before_to) and after
    [after_from, after_to), UTC."""

    change: dict[str, Any]
    service: str
    at: datetime
    before_from: datetime
    before_to: datetime
    after_from: datetime
    after_to: datetime

    @property
    def measurable(self) -> bool:
        return self.before_to > self.before_from and self.after_to > self.after_from


def _floor(moment: datetime, seconds: int) -> datetime:
    if not seconds:
        return moment
    return datetime.fromtimestamp(math.floor(moment.timestamp() / seconds) * seconds, UTC)


def _ceil(moment: datetime, seconds: int) -> datetime:
    if not seconds:
        return moment
    return datetime.fromtimestamp(math.ceil(moment.timestamp() / seconds) * seconds, UTC)


def change_periods(changes: list[dict[str, Any]], until: datetime, bucket: int) -> list[ChangePeriods]:
    """The periods before and after each service change (most recent CHANGE_IMPACT_COUNT): up to
    CHANGE_IMPACT_MINUTES on each side, cut at the same service's previous and next change and at ``until`` (the
    window's end, or now); with
    ``bucket`` seconds > 0 both sides are whole buckets and the bucket holding the change belongs to neither."""
    span = timedelta(minutes=CHANGE_IMPACT_MINUTES)
    timed = [(at, change) for change in changes if change["service_name"] and (at := _parse_time(change["timestamp"]))]
    by_service: dict[str, list[datetime]] = {}
    for at, change in timed:
        by_service.setdefault(change["service_name"], []).append(at)
    periods = []
    for at, change in sorted(timed, key=lambda item: item[0], reverse=True)[:CHANGE_IMPACT_COUNT]:
        times = by_service[change["service_name"]]
        previous = max((t for t in times if t < at), default=None)
        following = min((t for t in times if t > at), default=None)
        before_to, after_from = _floor(at, bucket), _ceil(at, bucket)
        before_from = before_to - span
        if previous is not None:
            before_from = max(before_from, _ceil(previous, bucket))
        after_to = min(after_from + span, _floor(until, bucket))
        if following is not None:
            after_to = min(after_to, _floor(following, bucket))
        periods.append(
            ChangePeriods(
                change, change["service_name"], at, before_from, before_to, after_from, max(after_from, after_to)
            )
        )
    return periods


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


async def _impact_rows(req: CollectRequest, periods: list[ChangePeriods], summary: bool) -> list[dict[str, Any]]:
    """Requests, errors and p95 per change, service and side (every service that served requests on a side)."""
    measured = [p for p in periods if p.measurable]
    if not measured:
        return []
    rows = await ch(
        req,
        "sre_change_impact" if summary else "sre_change_impact_raw",
        read_from=min(p.before_from for p in measured),
        read_to=max(p.after_to for p in measured),
        before_from=[_epoch(p.before_from) for p in measured],
        before_to=[_epoch(p.before_to) for p in measured],
        after_from=[_epoch(p.after_from) for p in measured],
        after_to=[_epoch(p.after_to) for p in measured],
    )
    index = {n: periods.index(p) for n, p in enumerate(measured, start=1)}
    return [{**row, "change_index": index[as_int(row["change_index"])]} for row in rows]


async def _callers(req: CollectRequest) -> dict[str, list[str]]:
    """Direct callers per service (most calls first), from the edges the spans show in the window's last hour."""
    span = min(req.time_range.duration, CALLER_LOOKUP)
    lookup = replace(req, time_range=TimeRange(start=req.time_range.end - span, end=req.time_range.end))
    callers: dict[str, list[str]] = {}
    for edge in await edge_stats(lookup):  # most calls first
        callers.setdefault(str(edge["callee"]), []).append(str(edge["caller"]))
    return callers


def _change_label(change: dict[str, Any]) -> str:
    """How a sentence names a change: "deploy 2.3.1", or the type and title."""
    if change["change_type"] == "deployment" and change.get("version"):
        return f"deploy {change['version']}"
    return f'{str(change["change_type"]).replace("_", " ")} change "{change["title"]}"'


def _figure(value: float | None, unit: str) -> str:
    rounded = number(value, 1)
    return "n/a" if rounded is None else f"{rounded:g}{unit}"


def _period(start: datetime, end: datetime) -> TimeRange | None:
    return TimeRange(start=start, end=end) if end > start else None


MOVED = ("new", "worsened", "improved")


def _judge(
    req: CollectRequest, period: ChangePeriods, sides: dict[str, dict[str, Traffic]], name: str, note: str
) -> list[Finding]:
    """The findings of one service's figures after a change against before it (chronic ones say so)."""
    window, baseline = _period(period.after_from, period.after_to), _period(period.before_from, period.before_to)
    if window is None or baseline is None:
        return []
    after_total = sum(side["after"].requests for side in sides.values() if "after" in side)
    before, after = sides.get(name, {}).get("before"), sides.get(name, {}).get("after")
    share = after.requests / after_total if after and after_total else 0.0
    found = []
    for signal_name in REQUEST_SIGNALS:
        finding = compare_traffic(
            req.context_type.value, name, signal_name, before, after, impact=share, window=window, baseline=baseline,
            source="change", note=note,
        )  # fmt: skip
        if finding is not None and finding.status == "chronic":
            finding = replace(finding, note=note.replace("after ", "as before ", 1))
        if finding is not None:
            found.append(finding)
    return found


def _measure(
    req: CollectRequest, period: ChangePeriods, sides: dict[str, dict[str, Traffic]], callers: list[str]
) -> tuple[dict[str, Any], list[Finding]]:
    """One change's impact: the changed service's and its direct callers' figures before and after it, and the
    findings. A caller's move counts only when the changed service moved too (else something else moved it), and
    weighs CALLER_WEIGHT of the changed service's (it is a consequence)."""
    label, when = _change_label(period.change), clock(period.at)
    findings = _judge(req, period, sides, period.service, f"after {label} at {when}")
    moved = any(f.status in MOVED for f in findings)
    callers = [caller for caller in callers if caller in sides]
    callers_moved = False
    for caller in callers:
        found = _judge(req, period, sides, caller, f"after {label} of {period.service} at {when}")
        callers_moved = callers_moved or any(f.status in MOVED for f in found)
        if moved:
            findings += [replace(f, score=f.score * CALLER_WEIGHT) for f in found if f.status in MOVED]
    own = sides.get(period.service, {})
    enough = all(_enough("error_percent", own.get(key)) for key in ("before", "after"))
    verdict = "changed" if moved else ("no measurable impact" if enough else "too little traffic to tell")
    window, baseline = _period(period.after_from, period.after_to), _period(period.before_from, period.before_to)
    item = {
        "title": period.change["title"],
        "change_type": period.change["change_type"],
        "version": period.change.get("version") or "",
        "service_name": period.service,
        "changed_at": period.change["timestamp"],
        "verdict": verdict,
        "before": baseline.to_dict() if baseline else None,
        "after": window.to_dict() if window else None,
        "after_minutes": round(window.duration.total_seconds() / 60) if window else 0,
        "error_percent_before": number(own["before"].error_percent) if "before" in own else None,
        "error_percent_after": number(own["after"].error_percent) if "after" in own else None,
        "p95_ms_before": number(own["before"].p95_ms) if "before" in own else None,
        "p95_ms_after": number(own["after"].p95_ms) if "after" in own else None,
        "requests_after": int(own["after"].requests) if "after" in own else 0,
        "callers_moved": callers_moved,
        "services": [
            {
                "service_name": name,
                "role": "changed" if name == period.service else "caller",
                "before": sides[name]["before"].figures() if "before" in sides.get(name, {}) else None,
                "after": sides[name]["after"].figures() if "after" in sides.get(name, {}) else None,
            }
            for name in [period.service, *callers]
        ],
    }
    return item, findings


async def _change_impacts(
    req: CollectRequest, changes: list[dict[str, Any]]
) -> tuple[list[tuple[dict[str, Any], list[Finding]]], dict[str, str]]:
    """Before/after error rate, p95 and throughput of each changed service and of its direct callers: per change
    the impact item and its findings (source "change"), and the sources that failed (then callers are unknown)."""
    summary = await has_table("service_request_stats_5m")
    until = min(datetime.now(UTC), req.time_range.end)
    periods = change_periods(changes, until, IMPACT_BUCKET_SECONDS if summary else 0)
    if not periods:
        return [], {}
    rows, edges = await gather_sources(
        _impact_rows(req, periods, summary),
        partial("edges from spans", _callers(req)),
    )
    callers = rows_of(edges) or {}
    sides: dict[int, dict[str, dict[str, Traffic]]] = {}
    for row in rows:
        period = periods[row["change_index"]]
        side = row["side"]
        start, end = (
            (period.before_from, period.before_to) if side == "before" else (period.after_from, period.after_to)
        )
        traffic = traffic_of([row], TimeRange(start=start, end=end))[row["service_name"]]
        sides.setdefault(row["change_index"], {}).setdefault(row["service_name"], {})[side] = traffic
    measured = []
    for n, period in enumerate(periods):
        direct = [c for c in callers.get(period.service, []) if c != period.service][:MAX_CALLERS]
        measured.append(_measure(req, period, sides.get(n, {}), direct))
    return measured, failures(edges)


def _impact_notes(measured: list[tuple[dict[str, Any], list[Finding]]]) -> list[str]:
    """A sentence per figure a change moved (new and worsened first, highest score first), then one per change
    after which nothing moved or that had too little traffic to tell."""
    moved: list[tuple[tuple[Any, ...], str]] = []
    quiet = []
    for item, found in measured:
        when = clock(_parse_time(item["changed_at"]))
        minutes = item["after_minutes"]
        for finding in found:
            if finding.status not in ("new", "worsened", "improved"):
                continue
            spec = signal(finding.signal)
            verb = "rose" if finding.after > (finding.before or 0) else "fell"
            caller = (
                f" ({finding.entity} calls {item['service_name']})" if finding.entity != item["service_name"] else ""
            )
            moved.append(
                (
                    (finding.status == "improved", -finding.score),
                    f'After "{item["title"]}" at {when} the {spec.label} of {finding.entity} {verb} from '
                    f"{_figure(finding.before, spec.unit)} to {_figure(finding.after, spec.unit)} within {minutes} "
                    f"minutes{caller}",
                )
            )
        if item["verdict"] == "no measurable impact":
            callers = sum(1 for s in item["services"] if s["role"] == "caller")
            quiet_callers = callers and not item["callers_moved"]
            who = item["service_name"] + (f" or its {callers} direct callers" if quiet_callers else "")
            own = next(s for s in item["services"] if s["role"] == "changed")
            before, after = own["before"], own["after"]
            quiet.append(
                f'"{item["title"]}" at {when}: no measurable impact on {who} (error rate '
                f"{_figure(before['error_percent'], '%')} -> {_figure(after['error_percent'], '%')}, p95 "
                f"{_figure(before['p95_ms'], ' ms')} -> {_figure(after['p95_ms'], ' ms')}, "
                f"{_figure(before['requests_per_min'], '')} -> {_figure(after['requests_per_min'], '')} req/min)"
            )
        elif item["verdict"] == "too little traffic to tell":
            quiet.append(
                f'"{item["title"]}" at {when}: too little traffic on {item["service_name"]} to measure its impact'
            )
    return [text for _, text in sorted(moved, key=lambda pair: pair[0])] + quiet


@collector(ContextType.CHANGE_EVENTS)
async def collect_change_events(req: CollectRequest) -> TelemetryContext:
    """Changes in the window (deploys, config, scaling, flags, infrastructure) and, for each service change, the
    error rate, p95 and throughput of the changed service and its direct callers before and after it."""
    params = {"service": _service(req), "change_type": ""}
    changes, counts = await gather_sources(
        ch(req, "sre_change_events", **params),
        ch(req, "sre_change_counts", **params),
    )
    if not changes:
        return empty(req, "change_events")
    measured, failed = await _change_impacts(req, changes)
    highlights = _impact_notes(measured)
    highlights += [
        f'High-risk change "{c["title"]}" by {c["author"]} at {clock(c["timestamp"])}'
        for c in changes
        if c["risk"] == "high"
    ]
    highlights += [f'Change "{c["title"]}" {c["status"]}' for c in changes if c["status"] in ("failed", "rolled_back")]
    total = sum(row["changes"] for row in counts)
    by_type: dict[str, int] = {}
    for row in counts:
        by_type[row["change_type"]] = by_type.get(row["change_type"], 0) + row["changes"]
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(by_type.items(), key=lambda item: -item[1]))
    lead = f"{total} changes in the window ({kinds})."
    data = {
        "source": "change_events",
        "service_filter": req.context_id,
        "total_changes": total,
        "by_type": by_type,
        "changes": changes,
        "impact": [item for item, _ in measured],
    }
    if failed:
        data["unavailable_sources"] = failed
    findings = [finding for _, found in measured for finding in found]
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS], findings=findings)


def _deployment_lead(
    changes: list[dict[str, Any]], deployments: list[dict[str, Any]], rolled: list[dict[str, Any]], limit: int
) -> str:
    """The deploys recorded in the window, then the Kubernetes deployments: how many, how many rolled out in the
    window and how many lack replicas (the inventory stays named when nothing moved in the window)."""
    if changes:
        services = len({str(row["service_name"]) for row in changes if row.get("service_name")})
        of = f" of {plural(services, 'service')}" if services else ""
        recorded = f"{plural(len(changes), 'deploy')}{of} recorded in the window"
    else:
        recorded = "No deploy recorded in the window (change_events)"
    if not deployments:
        return f"{recorded}; no Kubernetes deployment in the inventory."
    count = f"{'at least ' if len(deployments) >= limit else ''}{plural(len(deployments), 'Kubernetes deployment')}"
    short = sum(1 for d in deployments if d["unavailable_replicas"] or d["ready_replicas"] < d["replicas"])
    moved = f"{len(rolled)} rolled out in the window" if rolled else "none rolled out in the window"
    health = f"{short} with unavailable replicas" if short else "all with their replicas available"
    return f"{recorded}; {count}: {moved}, {health}."


@collector(ContextType.DEPLOYMENT)
async def collect_deployment(req: CollectRequest) -> TelemetryContext:
    """Deployments: rollouts recorded as change events (with the error rate, p95 and throughput of the deployed
    service and its direct callers before and after) and the Kubernetes deployments' replica health, rolled out in
    the window or not fully available first."""
    params = {"service": _service(req), "change_type": "deployment"}
    changes, k8s = await gather_sources(
        partial("clickhouse", ch(req, "sre_change_events", **params)),
        partial("postgresql", pg(req, "sre_deployments")),
    )
    raise_if_all_failed(changes, k8s)
    change_rows, deployments = rows_of(changes), rows_of(k8s)
    if not change_rows and not deployments:
        return empty_unless_failed(req, "change_events, kubernetes_deployments", changes, k8s)
    measured, failed = await _change_impacts(req, change_rows) if change_rows else ([], {})
    highlights = _impact_notes(measured)
    for dep in deployments:
        if dep["unavailable_replicas"] or dep["ready_replicas"] < dep["replicas"]:
            highlights.append(
                f"Deployment {dep['name']} ({dep['cluster']}/{dep['namespace']}) has {dep['ready_replicas']} of "
                f"{dep['replicas']} replicas ready"
            )
    rolled = [dep for dep in deployments if dep["rolled_out_in_window"]]
    highlights += [
        f"{dep['name']} rolled out revision {dep['revision']} ({dep['image']}) at {clock(str(dep['last_rollout_at']))}"
        for dep in rolled
    ]
    lead = _deployment_lead(change_rows, deployments, rolled, req.max_items)
    data: dict[str, Any] = {
        "sources": ["change_events", "kubernetes_deployments"],
        "service_filter": req.context_id,
        "deployments": change_rows,
        "impact": [item for item, _ in measured],
        "kubernetes_deployments": deployments,
    }
    with_failures(data, changes, k8s)
    if failed:
        data.setdefault("unavailable_sources", {}).update(failed)
    findings = [finding for _, found in measured for finding in found]
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS], findings=findings)


# --------------------------------------------------------------------------- alerts


@collector(ContextType.ALERT)
async def collect_alerts(req: CollectRequest) -> TelemetryContext:
    """Alert rules and the alert instances active in the window (firing first, by severity)."""
    rules, instances, counts = await gather_sources(
        pg(req, "sre_alert_rules"),
        pg(req, "sre_alert_instances"),
        pg(req, "sre_alert_counts"),
    )
    if not rules and not instances:
        return empty(req, "alert_rules, alert_instances")
    firing = [row for row in instances if row["status"] == "firing"]
    highlights = [
        f"{row['severity'].capitalize()} alert firing since {clock(str(row['starts_at']))}: {row['title']}"
        + (f" (value {row['current_value']:g}, threshold {row['threshold']:g})" if row["current_value"] is not None
           and row["threshold"] is not None else "")
        for row in firing
    ]  # fmt: skip
    states: dict[str, int] = {}
    for row in rules:
        states[row["state"]] = states.get(row["state"], 0) + 1
    lead = (
        f"{len(rules)} alert rules ({', '.join(f'{n} {s}' for s, n in sorted(states.items()))}); "
        f"{sum(row['instances'] for row in counts)} alert instances in the window, {len(firing)} firing."
    )
    data = {
        "sources": ["alert_rules", "alert_instances"],
        "rules": rules,
        "firing_instances": firing,
        "other_instances": [row for row in instances if row["status"] != "firing"],
        "by_status_and_severity": counts,
    }
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])
