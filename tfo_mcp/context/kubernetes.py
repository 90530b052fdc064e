"""Collectors for Kubernetes: clusters, namespaces, deployments, pods, services, nodes, configmaps, secrets,
HPAs and events.

Inventory comes from PostgreSQL (child tables scoped through their cluster's ``organization_id``), usage from
ClickHouse ``kubernetes_metrics`` (rollups by window) and events from ClickHouse ``kubernetes_events``.
Contexts that combine both stores still answer when one is down (``unavailable_sources`` says which).
Secrets are metadata only: the platform table holds key names, type, rotation and expiry, never values.
``context_id`` is a namespace filter for pods and events; the others ignore it.

Pods, events and nodes compare their window with the baseline window (:mod:`tfo_mcp.context.change`) from
ClickHouse alone, so they answer without the inventory (which, when present, adds names, phase and metadata);
deployments fall back to their replica metrics. Restarts per pod are the increase of the cumulative restart
counters (``k8s.pod.restarts`` / ``k8s.container.restarts``), never their sum. Failure events (BackOff,
OOMKilled, ...) count each Kubernetes event once: Kubernetes updates an event object in place (``count`` + 1,
a new ``lastTimestamp``, the same ``firstTimestamp``) and the exporter inserts every update as a new row (TFO's
``insertK8sEvents`` writes the records as they come into a plain MergeTree), so one event appears in many rows
with a growing cumulative count; summing ``count`` over them over-counts (an hour of BackOff updated every five
minutes sums to about 12 x its count, not 12). The demo and the evaluation estate write BackOff that way. See
``sql/context/k8s_event_groups.sql`` for how an event's occurrences in a window are taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tfo_mcp.context._shaping import as_float, as_int
from tfo_mcp.context.change import Finding, baseline_request, compare, point_in_time
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
    RollupChoice,
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
from tfo_mcp.context.sre import coarse_baseline
from tfo_mcp.context.types import ContextType, TelemetryContext, TimeRange

SECRET_EXPIRY_DAYS = 30
SECRET_ROTATION_DAYS = 365
CONFIGMAP_LARGE_BYTES = 512 * 1024
PRESSURE_CONDITIONS = frozenset({"MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"})
#: Cumulative restart counters the Kubernetes receiver writes under resource_type 'pod' (pod and container level).
RESTART_METRICS = ("k8s.pod.restarts", "k8s.container.restarts")
#: Event reasons that mean a pod's container failed, crash-loops or was killed (kubelet, kernel monitor, eviction).
POD_FAILURE_REASONS = ("BackOff", "CrashLoopBackOff", "OOMKilled", "OOMKilling", "Failed", "Evicted")
#: Failure reasons that make a pod's finding critical rather than a warning.
CRITICAL_REASONS = frozenset({"OOMKilled", "OOMKilling", "Evicted"})
#: How far before a window the event queries look for an event's earlier cumulative count: Kubernetes deletes an
#: event one hour after its last update (kube-apiserver --event-ttl), so an event updated again in the window was
#: last written at most that long before it.
EVENT_LOOKBACK = timedelta(hours=1)
#: Rows the per-pod and per-object comparison queries may return (both windows are joined in full, then cut).
COMPARE_ROWS = 1000
#: Replica metrics of a deployment (TFO's demo names, then the OpenTelemetry k8s cluster receiver's).
DESIRED_REPLICAS = ("k8s.deployment.replicas.desired", "k8s.deployment.desired")
AVAILABLE_REPLICAS = ("k8s.deployment.replicas.available", "k8s.deployment.available")
#: Average missing replicas at which a deployment counts as short of its desired replicas.
REPLICA_GAP = 0.5
#: Node metrics compared with the baseline window, and the signal each is compared as.
NODE_SIGNALS = {"k8s.node.cpu.utilization": "cpu_percent", "k8s.node.memory.utilization": "memory_percent"}


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


def _node_metrics(rows: Any, names: dict[str, str]) -> dict[tuple[str, str], dict[str, Any]]:
    """(cluster name, node) -> {metric: {avg, max}} from k8s_resource_metrics rows."""
    return {(names.get(i["cluster_id"], i["cluster_id"]), i["resource_name"]): i["metrics"]
            for i in pivot(rows_of(rows), ("cluster_id", "resource_name"))}  # fmt: skip


def node_findings(
    req: CollectRequest, now: dict[tuple[str, str], dict[str, Any]], before: dict[tuple[str, str], dict[str, Any]]
) -> list[Finding | None]:
    """Per node: average CPU and memory utilization in the window against the baseline window."""
    base = baseline_request(req)
    findings: list[Finding | None] = []
    for (cluster, node), metrics in sorted(now.items()):
        for metric, signal_name in NODE_SIGNALS.items():
            after = metrics.get(metric, {}).get("avg")
            if after is None:
                continue
            earlier = before.get((cluster, node), {}).get(metric, {}).get("avg")
            findings.append(compare(req.context_type.value, f"{cluster}/{node}", signal_name, earlier, after,
                                    window=req.time_range, baseline=base.time_range))  # fmt: skip
    return findings


@collector(ContextType.KUBERNETES_NODES)
async def collect_nodes(req: CollectRequest) -> TelemetryContext:
    """Nodes (status, roles, capacity, conditions) with their CPU/memory/filesystem utilization; CPU and memory
    are compared with the baseline window. Answers from the metrics alone when the inventory is empty."""
    choice = rollup("kubernetes_metrics", req.time_range)
    base = baseline_request(req)
    node_params = {"resource_type": "node", "metric_regex": NODE_METRICS}
    nodes, usage, base_usage, labels = await gather_sources(
        partial("postgresql", pg(req, "k8s_nodes", limit=max(req.max_items, 200))),
        partial("clickhouse", ch(req, "k8s_resource_metrics", rollup=choice, **node_params)),
        partial("clickhouse", ch(base, "k8s_resource_metrics", rollup=rollup("kubernetes_metrics", base.time_range),
                                 **node_params)),
        partial("clickhouse", ch(req, "k8s_cluster_names", names_from=_names_from(req))),
    )  # fmt: skip
    raise_if_all_failed(nodes, usage)
    names = _cluster_names(None, labels)
    metrics = _node_metrics(usage, names)
    findings = node_findings(req, metrics, _node_metrics(base_usage, names))
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
    if not rows_of(nodes):
        lead = f"{len(rows)} Kubernetes nodes report metrics (their status needs the inventory)."
    data = with_failures({"sources": ["kubernetes_nodes", choice.table], "nodes": rows[: req.max_items]},
                         nodes, usage, base_usage)  # fmt: skip
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS], findings=[f for f in findings if f])


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


def _replica_gaps(metric_rows: list[dict[str, Any]]) -> list[tuple[str, float, float]]:
    """(namespace/name, available, desired) of deployments whose average available replicas fell short of the
    desired ones by at least REPLICA_GAP (from the replica metrics alone)."""
    gaps = []
    for item in metric_rows:
        values = {name: m.get("avg") for name, m in item["metrics"].items()}
        desired = next((values[n] for n in DESIRED_REPLICAS if values.get(n) is not None), None)
        ready = next((values[n] for n in AVAILABLE_REPLICAS if values.get(n) is not None), None)
        if desired is not None and ready is not None and desired - ready >= REPLICA_GAP:
            gaps.append((f"{item['namespace']}/{item['resource_name']}", float(ready), float(desired)))
    return gaps


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
    if not rows:  # no inventory: the replica metrics say which deployments fell short
        gaps = _replica_gaps(metric_rows)
        highlights += [f"Deployment {name} averaged {ready:.1f} of {desired:g} desired replicas available"
                       for name, ready, desired in gaps]  # fmt: skip
        lead = f"{len(metric_rows)} deployments report replica metrics; {len(gaps)} short of their desired replicas."
    data = with_failures(
        {"sources": ["kubernetes_deployments", choice.table], "deployments": rows,
         "replica_metrics": metric_rows[: req.max_items]},
        deployments, replicas,
    )  # fmt: skip
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS])


# --------------------------------------------------------------------------- pod restarts and failure events


@dataclass
class PodTrouble:
    """One pod's restarts (counter increase) and failure events (each event once) in one window."""

    cluster_id: str
    namespace: str
    pod: str
    restarts: float = 0.0
    #: the restart counter's last value (the pod's restart count as the metrics report it)
    restart_count: float | None = None
    first_rise: str | None = None
    #: reason -> occurrences in the window
    reasons: dict[str, int] = field(default_factory=dict)
    first_event: str | None = None
    last_event: str | None = None
    last_message: str = ""

    @property
    def entity(self) -> str:
        return f"{self.namespace}/{self.pod}" if self.namespace else self.pod

    @property
    def failures(self) -> int:
        return sum(self.reasons.values())

    @property
    def severity(self) -> str:
        return "critical" if CRITICAL_REASONS & set(self.reasons) else "warning"

    def reasons_text(self) -> str:
        """``OOMKilled x3, BackOff x2`` (most frequent first)."""
        ranked = sorted(self.reasons.items(), key=lambda item: (-item[1], item[0]))
        return ", ".join(f"{reason} x{count}" for reason, count in ranked)


def _event_params(req: CollectRequest, namespace: str, **params: Any) -> dict[str, Any]:
    """Parameters of k8s_event_groups / k8s_event_counts: the look-back for earlier counts and the filters."""
    values = {"namespace": namespace, "lookback_from": req.time_range.start - EVENT_LOOKBACK, "kind": "",
              "any_reason": True, "reasons": POD_FAILURE_REASONS}  # fmt: skip
    values.update(params)
    return values


def _trouble_sources(req: CollectRequest, namespace: str, choice: RollupChoice | None = None) -> tuple[Any, Any]:
    """Restart-counter increases and failure events per pod in ``req``'s window (each partial); the counters from
    ``choice``, by default the table the window's rule picks."""
    choice = choice or rollup("kubernetes_metrics", req.time_range)
    return (
        partial("clickhouse", ch(req, "k8s_pod_restarts", rollup=choice, namespace=namespace,
                                 metric_names=RESTART_METRICS)),
        partial("clickhouse", ch(req, "k8s_event_groups", **_event_params(
            req, namespace, kind="Pod", any_reason=False, limit=COMPARE_ROWS))),
    )  # fmt: skip


def pod_troubles(restart_rows: Iterable[dict[str, Any]], event_rows: Iterable[dict[str, Any]]) -> dict[str, PodTrouble]:
    """entity (``namespace/pod``) -> its restarts and failure events, from k8s_pod_restarts and k8s_event_groups."""
    troubles: dict[str, PodTrouble] = {}

    def of(row: dict[str, Any], pod: str) -> PodTrouble:
        item = PodTrouble(str(row["cluster_id"]), str(row["namespace"]), pod)
        return troubles.setdefault(item.entity, item)

    for row in restart_rows:
        item = of(row, str(row["pod"]))
        item.restarts = as_float(row["restarts"])
        item.restart_count = as_float(row["restart_count"])
        item.first_rise = point_in_time(row.get("first_rise"))
    for row in event_rows:
        item = of(row, str(row["involved_name"]))
        reason = str(row["reason"])
        item.reasons[reason] = item.reasons.get(reason, 0) + as_int(row["occurrences"])
        first, last = point_in_time(row.get("first_seen")), point_in_time(row.get("last_seen"))
        item.first_event = min(filter(None, (item.first_event, first)), default=None)
        if last and (item.last_event is None or last >= item.last_event):
            item.last_event, item.last_message = last, str(row.get("last_message") or "")
    return troubles


def pod_findings(
    req: CollectRequest, now: dict[str, PodTrouble], before: dict[str, PodTrouble], baseline: TimeRange
) -> list[Finding | None]:
    """Per pod: restarts and failure events in the window against the baseline window (a pod absent from the
    baseline's rows had none there). A pod restarting in both windows about as often is chronic. The restarts
    finding carries the failure reasons and the pod's severity (critical for OOM kills and evictions) and ranks
    above the failure-events finding, which carries them when the pod did not restart. ``baseline`` is the
    period ``before`` was read from."""
    context = req.context_type.value
    findings: list[Finding | None] = []
    for entity in sorted(set(now) | set(before)):
        after, earlier = now.get(entity), before.get(entity)
        current = after or PodTrouble("", "", entity)
        previous = earlier or PodTrouble("", "", entity)
        common = {"window": req.time_range, "baseline": baseline}
        restarts = compare(context, entity, "restarts", previous.restarts, current.restarts, since=current.first_rise,
                           severity=current.severity, note=current.reasons_text(), **common)  # fmt: skip
        # The restarts (measured) lead and carry the reasons: beside them the events only corroborate ("info");
        # without restarts the events speak for the pod.
        severity, note = ("info", "") if restarts else (current.severity, current.reasons_text())
        findings.append(restarts)
        findings.append(compare(context, entity, "pod_failures", previous.failures, current.failures,
                                since=current.first_event, severity=severity, note=note, **common))  # fmt: skip
    return findings


def _trouble_note(item: PodTrouble) -> str:
    """One highlight for a pod with failure events: reasons, restarts and the last message."""
    restarts = f", {item.restarts:g} restarts" if item.restarts else ""
    return (
        f"Pod {item.entity}: {item.reasons_text()}{restarts} in the window "
        f"(last {clock(item.last_event)}: {item.last_message})"
    )


def _pod_rows(
    inventory: list[dict[str, Any]], usage: dict[str, Any], troubles: dict[str, PodTrouble], names: dict[str, str]
) -> list[dict[str, Any]]:
    """The inventory's pods with their window figures, then pods known only from metrics or events."""
    rows, seen = [], set()
    for pod in inventory:
        item = {key: value for key, value in pod.items() if key != "containers"}
        item["containers"] = [c.get("name") for c in pod.get("containers") or [] if isinstance(c, dict)]
        item["usage"] = usage.get(pod["name"], {})
        trouble = troubles.get(f"{pod.get('namespace')}/{pod['name']}") or troubles.get(pod["name"])
        item["restarts_in_window"] = trouble.restarts if trouble else 0
        item["failure_events"] = dict(trouble.reasons) if trouble else {}
        seen.add(pod["name"])
        rows.append(item)
    for trouble in troubles.values():
        if trouble.pod in seen:
            continue
        seen.add(trouble.pod)
        rows.append({"name": trouble.pod, "namespace": trouble.namespace, "cluster": names.get(trouble.cluster_id),
                     "phase": None, "status": None, "restart_count": trouble.restart_count,
                     "restarts_in_window": trouble.restarts, "failure_events": dict(trouble.reasons),
                     "usage": usage.get(trouble.pod, {})})  # fmt: skip
    return rows


def _pod_order(row: dict[str, Any]) -> tuple[Any, ...]:
    troubled = bool(row.get("restarts_in_window") or row.get("failure_events"))
    return (not pod_is_failing(row), not troubled, -(row.get("restarts_in_window") or 0), str(row["name"]))


@collector(ContextType.KUBERNETES_PODS)
async def collect_pods(req: CollectRequest) -> TelemetryContext:
    """Pods (failing and restarting first) with counts by phase/status, CPU, memory, restarts in the window
    (the restart counters' increase) and failure events (each once), compared with the baseline window.
    Answers from ClickHouse alone; the PostgreSQL inventory adds phase, status and metadata. ``context_id``
    filters one namespace."""
    namespace = req.context_id or ""
    choice = rollup("kubernetes_metrics", req.time_range)
    # A rollup window's baseline reads the restart counters from whole coarse buckets (an hour's for a day's
    # baseline): only their increase is compared, not when it began. A raw window's baseline reads raw rows too:
    # the 5-minute rollup's rows of an hour cost more to read than its counter samples (bench_context.py).
    base, base_choice = (
        await coarse_baseline(req, "kubernetes_metrics") if choice.kind == "rollup" else (baseline_request(req), None)
    )
    (pods, counts, usage), restarts, events, base_restarts, base_events, labels = await gather_sources(
        pod_sources(req, namespace, choice),
        *_trouble_sources(req, namespace),
        *_trouble_sources(base, namespace, base_choice),
        partial("clickhouse", ch(req, "k8s_cluster_names", names_from=_names_from(req))),
    )
    raise_if_all_failed(pods, usage, restarts, events)
    usage_by_pod = {item["resource_name"]: item["metrics"] for item in pivot(rows_of(usage), ("resource_name",))}
    troubles = pod_troubles(rows_of(restarts), rows_of(events))
    if not rows_of(pods) and not usage_by_pod and not troubles:
        return empty_unless_failed(req, "kubernetes_pods, kubernetes_metrics, kubernetes_events", pods, usage, events)
    rows = sorted(_pod_rows(rows_of(pods), usage_by_pod, troubles, _cluster_names(None, labels)), key=_pod_order)
    failing = [row for row in rows if pod_is_failing(row)]
    highlights = [pod_note(row) for row in failing if row.get("phase") is not None]  # inventory pods
    highlights += [_trouble_note(item) for item in sorted(troubles.values(), key=lambda t: -t.failures) if item.reasons]
    known = set(usage_by_pod) | {row["name"] for row in rows}
    total = sum(row["pods"] for row in rows_of(counts)) or len(known)
    lead = (
        f"{total} pods; {len(failing)} failing (Failed/Unknown, CrashLoopBackOff-like status or > 5 restarts); "
        f"{len(troubles)} restarted or had failure events in the window."
    )
    findings = pod_findings(req, troubles, pod_troubles(rows_of(base_restarts), rows_of(base_events)), base.time_range)
    data = with_failures(
        {"sources": ["kubernetes_pods", choice.table, "kubernetes_events"], "namespace_filter": req.context_id,
         "total_pods": total, "status_counts": rows_of(counts), "pods": rows[: req.max_items],
         "pods_with_metrics_only": sorted(set(usage_by_pod) - {row["name"] for row in rows_of(pods)})[: req.max_items]},
        pods, counts, usage, restarts, events,
    )  # fmt: skip
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS], findings=[f for f in findings if f])


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


def _warnings_per_object(groups: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """``Kind namespace/name`` -> {reason: occurrences} of its Warning events."""
    out: dict[str, dict[str, int]] = {}
    for row in groups:
        if row["type"] == "Warning":
            where = f"{row['namespace']}/{row['involved_name']}" if row["namespace"] else row["involved_name"]
            reasons = out.setdefault(f"{row['involved_kind']} {where}", {})
            reasons[row["reason"]] = reasons.get(row["reason"], 0) + as_int(row["occurrences"])
    return out


def event_findings(
    req: CollectRequest, now: list[dict[str, Any]], before: list[dict[str, Any]]
) -> list[Finding | None]:
    """Per object: its Warning events in the window against the baseline window (each event counted once)."""
    base = baseline_request(req)
    current, previous = _warnings_per_object(now), _warnings_per_object(before)
    findings: list[Finding | None] = []
    for entity in sorted(set(current) | set(previous)):
        reasons = current.get(entity, {})
        severity = "critical" if CRITICAL_REASONS & set(reasons) else "warning"
        note = ", ".join(f"{r} x{n}" for r, n in sorted(reasons.items(), key=lambda item: (-item[1], item[0])))
        findings.append(
            compare(req.context_type.value, entity, "warning_events", sum(previous.get(entity, {}).values()),
                    sum(reasons.values()), severity=severity, window=req.time_range, baseline=base.time_range,
                    note=note)
        )  # fmt: skip
    return findings


@collector(ContextType.KUBERNETES_EVENTS)
async def collect_events(req: CollectRequest) -> TelemetryContext:
    """Kubernetes events: counts per type and reason, and per object (warnings first) with the last message,
    each event counted once (the exporter re-writes an event with its growing count); each object's warnings
    are compared with the baseline window. ``context_id`` filters one namespace."""
    namespace = req.context_id or ""
    base = baseline_request(req)
    counts, groups, base_groups, clusters, labels = await gather_sources(
        ch(req, "k8s_event_counts", **_event_params(req, namespace)),
        ch(req, "k8s_event_groups", **_event_params(req, namespace, limit=COMPARE_ROWS)),
        partial("clickhouse", ch(base, "k8s_event_groups", **_event_params(base, namespace, limit=COMPARE_ROWS))),
        partial("postgresql", pg(req, "k8s_clusters")),
        partial("clickhouse", ch(req, "k8s_cluster_names", names_from=_names_from(req))),
    )
    if not counts:
        return empty(req, "kubernetes_events")
    findings = event_findings(req, groups, rows_of(base_groups))
    names = _cluster_names(clusters, labels)
    shown = groups[: req.max_items]
    for row in shown:
        row["cluster"] = names.get(row.pop("cluster_id"), "")
    warnings = sum(as_int(row["occurrences"]) for row in counts if row["type"] == "Warning")
    total = sum(as_int(row["occurrences"]) for row in counts)
    highlights = [
        f"{row['reason']} on {row['involved_kind']} {row['namespace']}/{row['involved_name']} "
        f"({row['occurrences']} times, last {clock(row['last_seen'])}): {row['last_message']}"
        for row in shown
        if row["type"] == "Warning"
    ]
    lead = f"{total} Kubernetes events in the window, {warnings} warnings."
    data = with_failures(
        {"source": "kubernetes_events", "namespace_filter": req.context_id, "total": total, "warnings": warnings,
         "by_type_and_reason": counts, "objects": shown},
        base_groups, clusters,
    )  # fmt: skip
    return available(req, lead, data, highlights[:MAX_HIGHLIGHTS], findings=[f for f in findings if f])
