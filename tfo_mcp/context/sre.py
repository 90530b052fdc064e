"""Collectors for SRE views: errors, latency, throughput, saturation, service health, anomalies, SLOs, SLIs,
error budgets, change events, deployments and alerts.

SLOs have no TFO table; their definitions live in PostgreSQL ``slo_definitions`` and attainment is computed
from ClickHouse for the requested window. ``context_id`` is a service-name filter for errors, latency,
throughput, anomalies and change-events; the others ignore it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from tfo_mcp.context.collector import CollectRequest, collector
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
    available,
    ch,
    coarse_rollup,
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
from tfo_mcp.context.types import ContextType, TelemetryContext

HEALTH_SCORE_MIN = 70.0
#: A burn rate above 1 spends the error budget faster than the SLO window allows; 14.4 is the usual fast-burn
#: page threshold (2 % of a 30-day budget in one hour).
FAST_BURN_RATE = 14.4
TRAFFIC_DROP_FACTOR = 3.0
#: Spikes, drops and latency peaks are only judged on buckets with at least this many requests (fewer is noise).
MIN_REQUESTS_PER_BUCKET = 20
#: Changes whose before/after error rates are compared (most recent first) and the minutes on each side.
CHANGE_IMPACT_COUNT = 5
CHANGE_IMPACT_MINUTES = 30
#: SLO attainment is computed for at most this many objectives per context.
MAX_SLOS = 50


def _service(req: CollectRequest) -> str:
    return req.context_id or ""


# --------------------------------------------------------------------------- errors


@collector(ContextType.ERRORS)
async def collect_errors(req: CollectRequest) -> TelemetryContext:
    """Error rates per service, the most frequent failures (spans), error bursts in spans and logs."""
    logs_table = rollup("logs", req.time_range).table
    step = req.time_range.step_seconds()
    service = _service(req)
    (rates, tables), messages, span_bursts, log_bursts = await gather_sources(
        service_requests(req, service),
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
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


# --------------------------------------------------------------------------- latency


@collector(ContextType.LATENCY)
async def collect_latency(req: CollectRequest) -> TelemetryContext:
    """Latency percentiles per service, the slowest operations and each service's worst bucket."""
    ops_choice = rollup("traces", req.time_range)
    service = _service(req)
    (services, tables), operations, (peaks, peaks_table) = await gather_sources(
        service_requests(req, service),
        ch(req, "sre_slow_operations", rollup=ops_choice, service=service),
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
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


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
    """Requests per service: total, average rate, busiest and quietest bucket (spikes and drops)."""
    choice = rollup("service_error_rates", req.time_range)
    step = choice.interval_seconds or req.time_range.step_seconds()
    first, last = req.time_range.start.timestamp(), req.time_range.end.timestamp()
    full_from, full_to = math.ceil(first / step) * step, math.floor(last / step) * step
    expected = max(0, (full_to - full_from) // step)
    rows = await ch(
        req, "sre_throughput", rollup=choice, service=_service(req), step=step, full_from=full_from, full_to=full_to
    )
    if not rows:
        return empty(req, choice.table)
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
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


# --------------------------------------------------------------------------- saturation


@collector(ContextType.SATURATION)
async def collect_saturation(req: CollectRequest) -> TelemetryContext:
    """CPU, memory and disk saturation of hosts (vm_metrics) and Kubernetes nodes (kubernetes_metrics)."""
    k8s_choice = rollup("kubernetes_metrics", req.time_range)
    names_from = max(req.time_range.start, req.time_range.end - timedelta(hours=1))
    hosts_result, nodes, clusters = await gather_sources(
        partial("hosts", host_metrics(req, r"^system\.(cpu\.utilization|memory\.utilization|disk\.used_percent)$")),
        partial("clickhouse nodes", ch(req, "k8s_resource_metrics", rollup=k8s_choice, resource_type="node",
                                       metric_regex=NODE_METRICS)),
        partial("clickhouse cluster names", ch(req, "k8s_cluster_names", names_from=names_from)),
    )  # fmt: skip
    raise_if_all_failed(hosts_result, nodes)
    hosts, failed, vm_table = ([], {}, "vm_metrics") if isinstance(hosts_result, Failed) else hosts_result
    cluster_names = {row["cluster_id"]: row["cluster_name"] for row in rows_of(clusters)}
    node_items = pivot(rows_of(nodes), ("cluster_id", "resource_name"))
    for item in node_items:
        item["cluster"] = cluster_names.get(item.pop("cluster_id"), "")
        item["node"] = item.pop("resource_name")
    reporting = [host for host in hosts if host["metrics"]]
    if not reporting and not node_items:
        return empty_unless_failed(req, f"{vm_table}, {k8s_choice.table}", hosts_result, nodes)
    highlights = saturation_notes(reporting, "host") + saturation_notes(node_items, "node")
    data: dict[str, Any] = {
        "sources": [vm_table, k8s_choice.table],
        "hosts": reporting[: req.max_items],
        "kubernetes_nodes": node_items[: req.max_items],
    }
    failed = {**failed, **failures(hosts_result, nodes, clusters)}
    if failed:
        data["unavailable_sources"] = failed
    lead = f"Saturation of {len(reporting)} hosts and {len(node_items)} Kubernetes nodes."
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


# --------------------------------------------------------------------------- service health


@collector(ContextType.SERVICE_HEALTH)
async def collect_service_health(req: CollectRequest) -> TelemetryContext:
    """Health score, error rate, latency, request rate and uptime per service (service map), with status."""
    choice = rollup("service_map_metrics", req.time_range)
    metrics, services = await gather_sources(
        partial("clickhouse", ch(req, "sre_service_health", rollup=choice)),
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
    with_failures(data, metrics, services)
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


# --------------------------------------------------------------------------- anomalies


@collector(ContextType.ANOMALIES)
async def collect_anomalies(req: CollectRequest) -> TelemetryContext:
    """Detected anomalies (highest score first) and counts per severity and signal."""
    service = _service(req)
    events, counts = await gather_sources(
        ch(req, "sre_anomalies", service=service),
        ch(req, "sre_anomaly_counts", service=service),
    )
    if not events:
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
    lead = f"{total} anomalies detected ({critical} critical) in {len({r['service_name'] for r in rows})} services."
    data = {
        "source": "anomaly_events",
        "service_filter": req.context_id,
        "total": total,
        "critical": critical,
        "by_severity_and_signal": counts,
        "anomalies": rows,
    }
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


# --------------------------------------------------------------------------- SLOs, error budgets, SLIs


async def _slo_attainment(req: CollectRequest) -> tuple[list[dict[str, Any]], list[str]]:
    """Each enabled SLO with its SLI measured over the window: attainment, burn rate, budget consumed."""
    definitions = await pg(req, "sre_slo_definitions", limit=MAX_SLOS)
    if not definitions:
        return [], []
    latency_slos = [slo for slo in definitions if slo["sli_type"] == "latency" and slo["latency_threshold_ms"]]
    thresholds = sorted({int(slo["latency_threshold_ms"]) * 1_000_000 for slo in latency_slos})
    queries = [service_requests(req), uptime_monitors(req, outages=False)]
    if latency_slos:
        services = tuple(sorted({slo["service_name"] for slo in latency_slos}))
        queries.append(ch(req, "sre_latency_attainment", services=services, thresholds_ns=thresholds))
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
        index = thresholds.index(int(slo["latency_threshold_ms"]) * 1_000_000)
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
    return results, [*request_tables, uptime_table]


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


async def _change_impacts(req: CollectRequest, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Error rate of the changed service in the 30 minutes before and after each recent service change."""
    candidates = [c for c in changes if c["service_name"] and c["change_type"] in ("deployment", "config")]
    candidates = candidates[:CHANGE_IMPACT_COUNT]
    span = timedelta(minutes=CHANGE_IMPACT_MINUTES)
    # the 5-minute error rollup is this schema's; a TFO deployment has only the hourly one: read raw spans there
    sql_name = "sre_change_impact" if await has_table("service_error_rates_5m") else "sre_change_impact_raw"
    queries = []
    for change in candidates:
        at = _parse_time(change["timestamp"])
        if at is None:
            continue
        at = at.replace(minute=at.minute - at.minute % 5, second=0, microsecond=0)
        queries.append((change, ch(req, sql_name, service=change["service_name"], at=at, before=at - span,
                                   after=at + span)))  # fmt: skip
    if not queries:
        return []
    results = await gather_sources(*(query for _, query in queries))
    impacts = []
    for (change, _), rows in zip(queries, results, strict=True):
        row = rows[0] if rows else {}
        before = percent(row.get("errors_before"), row.get("requests_before"))
        after = percent(row.get("errors_after"), row.get("requests_after"))
        impacts.append(
            {
                "title": change["title"],
                "service_name": change["service_name"],
                "changed_at": change["timestamp"],
                "error_percent_before": before,
                "error_percent_after": after,
                "requests_after": row.get("requests_after"),
            }
        )
    return impacts


def _impact_notes(impacts: list[dict[str, Any]]) -> list[str]:
    notes = []
    for item in impacts:
        before, after = item["error_percent_before"] or 0.0, item["error_percent_after"]
        if after is not None and after > ERROR_RATE_PERCENT and after > 2 * before:
            notes.append(
                f'After "{item["title"]}" at {clock(item["changed_at"])} the error rate of {item["service_name"]} '
                f"rose from {before:g}% to {after:g}% within {CHANGE_IMPACT_MINUTES} minutes"
            )
    return notes


@collector(ContextType.CHANGE_EVENTS)
async def collect_change_events(req: CollectRequest) -> TelemetryContext:
    """Changes in the window (deploys, config, scaling, flags, infrastructure) and the error rate of the
    changed services before and after the most recent ones."""
    params = {"service": _service(req), "change_type": ""}
    changes, counts = await gather_sources(
        ch(req, "sre_change_events", **params),
        ch(req, "sre_change_counts", **params),
    )
    if not changes:
        return empty(req, "change_events")
    impacts = await _change_impacts(req, changes)
    highlights = _impact_notes(impacts)
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
        "impact": impacts,
    }
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


@collector(ContextType.DEPLOYMENT)
async def collect_deployment(req: CollectRequest) -> TelemetryContext:
    """Deployments: rollouts recorded as change events (with before/after error rates) and the Kubernetes
    deployments' replica health, rolled out in the window or not fully available first."""
    params = {"service": _service(req), "change_type": "deployment"}
    changes, k8s = await gather_sources(
        partial("clickhouse", ch(req, "sre_change_events", **params)),
        partial("postgresql", pg(req, "sre_deployments")),
    )
    raise_if_all_failed(changes, k8s)
    change_rows, deployments = rows_of(changes), rows_of(k8s)
    if not change_rows and not deployments:
        return empty_unless_failed(req, "change_events, kubernetes_deployments", changes, k8s)
    impacts = await _change_impacts(req, change_rows) if change_rows else []
    highlights = _impact_notes(impacts)
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
    lead = (
        f"{len(change_rows)} deployments recorded in the window; {len(rolled)} Kubernetes deployments rolled out, "
        f"{sum(1 for d in deployments if d['unavailable_replicas'])} with unavailable replicas."
    )
    data: dict[str, Any] = {
        "sources": ["change_events", "kubernetes_deployments"],
        "service_filter": req.context_id,
        "deployments": change_rows,
        "impact": impacts,
        "kubernetes_deployments": deployments,
    }
    with_failures(data, changes, k8s)
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


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
