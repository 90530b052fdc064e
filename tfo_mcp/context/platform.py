"""Collectors for the platform as a whole: health, capacity, cost, performance and the report summary.

Sources: PostgreSQL ``agents``, ``alert_instances``, ``kubernetes_clusters``, ``report_definitions`` /
``report_executions``; ClickHouse ``uptime_checks``, ``service_map_metrics``, ``predictions``, ``vm_metrics``,
``kubernetes_metrics``, ``service_latency_percentiles`` / ``service_error_rates`` (raw spans for short windows),
``metrics`` and the billing data ``cost_data`` (hourly lines, windows up to two days) / ``cost_data_daily_mv``.

platform-health, platform-capacity and platform-performance are composites: their sub-queries run concurrently
and a failing source leaves the others' data in place (``data["unavailable_sources"]`` names it).

What changed: platform-cost compares each service's and provider's cost on the window's last day (24 hours of
billing lines) with the day before (a week before for the baseline "last_week"); platform-performance compares
each service's p95, error rate and throughput with the baseline window, platform-health each monitor's
availability and p95 response time and each service's error rate and average latency.

``context_id`` is ignored by these types.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from tfo_mcp.context._shaping import (
    ERROR_RATE_PERCENT,
    HIGH_CPU_PERCENT,
    HIGH_DISK_PERCENT,
    HIGH_MEMORY_PERCENT,
    HIGH_RISK_PROBABILITY,
    LOW_HEALTH_SCORE,
    SLOW_P95_MS,
    STRUCTURE_CAP,
    UPTIME_SLA_PERCENT,
    UPTIME_SLOW_P95_MS,
    add_note,
    as_float,
    as_int,
    clock,
    counts_by,
    fmt,
    optional,
    plural,
    total_of,
)
from tfo_mcp.context.change import Finding, Severity, baseline_request, compare, signal
from tfo_mcp.context.collector import CollectRequest, collector
from tfo_mcp.context.sources import (
    Failed,
    available,
    ch,
    empty,
    failures,
    gather_sources,
    number,
    pg,
    raise_if_all_failed,
    rollup,
    rows_of,
)
from tfo_mcp.context.topology import service_metrics
from tfo_mcp.context.types import ContextType, TelemetryContext, TimeRange

#: Windows up to this long read the hourly billing lines; longer ones the daily cost rollup.
COST_RAW_MAX = timedelta(days=2)
HOURS_PER_MONTH = 730
#: Ours: cost is compared day over day: the window's last day (the 24 hours up to the end of the hour the window
#: ends in) with the 24 hours before it, or the same 24 hours a week earlier for the baseline "last_week".
COST_DAY = timedelta(days=1)
COST_WEEK = timedelta(days=7)
#: Ours: a provider's cost change is reported beside its services' only when no one service holds this share of it.
PROVIDER_EXPLAINED_SHARE = 0.8
#: Ours: the day compared with must have billing lines for at least this share of the hours the last day has
#: (else the data begins inside it and every cost would look new); a service below it there counts as new.
COST_COVERAGE = 0.8
#: Ours: a service's latency and error rate are compared with the baseline only with at least this many requests
#: in both windows (fewer make a percentile or a ratio noise).
MIN_COMPARED_REQUESTS = 20
#: Ours: a service's error rate has risen only when its failed requests exceed what the baseline's rate (at least
#: the signal's floor) predicts by this many standard deviations (Poisson): a handful of errors on a busy service
#: is noise, however it moves the percentage.
ERROR_EXCESS_SIGMAS = 3.0
#: Ours: an agent silent this long is stale; a resource forecast to fill within this many hours is urgent.
STALE_HEARTBEAT = timedelta(minutes=10)
FILL_WARN_HOURS = 72


# --------------------------------------------------------------------------- baseline


def compare_figures(
    req: CollectRequest,
    signal_name: str,
    after: Mapping[str, float | None],
    before: Mapping[str, float | None],
    impact: Mapping[str, float],
    severity: Severity = "warning",
) -> list[Finding]:
    """One finding per entity whose figure moved (or stayed at its condition level) against the baseline.

    ``after`` / ``before``: entity -> figure in the window / the baseline (None or absent: not measured there).
    An entity measured only in the baseline is not compared, nor one measured only in the window when the signal
    has no condition level (a service that is new in the window has no latency to have changed)."""
    window, base = req.time_range, baseline_request(req).time_range
    unconditional = signal(signal_name).condition is None
    findings = []
    for entity, value in sorted(after.items()):
        if value is None or (unconditional and before.get(entity) is None):
            continue
        finding = compare(
            req.context_type.value,
            entity,
            signal_name,
            before.get(entity),
            value,
            impact=impact.get(entity, 0.0),
            severity=severity,
            window=window,
            baseline=base,
        )
        if finding is not None:
            findings.append(finding)
    return findings


def _shares(values: dict[str, float]) -> dict[str, float]:
    """Each entity's share of the total (traffic, checks), 0..1."""
    total = sum(values.values())
    return {key: value / total if total else 0.0 for key, value in values.items()}


# --------------------------------------------------------------------------- health


def _uptime(req: CollectRequest) -> Any:
    return ch(req, "platform_uptime", rollup=rollup("uptime_checks", req.time_range), limit=STRUCTURE_CAP)


@collector(ContextType.PLATFORM_HEALTH)
async def collect_platform_health(req: CollectRequest) -> TelemetryContext:
    """One verdict from agents, synthetic monitors, firing alerts and service health, each with its detail."""
    before = baseline_request(req)
    agents, uptime, alerts, services, uptime_before, services_before = await gather_sources(
        optional(req, "agents", pg(req, "platform_agents", cap=STRUCTURE_CAP)),
        optional(req, "uptime_checks", _uptime(req)),
        optional(req, "alert_instances", pg(req, "platform_firing_alerts")),
        optional(req, "service_map_metrics", service_metrics(req, "health")),
        optional(req, "uptime_checks", _uptime(before)),
        optional(req, "service_map_metrics", service_metrics(before, "health")),
    )
    raise_if_all_failed(agents, uptime, alerts, services)
    agent_rows, monitor_rows = rows_of(agents), rows_of(uptime)
    alert_rows, service_rows = rows_of(alerts), rows_of(services)
    if not agent_rows and not monitor_rows and not alert_rows and not service_rows:
        return empty(req, "agents, uptime_checks, alert_instances, service_map_metrics")
    notes: list[str] = []
    end = req.time_range.end
    bad_agents = [
        a
        for a in agent_rows
        if a["status"] != "healthy" or a["last_heartbeat_at"] is None or end - a["last_heartbeat_at"] > STALE_HEARTBEAT
    ]
    critical = [a for a in alert_rows if a["severity"] == "critical"]
    for alert in alert_rows:
        where = f" ({alert['service_name']})" if alert["service_name"] else ""
        add_note(
            notes,
            f"{alert['severity']} alert '{alert['title']}'{where} {alert['status']} since {clock(alert['starts_at'])}",
        )
    below_sla = [m for m in monitor_rows if as_float(m["availability_pct"]) < UPTIME_SLA_PERCENT]
    for monitor in below_sla:
        add_note(notes, f"monitor {monitor['monitor_name']} at {fmt(monitor['availability_pct'])}% availability")
    for monitor in monitor_rows:
        if as_float(monitor["p95_response_ms"]) > UPTIME_SLOW_P95_MS:
            add_note(notes, f"monitor {monitor['monitor_name']} p95 response {fmt(monitor['p95_response_ms'], 0)} ms")
    for agent in bad_agents:
        add_note(notes, f"agent {agent['name']} is {agent['status']}")
    weak = [s for s in service_rows if as_float(s["avg_health_score"]) < LOW_HEALTH_SCORE]
    for service in weak:
        add_note(notes, f"service {service['service_name']} health {fmt(service['avg_health_score'])}")
    if critical or below_sla or any(as_float(s["avg_error_rate"]) > ERROR_RATE_PERCENT for s in service_rows):
        verdict = "critical"
    elif alert_rows or bad_agents or weak:
        verdict = "degraded"
    else:
        verdict = "healthy"
    availability = [as_float(m["availability_pct"]) for m in monitor_rows]
    lead = (
        f"Platform {verdict}: {plural(len(alert_rows), 'alert')} firing ({len(critical)} critical), "
        f"{len(below_sla)} of {len(monitor_rows)} monitors under {UPTIME_SLA_PERCENT:g}% availability, "
        f"{len(bad_agents)} of {total_of(agent_rows)} agents not healthy, {len(weak)} of {len(service_rows)} services "
        f"under health {LOW_HEALTH_SCORE:g}."
    )
    data = {
        "verdict": verdict,
        "agents": {
            "total": total_of(agent_rows),
            "by_status": counts_by(agent_rows, "status"),
            "not_healthy": [
                {k: a[k] for k in ("name", "hostname", "type", "status", "last_heartbeat_at")} for a in bad_agents
            ][: req.max_items],
        },
        "uptime": {
            "monitors": len(monitor_rows),
            "average_availability_pct": number(sum(availability) / len(availability), 3) if availability else None,
            "worst": [
                {
                    "monitor": m["monitor_name"],
                    "availability_pct": number(m["availability_pct"], 3),
                    "p95_response_ms": number(m["p95_response_ms"], 1),
                    "checks": as_int(m["checks"]),
                }
                for m in monitor_rows
            ][: req.max_items],
        },
        "alerts": {
            "firing": total_of(alert_rows),
            "by_severity": counts_by(alert_rows, "severity"),
            "instances": [{k: v for k, v in a.items() if k != "total"} for a in alert_rows][: req.max_items],
        },
        "services": {
            "total": len(service_rows),
            "average_health": number(sum(as_float(s["avg_health_score"]) for s in service_rows) / len(service_rows))
            if service_rows
            else None,
            "weakest": [
                {
                    "service": s["service_name"],
                    "health": number(s["avg_health_score"]),
                    "error_rate": number(s["avg_error_rate"], 3),
                    "latency_ms": number(s["avg_latency_ms"], 1),
                }
                for s in service_rows
            ][: req.max_items],
        },
        "unavailable_sources": failures(agents, uptime, alerts, services, uptime_before, services_before),
    }
    findings = _health_findings(req, (uptime, uptime_before), (services, services_before))
    return available(req, lead, data, notes, findings=findings)


def _health_findings(req: CollectRequest, uptime: tuple[Any, Any], services: tuple[Any, Any]) -> list[Finding] | None:
    """Monitors' availability and p95 response time, services' error rate and average latency against the
    baseline; a pair whose window or baseline query failed is left out (None when both are)."""
    findings: list[Finding] = []
    compared = False
    if not any(isinstance(result, Failed) for result in uptime):
        compared = True
        now = {m["monitor_name"]: m for m in rows_of(uptime[0])}
        then = {m["monitor_name"]: m for m in rows_of(uptime[1])}
        checks = _shares({name: as_float(m["checks"]) for name, m in now.items()})
        for signal_name, column, severity in (
            ("success_percent", "availability_pct", "critical"),
            ("response_p95_ms", "p95_response_ms", "warning"),
        ):
            after = {name: as_float(m[column]) for name, m in now.items()}
            before = {name: as_float(m[column]) for name, m in then.items()}
            findings += compare_figures(req, signal_name, after, before, checks, severity)  # type: ignore[arg-type]
    if not any(isinstance(result, Failed) for result in services):
        compared = True
        now = {s["service_name"]: s for s in rows_of(services[0])}
        then = {s["service_name"]: s for s in rows_of(services[1])}
        traffic = _shares({name: as_float(s["avg_request_rate"]) for name, s in now.items()})
        # service_map_metrics has no request counts to tell a real rise in errors from noise: an error rate is
        # compared only once it reaches the level that is a problem in itself
        level = signal("error_percent").condition or 0.0
        errors = {name: as_float(s["avg_error_rate"]) for name, s in now.items()}
        after = {name: value for name, value in errors.items() if value >= level}
        before = {name: as_float(s["avg_error_rate"]) for name, s in then.items()}
        findings += compare_figures(req, "error_percent", after, before, traffic, "critical")
        latency = {name: as_float(s["avg_latency_ms"]) for name, s in now.items()}
        latency_before = {name: as_float(s["avg_latency_ms"]) for name, s in then.items()}
        findings += compare_figures(req, "avg_ms", latency, latency_before, traffic)
    return findings if compared else None


# --------------------------------------------------------------------------- capacity


def horizon_hours(horizon: Any) -> float:
    """A forecast horizon such as ``1h``, ``24h``, ``7d`` or ``2w`` in hours (unknown text sorts last)."""
    text = str(horizon or "").strip().lower()
    units = {"m": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}
    try:
        return float(text[:-1]) * units[text[-1]]
    except (KeyError, ValueError, IndexError):
        return float("inf")


def _hours_to_full(used: float, growth: float, window_hours: float) -> float | None:
    """Hours until 100% at the window's growth rate (None when not growing)."""
    if growth <= 0 or window_hours <= 0:
        return None
    per_hour = growth / window_hours
    return max(0.0, (100.0 - used) / per_hour)


@collector(ContextType.PLATFORM_CAPACITY)
async def collect_platform_capacity(req: CollectRequest) -> TelemetryContext:
    """Forecast failures (predictions), host and Kubernetes node saturation, and time until disks fill."""
    predictions, hosts, nodes, agents, clusters = await gather_sources(
        optional(req, "predictions", ch(req, "platform_predictions", resource_type="", limit=STRUCTURE_CAP)),
        optional(
            req,
            "vm_metrics",
            ch(req, "platform_host_usage", rollup=rollup("vm_metrics", req.time_range), limit=STRUCTURE_CAP),
        ),
        optional(
            req,
            "kubernetes_metrics",
            ch(req, "platform_node_usage", rollup=rollup("kubernetes_metrics", req.time_range), limit=STRUCTURE_CAP),
        ),
        optional(req, "agents", pg(req, "platform_agents", cap=STRUCTURE_CAP)),
        optional(req, "kubernetes_clusters", pg(req, "platform_clusters")),
    )
    raise_if_all_failed(predictions, hosts, nodes)
    prediction_rows, host_rows, node_rows = rows_of(predictions), rows_of(hosts), rows_of(nodes)
    if not prediction_rows and not host_rows and not node_rows:
        return empty(req, "predictions, vm_metrics, kubernetes_metrics")
    agent_by_id = {a["id"]: a for a in rows_of(agents)}
    cluster_by_id = {c["id"]: c["name"] for c in rows_of(clusters)}
    window_hours = req.time_range.duration.total_seconds() / 3600
    notes: list[str] = []
    forecasts = [
        {
            "resource_type": p["resource_type"],
            "resource": p["resource_identifier"],
            "horizon": p["horizon"],
            "failure_probability": number(p["failure_probability"], 3),
            "health_status": p["health_status"],
            "metric": p["predicted_metric"],
            "current_value": number(p["current_value"], 2),
            "predicted_value": number(p["predicted_value"], 2),
            "model": p["model"],
            "predicted_at": p["predicted_at"],
        }
        for p in prediction_rows
    ]
    risky = [f for f in forecasts if (f["failure_probability"] or 0) > HIGH_RISK_PROBABILITY]
    seen: set[str] = set()
    for f in sorted(risky, key=lambda f: (horizon_hours(f["horizon"]), -(f["failure_probability"] or 0))):
        if f["resource"] not in seen:
            seen.add(f["resource"])
            add_note(
                notes,
                f"{f['resource_type']} {f['resource']}: {fmt(100 * f['failure_probability'], 0)}% failure risk within "
                f"{f['horizon']} ({f['metric']} {fmt(f['current_value'])} -> {fmt(f['predicted_value'])})",
            )
    host_list = []
    for row in host_rows:
        agent = agent_by_id.get(row["vm_id"], {})
        used, growth = as_float(row["disk_used"]), as_float(row["disk_growth"])
        fill = _hours_to_full(used, growth, window_hours)
        host = {
            "host": agent.get("name") or row["vm_id"],
            "cpu_cores": agent.get("cpu_cores"),
            "memory_bytes": agent.get("memory_bytes"),
            "disk_bytes": agent.get("disk_bytes"),
            "avg_cpu": number(row["avg_cpu"]),
            "max_cpu": number(row["max_cpu"]),
            "avg_memory": number(row["avg_memory"]),
            "max_memory": number(row["max_memory"]),
            "disk_used": number(used),
            "disk_growth_points": number(growth, 3),
            "hours_until_disk_full": number(fill, 1),
        }
        host_list.append(host)
        if (host["max_cpu"] or 0) > HIGH_CPU_PERCENT:
            add_note(notes, f"host {host['host']} CPU peaked at {fmt(host['max_cpu'], 1)}%")
        if (host["max_memory"] or 0) > HIGH_MEMORY_PERCENT:
            add_note(notes, f"host {host['host']} memory peaked at {fmt(host['max_memory'], 1)}%")
        if used > HIGH_DISK_PERCENT:
            eta = (
                f", full in about {fmt(fill, 0)} h at the current rate"
                if fill is not None and fill < FILL_WARN_HOURS
                else ""
            )
            add_note(notes, f"host {host['host']} disk {fmt(used, 1)}% used{eta}")
    node_list = []
    for row in node_rows:
        node = {
            "cluster": cluster_by_id.get(row["cluster_id"], row["cluster_id"]),
            "node": row["node"],
            "avg_cpu": number(row["avg_cpu"]),
            "max_cpu": number(row["max_cpu"]),
            "avg_memory": number(row["avg_memory"]),
            "max_memory": number(row["max_memory"]),
            "filesystem_used": number(row["filesystem_used"]),
        }
        node_list.append(node)
        if (node["max_cpu"] or 0) > HIGH_CPU_PERCENT:
            add_note(notes, f"node {node['cluster']}/{node['node']} CPU peaked at {fmt(node['max_cpu'], 1)}%")
        if (node["max_memory"] or 0) > HIGH_MEMORY_PERCENT:
            add_note(notes, f"node {node['cluster']}/{node['node']} memory peaked at {fmt(node['max_memory'], 1)}%")
    lead = (
        f"Capacity of {plural(len(host_list), 'host')} and {plural(len(node_list), 'Kubernetes node')}; "
        f"{len({f['resource'] for f in risky})} resources forecast above {fmt(100 * HIGH_RISK_PROBABILITY, 0)}% "
        f"failure risk."
    )
    data = {
        "forecasts": forecasts[: req.max_items],
        "high_risk_forecasts": len(risky),
        "hosts": host_list[: req.max_items],
        "kubernetes_nodes": node_list[: req.max_items],
        "unavailable_sources": failures(predictions, hosts, nodes, agents, clusters),
    }
    return available(req, lead, data, notes)


# --------------------------------------------------------------------------- cost


def cost_days(req: CollectRequest) -> tuple[TimeRange, TimeRange]:
    """The window's last day (24 hours up to the end of the hour its end falls in) and the day it is compared with:
    the 24 hours before, or a week before for the baseline "last_week"."""
    end = req.time_range.end
    day_to = end.replace(minute=0, second=0, microsecond=0)
    if day_to < end:
        day_to += timedelta(hours=1)
    shift = COST_WEEK if req.baseline == "last_week" else COST_DAY
    day = TimeRange(start=day_to - COST_DAY, end=day_to)
    return day, TimeRange(start=day.start - shift, end=day.end - shift)


def _cost_day_change(req: CollectRequest) -> Any:
    day, before = cost_days(req)
    return ch(
        req,
        "platform_cost_day_change",
        day_from=day.start,
        day_to=day.end,
        before_from=before.start,
        before_to=before.end,
    )


def _summed(rows: list[dict[str, Any]], key: str) -> dict[str, tuple[float, float]]:
    """``{row[key]: (cost the day before, cost on the last day)}``."""
    out: dict[str, tuple[float, float]] = {}
    for row in rows:
        before, after = out.get(row[key], (0.0, 0.0))
        out[row[key]] = (before + as_float(row["before_usd"]), after + as_float(row["day_usd"]))
    return out


def _covered(rows: list[dict[str, Any]]) -> bool:
    """Whether the day compared with has lines for COST_COVERAGE of the hours the last day has lines for."""
    day = max((as_int(row["day_hours"]) for row in rows), default=0)
    before = max((as_int(row["before_hours"]) for row in rows), default=0)
    return before > 0 and before >= COST_COVERAGE * day


def _cost_note(rows: list[dict[str, Any]], service: str) -> str:
    """Where a service's cost moved most: ``compute on aws``."""
    lines = [row for row in rows if row["service_name"] == service]
    if not lines:
        return ""
    top = max(lines, key=lambda row: abs(as_float(row["day_usd"]) - as_float(row["before_usd"])))
    return f"{top['category']} on {top['provider']}"


def cost_findings(req: CollectRequest, rows: list[dict[str, Any]]) -> list[Finding] | None:
    """Per service and per provider: the last day's cost against the day before (None when that day is not
    covered by billing lines, so nothing can be compared; a service it does not cover is new). A provider is named
    only when no one service explains its change."""
    if not _covered(rows):
        return None
    day, before_day = cost_days(req)
    total = sum(as_float(row["day_usd"]) for row in rows)
    services, providers = _summed(rows, "service_name"), _summed(rows, "provider")
    findings: list[Finding | None] = []
    moved: dict[str, float] = {}
    for name, (before, after) in services.items():
        finding = compare(
            req.context_type.value,
            name,
            "cost_usd",
            before if _covered([row for row in rows if row["service_name"] == name]) else None,
            after,
            impact=after / total if total else 0.0,
            window=day,
            baseline=before_day,
            note=_cost_note(rows, name),
        )
        findings.append(finding)
        if finding is not None:
            moved[name] = after - before
    for provider, (before, after) in providers.items():
        change = after - before
        of_provider = {row["service_name"] for row in rows if row["provider"] == provider}
        if change and any(moved.get(s, 0.0) / change >= PROVIDER_EXPLAINED_SHARE for s in of_provider):
            continue
        findings.append(
            compare(
                req.context_type.value,
                f"{provider} (all services)",
                "cost_usd",
                before,
                after,
                impact=after / total if total else 0.0,
                window=day,
                baseline=before_day,
            )
        )
    return [finding for finding in findings if finding is not None]


def _cost_changes(rows: list[dict[str, Any]], findings: list[Finding] | None) -> list[dict[str, Any]]:
    """The services whose daily cost moved, with both days' figures."""
    if not findings:
        return []
    services = _summed(rows, "service_name")
    return [
        {
            "service": f.entity,
            "day_before_usd": number(services[f.entity][0], 2),
            "last_day_usd": number(services[f.entity][1], 2),
            "change_percent": f.change_percent,
            "status": f.status,
        }
        for f in findings
        if f.entity in services
    ]


@collector(ContextType.PLATFORM_COST)
async def collect_platform_cost(req: CollectRequest) -> TelemetryContext:
    """Spend in the window by provider, category and service, its trend, a monthly run-rate, and each service's and
    provider's cost on the window's last day against the day before."""
    raw = req.time_range.duration <= COST_RAW_MAX
    if raw:
        lines, trend, change = await gather_sources(
            ch(req, "platform_cost_lines_raw"),
            ch(req, "platform_cost_trend_raw"),
            optional(req, "cost_data", _cost_day_change(req)),
        )
        source = "cost_data"
    else:
        days = {
            "day_from": req.time_range.start.date(),
            "day_to": (req.time_range.end - timedelta(microseconds=1)).date(),
        }
        lines, trend, change = await gather_sources(
            ch(req, "platform_cost_lines_daily", **days),
            ch(req, "platform_cost_trend_daily", **days),
            optional(req, "cost_data", _cost_day_change(req)),
        )
        source = "cost_data_daily_mv"
    if not lines:
        return empty(req, source)
    change_rows = rows_of(change)
    findings = None if isinstance(change, Failed) else cost_findings(req, change_rows)
    last_day, day_before = cost_days(req)
    total = sum(as_float(row["cost_usd"]) for row in lines)
    by_provider: dict[str, float] = {}
    by_category: dict[str, float] = {}
    by_service: dict[str, float] = {}
    for row in lines:
        cost = as_float(row["cost_usd"])
        by_provider[row["provider"]] = by_provider.get(row["provider"], 0.0) + cost
        by_category[row["category"]] = by_category.get(row["category"], 0.0) + cost
        by_service[row["service_name"]] = by_service.get(row["service_name"], 0.0) + cost

    def ranked(values: dict[str, float]) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "cost_usd": number(cost, 2),
                "share_percent": number(100 * cost / total, 1) if total else None,
            }
            for name, cost in sorted(values.items(), key=lambda item: -item[1])
        ]

    window_hours = req.time_range.duration.total_seconds() / 3600
    covered_hours = window_hours if raw else 24 * len(trend)
    run_rate = total / covered_hours * HOURS_PER_MONTH if covered_hours else None
    notes: list[str] = []
    services = ranked(by_service)
    if services:
        top = services[0]
        add_note(
            notes, f"{top['name']} is the largest cost ({fmt(top['cost_usd'])} USD, {fmt(top['share_percent'], 1)}%)"
        )
    categories = ranked(by_category)
    if categories:
        add_note(notes, f"{categories[0]['name']} is {fmt(categories[0]['share_percent'], 1)}% of spend")
    periods = [as_float(row["cost_usd"]) for row in trend]
    if len(periods) >= 2 and periods[0] > 0:
        change = 100 * (periods[-1] - periods[0]) / periods[0]
        if abs(change) >= 10:
            add_note(notes, f"spend per {'hour' if raw else 'day'} changed {fmt(change, 1)}% across the window")
    lead = (
        f"{fmt(total, 2)} USD spent in the window across {plural(len(by_provider), 'provider')} and "
        f"{plural(len(by_service), 'service')}; monthly run-rate about {fmt(run_rate, 0)} USD."
    )
    if findings is not None:
        lead += (
            f" The last day (24 h to {clock(last_day.end)}) cost "
            f"{fmt(sum(as_float(row['day_usd']) for row in change_rows), 2)} USD, the day compared with "
            f"{fmt(sum(as_float(row['before_usd']) for row in change_rows), 2)} USD."
        )
    data = {
        "source": source,
        "total_cost_usd": number(total, 2),
        "monthly_run_rate_usd": number(run_rate, 0),
        "by_provider": ranked(by_provider),
        "by_category": categories,
        "top_services": services[: req.max_items],
        "trend": [{"period": row["period"], "cost_usd": number(row["cost_usd"], 2)} for row in trend],
        "trend_granularity": "hour" if raw else "day",
        "day_over_day": {
            "last_day": last_day.to_dict(),
            "day_before": day_before.to_dict(),
            "last_day_usd": number(sum(as_float(row["day_usd"]) for row in change_rows), 2),
            "day_before_usd": number(sum(as_float(row["before_usd"]) for row in change_rows), 2),
            "changes": _cost_changes(change_rows, findings)[: req.max_items],
        },
        "unavailable_sources": failures(change),
    }
    return available(req, lead, data, notes, findings=findings)


# --------------------------------------------------------------------------- performance


@collector(ContextType.PLATFORM_PERFORMANCE)
async def collect_platform_performance(req: CollectRequest) -> TelemetryContext:
    """Per-service latency percentiles, error rates, throughput and process CPU, with the platform totals."""
    before = baseline_request(req)
    latency, errors, cpu, latency_before, errors_before = await gather_sources(
        _latency(req),
        optional(req, "service_error_rates", _errors(req)),
        optional(
            req,
            "metrics",
            ch(
                req,
                "platform_named_metrics",
                rollup=rollup("metrics", req.time_range),
                names=("process.cpu.utilization",),
            ),
        ),
        optional(req, "service_latency_percentiles", _latency(before)),
        optional(req, "service_error_rates", _errors(before)),
    )
    if not latency and not rows_of(errors):
        return empty(req, rollup("service_latency_percentiles", req.time_range).table)
    error_by = {row["service_name"]: row for row in rows_of(errors)}
    cpu_by = {row["instance"]: row for row in rows_of(cpu)}
    seconds = req.time_range.duration.total_seconds()
    services = []
    for row in latency:
        name = row["service_name"]
        err = error_by.get(name, {})
        proc = cpu_by.get(name, {})
        services.append(
            {
                "service": name,
                "requests": as_int(row["requests"]),
                "requests_per_second": number(as_int(row["requests"]) / seconds, 3) if seconds else None,
                "avg_ms": number(row["avg_ms"], 1),
                "p50_ms": number(row["p50_ms"], 1),
                "p95_ms": number(row["p95_ms"], 1),
                "p99_ms": number(row["p99_ms"], 1),
                "error_percent": number(err.get("error_pct"), 3),
                "avg_cpu_percent": number(proc.get("avg_value"), 1),
                "max_cpu_percent": number(proc.get("max_value"), 1),
            }
        )
    notes: list[str] = []
    for s in services:
        if (s["p95_ms"] or 0) > SLOW_P95_MS:
            add_note(notes, f"{s['service']} p95 {fmt(s['p95_ms'], 0)} ms (over {SLOW_P95_MS:g} ms)")
    for s in sorted(services, key=lambda s: -(s["error_percent"] or 0)):
        if (s["error_percent"] or 0) > ERROR_RATE_PERCENT:
            add_note(notes, f"{s['service']} error rate {fmt(s['error_percent'])}% (over {ERROR_RATE_PERCENT:g}%)")
    for s in services:
        if (s["max_cpu_percent"] or 0) > HIGH_CPU_PERCENT:
            add_note(notes, f"{s['service']} process CPU peaked at {fmt(s['max_cpu_percent'], 1)}%")
    total_requests = sum(s["requests"] for s in services)
    total_errors = sum(as_int(row["errors"]) for row in rows_of(errors))
    slowest = services[0] if services else None
    lead = (
        f"{total_requests} requests across {plural(len(services), 'service')} "
        f"({fmt(total_requests / seconds if seconds else 0, 2)}/s), "
        f"{fmt(100 * total_errors / total_requests if total_requests else 0)}% failed"
        + (f"; slowest p95 {fmt(slowest['p95_ms'], 0)} ms ({slowest['service']})" if slowest else "")
        + "."
    )
    data = {
        "latency_source": rollup("service_latency_percentiles", req.time_range).table,
        "total_requests": total_requests,
        "total_errors": total_errors,
        "services": services[: req.max_items],
        "unavailable_sources": failures(errors, cpu, latency_before, errors_before),
    }
    findings = _performance_findings(req, (latency, latency_before), (errors, errors_before))
    return available(req, lead, data, notes, findings=findings)


def _latency(req: CollectRequest) -> Any:
    choice = rollup("service_latency_percentiles", req.time_range)
    return ch(req, "platform_latency", rollup=choice, limit=STRUCTURE_CAP)


def _errors(req: CollectRequest) -> Any:
    return ch(req, "platform_errors", rollup=rollup("service_error_rates", req.time_range), limit=STRUCTURE_CAP)


def _counted(rows: list[dict[str, Any]], column: str) -> dict[str, float | None]:
    """``{service: figure}``, None for a service with fewer than MIN_COMPARED_REQUESTS requests."""
    return {
        row["service_name"]: as_float(row[column]) if as_int(row["requests"]) >= MIN_COMPARED_REQUESTS else None
        for row in rows
    }


def _performance_findings(
    req: CollectRequest, latency: tuple[Any, Any], errors: tuple[Any, Any]
) -> list[Finding] | None:
    """Per service: p95 latency, error rate and throughput against the baseline (None when the baseline's
    latency query failed: nothing is compared)."""
    if isinstance(latency[1], Failed):
        return None
    now, then = latency[0], rows_of(latency[1])
    minutes = req.time_range.duration.total_seconds() / 60
    traffic = _shares({row["service_name"]: as_float(row["requests"]) for row in now})
    throughput_before = {row["service_name"]: as_float(row["requests"]) / minutes for row in then}
    # a service new in the window has no throughput to lose; one gone from it fell to 0
    measured = {row["service_name"]: as_float(row["requests"]) / minutes for row in now}
    throughput = {name: measured.get(name, 0.0) for name in throughput_before}
    findings = compare_figures(req, "p95_ms", _counted(now, "p95_ms"), _counted(then, "p95_ms"), traffic)
    findings += compare_figures(req, "requests_per_min", throughput, throughput_before, traffic)
    if not any(isinstance(result, Failed) for result in errors):
        after, before = _counted(rows_of(errors[0]), "error_pct"), _counted(rows_of(errors[1]), "error_pct")
        counts = {row["service_name"]: row for row in rows_of(errors[0])}
        findings += [
            f
            for f in compare_figures(req, "error_percent", after, before, traffic, "critical")
            if f.status not in ("new", "worsened") or _more_errors(counts[f.entity], f.before)
        ]
    return findings


def _more_errors(row: dict[str, Any], before_percent: float | None) -> bool:
    """Whether a service's failed requests stand ERROR_EXCESS_SIGMAS above what the baseline's error rate predicts."""
    rate = max(before_percent or 0.0, signal("error_percent").floor) / 100
    expected = as_int(row["requests"]) * rate
    return as_int(row["errors"]) > expected + ERROR_EXCESS_SIGMAS * math.sqrt(max(expected, 1.0))


# --------------------------------------------------------------------------- reports


@collector(ContextType.REPORT_SUMMARY)
async def collect_report_summary(req: CollectRequest) -> TelemetryContext:
    """Report definitions with their runs in the window and their newest run, and the runs themselves."""
    definitions, executions = await gather_sources(
        pg(req, "platform_report_definitions", limit=STRUCTURE_CAP),
        pg(req, "platform_report_executions"),
    )
    if not definitions:
        return empty(req, "report_definitions")
    notes: list[str] = []
    for row in executions:
        if row["status"] == "failed":
            reason = f": {row['error_message']}" if row["error_message"] else ""
            add_note(notes, f"report '{row['report']}' failed at {clock(row['started_at'])}{reason}")
    for row in definitions:
        if row["last_status"] == "failed":
            add_note(notes, f"the newest run of '{row['name']}' failed")
        if row["enabled"] and row["schedule"] != "manual" and row["last_run_at"] is None:
            add_note(notes, f"scheduled report '{row['name']}' has never run")
    enabled = sum(1 for row in definitions if row["enabled"])
    failed = sum(1 for row in executions if row["status"] == "failed")
    lead = (
        f"{plural(total_of(definitions), 'report definition')} ({enabled} enabled); "
        f"{plural(total_of(executions), 'run')} in the window, {failed} failed."
    )
    data = {
        "total_definitions": total_of(definitions),
        "by_type": counts_by(definitions, "type"),
        "definitions": [
            {
                k: (as_int(v) if k in ("runs_in_window", "failed_in_window") else v)
                for k, v in row.items()
                if k not in ("total", "id")
            }
            for row in definitions
        ][: req.max_items],
        "runs_in_window": total_of(executions),
        "executions": [{k: v for k, v in row.items() if k != "total"} for row in executions],
    }
    return available(req, lead, data, notes)
