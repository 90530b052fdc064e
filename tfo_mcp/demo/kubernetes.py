"""The demo estate's Kubernetes clusters: their gauge series (ClickHouse kubernetes_metrics), events (ClickHouse
kubernetes_events: routine pod events, the story's deploy, crash loop and OOM kill) and inventory (PostgreSQL
kubernetes_clusters, _namespaces, _nodes, _pods, _deployments, _persistent_volumes, _persistent_volume_claims,
_services, _configmaps, _secrets and _hpas).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tfo_mcp.demo.plan import (
    CRASHLOOP_RESTARTS,
    DEPLOY_MIN,
    INCIDENT_MIN,
    Json,
    OrgPlan,
    Service,
    Window,
    every,
    extra_workloads,
    k8s_suffix,
    node_name,
    tenancy,
)
from tfo_mcp.demo.series import gauge

_PERCENT = {"hi": 100, "digits": 2}

# --------------------------------------------------------------------------- ClickHouse: kubernetes_metrics


def kubernetes_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    """Nodes and control plane of every cluster; deployments and pods (with the story's broken pods) of the first."""
    rows = []
    for c_index, cluster in enumerate(plan.profile["clusters"]):
        base = {"cluster": plan.cluster_ids[cluster["name"]], "cluster_name": cluster["name"], **tenancy(plan, 1)}
        rows += _node_series(base, cluster, c_index)
        rows += _control_plane_series(base, c_index)
        if c_index == 0:
            rows += _workload_series(plan, base)
            rows += _broken_pod_series(plan, window, base)
    return rows


def _node_series(base: dict[str, Any], cluster: dict[str, Any], c_index: int) -> list[dict[str, Any]]:
    rows = []
    for n in range(cluster["nodes"]):
        common = {**base, "rtype": "node", "name": node_name(cluster, n), "namespace": ""}
        cpu = 38 + 9 * ((n * 37) % 5) if c_index == 0 else 22
        rows += [
            gauge(common, "k8s.node.cpu.utilization", "%", cpu, amp=0.35, noise=0.08, **_PERCENT),
            gauge(common, "k8s.node.memory.utilization", "%", 62 + 5 * (n % 4), noise=0.03, **_PERCENT),
            gauge(common, "k8s.node.filesystem.utilization", "%", 41 + 6 * (n % 3), trend=0.02, noise=0.005,
                  **_PERCENT),
            gauge(common, "k8s.node.network.io", "By/s", 9e6, amp=0.5, noise=0.15, digits=0),
        ]  # fmt: skip
    return rows


def _control_plane_series(base: dict[str, Any], c_index: int) -> list[dict[str, Any]]:
    """API server, etcd and CoreDNS of one cluster (the first, production cluster is the busiest)."""
    prod = c_index == 0
    control = {**base, "namespace": "kube-system"}
    api = {**control, "rtype": "apiserver", "name": "kube-apiserver"}
    etcd = {**control, "rtype": "apiserver", "name": "etcd"}
    dns = {**control, "rtype": "coredns", "name": "coredns"}
    return [
        gauge(api, "apiserver_request_total", "{request}/min", 5200 if prod else 900, amp=0.3, noise=0.1, digits=0),
        gauge(api, "apiserver_request_duration_seconds_p99", "s", 0.18, noise=0.25, digits=4),
        gauge(api, "apiserver_current_inflight_requests", "{request}", 14, amp=0.3, noise=0.2, digits=0),
        gauge(etcd, "etcd_request_duration_seconds_p99", "s", 0.012, noise=0.3, digits=5),
        gauge(dns, "coredns_dns_requests_total", "{request}/min", 18000 if prod else 2400, amp=0.45, noise=0.1,
              digits=0),
        gauge(dns, "coredns_dns_responses_nxdomain", "{response}/min", 420 if prod else 60, amp=0.3, noise=0.2,
              digits=0),
        gauge(dns, "coredns_dns_request_duration_seconds_p99", "s", 0.004, noise=0.3, digits=5),
        gauge(dns, "coredns_cache_hit_ratio", "%", 87, noise=0.02, **_PERCENT),
    ]  # fmt: skip


def _workload_series(plan: OrgPlan, base: dict[str, Any]) -> list[dict[str, Any]]:
    """Replicas of every service's deployment, CPU, memory and restarts of its pods."""
    rows = []
    for service in plan.services:
        dep = {**base, "namespace": service.namespace, "rtype": "deployment", "name": service.name}
        rows += [
            gauge(dep, "k8s.deployment.replicas.desired", "{replica}", plan.instances, noise=0, digits=0),
            gauge(dep, "k8s.deployment.replicas.available", "{replica}", plan.instances, noise=0, digits=0),
        ]
        for pod in service.pods:
            pod_row = {**base, "namespace": service.namespace, "rtype": "pod", "name": pod}
            rows += [
                gauge(pod_row, "k8s.pod.cpu.usage", "m", 120 + service.rps * 6, amp=0.35, noise=0.1, digits=1),
                gauge(pod_row, "k8s.pod.memory.working_set", "MiB", 380 + 6 * service.latency_ms, noise=0.03,
                      digits=1),
                gauge(pod_row, "k8s.pod.restarts", "{restart}", 0, noise=0, digits=0),
            ]  # fmt: skip
    return rows


def _broken_pod_series(plan: OrgPlan, window: Window, base: dict[str, Any]) -> list[dict[str, Any]]:
    """The crash-looping pod (restarts climbing to CRASHLOOP_RESTARTS) and the OOM-killed batch pod."""
    hours = window.total_ms / 3_600_000
    rows = []
    for extra in extra_workloads(plan):
        pod_row = {**base, "namespace": extra["namespace"], "rtype": "pod", "name": extra["pod"]}
        crash = extra["kind"] == "crashloop"
        restarts_per_hour = CRASHLOOP_RESTARTS / max(hours, 1) if crash else 0
        rows += [
            gauge(pod_row, "k8s.pod.cpu.usage", "m", 35 if crash else 400, noise=0.6, digits=1),
            gauge(pod_row, "k8s.pod.memory.working_set", "MiB", 96 if crash else 1900, noise=0.2, digits=1),
            gauge(pod_row, "k8s.pod.restarts", "{restart}", 0, trend=restarts_per_hour, noise=0, digits=0),
        ]
    return rows


# --------------------------------------------------------------------------- ClickHouse: kubernetes_events


K8S_EVENT_COLUMNS = [
    "timestamp",
    "cluster_id",
    "organization_id",
    "workspace_id",
    "tenant_id",
    "namespace",
    "type",
    "reason",
    "message",
    "source",
    "involved_kind",
    "involved_name",
    "count",
    "first_timestamp",
    "last_timestamp",
]


def kubernetes_event_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    """Routine pod events and leader elections; for org A also the broken pods' and the deploy's events."""
    rows = _routine_pod_events(plan, window, rng) + _leader_elections(plan, window)
    if plan.incident:
        rows += _broken_pod_events(plan, window) + _deploy_events(plan, window)
    rows.sort(key=lambda row: row[0])
    return rows


def _event(
    plan: OrgPlan,
    moment: datetime,
    namespace: str,
    kind: str,
    reason: str,
    message: str,
    source: str,
    obj_kind: str,
    obj_name: str,
    count: int = 1,
    first: datetime | None = None,
    cluster_id: str | None = None,
) -> tuple[Any, ...]:
    """One kubernetes_events row (in the production cluster unless ``cluster_id`` says otherwise)."""
    ws = plan.workspaces[-1]
    return (
        moment,
        cluster_id or plan.cluster_ids[plan.profile["clusters"][0]["name"]],
        plan.id,
        ws["id"],
        ws["tenant_id"],
        namespace,
        kind,
        reason,
        message,
        source,
        obj_kind,
        obj_name,
        count,
        first or moment,
        moment,
    )


def _routine_pod_events(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    """Every 12 minutes a Pulled, Started, Scheduled or SuccessfulCreate event of a random service pod."""
    prod = plan.profile["clusters"][0]
    rows = []
    for moment in every(window, 12, offset=rng.random() * 12):
        service = rng.choice(plan.services)
        pod = rng.choice(service.pods)
        image = f"registry.{plan.profile['domain']}/{service.name}"
        node = node_name(prod, rng.randrange(prod["nodes"]))
        reason, message = rng.choice(
            (
                ("Pulled", f'Container image "{image}:{service.version}" already present on machine'),
                ("Started", f"Started container {service.name}"),
                ("Scheduled", f"Successfully assigned {service.namespace}/{pod} to {node}"),
                ("SuccessfulCreate", f"Created pod: {pod}"),
            )
        )
        rows.append(_event(plan, moment, service.namespace, "Normal", reason, message, "kubelet", "Pod", pod))
    return rows


def _leader_elections(plan: OrgPlan, window: Window) -> list[tuple[Any, ...]]:
    rows = []
    for cluster in plan.profile["clusters"]:
        for moment in every(window, 240, offset=37):
            rows.append(
                _event(
                    plan,
                    moment,
                    "kube-system",
                    "Normal",
                    "LeaderElection",
                    "kube-controller-manager became leader",
                    "kube-controller-manager",
                    "Lease",
                    "kube-controller-manager",
                    cluster_id=plan.cluster_ids[cluster["name"]],
                )
            )
    return rows


def _broken_pod_events(plan: OrgPlan, window: Window) -> list[tuple[Any, ...]]:
    """The crash-looping pod's BackOff events (every 5 minutes for 3 hours) and start failure, the OOM kill."""
    extras = extra_workloads(plan)
    crash = next(e for e in extras if e["kind"] == "crashloop")
    failed = next(e for e in extras if e["kind"] == "failed")
    first = window.clamp(window.ago(180))
    rows = []
    count = 0
    for moment in every(window, 5):
        if moment < first:
            continue
        count += 1
        message = f"Back-off restarting failed container mailer in pod {crash['pod']}"
        rows.append(
            _event(plan, moment, crash["namespace"], "Warning", "BackOff", message, "kubelet", "Pod", crash["pod"],
                   count=count, first=first)
        )  # fmt: skip
    message = "Error: failed to start container mailer: SMTP_RELAY_URL not set"
    rows.append(
        _event(plan, window.ago(170), crash["namespace"], "Warning", "Failed", message, "kubelet", "Pod", crash["pod"])
    )
    message = f"Memory cgroup out of memory: Killed process 4121 (java) in pod {failed['pod']}"
    rows.append(
        _event(plan, window.clamp(window.ago(130)), failed["namespace"], "Warning", "OOMKilling", message,
               "kernel-monitor", "Pod", failed["pod"])
    )  # fmt: skip
    return rows


def _deploy_events(plan: OrgPlan, window: Window) -> list[tuple[Any, ...]]:
    """The incident service's rollout: replica sets scaled up and down, images pulled, readiness probes failing."""
    story = plan.story
    service = plan.service(story["incident_service"])
    assert service is not None
    old_rs = k8s_suffix(random.Random(f"oldrs/{plan.index}"), 10)
    deploy = window.ago(DEPLOY_MIN)
    ns, name = service.namespace, service.name
    scaled_up = f"Scaled up replica set {name}-{service.replicaset} to {plan.instances}"
    scaled_down = f"Scaled down replica set {name}-{old_rs} to 0 from {plan.instances}"
    rows = [
        _event(plan, deploy, ns, "Normal", "ScalingReplicaSet", scaled_up, "deployment-controller", "Deployment",
               name),
        _event(plan, deploy + timedelta(seconds=50), ns, "Normal", "ScalingReplicaSet", scaled_down,
               "deployment-controller", "Deployment", name),
    ]  # fmt: skip
    image = f"registry.{plan.profile['domain']}/{name}:{story['deploy_version']}"
    unhealthy = "Readiness probe failed: HTTP probe failed with statuscode: 503"
    for pod in service.pods:
        pulled = f'Successfully pulled image "{image}" in 3.2s'
        rows.append(_event(plan, deploy + timedelta(seconds=20), ns, "Normal", "Pulled", pulled, "kubelet", "Pod", pod))
        rows.append(
            _event(plan, window.ago(INCIDENT_MIN[0] - 2), ns, "Warning", "Unhealthy", unhealthy, "kubelet", "Pod", pod,
                   count=7, first=window.ago(INCIDENT_MIN[0]))
        )  # fmt: skip
    return rows


# --------------------------------------------------------------------------- PostgreSQL: the inventory

_INVENTORY_TABLES = (
    "kubernetes_clusters",
    "kubernetes_namespaces",
    "kubernetes_nodes",
    "kubernetes_pods",
    "kubernetes_deployments",
    "kubernetes_persistent_volumes",
    "kubernetes_persistent_volume_claims",
    "kubernetes_services",
    "kubernetes_configmaps",
    "kubernetes_secrets",
    "kubernetes_hpas",
)


@dataclass
class _Cluster:
    """One cluster of the inventory: its profile entry, id, namespace ids and node ids."""

    plan: OrgPlan
    spec: dict[str, Any]
    id: str
    prod: bool
    ns_ids: dict[str, str]
    node_ids: list[str]
    now: datetime

    def row(self, row_id: str, **columns: Any) -> dict[str, Any]:
        """A row of this cluster: id, cluster_id, organization_id, then ``columns``."""
        return {"id": row_id, "cluster_id": self.id, "organization_id": self.plan.id, **columns}


def inventory_tables(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every Kubernetes inventory table of one organization; the first cluster (production) runs the services."""
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in _INVENTORY_TABLES}
    for c_index, spec in enumerate(plan.profile["clusters"]):
        cluster = _Cluster(
            plan=plan,
            spec=spec,
            id=plan.cluster_ids[spec["name"]],
            prod=c_index == 0,
            ns_ids={ns: plan.uid("namespace", spec["name"], ns) for ns in plan.profile["namespaces"]},
            node_ids=[plan.uid("node", spec["name"], n) for n in range(spec["nodes"])],
            now=window.now,
        )
        for name, rows in _cluster_tables(cluster, rng).items():
            tables[name] += rows
    return list(tables.items())


def _cluster_tables(c: _Cluster, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """The inventory rows of one cluster, drawing from ``rng`` in a fixed order."""
    t: dict[str, list[dict[str, Any]]] = {name: [] for name in _INVENTORY_TABLES}
    t["kubernetes_namespaces"] = _namespace_rows(c)
    t["kubernetes_nodes"] = _node_rows(c)
    t["kubernetes_pods"], t["kubernetes_deployments"] = _system_workload_rows(c, rng)
    t["kubernetes_pods"] += _service_pod_rows(c, rng)
    if c.prod:
        for service in c.plan.services:
            deployment, k8s_service, configmap, secret = _service_workload_rows(c, rng, service)
            t["kubernetes_deployments"].append(deployment)
            t["kubernetes_services"].append(k8s_service)
            t["kubernetes_configmaps"].append(configmap)
            t["kubernetes_secrets"] += secret
        t["kubernetes_secrets"] += _cluster_secret_rows(c)
        t["kubernetes_hpas"] = _hpa_rows(c, rng)
        pods, deployments, k8s_services = _broken_workload_rows(c)
        t["kubernetes_pods"] += pods
        t["kubernetes_deployments"] += deployments
        t["kubernetes_services"] += k8s_services
    t["kubernetes_persistent_volumes"], t["kubernetes_persistent_volume_claims"] = _volume_rows(c)
    t["kubernetes_clusters"] = [_cluster_row(c, len(t["kubernetes_pods"]))]
    return t


def _cluster_row(c: _Cluster, pod_count: int) -> dict[str, Any]:
    spec, now = c.spec, c.now
    return {
        "id": c.id,
        "organization_id": c.plan.id,
        "workspace_id": c.plan.workspaces[-1]["id"],
        "name": spec["name"],
        "provider": spec["provider"],
        "region": spec["region"],
        "kubernetes_version": spec["version"],
        "status": "degraded" if c.prod and c.plan.incident else "healthy",
        "node_count": spec["nodes"],
        "pod_count": pod_count,
        "namespace_count": len(c.ns_ids),
        "api_server_endpoint": f"https://{spec['name']}.k8s.{c.plan.profile['domain']}",
        "labels": Json({"env": "production" if c.prod else "staging"}),
        "last_synced_at": now - timedelta(seconds=40),
        "created_at": now - timedelta(days=420),
    }


def _namespace_rows(c: _Cluster) -> list[dict[str, Any]]:
    return [
        c.row(ns_id, name=ns, status="Active", labels=Json({"team": ns}), created_at=c.now - timedelta(days=200))
        for ns, ns_id in c.ns_ids.items()
    ]


def _node_rows(c: _Cluster) -> list[dict[str, Any]]:
    spec = c.spec
    cores = 8 if c.prod else 2
    rows = []
    for n, node_id in enumerate(c.node_ids):
        zone = f"{spec['region']}{'abc'[n % 3]}"
        rows.append(
            c.row(
                node_id,
                name=node_name(spec, n),
                status="Ready",
                roles=["worker"] if n else ["control-plane", "worker"],
                instance_type=spec["instance_type"],
                zone=zone,
                kubelet_version=f"v{spec['version']}",
                os_image="Bottlerocket OS 1.19.2" if spec["provider"] == "eks" else "Container-Optimized OS 109",
                container_runtime="containerd://1.7.13",
                cpu_capacity=cores,
                memory_capacity=cores * 4 * 2**30,
                capacity=Json({"cpu": str(cores), "memory": f"{cores * 4}Gi", "pods": "110"}),
                allocatable=Json({"cpu": f"{cores * 1000 - 90}m", "memory": f"{cores * 4 - 1}Gi", "pods": "110"}),
                conditions=Json(
                    [
                        {"type": "Ready", "status": "True"},
                        {"type": "MemoryPressure", "status": "False"},
                        {"type": "DiskPressure", "status": "False"},
                    ]
                ),
                labels=Json({"topology.kubernetes.io/zone": zone}),
            )
        )
    return rows


def _system_workload_rows(c: _Cluster, rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The CoreDNS pods and deployment in kube-system."""
    system_ns = c.ns_ids.get("kube-system", next(iter(c.ns_ids.values())))
    names = [f"coredns-{k8s_suffix(rng, 10)}-{k8s_suffix(rng, 5)}" for _ in range(2)]
    pods = [
        c.row(
            c.plan.uid("pod", c.spec["name"], pod_name),
            namespace_id=system_ns,
            node_id=c.node_ids[0],
            name=pod_name,
            owner_kind="ReplicaSet",
            owner_name="coredns",
            status="Running",
            phase="Running",
            restart_count=0,
            started_at=c.now - timedelta(days=9),
        )
        for pod_name in names
    ]
    deployment = c.row(
        c.plan.uid("deployment", c.spec["name"], "coredns"),
        namespace_id=system_ns,
        name="coredns",
        replicas=2,
        ready_replicas=2,
        available_replicas=2,
        updated_replicas=2,
        image="registry.k8s.io/coredns/coredns:v1.11.1",
        revision=3,
    )
    return pods, [deployment]


def _service_pod_rows(c: _Cluster, rng: random.Random) -> list[dict[str, Any]]:
    """The services' pods (production cluster only); the incident service's run the new version, not ready."""
    if not c.prod:
        return []
    plan, story = c.plan, c.plan.story if c.plan.incident else {}
    profile = plan.profile
    workload_pods: list[tuple[Service, str]] = [(s, pod) for s in plan.services for pod in s.pods]
    rows = []
    for n, (service, pod_name) in enumerate(workload_pods):
        incident_pod = plan.incident and service.name == story.get("incident_service")
        version = story["deploy_version"] if incident_pod else service.version
        container = {
            "name": service.name,
            "image": f"registry.{profile['domain']}/{service.name}:{version}",
            "ready": True,
        }
        rows.append(
            c.row(
                plan.uid("pod", c.spec["name"], pod_name),
                namespace_id=c.ns_ids.get(service.namespace),
                node_id=c.node_ids[n % len(c.node_ids)],
                name=pod_name,
                owner_kind="ReplicaSet",
                owner_name=f"{service.name}-{service.replicaset}",
                status="Running",
                phase="Running",
                restart_count=1 if incident_pod else rng.choice((0, 0, 0, 1)),
                pod_ip=f"{profile['ip_prefix']}.64.{n + 10}",
                qos_class="Burstable",
                containers=Json([container]),
                conditions=Json([{"type": "Ready", "status": "False" if incident_pod else "True"}]),
                started_at=c.now - timedelta(minutes=DEPLOY_MIN - 1) if incident_pod else c.now - timedelta(days=3),
            )
        )
    return rows


def _service_workload_rows(
    c: _Cluster, rng: random.Random, service: Service
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """A service's deployment, Kubernetes service, ConfigMap and (when it uses a datastore) credentials secret.

    The incident service's deployment is at the story's revision, rolled out at the deploy."""
    plan, now = c.plan, c.now
    story = plan.story if plan.incident else {}
    domain = plan.profile["domain"]
    ns_id = c.ns_ids.get(service.namespace)
    incident_dep = plan.incident and service.name == story.get("incident_service")
    deployment = c.row(
        plan.uid("deployment", service.name),
        namespace_id=ns_id,
        name=service.name,
        replicas=plan.instances,
        ready_replicas=plan.instances,
        available_replicas=plan.instances,
        unavailable_replicas=0,
        updated_replicas=plan.instances,
        image=f"registry.{domain}/{service.name}:{story['deploy_version'] if incident_dep else service.version}",
        revision=story["deploy_revision"] if incident_dep else rng.randint(3, 30),
        last_rollout_at=now - timedelta(minutes=DEPLOY_MIN)
        if incident_dep
        else now - timedelta(days=rng.randint(1, 20)),
        selector=Json({"app": service.name}),
        labels=Json({"app": service.name}),
        conditions=Json(
            [
                {"type": "Available", "status": "True"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
            ]
        ),
        annotations=Json({"deployment.kubernetes.io/revision": str(story["deploy_revision"])} if incident_dep else {}),
    )
    k8s_service = c.row(
        plan.uid("k8s_service", service.name),
        namespace_id=ns_id,
        name=service.name,
        type="LoadBalancer" if service.type == "gateway" else "ClusterIP",
        cluster_ip=f"172.20.{10 + service.index}.{20 + service.index}",
        external_ips=[f"{plan.profile['public_ip_prefix']}.5"] if service.type == "gateway" else [],
        ports=Json([{"port": 80, "targetPort": 8080, "protocol": "TCP"}]),
        selector=Json({"app": service.name}),
        endpoint_count=plan.instances,
        ready_endpoints=plan.instances,
    )
    configmap = c.row(
        plan.uid("configmap", service.name),
        namespace_id=ns_id,
        name=f"{service.name}-config",
        data_keys=["LOG_LEVEL", "HTTP_TIMEOUT_MS"] + (["PSP_TIMEOUT_MS", "PSP_RETRIES"] if incident_dep else []),
        data_size_bytes=420 + 40 * service.index,
        used_by=[service.name],
        resource_version=str(100000 + service.index * 37),
        updated_at=now - timedelta(minutes=DEPLOY_MIN + 2) if incident_dep else now - timedelta(days=10),
    )
    secrets = []
    if service.store_system:
        secrets.append(
            c.row(
                plan.uid("secret", service.name),
                namespace_id=ns_id,
                name=f"{service.name}-db-credentials",
                type="Opaque",
                data_keys=["username", "password"],
                used_by=[service.name],
                managed_by="external-secrets",
                last_rotated_at=now - timedelta(days=rng.randint(5, 400)),
            )
        )
    return deployment, k8s_service, configmap, secrets


def _cluster_secret_rows(c: _Cluster) -> list[dict[str, Any]]:
    """The TLS certificate (org A's expires in 9 days) and the registry pull secret."""
    plan, now = c.plan, c.now
    first_ns = c.ns_ids[plan.profile["namespaces"][0]]
    return [
        c.row(
            plan.uid("secret", "tls"),
            namespace_id=first_ns,
            name=f"{plan.profile['code']}-tls",
            type="kubernetes.io/tls",
            data_keys=["tls.crt", "tls.key"],
            used_by=[plan.services[0].name],
            managed_by="cert-manager",
            last_rotated_at=now - timedelta(days=81),
            expires_at=now + timedelta(days=9 if plan.incident else 44),
        ),
        c.row(
            plan.uid("secret", "registry"),
            namespace_id=first_ns,
            name="registry-pull",
            type="kubernetes.io/dockerconfigjson",
            data_keys=[".dockerconfigjson"],
            used_by=[s.name for s in plan.services[:3]],
            last_rotated_at=now - timedelta(days=412),
        ),
    ]


def _hpa_rows(c: _Cluster, rng: random.Random) -> list[dict[str, Any]]:
    """Autoscalers of the first three services; the incident service's is at its maximum."""
    plan, now = c.plan, c.now
    story = plan.story if plan.incident else {}
    rows = []
    for service in plan.services[:3]:
        at_max = plan.incident and service.name == story.get("incident_service")
        rows.append(
            c.row(
                plan.uid("hpa", service.name),
                namespace_id=c.ns_ids.get(service.namespace),
                name=f"{service.name}-hpa",
                target_name=service.name,
                min_replicas=plan.instances,
                max_replicas=plan.instances * 3,
                current_replicas=plan.instances * 3 if at_max else plan.instances,
                desired_replicas=plan.instances * 3 if at_max else plan.instances,
                target_cpu_utilization=70,
                current_cpu_utilization=93 if at_max else rng.randint(35, 60),
                conditions=Json(
                    [
                        {
                            "type": "ScalingLimited",
                            "status": "True" if at_max else "False",
                            "reason": "TooManyReplicas" if at_max else "DesiredWithinRange",
                        }
                    ]
                ),
                last_scale_time=now - timedelta(minutes=33 if at_max else rng.randint(60, 3000)),
            )
        )
    return rows


def _broken_workload_rows(
    c: _Cluster,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Pods, deployment and service of the story's broken workloads: the crash loop and the OOM-killed job."""
    plan, now = c.plan, c.now
    pods, deployments, k8s_services = [], [], []
    for extra in extra_workloads(plan):
        ns_id = c.ns_ids.get(extra["namespace"])
        crash = extra["kind"] == "crashloop"
        container = {
            "name": "mailer" if crash else "importer",
            "ready": False,
            "state": "waiting" if crash else "terminated",
            "reason": "CrashLoopBackOff" if crash else "OOMKilled",
        }
        pods.append(
            c.row(
                plan.uid("pod", c.spec["name"], extra["pod"]),
                namespace_id=ns_id,
                node_id=c.node_ids[-1],
                name=extra["pod"],
                owner_kind="ReplicaSet" if crash else "Job",
                owner_name=extra["deployment"],
                status="CrashLoopBackOff" if crash else "OOMKilled",
                phase="Running" if crash else "Failed",
                restart_count=CRASHLOOP_RESTARTS if crash else 0,
                containers=Json([container]),
                conditions=Json([{"type": "Ready", "status": "False"}]),
                started_at=now - timedelta(hours=3),
                last_restart_at=now - timedelta(minutes=4) if crash else None,
            )
        )
        if not crash:
            continue
        deployments.append(
            c.row(
                plan.uid("deployment", extra["deployment"]),
                namespace_id=ns_id,
                name=extra["deployment"],
                replicas=1,
                ready_replicas=0,
                available_replicas=0,
                unavailable_replicas=1,
                updated_replicas=1,
                image=f"registry.{plan.profile['domain']}/{extra['deployment']}:0.9.3",
                revision=5,
                last_rollout_at=now - timedelta(hours=3),
                conditions=Json([{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"}]),
            )
        )
        k8s_services.append(
            c.row(
                plan.uid("k8s_service", extra["deployment"]),
                namespace_id=ns_id,
                name=extra["deployment"],
                type="ClusterIP",
                cluster_ip="172.20.99.9",
                endpoint_count=1,
                ready_endpoints=0,
            )
        )
    return pods, deployments, k8s_services


def _volume_rows(c: _Cluster) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Persistent volumes (four in production, one of them released; one elsewhere) and the claims bound to them."""
    profile = c.plan.profile
    volumes, claims = [], []
    for v in range(4 if c.prod else 1):
        name = f"pvc-{c.plan.uid('pv', c.spec['name'], v)[:8]}"
        phase = "Released" if c.prod and v == 3 else "Bound"
        storage_class = "gp3" if c.spec["provider"] == "eks" else "standard-rwo"
        volumes.append(
            c.row(
                c.plan.uid("pv", c.spec["name"], v),
                name=name,
                capacity=Json({"storage": f"{(v + 1) * 50}Gi"}),
                access_modes=["ReadWriteOnce"],
                reclaim_policy="Retain" if phase == "Released" else "Delete",
                storage_class=storage_class,
                phase=phase,
                claim_namespace=profile["namespaces"][0],
                claim_name=f"data-{v}",
            )
        )
        if phase == "Bound":
            claims.append(
                c.row(
                    c.plan.uid("pvc", c.spec["name"], v),
                    namespace_id=c.ns_ids[profile["namespaces"][0]],
                    name=f"data-{v}",
                    volume_name=name,
                    storage_class=storage_class,
                    requested_storage=f"{(v + 1) * 50}Gi",
                )
            )
    return volumes, claims
