"""Collectors for Kubernetes: clusters, namespaces, deployments, pods, services, nodes, configmaps, secrets,
HPAs and events.

Inventory comes from PostgreSQL (child tables scoped through their cluster's ``organization_id``), usage from
ClickHouse ``kubernetes_metrics`` (rollups by window) and events from ClickHouse ``kubernetes_events``.
Contexts that combine both stores still answer when one is down (``unavailable_sources`` says which).
Secrets are metadata only: the platform table holds key names, type, rotation and expiry, never values.
``context_id`` is a namespace filter for pods and events; the others ignore it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tfo_mcp.context.collector import CollectRequest, collector
from tfo_mcp.context.infrastructure import (
    NODE_METRICS,
    pivot,
    pod_is_failing,
    pod_note,
    pod_sources,
    saturation_notes,
)
from tfo_mcp.context.signals import MAX_HIGHLIGHTS, clock
from tfo_mcp.context.sources import (
    available,
    ch,
    empty,
    empty_unless_failed,
    gather_sources,
    number,
    partial,
    pg,
    raise_if_all_failed,
    rollup,
    rows_of,
    with_failures,
)
from tfo_mcp.context.types import ContextType, TelemetryContext

SECRET_EXPIRY_DAYS = 30
SECRET_ROTATION_DAYS = 365
CONFIGMAP_LARGE_BYTES = 512 * 1024
PRESSURE_CONDITIONS = frozenset({"MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"})


def _names_from(req: CollectRequest) -> datetime:
    return max(req.time_range.start, req.time_range.end - timedelta(hours=1))


def _cluster_names(pg_clusters: Any, ch_names: Any) -> dict[str, str]:
    """cluster_id -> name from the PostgreSQL inventory, else from the metrics' labels."""
    names = {row["cluster_id"]: row["cluster_name"] for row in rows_of(ch_names)}
    names.update({row["id"]: row["name"] for row in rows_of(pg_clusters)})
    return names


def _days_until(value: Any, now: datetime) -> float | None:
    if not isinstance(value, datetime):
        return None
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return (moment - now).total_seconds() / 86400


# --------------------------------------------------------------------------- clusters and nodes


@collector(ContextType.KUBERNETES_CLUSTERS)
async def collect_clusters(req: CollectRequest) -> TelemetryContext:
    """Clusters (status, version, sizes), failing pods per cluster and node CPU/memory/filesystem usage."""
    choice = rollup("kubernetes_metrics", req.time_range)
    clusters, pods, nodes, labels = await gather_sources(
        partial("postgresql", pg(req, "k8s_clusters")),
        partial("postgresql", pg(req, "k8s_pod_health")),
        partial("clickhouse", ch(req, "k8s_resource_metrics", rollup=choice, resource_type="node",
                                 metric_regex=NODE_METRICS)),
        partial("clickhouse", ch(req, "k8s_cluster_names", names_from=_names_from(req))),
    )  # fmt: skip
    raise_if_all_failed(clusters, nodes)
    names = _cluster_names(clusters, labels)
    node_items = pivot(rows_of(nodes), ("cluster_id", "resource_name"))
    usage: dict[str, dict[str, list[float]]] = {}
    for item in node_items:
        for metric, values in item["metrics"].items():
            usage.setdefault(item["cluster_id"], {}).setdefault(metric, []).append(values["avg"] or 0.0)
    pod_health = {row["cluster"]: row for row in rows_of(pods)}
    rows = []
    for cluster in rows_of(clusters) or [{"id": cid, "name": names.get(cid, cid)} for cid in usage]:
        metrics = {m: number(sum(v) / len(v)) for m, v in usage.get(cluster["id"], {}).items() if v}
        health = pod_health.get(cluster["name"], {})
        rows.append({**cluster, "node_usage_avg": metrics, "failing_pods": health.get("failing_pods"),
                     "restarts": health.get("restarts")})  # fmt: skip
    if not rows:
        return empty_unless_failed(req, "kubernetes_clusters, kubernetes_metrics", clusters, nodes)
    highlights = [
        f"Cluster {row['name']} is {row['status']}" for row in rows if row.get("status") not in (None, "healthy")
    ]
    highlights += [
        f"Cluster {row['name']} has {row['failing_pods']} failing pods" for row in rows if row["failing_pods"]
    ]
    for item in node_items:
        item["node"] = f"{names.get(item['cluster_id'], item['cluster_id'])}/{item['resource_name']}"
    highlights += saturation_notes(node_items, "node")
    data = with_failures(
        {"sources": ["kubernetes_clusters", "kubernetes_pods", choice.table], "clusters": rows[: req.max_items]},
        clusters, pods, nodes,
    )  # fmt: skip
    lead = f"{len(rows)} Kubernetes clusters with {sum(row.get('node_count') or 0 for row in rows)} nodes."
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


def _condition_notes(node: dict[str, Any]) -> list[str]:
    notes = []
    for condition in node.get("conditions") or []:
        pressure = isinstance(condition, dict) and condition.get("type") in PRESSURE_CONDITIONS
        if pressure and str(condition.get("status")).lower() == "true":
            notes.append(f"Node {node['cluster']}/{node['name']} reports {condition['type']}")
    return notes


@collector(ContextType.KUBERNETES_NODES)
async def collect_nodes(req: CollectRequest) -> TelemetryContext:
    """Nodes (status, roles, capacity, conditions) with their CPU/memory/filesystem utilization."""
    choice = rollup("kubernetes_metrics", req.time_range)
    nodes, usage, labels = await gather_sources(
        partial("postgresql", pg(req, "k8s_nodes", limit=max(req.max_items, 200))),
        partial("clickhouse", ch(req, "k8s_resource_metrics", rollup=choice, resource_type="node",
                                 metric_regex=NODE_METRICS)),
        partial("clickhouse", ch(req, "k8s_cluster_names", names_from=_names_from(req))),
    )  # fmt: skip
    raise_if_all_failed(nodes, usage)
    names = _cluster_names(None, labels)
    metrics = {(names.get(i["cluster_id"], i["cluster_id"]), i["resource_name"]): i["metrics"]
               for i in pivot(rows_of(usage), ("cluster_id", "resource_name"))}  # fmt: skip
    rows = [{**node, "metrics": metrics.pop((node["cluster"], node["name"]), {})} for node in rows_of(nodes)]
    rows += [{"name": node, "cluster": cluster, "status": None, "metrics": m} for (cluster, node), m in metrics.items()]
    if not rows:
        return empty_unless_failed(req, "kubernetes_nodes, kubernetes_metrics", nodes, usage)
    for row in rows:
        row["node"] = f"{row['cluster']}/{row['name']}"
    highlights = [f"Node {row['node']} is {row['status']}" for row in rows if row["status"] not in (None, "Ready")]
    for row in rows:
        highlights += _condition_notes(row)
    highlights += saturation_notes(rows, "node")
    ready = sum(1 for row in rows if row["status"] == "Ready")
    lead = f"{len(rows)} Kubernetes nodes, {ready} Ready."
    data = with_failures({"sources": ["kubernetes_nodes", choice.table], "nodes": rows[: req.max_items]}, nodes, usage)
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


# --------------------------------------------------------------------------- namespaces, deployments, pods


@collector(ContextType.KUBERNETES_NAMESPACES)
async def collect_namespaces(req: CollectRequest) -> TelemetryContext:
    """Namespaces with pod, failing-pod and restart counts and their pods' summed CPU and memory."""
    choice = rollup("kubernetes_metrics", req.time_range)
    namespaces, usage, labels = await gather_sources(
        partial("postgresql", pg(req, "k8s_namespaces")),
        partial("clickhouse", ch(req, "k8s_namespace_usage", rollup=choice)),
        partial("clickhouse", ch(req, "k8s_cluster_names", names_from=_names_from(req))),
    )
    raise_if_all_failed(namespaces, usage)
    names = _cluster_names(None, labels)
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows_of(usage):
        key = (names.get(row["cluster_id"], row["cluster_id"]), row["namespace"])
        totals.setdefault(key, {})[row["metric_name"]] = number(row["total"])
    rows = [{**ns, "usage": totals.pop((ns["cluster"], ns["name"]), {})} for ns in rows_of(namespaces)]
    rows += [{"name": ns, "cluster": cluster, "status": None, "usage": u} for (cluster, ns), u in totals.items()]
    if not rows:
        return empty_unless_failed(req, "kubernetes_namespaces, kubernetes_metrics", namespaces, usage)
    highlights = [
        f"Namespace {row['cluster']}/{row['name']} has {row['failing_pods']} failing pods ({row['restarts']} restarts)"
        for row in rows
        if row.get("failing_pods")
    ]
    highlights += [
        f"Namespace {r['cluster']}/{r['name']} is {r['status']}" for r in rows if r["status"] not in (None, "Active")
    ]
    lead = f"{len(rows)} namespaces with {sum(row.get('pods') or 0 for row in rows)} pods."
    data = with_failures({"sources": ["kubernetes_namespaces", choice.table], "namespaces": rows[: req.max_items]},
                          namespaces, usage)  # fmt: skip
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


@collector(ContextType.KUBERNETES_DEPLOYMENTS)
async def collect_k8s_deployments(req: CollectRequest) -> TelemetryContext:
    """Deployments with replica health (not fully available first) and their replica metrics."""
    choice = rollup("kubernetes_metrics", req.time_range)
    deployments, replicas = await gather_sources(
        partial("postgresql", pg(req, "k8s_deployments")),
        partial("clickhouse", ch(req, "k8s_resource_metrics", rollup=choice, resource_type="deployment",
                                 metric_regex=r"^k8s\.deployment\.")),
    )  # fmt: skip
    raise_if_all_failed(deployments, replicas)
    rows = rows_of(deployments)
    metric_rows = pivot(rows_of(replicas), ("namespace", "resource_name"))
    if not rows and not metric_rows:
        return empty_unless_failed(req, "kubernetes_deployments, kubernetes_metrics", deployments, replicas)
    highlights = [
        f"Deployment {d['cluster']}/{d['namespace']}/{d['name']} has {d['ready_replicas']} of {d['replicas']} "
        "replicas ready"
        for d in rows
        if d["ready_replicas"] < d["replicas"] or d["unavailable_replicas"]
    ]
    start, end = req.time_range.start, req.time_range.end
    highlights += [
        f"{d['name']} rolled out revision {d['revision']} at {clock(str(d['last_rollout_at']))}"
        for d in rows
        if isinstance(d["last_rollout_at"], datetime) and start <= d["last_rollout_at"] < end
    ]
    degraded = sum(1 for d in rows if d["ready_replicas"] < d["replicas"])
    lead = f"{len(rows)} deployments; {degraded} not fully ready."
    data = with_failures(
        {"sources": ["kubernetes_deployments", choice.table], "deployments": rows,
         "replica_metrics": metric_rows[: req.max_items]},
        deployments, replicas,
    )  # fmt: skip
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


@collector(ContextType.KUBERNETES_PODS)
async def collect_pods(req: CollectRequest) -> TelemetryContext:
    """Pods (failing and restarting first) with counts by phase/status and CPU, memory and restarts.
    ``context_id`` filters one namespace."""
    namespace = req.context_id or ""
    choice = rollup("kubernetes_metrics", req.time_range)
    pods, counts, usage = await pod_sources(req, namespace, choice)
    raise_if_all_failed(pods, usage)
    usage_by_pod = {item["resource_name"]: item["metrics"] for item in pivot(rows_of(usage), ("resource_name",))}
    rows = []
    for pod in rows_of(pods):
        item = {key: value for key, value in pod.items() if key != "containers"}
        item["containers"] = [c.get("name") for c in pod.get("containers") or [] if isinstance(c, dict)]
        item["usage"] = usage_by_pod.get(pod["name"], {})
        rows.append(item)
    if not rows and not usage_by_pod:
        return empty_unless_failed(req, "kubernetes_pods, kubernetes_metrics", pods, usage)
    failing = [row for row in rows if pod_is_failing(row)]
    highlights = [pod_note(row) for row in failing]
    total = sum(row["pods"] for row in rows_of(counts)) or len(rows)
    lead = f"{total} pods; {len(failing)} failing (Failed/Unknown, CrashLoopBackOff-like status or > 5 restarts)."
    data = with_failures(
        {"sources": ["kubernetes_pods", choice.table], "namespace_filter": req.context_id, "total_pods": total,
         "status_counts": rows_of(counts), "pods": rows,
         "pods_with_metrics_only": sorted(set(usage_by_pod) - {row["name"] for row in rows})[: req.max_items]},
        pods, counts, usage,
    )  # fmt: skip
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


# --------------------------------------------------------------------------- services, config, secrets, HPAs


@collector(ContextType.KUBERNETES_SERVICES)
async def collect_k8s_services(req: CollectRequest) -> TelemetryContext:
    """Services and their endpoints: services with no or only some ready endpoints first."""
    rows = await pg(req, "k8s_services")
    if not rows:
        return empty(req, "kubernetes_services")
    highlights = []
    for svc in rows:
        where = f"{svc['cluster']}/{svc['namespace']}/{svc['name']}"
        if svc["endpoint_count"] and not svc["ready_endpoints"]:
            highlights.append(f"Service {where} has no ready endpoints (0 of {svc['endpoint_count']})")
        elif svc["ready_endpoints"] < svc["endpoint_count"]:
            highlights.append(
                f"Service {where} has {svc['ready_endpoints']} of {svc['endpoint_count']} endpoints ready"
            )
        elif not svc["endpoint_count"] and svc["type"] != "ExternalName":
            highlights.append(f"Service {where} selects no pods")
    unready = sum(1 for svc in rows if svc["ready_endpoints"] < svc["endpoint_count"])
    lead = f"{len(rows)} Kubernetes services; {unready} with unready endpoints."
    return available(req, lead, {"source": "kubernetes_services", "services": rows}, highlights[:MAX_HIGHLIGHTS])


@collector(ContextType.KUBERNETES_CONFIGMAPS)
async def collect_configmaps(req: CollectRequest) -> TelemetryContext:
    """ConfigMaps (keys and sizes only): changed in the window, unused and large ones are flagged."""
    rows = await pg(req, "k8s_configmaps")
    if not rows:
        return empty(req, "kubernetes_configmaps")
    highlights = [
        f"ConfigMap {m['cluster']}/{m['namespace']}/{m['name']} changed at {clock(str(m['updated_at']))} "
        f"(keys: {', '.join(m['data_keys'][:6])})"
        for m in rows
        if m["changed_in_window"]
    ]
    highlights += [
        f"ConfigMap {m['namespace']}/{m['name']} is not used by any workload" for m in rows if not m["used_by"]
    ]
    highlights += [
        f"ConfigMap {m['namespace']}/{m['name']} is {m['data_size_bytes'] // 1024} KiB (limit 1 MiB)"
        for m in rows
        if m["data_size_bytes"] > CONFIGMAP_LARGE_BYTES
    ]
    changed = sum(1 for m in rows if m["changed_in_window"])
    lead = f"{len(rows)} ConfigMaps; {changed} changed in the window."
    return available(req, lead, {"source": "kubernetes_configmaps", "configmaps": rows}, highlights[:MAX_HIGHLIGHTS])


@collector(ContextType.KUBERNETES_SECRETS)
async def collect_secrets(req: CollectRequest) -> TelemetryContext:
    """Secrets' metadata (type, key names, users, rotation, expiry; never values): expiring certificates and
    stale or unused secrets are flagged."""
    rows = await pg(req, "k8s_secrets")
    if not rows:
        return empty(req, "kubernetes_secrets")
    now = req.time_range.end
    highlights = []
    for secret in rows:
        where = f"{secret['cluster']}/{secret['namespace']}/{secret['name']}"
        expires = _days_until(secret["expires_at"], now)
        rotated = _days_until(secret["last_rotated_at"], now)
        secret["expires_in_days"] = number(expires, 1)
        secret["days_since_rotation"] = number(-rotated, 1) if rotated is not None else None
        if expires is not None and expires <= SECRET_EXPIRY_DAYS:
            verb = "expired" if expires < 0 else f"expires in {expires:.0f} days"
            highlights.append(f"Secret {where} ({secret['type']}) {verb}")
        if rotated is not None and -rotated > SECRET_ROTATION_DAYS:
            highlights.append(f"Secret {where} was last rotated {-rotated:.0f} days ago")
        if not secret["used_by"]:
            highlights.append(f"Secret {where} is not used by any workload")
    lead = f"{len(rows)} Secrets (metadata only)."
    return available(req, lead, {"source": "kubernetes_secrets", "secrets": rows}, highlights[:MAX_HIGHLIGHTS])


@collector(ContextType.KUBERNETES_HPA)
async def collect_hpas(req: CollectRequest) -> TelemetryContext:
    """Horizontal pod autoscalers: replicas against limits and CPU against target; pinned ones flagged."""
    rows = await pg(req, "k8s_hpas")
    if not rows:
        return empty(req, "kubernetes_hpas")
    highlights = []
    for hpa in rows:
        where = f"{hpa['namespace']}/{hpa['name']}"
        target, current = hpa["target_cpu_utilization"], hpa["current_cpu_utilization"]
        if hpa["current_replicas"] >= hpa["max_replicas"]:
            cpu = f", CPU {current}% vs target {target}%" if current is not None and target else ""
            highlights.append(f"HPA {where} is pinned at its maximum of {hpa['max_replicas']} replicas{cpu}")
        elif current is not None and target and current > target:
            highlights.append(
                f"HPA {where}: CPU {current}% above target {target}% at {hpa['current_replicas']} replicas"
            )
    pinned = sum(1 for hpa in rows if hpa["current_replicas"] >= hpa["max_replicas"])
    lead = f"{len(rows)} horizontal pod autoscalers; {pinned} at their maximum replicas."
    return available(req, lead, {"source": "kubernetes_hpas", "autoscalers": rows}, highlights[:MAX_HIGHLIGHTS])


# --------------------------------------------------------------------------- events


@collector(ContextType.KUBERNETES_EVENTS)
async def collect_events(req: CollectRequest) -> TelemetryContext:
    """Kubernetes events: counts per type and reason, and per object (warnings first) with the last message.
    ``context_id`` filters one namespace."""
    params = {"namespace": req.context_id or ""}
    counts, groups, clusters, labels = await gather_sources(
        ch(req, "k8s_event_counts", **params),
        ch(req, "k8s_event_groups", **params),
        partial("postgresql", pg(req, "k8s_clusters")),
        partial("clickhouse", ch(req, "k8s_cluster_names", names_from=_names_from(req))),
    )
    if not counts:
        return empty(req, "kubernetes_events")
    names = _cluster_names(clusters, labels)
    for row in groups:
        row["cluster"] = names.get(row.pop("cluster_id"), "")
    warnings = sum(row["occurrences"] for row in counts if row["type"] == "Warning")
    total = sum(row["occurrences"] for row in counts)
    highlights = [
        f"{row['reason']} on {row['involved_kind']} {row['namespace']}/{row['involved_name']} "
        f"({row['occurrences']} times, last {clock(row['last_seen'])}): {row['last_message']}"
        for row in groups
        if row["type"] == "Warning"
    ]
    lead = f"{total} Kubernetes events in the window, {warnings} warnings."
    data = with_failures(
        {"source": "kubernetes_events", "namespace_filter": req.context_id, "total": total, "warnings": warnings,
         "by_type_and_reason": counts, "objects": groups},
        clusters,
    )  # fmt: skip
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])
