"""Collectors for dependencies, topology, the service map and the network map.

Sources: PostgreSQL ``service_map_services`` / ``service_map_dependencies`` / ``network_map_nodes`` /
``network_map_connections`` (structure, edges scoped through their own organization), ClickHouse
``service_map_metrics`` / ``network_map_traffic`` / ``network_map_connection_metrics`` (read from the rollup the
window allows), and for the three types TFO has no source for (reference 3.3 "none"): ``network_dns_queries``,
``network_firewall_events`` and ``security_events`` (plus ``audit_logs`` DENIED events).

Hybrid contexts degrade: when the live-metrics store fails the structure still answers (and vice versa where
the structure is optional), with the failed source named in ``data["unavailable_sources"]``.

Edges (dependencies / service-map-dependencies, service-map, service-map-traffic / -errors / -latency) come from
the spans where the ClickHouse store keeps them (:mod:`tfo_mcp.context.edges`: calls, errors, p95 per
caller -> callee), compared with the baseline window (findings name the edge as ``caller -> callee``); the inventory
adds each edge's type, protocol and status, and its own edges where the spans show none. Without edges from spans
(clickhouse-server 18.16, a store without platform migration 010) the inventory alone answers, as TFO's UI does.

``context_id``: dependencies / service-map-dependencies keep the edges touching that service; the other types
ignore it.
"""

from __future__ import annotations

from typing import Any, Literal

from tfo_mcp.context._shaping import (
    ERROR_RATE_PERCENT,
    HIGH_CPU_PERCENT,
    HIGH_DISK_PERCENT,
    HIGH_MEMORY_PERCENT,
    LOW_HEALTH_SCORE,
    PACKET_LOSS_PERCENT,
    SLOW_P95_MS,
    SPIKE_FACTOR,
    STRUCTURE_CAP,
    add_note,
    as_float,
    as_int,
    clock,
    counts_by,
    fmt,
    optional,
    plural,
    total_of,
    without,
)
from tfo_mcp.context.change import Finding, rank
from tfo_mcp.context.collector import CollectRequest, collector
from tfo_mcp.context.edges import edge_findings, edge_series_with_baseline
from tfo_mcp.context.sources import (
    available,
    ch,
    empty,
    empty_unless_failed,
    failures,
    gather_sources,
    number,
    pg,
    raise_if_all_failed,
    rollup,
    rows_of,
)
from tfo_mcp.context.types import ContextType, TelemetryContext

HEALTHY_STATUSES = frozenset({"healthy", "active", "ok", "up"})
#: Ours: a DNS p95 above this is slow for an internal resolver; a source touching this many ports is scanning.
DNS_SLOW_P95_MS = 100.0
SCAN_DISTINCT_PORTS = 20

Focus = Literal["traffic", "errors", "latency"]


def _healthy(status: Any) -> bool:
    return str(status or "").lower() in HEALTHY_STATUSES


def service_metrics(req: CollectRequest, sort: str) -> Any:
    """Per-service live figures from service_map_metrics (all services: lists are cut later)."""
    choice = rollup("service_map_metrics", req.time_range)
    return ch(req, "topology_service_metrics", rollup=choice, sort=sort, limit=STRUCTURE_CAP)


def _live(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "avg_health_score": number(row.get("avg_health_score")),
        "min_health_score": number(row.get("min_health_score")),
        "avg_latency_ms": number(row.get("avg_latency_ms"), 3),
        "max_latency_ms": number(row.get("max_latency_ms"), 3),
        "avg_error_rate": number(row.get("avg_error_rate"), 3),
        "max_error_rate": number(row.get("max_error_rate"), 3),
        "avg_request_rate": number(row.get("avg_request_rate"), 3),
        "max_request_rate": number(row.get("max_request_rate"), 3),
    }


def _edge(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": row["source"],
        "target": row["target"],
        "type": row.get("type"),
        "protocol": row.get("protocol"),
        "status": row.get("status"),
        "latency_ms": number(row.get("latency_ms"), 3),
        "error_rate": number(row.get("error_rate"), 3),
        "request_rate": number(row.get("request_rate"), 3),
    }


def _edge_figures(edge: dict[str, Any] | None) -> dict[str, Any] | None:
    if edge is None:
        return None
    return {
        "requests": edge["requests"],
        "error_rate": edge["error_percent"],
        "p95_ms": edge["p95_ms"],
        "request_rate": number(edge["requests_per_min"] / 60, 3),
    }


def _span_edge(edge: dict[str, Any], inventory: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    """An edge from the spans in the shape of an inventory edge (rates per second, p95 as its latency), with the
    inventory's type, protocol and status where it knows the edge, and the baseline window's figures."""
    return {
        "source": edge["caller"],
        "target": edge["callee"],
        "type": inventory.get("type"),
        "protocol": inventory.get("protocol"),
        "status": inventory.get("status"),
        "latency_ms": edge["p95_ms"],
        "error_rate": edge["error_percent"],
        "request_rate": number(edge["requests_per_min"] / 60, 3),
        "requests": edge["requests"],
        "errors": edge["errors"],
        "p95_ms": edge["p95_ms"],
        "avg_ms": edge["avg_ms"],
        "baseline": _edge_figures(before),
        "from": "spans",
    }


def _merge_edges(inventory_rows: list[dict[str, Any]], spans: Any) -> list[dict[str, Any]]:
    """Edges from the spans (with the inventory's metadata and the baseline's figures), then the inventory's edges
    the spans do not show. ``spans`` is what :func:`_edges_with_baseline` returned (or a failure)."""
    current, baseline = spans if isinstance(spans, tuple) else ([], [])
    before = {(edge["caller"], edge["callee"]): edge for edge in baseline}
    inventory = {(row["source"], row["target"]): _edge(row) for row in inventory_rows}
    merged = []
    for edge in current:
        key = (edge["caller"], edge["callee"])
        merged.append(_span_edge(edge, inventory.pop(key, {}), before.get(key)))
    return merged + [{**edge, "from": "inventory"} for edge in inventory.values()]


def _findings_first(edges: list[dict[str, Any]], findings: list[Finding] | None) -> list[dict[str, Any]]:
    """``edges`` with the ones named by findings first, in the findings' rank order (a cut list keeps them)."""
    if not findings:
        return edges
    order: dict[str, int] = {}
    for position, finding in enumerate(rank(findings)):
        order.setdefault(finding.entity, position)
    return sorted(edges, key=lambda edge: order.get(f"{edge['source']} -> {edge['target']}", len(order)))


def _unhealthy(edge: dict[str, Any]) -> bool:
    """An edge the inventory marks as not healthy, or whose calls fail or are slow past TFO's thresholds."""
    if edge.get("status") and not _healthy(edge["status"]):
        return True
    if edge.get("from") == "spans":
        return (edge.get("error_rate") or 0) > ERROR_RATE_PERCENT or (edge.get("latency_ms") or 0) > SLOW_P95_MS
    return not _healthy(edge.get("status"))


async def _edges_with_baseline(req: CollectRequest, service: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Edges from the spans in the window and in its baseline window (one query per source reads both)."""
    return await edge_series_with_baseline(req, service)


def _span_findings(
    req: CollectRequest, spans: Any, signals: tuple[str, ...] = ("error_percent", "p95_ms", "requests_per_min")
) -> list[Finding] | None:
    """Findings of the edges from spans against the baseline; None when neither window has such edges (nothing
    was compared)."""
    current, baseline = spans if isinstance(spans, tuple) else ([], [])
    if not current and not baseline:
        return None
    return edge_findings(req.context_type.value, current, baseline, req, signals)


def _degrees(edges: list[dict[str, Any]]) -> tuple[dict[str, int], dict[str, int]]:
    outgoing: dict[str, int] = {}
    incoming: dict[str, int] = {}
    for edge in edges:
        outgoing[edge["source"]] = outgoing.get(edge["source"], 0) + 1
        incoming[edge["target"]] = incoming.get(edge["target"], 0) + 1
    return outgoing, incoming


def _ranked(counts: dict[str, int], limit: int) -> list[dict[str, Any]]:
    return [
        {"name": name, "count": count}
        for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    ]


def _edge_health_notes(edges: list[dict[str, Any]], notes: list[str]) -> None:
    for edge in edges:
        label = f"{edge['source']} -> {edge['target']}"
        if (edge.get("error_rate") or 0) > ERROR_RATE_PERCENT:
            add_note(notes, f"{label} fails {fmt(edge['error_rate'])}% of calls (over {ERROR_RATE_PERCENT:g}%)")
        if (edge.get("latency_ms") or 0) > SLOW_P95_MS:
            add_note(notes, f"{label} is slow: {fmt(edge['latency_ms'], 0)} ms (over {SLOW_P95_MS:g} ms)")
        if edge.get("status") and not _healthy(edge["status"]):
            add_note(notes, f"{label} is {edge['status']}")


# --------------------------------------------------------------------------- dependencies


@collector(ContextType.DEPENDENCIES, ContextType.SERVICE_MAP_DEPENDENCIES)
async def collect_dependencies(req: CollectRequest) -> TelemetryContext:
    """Service-to-service edges with their calls, error rate and p95 (from the spans, against the baseline) or the
    inventory's figures, plus the callee's live figures."""
    inventory, spans, metrics = await gather_sources(
        optional(
            req,
            "service_map_dependencies",
            pg(req, "topology_dependencies", service=req.context_id, cap=STRUCTURE_CAP),
        ),
        optional(req, "traces", _edges_with_baseline(req, req.context_id or "")),
        optional(req, "service_map_metrics", service_metrics(req, "errors")),
    )
    raise_if_all_failed(inventory, spans)
    edges_rows = rows_of(inventory)
    findings = _span_findings(req, spans)
    merged = _merge_edges(edges_rows, spans)
    if not merged:
        return empty_unless_failed(req, "service_map_dependencies, traces", inventory, spans)
    live = {row["service_name"]: _live(row) for row in rows_of(metrics)}
    edges = [{**edge, "target_live": live.get(edge["target"])} for edge in _findings_first(merged, findings)]
    outgoing, incoming = _degrees(edges)
    total = len(edges) + max(0, total_of(edges_rows) - len(edges_rows))
    notes: list[str] = []
    _edge_health_notes(edges, notes)
    for edge in edges:
        target = edge["target_live"] or {}
        if (target.get("avg_error_rate") or 0) > ERROR_RATE_PERCENT:
            add_note(notes, f"{edge['target']} (called by {edge['source']}) fails {fmt(target['avg_error_rate'])}% now")
    if incoming:
        hub, count = max(incoming.items(), key=lambda item: (item[1], item[0]))
        add_note(notes, f"{hub} is the most depended-on service ({plural(count, 'caller')})")
    scope = f" touching {req.context_id}" if req.context_id else ""
    lead = (
        f"{total} {'dependency' if total == 1 else 'dependencies'}{scope} between "
        f"{len(set(outgoing) | set(incoming))} services; "
        f"{sum(1 for e in edges if _unhealthy(e))} not healthy."
    )
    data = {
        "service_filter": req.context_id,
        "edges_source": _edges_source(spans, edges_rows),
        "total_dependencies": total,
        "by_type": counts_by(edges, "type"),
        "by_status": counts_by(edges, "status"),
        "dependencies": edges[: req.max_items],
        "most_called": _ranked(incoming, min(10, req.max_items)),
        "most_calling": _ranked(outgoing, min(10, req.max_items)),
        "unavailable_sources": failures(inventory, spans, metrics),
    }
    return available(req, lead, data, notes, findings=findings)


def _edges_source(spans: Any, inventory_rows: list[dict[str, Any]]) -> str:
    """Where the edges came from: "spans", "inventory" or "spans+inventory"."""
    from_spans = isinstance(spans, tuple) and bool(spans[0])
    parts = (["spans"] if from_spans else []) + (["inventory"] if inventory_rows else [])
    return "+".join(parts) or "none"


# --------------------------------------------------------------------------- topology


def _longest_chain(edges: list[dict[str, Any]]) -> list[str]:
    """The longest call chain (cycle-safe: a node already on the path ends the chain)."""
    graph: dict[str, list[str]] = {}
    for edge in edges:
        graph.setdefault(edge["source"], []).append(edge["target"])
    best: dict[str, list[str]] = {}

    def walk(node: str, path: frozenset[str]) -> list[str]:
        if node in best:
            return best[node]
        chain = [node]
        for nxt in sorted(graph.get(node, [])):
            if nxt in path:
                continue
            candidate = [node, *walk(nxt, path | {nxt})]
            if len(candidate) > len(chain):
                chain = candidate
        best[node] = chain
        return chain

    longest: list[str] = []
    for start in sorted(graph):
        chain = walk(start, frozenset({start}))
        if len(chain) > len(longest):
            longest = chain
    return longest


def _graph_summary(names: list[str], edges: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    outgoing, incoming = _degrees(edges)
    degree = {
        name: outgoing.get(name, 0) + incoming.get(name, 0) for name in set(names) | set(outgoing) | set(incoming)
    }
    return {
        "entry_points": sorted(name for name in names if name in outgoing and name not in incoming)[:limit],
        "leaves": sorted(name for name in names if name in incoming and name not in outgoing)[:limit],
        "isolated": sorted(name for name in names if name not in degree or degree[name] == 0)[:limit],
        "hubs": _ranked(degree, min(10, limit)),
        "longest_chain": _longest_chain(edges),
    }


@collector(ContextType.TOPOLOGY, ContextType.SERVICE_MAP_TOPOLOGY)
async def collect_topology(req: CollectRequest) -> TelemetryContext:
    """The service graph (entry points, hubs, leaves, the longest call chain) and, for ``topology``, the network."""
    with_network = req.context_type is ContextType.TOPOLOGY
    queries = [
        pg(req, "topology_services", cap=STRUCTURE_CAP),
        pg(req, "topology_dependencies", service=None, cap=STRUCTURE_CAP),
    ]
    if with_network:
        queries += [
            pg(req, "topology_network_nodes", cap=STRUCTURE_CAP),
            pg(req, "topology_network_connections", cap=STRUCTURE_CAP),
        ]
    results = await gather_sources(*queries)
    services, dependencies = results[0], results[1]
    nodes, connections = (results[2], results[3]) if with_network else ([], [])
    if not services and not dependencies and not nodes:
        return empty(req, "service_map_services, network_map_nodes" if with_network else "service_map_services")
    names = [row["name"] for row in services]
    edges = [_edge(row) for row in dependencies]
    graph = _graph_summary(names, edges, req.max_items)
    unhealthy = [row for row in services if not _healthy(row["status"])]
    notes: list[str] = []
    for row in unhealthy:
        add_note(notes, f"service {row['name']} is {row['status']}")
    if graph["hubs"]:
        hub = graph["hubs"][0]
        add_note(notes, f"{hub['name']} is the most connected service ({plural(hub['count'], 'edge')})")
    if len(graph["longest_chain"]) > 2:
        add_note(notes, f"longest call chain: {' -> '.join(graph['longest_chain'])}")
    for name in graph["isolated"][:3]:
        add_note(notes, f"{name} has no recorded dependencies")
    data: dict[str, Any] = {
        "total_services": total_of(services),
        "total_dependencies": total_of(dependencies),
        "services_by_type": counts_by(services, "type"),
        "services_by_status": counts_by(services, "status"),
        "services": without(services, "total", "id")[: req.max_items],
        "dependencies": edges[: req.max_items],
        **graph,
    }
    lead = (
        f"Service graph of {plural(total_of(services), 'service')} and "
        f"{total_of(dependencies)} dependencies ({len(unhealthy)} services not healthy)"
    )
    if with_network:
        bad_nodes = [row for row in nodes if not _healthy(row["status"])]
        for row in bad_nodes:
            add_note(notes, f"network node {row['name']} ({row['type']}) is {row['status']}")
        net_edges = [{"source": row["source"], "target": row["target"]} for row in connections]
        out_net, in_net = _degrees(net_edges)
        net_degree = {name: out_net.get(name, 0) + in_net.get(name, 0) for name in set(out_net) | set(in_net)}
        data["network"] = {
            "total_nodes": total_of(nodes),
            "total_connections": total_of(connections),
            "nodes_by_type": counts_by(nodes, "type"),
            "nodes_by_status": counts_by(nodes, "status"),
            "nodes": without(nodes, "total", "id")[: req.max_items],
            "connections": without(connections, "total", "id")[: req.max_items],
            "hubs": _ranked(net_degree, min(10, req.max_items)),
        }
        lead += f"; network of {plural(total_of(nodes), 'node')} and {total_of(connections)} connections"
    return available(req, lead + ".", data, notes)


# --------------------------------------------------------------------------- service map


@collector(ContextType.SERVICE_MAP)
async def collect_service_map(req: CollectRequest) -> TelemetryContext:
    """Services with their live health, latency, error and request rates, and their dependencies."""
    services, dependencies, metrics, spans = await gather_sources(
        optional(req, "service_map_services", pg(req, "topology_services", cap=STRUCTURE_CAP)),
        optional(req, "service_map_dependencies", pg(req, "topology_dependencies", service=None, cap=STRUCTURE_CAP)),
        optional(req, "service_map_metrics", service_metrics(req, "health")),
        optional(req, "traces", _edges_with_baseline(req, "")),
    )
    raise_if_all_failed(services, dependencies, metrics, spans)
    service_rows, edge_rows, metric_rows = rows_of(services), rows_of(dependencies), rows_of(metrics)
    findings = _span_findings(req, spans)
    edges = _findings_first(_merge_edges(edge_rows, spans), findings)
    if not service_rows and not metric_rows and not edges:
        return empty(req, "service_map_services, service_map_metrics, traces")
    live = {row["service_name"]: _live(row) for row in metric_rows}
    outgoing, incoming = _degrees(edges)
    known = {row["name"]: row for row in service_rows}
    names = list(known) + [name for name in live if name not in known]
    endpoints = dict.fromkeys(edge[end] for edge in edges for end in ("source", "target"))
    names += [name for name in endpoints if name not in known and name not in live]
    merged = []
    for name in names:
        info = known.get(name, {})
        merged.append(
            {
                "name": name,
                "type": info.get("type"),
                "status": info.get("status"),
                "environment": info.get("environment"),
                "version": info.get("version"),
                "calls": outgoing.get(name, 0),
                "called_by": incoming.get(name, 0),
                **(live.get(name) or _live({})),
            }
        )
    merged.sort(key=lambda row: (row.get("avg_health_score") is None, row.get("avg_health_score") or 0, row["name"]))
    notes: list[str] = []
    for row in merged:
        health, errors = row.get("avg_health_score"), row.get("avg_error_rate")
        if row.get("status") and not _healthy(row["status"]):
            add_note(notes, f"{row['name']} is {row['status']}")
        if health is not None and health < LOW_HEALTH_SCORE:
            add_note(notes, f"{row['name']} health {fmt(health)} (min {fmt(row.get('min_health_score'))})")
        if errors is not None and errors > ERROR_RATE_PERCENT:
            add_note(notes, f"{row['name']} error rate {fmt(errors)}% (over {ERROR_RATE_PERCENT:g}%)")
        if (row.get("avg_latency_ms") or 0) > SLOW_P95_MS:
            add_note(notes, f"{row['name']} average latency {fmt(row['avg_latency_ms'], 0)} ms")
    _edge_health_notes(edges, notes)
    scored = [row["avg_health_score"] for row in merged if row.get("avg_health_score") is not None]
    lead = (
        f"Service map: {plural(len(merged), 'service')}, {len(edges)} dependencies"
        + (f"; average health {fmt(sum(scored) / len(scored))}, lowest {fmt(min(scored))}" if scored else "")
        + "."
    )
    data = {
        "metrics_source": rollup("service_map_metrics", req.time_range).table,
        "edges_source": _edges_source(spans, edge_rows),
        "total_services": len(merged),
        "total_dependencies": len(edges) + max(0, total_of(edge_rows) - len(edge_rows)),
        "services_by_status": counts_by(service_rows, "status"),
        "services": merged[: req.max_items],
        "dependencies": edges[: req.max_items],
        "unavailable_sources": failures(services, dependencies, metrics, spans),
    }
    return available(req, lead, data, notes, findings=findings)


_FOCUS_SORT: dict[ContextType, Focus] = {
    ContextType.SERVICE_MAP_TRAFFIC: "traffic",
    ContextType.SERVICE_MAP_ERRORS: "errors",
    ContextType.SERVICE_MAP_LATENCY: "latency",
}
_EDGE_KEY = {"traffic": "request_rate", "errors": "error_rate", "latency": "latency_ms"}
#: The edge figure each focus compares with the baseline.
_FOCUS_SIGNAL = {"traffic": "requests_per_min", "errors": "error_percent", "latency": "p95_ms"}


def _weighted(rows: list[dict[str, Any]], key: str) -> float | None:
    """Average of ``key`` weighted by request rate (unweighted when no rates are known)."""
    pairs = [(row.get(key), row.get("avg_request_rate") or 0) for row in rows if row.get(key) is not None]
    if not pairs:
        return None
    weight = sum(rate for _, rate in pairs)
    if weight <= 0:
        return sum(value for value, _ in pairs) / len(pairs)
    return sum(value * rate for value, rate in pairs) / weight


@collector(ContextType.SERVICE_MAP_TRAFFIC, ContextType.SERVICE_MAP_ERRORS, ContextType.SERVICE_MAP_LATENCY)
async def collect_service_map_focus(req: CollectRequest) -> TelemetryContext:
    """One dimension of the service map (traffic, errors or latency) per service and per dependency edge."""
    focus = _FOCUS_SORT[req.context_type]
    choice = rollup("service_map_metrics", req.time_range)
    metrics, dependencies, spans = await gather_sources(
        service_metrics(req, focus),
        optional(req, "service_map_dependencies", pg(req, "topology_dependencies", service=None, cap=STRUCTURE_CAP)),
        optional(req, "traces", _edges_with_baseline(req, "")),
    )
    edge_rows = rows_of(dependencies)
    findings = _span_findings(req, spans, (_FOCUS_SIGNAL[focus],))
    edge_key = _EDGE_KEY[focus]
    by_focus = sorted(_merge_edges(edge_rows, spans), key=lambda e: -(e.get(edge_key) or 0))
    edges = _findings_first(by_focus, findings)
    if not metrics and not edges:
        return empty(req, f"{choice.table}, service_map_dependencies, traces")
    services = [{"service_name": row["service_name"], **_live(row)} for row in metrics]
    notes: list[str] = []
    total_rate = sum(row.get("avg_request_rate") or 0 for row in services)
    overall_errors = _weighted(services, "avg_error_rate")
    overall_latency = _weighted(services, "avg_latency_ms")
    if focus == "traffic":
        if services and total_rate > 0:
            top = services[0]
            share = 100 * (top.get("avg_request_rate") or 0) / total_rate
            add_note(
                notes, f"{top['service_name']} carries {fmt(share, 1)}% of requests ({fmt(top['avg_request_rate'])}/s)"
            )
        for row in services:
            mean, peak = row.get("avg_request_rate") or 0, row.get("max_request_rate") or 0
            if mean > 0 and peak > SPIKE_FACTOR * mean:
                add_note(
                    notes, f"{row['service_name']} traffic spiked to {fmt(peak)}/s ({fmt(peak / mean, 1)}x its average)"
                )
        lead = f"{fmt(total_rate)} requests/s across {plural(len(services), 'service')} on average"
    elif focus == "errors":
        for row in services:
            if (row.get("avg_error_rate") or 0) > ERROR_RATE_PERCENT:
                add_note(
                    notes,
                    f"{row['service_name']} error rate {fmt(row['avg_error_rate'])}% "
                    f"(peak {fmt(row['max_error_rate'])}%)",
                )
            elif (row.get("max_error_rate") or 0) > ERROR_RATE_PERCENT and (row.get("avg_error_rate") or 0) > 1:
                add_note(notes, f"{row['service_name']} peaked at {fmt(row['max_error_rate'])}% errors")
        failing = sum(1 for row in services if (row.get("avg_error_rate") or 0) > ERROR_RATE_PERCENT)
        lead = (
            f"Errors across {plural(len(services), 'service')}: overall {fmt(overall_errors)}% of requests failed; "
            f"{failing} above {ERROR_RATE_PERCENT:g}%"
        )
    else:
        for row in services:
            mean, peak = row.get("avg_latency_ms") or 0, row.get("max_latency_ms") or 0
            if mean > SLOW_P95_MS:
                add_note(notes, f"{row['service_name']} averages {fmt(mean, 0)} ms")
            elif mean > 0 and peak > SPIKE_FACTOR * mean:
                add_note(
                    notes, f"{row['service_name']} latency peaked at {fmt(peak, 0)} ms ({fmt(peak / mean, 1)}x average)"
                )
        lead = (
            f"Latency across {plural(len(services), 'service')}: request-weighted average {fmt(overall_latency, 1)} ms"
        )
    if focus != "traffic":
        _edge_health_notes(edges, notes)
    data = {
        "focus": focus,
        "metrics_source": choice.table,
        "total_request_rate": number(total_rate, 3),
        "overall_error_rate": number(overall_errors, 3),
        "overall_avg_latency_ms": number(overall_latency, 3),
        "services": services[: req.max_items],
        "edges_source": _edges_source(spans, edge_rows),
        "dependencies": edges[: req.max_items],
        "unavailable_sources": failures(dependencies, spans),
    }
    return available(req, lead + ".", data, notes, findings=findings)


# --------------------------------------------------------------------------- network map


def _node_live(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: number(row.get(key), 2)
        for key in (
            "avg_cpu",
            "max_cpu",
            "avg_memory",
            "max_memory",
            "avg_disk",
            "max_disk",
            "avg_network_in",
            "avg_network_out",
            "avg_connections",
            "avg_error_rate",
        )
    }


def _conn_live(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "avg_bandwidth_mbps": number(row.get("avg_bandwidth_mbps")),
        "avg_latency_ms": number(row.get("avg_latency_ms"), 3),
        "max_latency_ms": number(row.get("max_latency_ms"), 3),
        "avg_packet_loss": number(row.get("avg_packet_loss"), 3),
        "max_packet_loss": number(row.get("max_packet_loss"), 3),
        "bytes_sent": as_int(row.get("bytes_sent")),
        "bytes_received": as_int(row.get("bytes_received")),
    }


def _node_notes(name: str, live: dict[str, Any], notes: list[str]) -> None:
    if (live.get("max_cpu") or 0) > HIGH_CPU_PERCENT:
        add_note(notes, f"{name} CPU peaked at {fmt(live['max_cpu'], 1)}% (over {HIGH_CPU_PERCENT:g}%)")
    if (live.get("max_memory") or 0) > HIGH_MEMORY_PERCENT:
        add_note(notes, f"{name} memory peaked at {fmt(live['max_memory'], 1)}% (over {HIGH_MEMORY_PERCENT:g}%)")
    if (live.get("max_disk") or 0) > HIGH_DISK_PERCENT:
        add_note(notes, f"{name} disk at {fmt(live['max_disk'], 1)}% (over {HIGH_DISK_PERCENT:g}%)")


def _loss_notes(label: str, live: dict[str, Any], notes: list[str]) -> None:
    if (live.get("avg_packet_loss") or 0) > PACKET_LOSS_PERCENT:
        add_note(
            notes, f"{label} loses {fmt(live['avg_packet_loss'])}% of packets (peak {fmt(live['max_packet_loss'])}%)"
        )


def _connection_traffic(req: CollectRequest, limit: int) -> Any:
    choice = rollup("network_map_connection_metrics", req.time_range)
    return ch(req, "topology_connection_metrics", rollup=choice, limit=limit)


def _node_traffic(req: CollectRequest, limit: int) -> Any:
    choice = rollup("network_map_traffic", req.time_range)
    return ch(req, "topology_node_traffic", rollup=choice, limit=limit)


@collector(ContextType.NETWORK_MAP)
async def collect_network_map(req: CollectRequest) -> TelemetryContext:
    """Network nodes and connections with live load, traffic, latency and packet loss."""
    nodes, connections, traffic, conn_metrics = await gather_sources(
        optional(req, "network_map_nodes", pg(req, "topology_network_nodes", cap=STRUCTURE_CAP)),
        optional(req, "network_map_connections", pg(req, "topology_network_connections", cap=STRUCTURE_CAP)),
        optional(req, "network_map_traffic", _node_traffic(req, STRUCTURE_CAP)),
        optional(req, "network_map_connection_metrics", _connection_traffic(req, STRUCTURE_CAP)),
    )
    raise_if_all_failed(nodes, connections, traffic, conn_metrics)
    node_rows, conn_rows = rows_of(nodes), rows_of(connections)
    traffic_rows, conn_metric_rows = rows_of(traffic), rows_of(conn_metrics)
    if not node_rows and not traffic_rows:
        return empty(req, "network_map_nodes, network_map_traffic")
    live_nodes = {row["node_id"]: row for row in traffic_rows}
    live_conns = {row["connection_id"]: row for row in conn_metric_rows}
    notes: list[str] = []
    merged_nodes = []
    seen: set[str] = set()
    for row in node_rows:
        seen.add(row["id"])
        live = _node_live(live_nodes.get(row["id"], {}))
        merged_nodes.append({key: row[key] for key in ("name", "type", "status", "ip_address", "region")} | live)
        if not _healthy(row["status"]):
            add_note(notes, f"{row['name']} ({row['type']}) is {row['status']}")
    for node_id, row in live_nodes.items():
        if node_id not in seen:
            merged_nodes.append({"name": row["node_name"], "type": None, "status": None} | _node_live(row))
    for node in merged_nodes:
        _node_notes(node["name"], node, notes)
    merged_conns = []
    for row in conn_rows:
        live = _conn_live(live_conns.get(row["id"], {}))
        merged_conns.append(
            {key: row[key] for key in ("source", "target", "type", "protocol", "status", "target_port")} | live
        )
    merged_conns.sort(key=lambda c: (-(c.get("avg_packet_loss") or 0), -(c.get("avg_latency_ms") or 0)))
    for conn in merged_conns:
        _loss_notes(f"{conn['source']} -> {conn['target']}", conn, notes)
    lossy = sum(1 for c in merged_conns if (c.get("avg_packet_loss") or 0) > PACKET_LOSS_PERCENT)
    lead = (
        f"Network map: {plural(len(merged_nodes), 'node')} and {plural(len(merged_conns), 'connection')}; "
        f"{sum(1 for n in node_rows if not _healthy(n['status']))} nodes not healthy, {lossy} lossy connections."
    )
    data = {
        "traffic_source": rollup("network_map_traffic", req.time_range).table,
        "total_nodes": len(merged_nodes),
        "total_connections": len(merged_conns),
        "nodes_by_type": counts_by(node_rows, "type"),
        "nodes_by_status": counts_by(node_rows, "status"),
        "nodes": merged_nodes[: req.max_items],
        "connections": merged_conns[: req.max_items],
        "unavailable_sources": failures(nodes, connections, traffic, conn_metrics),
    }
    return available(req, lead, data, notes)


async def _connection_names(req: CollectRequest) -> dict[str, dict[str, Any]]:
    rows = await pg(req, "topology_network_connections", cap=STRUCTURE_CAP)
    return {row["id"]: row for row in rows}


@collector(ContextType.NETWORK_MAP_TRAFFIC)
async def collect_network_traffic(req: CollectRequest) -> TelemetryContext:
    """Traffic in and out per node, the busiest connections by volume, and load on the busiest nodes."""
    traffic, conn_metrics, names = await gather_sources(
        _node_traffic(req, STRUCTURE_CAP),
        optional(req, "network_map_connection_metrics", _connection_traffic(req, STRUCTURE_CAP)),
        optional(req, "network_map_connections", _connection_names(req)),
    )
    if not traffic:
        return empty(req, rollup("network_map_traffic", req.time_range).table)
    known = names if isinstance(names, dict) else {}
    nodes = [{"node": row["node_name"], **_node_live(row)} for row in traffic]
    total_in = sum(n.get("avg_network_in") or 0 for n in nodes)
    total_out = sum(n.get("avg_network_out") or 0 for n in nodes)
    connections = []
    for row in rows_of(conn_metrics):
        info = known.get(row["connection_id"], {})
        connections.append(
            {"source": info.get("source"), "target": info.get("target"), "protocol": info.get("protocol")}
            | _conn_live(row)
        )
    connections.sort(key=lambda c: -(c["bytes_sent"] + c["bytes_received"]))
    notes: list[str] = []
    if nodes and total_in + total_out > 0:
        top = nodes[0]
        share = 100 * ((top.get("avg_network_in") or 0) + (top.get("avg_network_out") or 0)) / (total_in + total_out)
        add_note(notes, f"{top['node']} is the busiest node ({fmt(share, 1)}% of all traffic)")
    for node in nodes:
        _node_notes(node["node"], node, notes)
    for conn in connections:
        _loss_notes(f"{conn['source'] or '?'} -> {conn['target'] or '?'}", conn, notes)
    lead = (
        f"{plural(len(nodes), 'node')} move {fmt(total_in / 1e6, 2)} MB/s in and {fmt(total_out / 1e6, 2)} MB/s out "
        f"on average"
    )
    data = {
        "source": rollup("network_map_traffic", req.time_range).table,
        "total_network_in_bytes_per_s": number(total_in, 1),
        "total_network_out_bytes_per_s": number(total_out, 1),
        "nodes": nodes[: req.max_items],
        "busiest_connections": connections[: req.max_items],
        "unavailable_sources": failures(conn_metrics, names),
    }
    return available(req, lead + ".", data, notes)


@collector(ContextType.NETWORK_MAP_CONNECTIONS)
async def collect_network_connections(req: CollectRequest) -> TelemetryContext:
    """Connections between network nodes with protocol, status, latency, packet loss and volume."""
    connections, conn_metrics = await gather_sources(
        pg(req, "topology_network_connections", cap=STRUCTURE_CAP),
        optional(req, "network_map_connection_metrics", _connection_traffic(req, STRUCTURE_CAP)),
    )
    if not connections:
        return empty(req, "network_map_connections")
    live = {row["connection_id"]: row for row in rows_of(conn_metrics)}
    merged = [
        {key: row[key] for key in ("source", "target", "type", "protocol", "status", "target_port")}
        | {"configured_latency_ms": number(row.get("latency"), 3), "bandwidth_mbps": number(row.get("bandwidth_mbps"))}
        | _conn_live(live.get(row["id"], {}))
        for row in connections
    ]
    merged.sort(key=lambda c: (-(c.get("avg_packet_loss") or 0), -(c.get("avg_latency_ms") or 0)))
    notes: list[str] = []
    for conn in merged:
        label = f"{conn['source']} -> {conn['target']}"
        _loss_notes(label, conn, notes)
        mean, peak = conn.get("avg_latency_ms") or 0, conn.get("max_latency_ms") or 0
        if mean > 0 and peak > SPIKE_FACTOR * mean:
            add_note(notes, f"{label} latency peaked at {fmt(peak)} ms ({fmt(peak / mean, 1)}x average)")
        if not _healthy(conn["status"]):
            add_note(notes, f"{label} is {conn['status']}")
    lossy = sum(1 for c in merged if (c.get("avg_packet_loss") or 0) > PACKET_LOSS_PERCENT)
    lead = f"{plural(total_of(connections), 'connection')}; {lossy} lose more than {PACKET_LOSS_PERCENT:g}% of packets."
    data = {
        "metrics_source": rollup("network_map_connection_metrics", req.time_range).table,
        "total_connections": total_of(connections),
        "by_protocol": counts_by(connections, "protocol"),
        "by_status": counts_by(connections, "status"),
        "connections": merged[: req.max_items],
        "unavailable_sources": failures(conn_metrics),
    }
    return available(req, lead, data, notes)


@collector(ContextType.NETWORK_MAP_DNS)
async def collect_network_dns(req: CollectRequest) -> TelemetryContext:
    """DNS resolution per resolver (volume, failure codes, latency, cache hits), failing and slowest names."""
    resolvers, failing, slowest = await gather_sources(
        ch(req, "topology_dns_summary"),
        ch(req, "topology_dns_failures"),
        ch(req, "topology_dns_slowest", limit=min(10, req.max_items)),
    )
    if not resolvers:
        return empty(req, "network_dns_queries")
    total = sum(as_int(row["queries"]) for row in resolvers)
    failed = sum(as_int(row["queries"]) - as_int(row["ok"]) for row in resolvers)
    notes: list[str] = []
    for row in resolvers:
        if as_float(row["failure_pct"]) > ERROR_RATE_PERCENT:
            add_note(notes, f"resolver {row['resolver']} fails {fmt(row['failure_pct'])}% of queries")
        if as_float(row["p95_latency_ms"]) > DNS_SLOW_P95_MS:
            add_note(notes, f"resolver {row['resolver']} p95 latency {fmt(row['p95_latency_ms'], 1)} ms")
        if as_int(row["timeouts"]):
            add_note(notes, f"{as_int(row['timeouts'])} queries to {row['resolver']} timed out")
    for row in failing:
        if row["response_code"] == "SERVFAIL":
            add_note(
                notes,
                f"{row['query_name']} returned SERVFAIL {as_int(row['failures'])} times "
                f"(last {clock(row['last_seen'])})",
            )
    lead = f"{total} DNS queries in the window, {failed} failed ({fmt(100 * failed / total if total else 0)}%)."
    data = {
        "source": "network_dns_queries",
        "total_queries": total,
        "failed_queries": failed,
        "resolvers": [
            {
                k: (as_int(v) if k in ("queries", "ok", "nxdomain", "servfail", "refused", "timeouts") else v)
                for k, v in row.items()
            }
            for row in resolvers
        ],
        "failing_names": [
            {**row, "failures": as_int(row["failures"]), "clients": as_int(row["clients"])} for row in failing
        ],
        "slowest_names": [{**row, "queries": as_int(row["queries"])} for row in slowest],
    }
    return available(req, lead, data, notes)


@collector(ContextType.NETWORK_MAP_FIREWALL)
async def collect_network_firewall(req: CollectRequest) -> TelemetryContext:
    """Firewall decisions by action and direction, the most blocked sources and the busiest rules."""
    actions, sources, rules = await gather_sources(
        ch(req, "topology_firewall_actions"),
        ch(req, "topology_firewall_denied_sources"),
        ch(req, "topology_firewall_rules"),
    )
    if not actions:
        return empty(req, "network_firewall_events")
    total = sum(as_int(row["events"]) for row in actions)
    blocked = sum(as_int(row["events"]) for row in actions if row["action"] != "allow")
    by_action: dict[str, int] = {}
    for row in actions:
        by_action[row["action"]] = by_action.get(row["action"], 0) + as_int(row["events"])
    notes: list[str] = []
    for row in sources:
        ports = as_int(row["distinct_ports"])
        if ports >= SCAN_DISTINCT_PORTS:
            add_note(
                notes, f"{row['src_ip']} probed {ports} ports ({as_int(row['blocked'])} blocked; likely a port scan)"
            )
    if sources:
        top = sources[0]
        add_note(notes, f"most blocked source {top['src_ip']}: {as_int(top['blocked'])} blocked connections")
    lead = f"{total} firewall decisions, {blocked} blocked ({fmt(100 * blocked / total if total else 0)}%)."
    data = {
        "source": "network_firewall_events",
        "total_events": total,
        "blocked_events": blocked,
        "by_action": dict(sorted(by_action.items(), key=lambda item: -item[1])),
        "by_firewall": [{**row, "events": as_int(row["events"]), "bytes": as_int(row["bytes"])} for row in actions],
        "top_blocked_sources": [
            {**row, "blocked": as_int(row["blocked"]), "distinct_ports": as_int(row["distinct_ports"])}
            for row in sources
        ],
        "rules": [{**row, "hits": as_int(row["hits"]), "blocked": as_int(row["blocked"])} for row in rules],
    }
    return available(req, lead, data, notes)


@collector(ContextType.NETWORK_MAP_SECURITY)
async def collect_network_security(req: CollectRequest) -> TelemetryContext:
    """Network-borne threats (detections with a source IP or node), firewall blocks and denied access by IP."""
    threats, blocked, denied = await gather_sources(
        optional(req, "security_events", ch(req, "topology_network_threats")),
        optional(req, "network_firewall_events", ch(req, "topology_firewall_denied_sources")),
        optional(req, "audit_logs", ch(req, "topology_denied_access")),
    )
    raise_if_all_failed(threats, blocked, denied)
    threat_rows, blocked_rows, denied_rows = rows_of(threats), rows_of(blocked), rows_of(denied)
    if not threat_rows and not blocked_rows and not denied_rows:
        return empty(req, "security_events, network_firewall_events, audit_logs")
    notes: list[str] = []
    for row in threat_rows:
        if row["severity"] in ("critical", "high"):
            add_note(
                notes,
                f"{row['severity']} {row['category']} from {row['src_ip'] or '?'}: {row['title']} ({row['status']})",
            )
    blocked_ips = {row["src_ip"] for row in blocked_rows}
    for ip in sorted({row["src_ip"] for row in threat_rows if row["src_ip"]} & blocked_ips):
        add_note(notes, f"{ip} is both a detected threat source and blocked at the firewall")
    for row in blocked_rows:
        if as_int(row["distinct_ports"]) >= SCAN_DISTINCT_PORTS:
            add_note(notes, f"{row['src_ip']} probed {as_int(row['distinct_ports'])} ports")
    for row in denied_rows:
        if as_int(row["denied"]) > 1:
            add_note(notes, f"{as_int(row['denied'])} denied authorisations from {row['ip_address']}")
    open_threats = sum(1 for row in threat_rows if row["status"] in ("open", "investigating"))
    lead = (
        f"{plural(sum(as_int(r['events']) for r in threat_rows), 'network threat detection')} ({open_threats} open), "
        f"{len(blocked_rows)} sources blocked at the firewall, {len(denied_rows)} IPs with denied access."
    )
    data = {
        "threats": [{**row, "events": as_int(row["events"])} for row in threat_rows],
        "by_category": counts_by(threat_rows, "category", "events"),
        "firewall_blocked_sources": [
            {**row, "blocked": as_int(row["blocked"]), "distinct_ports": as_int(row["distinct_ports"])}
            for row in blocked_rows
        ],
        "denied_access_by_ip": [
            {**row, "denied": as_int(row["denied"]), "users": as_int(row["users"])} for row in denied_rows
        ],
        "unavailable_sources": failures(threats, blocked, denied),
    }
    return available(req, lead, data, notes)
