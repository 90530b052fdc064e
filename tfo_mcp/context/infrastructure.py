"""Collectors for infrastructure: hosts, containers, network, storage, compute, databases, caches, queues, load
balancers and DNS.

Hosts are monitoring agents (PostgreSQL ``agents``) whose samples are ClickHouse ``vm_metrics`` (vm_id = agent
id); the host contexts are hybrid: without PostgreSQL they still answer from ClickHouse (names from the
samples' labels) and list PostgreSQL under ``unavailable_sources``. Caches, queues, load balancers and DNS have
no TFO source: they read the tables the platform schema adds for them (cache_metrics, queue_metrics,
load_balancer_metrics, network_dns_queries). ``context_id`` is ignored, except by infra-containers (a
namespace filter).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from tfo_mcp.context._shaping import (
    HIGH_CPU_PERCENT,
    HIGH_MEMORY_PERCENT,
    HIGH_RISK_PROBABILITY,
    MAX_HIGHLIGHTS,
    PACKET_LOSS_PERCENT,
)
from tfo_mcp.context.collector import CollectRequest, collector
from tfo_mcp.context.sources import (
    Failed,
    RollupChoice,
    available,
    ch,
    empty,
    empty_unless_failed,
    failures,
    gather_sources,
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

#: Disk or filesystem use above which a host counts as saturated (percent).
SATURATED_DISK_PERCENT = 90.0
#: Thresholds: TFO's for CPU and memory, plus SATURATED_DISK_PERCENT for disks and filesystems.
SATURATION_THRESHOLDS: dict[str, float] = {
    "system.cpu.utilization": HIGH_CPU_PERCENT,
    "system.memory.utilization": HIGH_MEMORY_PERCENT,
    "system.disk.used_percent": SATURATED_DISK_PERCENT,
    "k8s.node.cpu.utilization": HIGH_CPU_PERCENT,
    "k8s.node.memory.utilization": HIGH_MEMORY_PERCENT,
    "k8s.node.filesystem.utilization": SATURATED_DISK_PERCENT,
}
CACHE_HIT_RATIO_MIN = 90.0
CACHE_MEMORY_PERCENT = 85.0
QUEUE_OLDEST_SECONDS = 300.0
LB_ERROR_PERCENT = 5.0
DNS_FAILURE_PERCENT = 5.0
DB_CONNECTIONS_PERCENT = 80.0

#: Host metric names per context (vm_metrics metric_name regular expressions).
HOST_METRICS = {
    ContextType.INFRA_HOSTS: r"^system\.(cpu\.utilization|memory\.utilization|disk\.used_percent|load_average\.1m)$",
    ContextType.INFRA_COMPUTE: r"^system\.(cpu\.|memory\.|load_average)",
    ContextType.INFRA_STORAGE: r"^system\.disk\.",
    ContextType.INFRA_NETWORK: r"^system\.network\.",
}
#: Node metrics per context (kubernetes_metrics, resource_type node).
NODE_METRICS = r"^k8s\.node\.(cpu|memory|filesystem)\.utilization$"


def pivot(rows: list[dict[str, Any]], keys: tuple[str, ...], digits: int = 3) -> list[dict[str, Any]]:
    """Rows of (entity keys..., metric_name, mean, maximum[, minimum]) as one item per entity with a metrics map."""
    entities: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[name] for name in keys)
        item = entities.setdefault(key, {**{name: row[name] for name in keys}, "metrics": {}})
        values = {"avg": number(row["mean"], digits), "max": number(row["maximum"], digits)}
        if "minimum" in row:
            values["min"] = number(row["minimum"], digits)
        item["metrics"][row["metric_name"]] = values
    return list(entities.values())


def _avg(item: dict[str, Any], metric: str, field: str = "avg") -> float | None:
    value = item["metrics"].get(metric, {}).get(field)
    return float(value) if value is not None else None


def saturation_notes(items: list[dict[str, Any]], label: str) -> list[str]:
    """Highlights for entities whose average of a saturation metric is above its threshold."""
    notes = []
    for item in items:
        for metric, limit in SATURATION_THRESHOLDS.items():
            mean = _avg(item, metric)
            if mean is not None and mean > limit:
                peak = _avg(item, metric, "max")
                notes.append(
                    f"{item[label]}: {metric} averages {mean:.1f}% (max {peak or mean:.1f}%), above {limit:g}%"
                )
    return notes


# --------------------------------------------------------------------------- hosts


async def host_metrics(req: CollectRequest, metric_regex: str) -> tuple[list[dict[str, Any]], dict[str, str], str]:
    """Per-host metrics matching ``metric_regex`` with names and agent status; (hosts, failed sources, table).

    Sources: ClickHouse vm_metrics (rollup by window), PostgreSQL agents (names, status) and the samples'
    ``host.name`` labels as a fallback for names. Hosts are ordered by their highest saturation first.
    """
    choice = rollup("vm_metrics", req.time_range)
    names_from = max(req.time_range.start, req.time_range.end - timedelta(hours=1))
    metrics, names, agents = await gather_sources(
        partial("clickhouse", ch(req, "infra_host_metrics", rollup=choice, metric_regex=metric_regex)),
        partial("clickhouse host names", ch(req, "infra_host_names", names_from=names_from)),
        partial("postgresql", pg(req, "infra_agents")),
    )
    raise_if_all_failed(metrics, agents)
    labels = {row["vm_id"]: row["host_name"] for row in rows_of(names)}
    registry = {row["id"]: row for row in rows_of(agents)}
    hosts = pivot(rows_of(metrics), ("vm_id",))
    seen = set()
    for host in hosts:
        agent = registry.get(host["vm_id"], {})
        host["host"] = agent.get("name") or labels.get(host["vm_id"]) or host["vm_id"]
        host["status"] = agent.get("status")
        host["last_heartbeat_at"] = agent.get("last_heartbeat_at")
        seen.add(host["vm_id"])
    for agent_id, agent in registry.items():  # agents that sent nothing in the window
        if agent_id not in seen:
            hosts.append(
                {"vm_id": agent_id, "host": agent["name"], "status": agent["status"], "metrics": {},
                 "last_heartbeat_at": agent["last_heartbeat_at"]}
            )  # fmt: skip

    def pressure(host: dict[str, Any]) -> float:
        ratios = [
            (_avg(host, metric) or 0.0) / limit
            for metric, limit in SATURATION_THRESHOLDS.items()
            if metric in host["metrics"]
        ]
        return max(ratios, default=0.0)

    hosts.sort(key=lambda host: (-pressure(host), host["host"]))
    return hosts, failures(metrics, names, agents), choice.table


def _agent_notes(hosts: list[dict[str, Any]]) -> list[str]:
    return [
        f"Agent on {host['host']} is {host['status']}"
        for host in hosts
        if host.get("status") and host["status"] not in ("healthy", "online", "active")
    ]


@collector(ContextType.INFRA_HOSTS, ContextType.INFRA_COMPUTE, ContextType.INFRA_STORAGE, ContextType.INFRA_NETWORK)
async def collect_hosts(req: CollectRequest) -> TelemetryContext:
    """Hosts with the metrics of the asked aspect (overview, compute, storage, network) and their extras:
    storage adds Kubernetes persistent volumes and disk predictions, network adds connection quality."""
    kind = req.context_type
    extras: list[Any] = []
    if kind is ContextType.INFRA_STORAGE:
        recent_from = min(req.time_range.start, req.time_range.end - timedelta(hours=24))
        extras = [
            partial("postgresql volumes", pg(req, "infra_persistent_volumes")),
            partial("clickhouse predictions", ch(req, "infra_predictions", recent_from=recent_from,
                                                 metric_regex=r"^system\.disk\.")),
        ]  # fmt: skip
    elif kind is ContextType.INFRA_NETWORK:
        choice = rollup("network_map_connection_metrics", req.time_range)
        names_from = max(req.time_range.start, req.time_range.end - timedelta(hours=1))
        extras = [
            partial("clickhouse connections", ch(req, "infra_connection_quality", rollup=choice)),
            partial("postgresql network nodes", pg(req, "infra_network_nodes")),
            partial("clickhouse node names", ch(req, "infra_node_names", names_from=names_from)),
        ]
    (hosts, failed, table), *extra = await gather_sources(host_metrics(req, HOST_METRICS[kind]), *extras)
    if not hosts:
        return empty_unless_failed(req, table, *(Failed(name, reason) for name, reason in failed.items()))
    highlights = saturation_notes(hosts, "host") + _agent_notes(hosts)
    data: dict[str, Any] = {"source": table, "hosts": hosts[: req.max_items]}
    if kind is ContextType.INFRA_STORAGE:
        volumes, predictions = (rows_of(item) for item in extra)
        data["persistent_volumes"] = volumes
        data["predictions"] = predictions
        highlights += [
            f"Persistent volume {v['name']} on {v['cluster']} is {v['phase']}" for v in volumes if v["phase"] != "Bound"
        ]
        highlights += _prediction_notes(predictions)
    elif kind is ContextType.INFRA_NETWORK:
        connections, nodes, node_names = (rows_of(item) for item in extra)
        data["connections"] = _label_connections(connections, [*node_names, *nodes])
        highlights += [
            f"Packet loss {c['packet_loss_percent']:g}% on {c['source']} -> {c['target']} "
            f"(peak {c['peak_packet_loss_percent']:g}%)"
            for c in data["connections"]
            if (c["packet_loss_percent"] or 0) > PACKET_LOSS_PERCENT
        ]
    failed.update(failures(*extra))
    if failed:
        data["unavailable_sources"] = failed
    reporting = sum(1 for host in hosts if host["metrics"])
    aspect = {"infra-hosts": "overview", "infra-compute": "CPU and memory", "infra-storage": "disk",
              "infra-network": "network"}[kind.value]  # fmt: skip
    lead = f"{len(hosts)} hosts ({reporting} reporting {aspect} metrics in {table})."
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


def _prediction_notes(predictions: list[dict[str, Any]]) -> list[str]:
    return [
        f"Prediction: {p['resource_identifier']} {p['predicted_metric']} reaches {p['predicted_value']:g} within "
        f"{p['horizon']} (failure probability {p['failure_probability']:.2f})"
        for p in predictions
        if (p["failure_probability"] or 0) > HIGH_RISK_PROBABILITY
    ]


def _label_connections(connections: list[dict[str, Any]], nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {node["id"]: node["name"] for node in nodes}
    return [
        {
            "source": names.get(row["source_node_id"], row["source_node_id"]),
            "target": names.get(row["target_node_id"], row["target_node_id"]),
            "latency_ms": number(row["latency_ms"]),
            "peak_latency_ms": number(row["peak_latency_ms"]),
            "packet_loss_percent": number(row["packet_loss_percent"], 3),
            "peak_packet_loss_percent": number(row["peak_packet_loss_percent"], 3),
            "sent_bytes": row["sent_bytes"],
            "received_bytes": row["received_bytes"],
        }
        for row in connections
    ]


# --------------------------------------------------------------------------- containers


def pod_is_failing(pod: dict[str, Any], restart_threshold: int = 5) -> bool:
    """TFO's rule: phase Failed/Unknown, a waiting/terminated status such as CrashLoopBackOff, or > 5 restarts."""
    return (
        pod.get("phase") in ("Failed", "Unknown")
        or pod.get("status") not in ("Running", "Completed", "Succeeded", None)
        or (pod.get("restart_count") or 0) > restart_threshold
    )


def pod_note(pod: dict[str, Any]) -> str:
    """One highlight line for a failing pod."""
    return (
        f"Pod {pod['name']} in {pod.get('cluster')}/{pod.get('namespace')} is {pod['status']} "
        f"(phase {pod['phase']}, {pod['restart_count']} restarts)"
    )


async def pod_sources(req: CollectRequest, namespace: str, choice: RollupChoice) -> tuple[Any, Any, Any]:
    """Pods and pod counts (PostgreSQL) and pod CPU/memory/restarts (kubernetes_metrics), each partial."""
    return await gather_sources(
        partial("postgresql", pg(req, "infra_pods", namespace=namespace, restart_threshold=5)),
        partial("postgresql", pg(req, "infra_pod_counts", namespace=namespace)),
        partial("clickhouse", ch(req, "k8s_resource_metrics", rollup=choice, resource_type="pod",
                                 metric_regex=r"^k8s\.pod\.")),
    )  # fmt: skip


@collector(ContextType.INFRA_CONTAINERS)
async def collect_containers(req: CollectRequest) -> TelemetryContext:
    """Containers of the pods (PostgreSQL inventory) with pod CPU/memory/restarts from kubernetes_metrics.
    ``context_id`` filters one namespace."""
    namespace = req.context_id or ""
    choice = rollup("kubernetes_metrics", req.time_range)
    pods, counts, usage = await pod_sources(req, namespace, choice)
    raise_if_all_failed(pods, usage)
    pod_rows, usage_rows = rows_of(pods), rows_of(usage)
    if not pod_rows and not usage_rows:
        return empty_unless_failed(req, "kubernetes_pods, kubernetes_metrics", pods, usage)
    per_pod = {item["resource_name"]: item["metrics"] for item in pivot(usage_rows, ("resource_name",))}
    containers = []
    for pod in pod_rows:
        for container in pod.get("containers") or []:
            if isinstance(container, dict):
                containers.append(
                    {
                        "container": container.get("name"),
                        "image": container.get("image"),
                        "ready": container.get("ready"),
                        "state": container.get("state"),
                        "reason": container.get("reason"),
                        "pod": pod["name"],
                        "namespace": pod["namespace"],
                        "cluster": pod["cluster"],
                        "pod_status": pod["status"],
                        "restart_count": pod["restart_count"],
                        "usage": per_pod.get(pod["name"], {}),
                    }
                )
    total_pods = sum(row["pods"] for row in rows_of(counts)) or len(pod_rows)
    failing = [pod for pod in pod_rows if pod_is_failing(pod)]
    highlights = [pod_note(pod) for pod in failing]
    highlights += [
        f"Container {c['container']} of {c['pod']} is not ready ({c['reason']})"
        for c in containers
        if c["ready"] is False and c["reason"]
    ]
    data: dict[str, Any] = {
        "sources": ["kubernetes_pods", choice.table],
        "namespace_filter": req.context_id,
        "total_pods": total_pods,
        "failing_pods": len(failing),
        "pod_status_counts": rows_of(counts),
        "containers": containers[: req.max_items],
    }
    with_failures(data, pods, counts, usage)
    lead = f"{len(containers)} containers in {total_pods} pods; {len(failing)} pods failing."
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


# --------------------------------------------------------------------------- databases


@collector(ContextType.INFRA_DATABASE)
async def collect_databases(req: CollectRequest) -> TelemetryContext:
    """Database inventory (PostgreSQL) and how services see their databases (db.client.* metrics)."""
    choice = rollup("metrics", req.time_range)
    instances, counts, client = await gather_sources(
        partial("postgresql", pg(req, "infra_databases")),
        partial("postgresql", pg(req, "infra_database_counts")),
        partial("clickhouse", ch(req, "infra_db_client_metrics", rollup=choice)),
    )
    raise_if_all_failed(instances, client)
    inventory, client_rows = rows_of(instances), rows_of(client)
    if not inventory and not client_rows:
        return empty_unless_failed(req, "database_instances, metrics", instances, client)
    services = pivot(client_rows, ("service_name",))
    highlights = [
        f"Database {db['name']} ({db['type']}) is {db['status']}"
        + (f": {db['last_error']}" if db.get("last_error") else "")
        for db in inventory
        if db["status"] not in ("online", "maintenance")
    ]
    for item in services:
        usage = _avg(item, "db.client.connections.usage")
        if usage is not None and usage > DB_CONNECTIONS_PERCENT:
            highlights.append(f"{item['service_name']} uses {usage:.0f}% of its database connection pool")
    distribution: dict[str, dict[str, int]] = {}
    for row in rows_of(counts):
        distribution.setdefault(row["type"], {})[row["status"]] = row["instances"]
    data: dict[str, Any] = {
        "sources": ["database_instances", choice.table],
        "instances": inventory,
        "by_type_and_status": distribution,
        "client_metrics": services[: req.max_items],
    }
    with_failures(data, instances, counts, client)
    online = sum(1 for db in inventory if db["status"] == "online")
    lead = f"{len(inventory)} database instances ({online} online); {len(services)} services report db.client metrics."
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


# --------------------------------------------------------------------------- caches, queues, load balancers


@collector(ContextType.INFRA_CACHE)
async def collect_caches(req: CollectRequest) -> TelemetryContext:
    """Managed caches: hit ratio, memory, evictions, clients, throughput and latency per cache."""
    choice = rollup("cache_metrics", req.time_range)
    rows = await ch(req, "infra_cache_metrics", rollup=choice)
    if not rows:
        return empty(req, choice.table)
    caches = pivot(rows, ("cache_name", "engine", "host"))
    highlights = []
    for cache in caches:
        hit = _avg(cache, "cache.hit_ratio")
        memory = _avg(cache, "cache.memory.used_pct")
        evictions = _avg(cache, "cache.evictions")
        if hit is not None and hit < CACHE_HIT_RATIO_MIN:
            highlights.append(f"Cache {cache['cache_name']} hit ratio is {hit:.1f}% (below {CACHE_HIT_RATIO_MIN:g}%)")
        if memory is not None and memory > CACHE_MEMORY_PERCENT:
            extra = f", evicting {evictions:.0f} keys/min" if evictions else ""
            highlights.append(f"Cache {cache['cache_name']} memory at {memory:.1f}%{extra}")
    lead = f"{len(caches)} caches report metrics ({choice.table})."
    return available(
        req, lead, {"source": choice.table, "caches": caches[: req.max_items]}, highlights[:MAX_HIGHLIGHTS]
    )


@collector(ContextType.INFRA_QUEUE)
async def collect_queues(req: CollectRequest) -> TelemetryContext:
    """Message queues: depth, consumer lag, publish/consume rates and oldest message age per queue."""
    choice = rollup("queue_metrics", req.time_range)
    rows = await ch(req, "infra_queue_metrics", rollup=choice)
    if not rows:
        return empty(req, choice.table)
    queues = pivot(rows, ("broker_name", "engine", "queue_name"))
    highlights = []
    for queue in queues:
        name = f"{queue['broker_name']}/{queue['queue_name']}"
        depth = _avg(queue, "queue.depth")
        age = _avg(queue, "queue.oldest_message_age_s", "max")
        publish, consume = _avg(queue, "queue.publish_rate"), _avg(queue, "queue.consume_rate")
        if re.search(r"(dlq|dead)", queue["queue_name"], re.IGNORECASE):
            if depth:
                highlights.append(f"Dead-letter queue {name} holds {depth:.0f} messages on average")
            continue
        if age is not None and age > QUEUE_OLDEST_SECONDS:
            highlights.append(f"Queue {name}: oldest message waited {age:.0f} s")
        if publish and publish >= 1 and consume is not None and consume < 0.8 * publish:
            highlights.append(f"Queue {name} is consumed slower ({consume:.1f}/s) than published ({publish:.1f}/s)")
    lead = f"{len(queues)} queues on {len({q['broker_name'] for q in queues})} brokers report metrics ({choice.table})."
    return available(
        req, lead, {"source": choice.table, "queues": queues[: req.max_items]}, highlights[:MAX_HIGHLIGHTS]
    )


@collector(ContextType.INFRA_LOAD_BALANCER)
async def collect_load_balancers(req: CollectRequest) -> TelemetryContext:
    """Load balancers per target group: requests, 5xx, response time, healthy and unhealthy targets."""
    choice = rollup("load_balancer_metrics", req.time_range)
    rows = await ch(req, "infra_lb_metrics", rollup=choice)
    if not rows:
        return empty(req, choice.table)
    groups = pivot(rows, ("lb_name", "provider", "target_group"))
    highlights = []
    for group in groups:
        name = f"{group['lb_name']}/{group['target_group']}"
        unhealthy = _avg(group, "lb.unhealthy_targets", "max")
        if unhealthy:
            highlights.append(f"{name} had up to {unhealthy:.0f} unhealthy targets")
        errors, requests = _avg(group, "lb.http_5xx_count"), _avg(group, "lb.request_count")
        share = percent(errors, requests)
        if share is not None and share > LB_ERROR_PERCENT:
            highlights.append(f"{name} returns 5xx for {share:g}% of requests")
        group["http_5xx_percent"] = share
    lead = f"{len({g['lb_name'] for g in groups})} load balancers with {len(groups)} target groups ({choice.table})."
    data = {"source": choice.table, "target_groups": groups[: req.max_items]}
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


# --------------------------------------------------------------------------- DNS


@collector(ContextType.INFRA_DNS)
async def collect_dns(req: CollectRequest) -> TelemetryContext:
    """Resolver traffic by response code, failing names, and cluster DNS (CoreDNS) metrics."""
    choice = rollup("kubernetes_metrics", req.time_range)
    summary, failing, coredns = await gather_sources(
        ch(req, "infra_dns_summary"),
        ch(req, "infra_dns_failures"),
        partial("clickhouse coredns", ch(req, "k8s_resource_metrics", rollup=choice, resource_type="coredns",
                                         metric_regex="^coredns_")),
    )  # fmt: skip
    if not summary and not rows_of(coredns):
        return empty_unless_failed(req, "network_dns_queries, kubernetes_metrics", coredns)
    total = sum(row["queries"] for row in summary)
    failed = sum(row["queries"] for row in summary if row["response_code"] not in ("NOERROR", "NXDOMAIN"))
    nxdomain = sum(row["queries"] for row in summary if row["response_code"] == "NXDOMAIN")
    codes: dict[str, int] = {}
    for row in summary:
        codes[row["response_code"]] = codes.get(row["response_code"], 0) + row["queries"]
    highlights = []
    if percent(failed, total) and percent(failed, total) > DNS_FAILURE_PERCENT:
        highlights.append(f"{percent(failed, total):g}% of DNS queries failed (SERVFAIL, TIMEOUT, REFUSED)")
    for row in failing[:3]:
        if row["response_code"] != "NXDOMAIN":
            highlights.append(
                f"{row['query_name']} answered {row['response_code']} {row['failures']} times between "
                f"{str(row['first_at'])[11:16]} and {str(row['last_at'])[11:16]} UTC"
            )
    data: dict[str, Any] = {
        "sources": ["network_dns_queries", choice.table],
        "total_queries": total,
        "failed_queries": failed,
        "nxdomain_queries": nxdomain,
        "response_codes": codes,
        "resolvers": [{**row, "avg_ms": number(row["avg_ms"]), "p95_ms": number(row["p95_ms"])} for row in summary][
            : req.max_items
        ],
        "failing_names": failing,
        "coredns": pivot(rows_of(coredns), ("cluster_id", "resource_name"))[: req.max_items],
    }
    with_failures(data, coredns)
    lead = (
        f"{total} DNS queries: {failed} failed ({percent(failed, total) or 0:g}%), {nxdomain} NXDOMAIN; "
        f"{len(data['coredns'])} CoreDNS deployments report metrics."
    )
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])
