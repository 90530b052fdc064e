"""Collectors for the platform as a whole: health, capacity, cost, performance and the report summary.

Sources: PostgreSQL ``agents``, ``alert_instances``, ``kubernetes_clusters``, ``report_definitions`` /
``report_executions``; ClickHouse ``uptime_checks``, ``service_map_metrics``, ``predictions``, ``vm_metrics``,
``kubernetes_metrics``, ``service_latency_percentiles`` / ``service_error_rates`` (raw spans for short windows),
``metrics`` and the billing data ``cost_data`` (hourly lines, windows up to two days) / ``cost_data_daily_mv``.

platform-health, platform-capacity and platform-performance are composites: their sub-queries run concurrently
and a failing source leaves the others' data in place (``data["unavailable_sources"]`` names it).

``context_id`` is ignored by these types.
"""

from __future__ import annotations

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
from tfo_mcp.context.collector import CollectRequest, collector
from tfo_mcp.context.sources import (
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
from tfo_mcp.context.types import ContextType, TelemetryContext

#: Windows up to this long read the hourly billing lines; longer ones the daily cost rollup.
COST_RAW_MAX = timedelta(days=2)
HOURS_PER_MONTH = 730
#: Ours: an agent silent this long is stale; a resource forecast to fill within this many hours is urgent.
STALE_HEARTBEAT = timedelta(minutes=10)
FILL_WARN_HOURS = 72


# --------------------------------------------------------------------------- health


def _uptime(req: CollectRequest) -> Any:
    return ch(req, "platform_uptime", rollup=rollup("uptime_checks", req.time_range), limit=STRUCTURE_CAP)


@collector(ContextType.PLATFORM_HEALTH)
async def collect_platform_health(req: CollectRequest) -> TelemetryContext:
    """One verdict from agents, synthetic monitors, firing alerts and service health, each with its detail."""
    agents, uptime, alerts, services = await gather_sources(
        optional(req, "agents", pg(req, "platform_agents", cap=STRUCTURE_CAP)),
        optional(req, "uptime_checks", _uptime(req)),
        optional(req, "alert_instances", pg(req, "platform_firing_alerts")),
        optional(req, "service_map_metrics", service_metrics(req, "health")),
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
        "unavailable_sources": failures(agents, uptime, alerts, services),
    }
    return available(req, lead, data, notes)


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


@collector(ContextType.PLATFORM_COST)
async def collect_platform_cost(req: CollectRequest) -> TelemetryContext:
    """Spend in the window by provider, category and service, its trend and a monthly run-rate."""
    raw = req.time_range.duration <= COST_RAW_MAX
    if raw:
        lines, trend = await gather_sources(ch(req, "platform_cost_lines_raw"), ch(req, "platform_cost_trend_raw"))
        source = "cost_data"
    else:
        days = {
            "day_from": req.time_range.start.date(),
            "day_to": (req.time_range.end - timedelta(microseconds=1)).date(),
        }
        lines, trend = await gather_sources(
            ch(req, "platform_cost_lines_daily", **days), ch(req, "platform_cost_trend_daily", **days)
        )
        source = "cost_data_daily_mv"
    if not lines:
        return empty(req, source)
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
    data = {
        "source": source,
        "total_cost_usd": number(total, 2),
        "monthly_run_rate_usd": number(run_rate, 0),
        "by_provider": ranked(by_provider),
        "by_category": categories,
        "top_services": services[: req.max_items],
        "trend": [{"period": row["period"], "cost_usd": number(row["cost_usd"], 2)} for row in trend],
        "trend_granularity": "hour" if raw else "day",
    }
    return available(req, lead, data, notes)


# --------------------------------------------------------------------------- performance


@collector(ContextType.PLATFORM_PERFORMANCE)
async def collect_platform_performance(req: CollectRequest) -> TelemetryContext:
    """Per-service latency percentiles, error rates, throughput and process CPU, with the platform totals."""
    latency, errors, cpu = await gather_sources(
        ch(
            req,
            "platform_latency",
            rollup=rollup("service_latency_percentiles", req.time_range),
            limit=STRUCTURE_CAP,
        ),
        optional(
            req,
            "service_error_rates",
            ch(req, "platform_errors", rollup=rollup("service_error_rates", req.time_range), limit=STRUCTURE_CAP),
        ),
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
        "unavailable_sources": failures(errors, cpu),
    }
    return available(req, lead, data, notes)


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
