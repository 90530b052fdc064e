"""The demo estate's ClickHouse rows built in Python: audit trail, Kubernetes and change events, anomalies,
predictions, correlations, security, DNS and firewall logs, costs, LLM usage and database query analytics.

Every function takes the organization's plan, the seeded window and a seeded ``random.Random``.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from tfo_mcp.demo_plan import (
    DEPLOY_MIN,
    FAILED_LOGINS_MIN,
    INCIDENT_MIN,
    OrgPlan,
    Service,
    Window,
    aurora_instances,
    catalog,
    every,
    extra_workloads,
    k8s_suffix,
    leaking_service,
    network_nodes,
    node_name,
    org_databases,
    org_users,
    region_id,
)

_USER_AGENTS = catalog()["user_agents"]
_AUDIT_ACTIONS = catalog()["audit_actions"]
AUDIT_COLUMNS = [
    "id",
    "created_at",
    "timestamp",
    "user_id",
    "user_email",
    "user_first_name",
    "user_last_name",
    "event_type",
    "action",
    "resource",
    "resource_id",
    "result",
    "error_message",
    "error_code",
    "ip_address",
    "user_agent",
    "request_method",
    "request_path",
    "metadata",
    "tenant_id",
    "workspace_id",
    "organization_id",
    "region_id",
    "session_id",
    "correlation_id",
    "duration_ms",
]


def _audit_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    import json

    users = org_users(plan)
    ws = plan.workspaces[0]
    rows = []

    def add(
        moment: datetime,
        user: dict[str, Any],
        event: tuple[str, str, str, str, str],
        result: str = "SUCCESS",
        error: str = "",
        code: str = "",
        ip: str | None = None,
        meta: dict[str, Any] | None = None,
        resource_id: str = "",
    ) -> None:
        event_type, action, resource, method, path = event
        rid = resource_id or plan.uid(resource, rng.randint(1, 40))
        rows.append(
            (
                uuid.UUID(int=rng.getrandbits(128)),
                moment,
                moment,
                user["id"],
                user["email"],
                user["first"],
                user["last"],
                event_type,
                action,
                resource,
                rid,
                result,
                error,
                code,
                ip or user["ip"],
                rng.choice(_USER_AGENTS),
                method,
                path.replace("{id}", rid[:8]),
                json.dumps(meta or {}),
                ws["tenant_id"],
                ws["id"],
                plan.id,
                region_id(plan),
                plan.uid("session", user["email"], moment.date()),
                uuid.UUID(int=rng.getrandbits(128)).hex,
                rng.randint(3, 400),
            )
        )

    for moment in every(window, 3, offset=rng.random() * 3):
        user = rng.choice(users)
        event = rng.choice(_AUDIT_ACTIONS)
        jitter = timedelta(seconds=rng.randint(0, 170))
        result, error, code = "SUCCESS", "", ""
        roll = rng.random()
        if event[1] == "login" and roll < 0.08:
            result, error, code = "FAILURE", "invalid credentials", "AUTH_INVALID_CREDENTIALS"
        elif event[0] == "AUTHZ" and roll < 0.1:
            result, error, code = "DENIED", "missing permission workspace:admin", "AUTHZ_FORBIDDEN"
        add(window.clamp(moment + jitter), user, event, result, error, code)
    if plan.incident:
        story = plan.story
        victim = next(u for u in users if f"{u['first']} {u['last']}" == story["targeted_user"])
        start, end = window.ago(FAILED_LOGINS_MIN[0]), window.ago(FAILED_LOGINS_MIN[1])
        span = (end - start).total_seconds()
        for n in range(int(story["failed_logins"])):
            moment = start + timedelta(seconds=span * n / story["failed_logins"] + rng.random())
            add(
                moment,
                victim,
                _AUDIT_ACTIONS[0],
                "FAILURE",
                "invalid credentials",
                "AUTH_INVALID_CREDENTIALS",
                ip=story["attacker_ip"],
                meta={"attempt": n + 1, "mfa": False},
            )
        for n in range(2):
            add(
                window.ago(FAILED_LOGINS_MIN[1] - 1 - n),
                victim,
                ("AUTHZ", "permission.check", "api_key", "POST", "/api/v1/api-keys"),
                "DENIED",
                "account locked after repeated failures",
                "AUTH_ACCOUNT_LOCKED",
                ip=story["attacker_ip"],
            )
        author = next((u for u in users if f"{u['first']} {u['last']}" == story["deploy_author"]), users[0])
        service = plan.service(story["incident_service"])
        assert service is not None
        add(
            window.ago(DEPLOY_MIN),
            author,
            (
                "SYSTEM",
                "deployment.update",
                "kubernetes.deployment",
                "PATCH",
                f"/api/v1/clusters/{plan.profile['clusters'][0]['name']}/deployments/{service.name}",
            ),
            meta={
                "image": f"registry.{plan.profile['domain']}/{service.name}:{story['deploy_version']}",
                "previous": story["previous_version"],
                "revision": story["deploy_revision"],
            },
            resource_id=plan.uid("deployment", service.name),
        )
        responder = next((u for u in users if u["role"] == "sre"), users[0])
        add(
            window.ago(30),
            responder,
            ("DATA", "alert.acknowledge", "alert_instance", "POST", "/api/v1/alerts/{id}/acknowledge"),
            meta={"comment": "looking into checkout errors"},
        )
    rows.sort(key=lambda row: row[0])
    return rows


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


def _k8s_event_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    rows = []
    ws = plan.workspaces[-1]
    prod = plan.profile["clusters"][0]
    cid = plan.cluster_ids[prod["name"]]

    def add(
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
        cluster_id: str = cid,
    ) -> None:
        rows.append(
            (
                moment,
                cluster_id,
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
        )

    for moment in every(window, 12, offset=rng.random() * 12):
        service = rng.choice(plan.services)
        pod = rng.choice(service.pods)
        image = f"registry.{plan.profile['domain']}/{service.name}"
        node = node_name(prod, rng.randrange(prod["nodes"]))
        reason, message = rng.choice(
            (
                (
                    "Pulled",
                    f'Container image "{image}:{service.version}" already present on machine',
                ),
                ("Started", f"Started container {service.name}"),
                (
                    "Scheduled",
                    f"Successfully assigned {service.namespace}/{pod} to {node}",
                ),
                ("SuccessfulCreate", f"Created pod: {pod}"),
            )
        )
        add(moment, service.namespace, "Normal", reason, message, "kubelet", "Pod", pod)
    for cluster in plan.profile["clusters"]:
        for moment in every(window, 240, offset=37):
            add(
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
    if plan.incident:
        story = plan.story
        extras = extra_workloads(plan)
        crash = next(e for e in extras if e["kind"] == "crashloop")
        failed = next(e for e in extras if e["kind"] == "failed")
        first = window.clamp(window.ago(180))
        count = 0
        for moment in every(window, 5):
            if moment < first:
                continue
            count += 1
            add(
                moment,
                crash["namespace"],
                "Warning",
                "BackOff",
                f"Back-off restarting failed container mailer in pod {crash['pod']}",
                "kubelet",
                "Pod",
                crash["pod"],
                count=count,
                first=first,
            )
        add(
            window.ago(170),
            crash["namespace"],
            "Warning",
            "Failed",
            "Error: failed to start container mailer: SMTP_RELAY_URL not set",
            "kubelet",
            "Pod",
            crash["pod"],
        )
        add(
            window.clamp(window.ago(130)),
            failed["namespace"],
            "Warning",
            "OOMKilling",
            f"Memory cgroup out of memory: Killed process 4121 (java) in pod {failed['pod']}",
            "kernel-monitor",
            "Pod",
            failed["pod"],
        )
        service = plan.service(story["incident_service"])
        assert service is not None
        old_rs = k8s_suffix(random.Random(f"oldrs/{plan.index}"), 10)
        deploy = window.ago(DEPLOY_MIN)
        add(
            deploy,
            service.namespace,
            "Normal",
            "ScalingReplicaSet",
            f"Scaled up replica set {service.name}-{service.replicaset} to {plan.instances}",
            "deployment-controller",
            "Deployment",
            service.name,
        )
        add(
            deploy + timedelta(seconds=50),
            service.namespace,
            "Normal",
            "ScalingReplicaSet",
            f"Scaled down replica set {service.name}-{old_rs} to 0 from {plan.instances}",
            "deployment-controller",
            "Deployment",
            service.name,
        )
        new_version = story["deploy_version"]
        for pod in service.pods:
            add(
                deploy + timedelta(seconds=20),
                service.namespace,
                "Normal",
                "Pulled",
                f'Successfully pulled image "registry.{plan.profile["domain"]}/{service.name}:{new_version}" in 3.2s',
                "kubelet",
                "Pod",
                pod,
            )
            add(
                window.ago(INCIDENT_MIN[0] - 2),
                service.namespace,
                "Warning",
                "Unhealthy",
                "Readiness probe failed: HTTP probe failed with statuscode: 503",
                "kubelet",
                "Pod",
                pod,
                count=7,
                first=window.ago(INCIDENT_MIN[0]),
            )
    rows.sort(key=lambda row: row[0])
    return rows


CHANGE_COLUMNS = [
    "timestamp",
    "change_id",
    "change_type",
    "source",
    "service_name",
    "environment",
    "cluster_id",
    "namespace",
    "version",
    "previous_version",
    "author",
    "title",
    "description",
    "status",
    "risk",
    "metadata",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _change_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    users = org_users(plan)
    prod = plan.profile["clusters"][0]
    cid = plan.cluster_ids[prod["name"]]
    rows = []

    def add(
        moment: datetime,
        kind: str,
        source: str,
        service: Service | None,
        version: str,
        previous: str,
        author: str,
        title: str,
        description: str,
        status: str = "succeeded",
        risk: str = "low",
        meta: dict[str, str] | None = None,
    ) -> None:
        ws = (
            plan.workspaces[0]
            if service is None
            else next(w for w in plan.workspaces if w["id"] == service.workspace_id)
        )
        rows.append(
            (
                moment,
                plan.uid("change", moment.isoformat(), title),
                kind,
                source,
                service.name if service else "",
                "production",
                cid,
                service.namespace if service else "",
                version,
                previous,
                author,
                title,
                description,
                status,
                risk,
                meta or {},
                plan.id,
                ws["id"],
                ws["tenant_id"],
            )
        )

    for moment in every(window, 150, offset=rng.random() * 60):
        service = rng.choice(plan.services)
        author = rng.choice(users)
        roll = rng.random()
        if roll < 0.55:
            previous = service.version
            version = previous.rsplit(".", 1)[0] + f".{int(previous.rsplit('.', 1)[1]) + 1}"
            add(
                moment,
                "deployment",
                "argocd",
                service,
                version,
                previous,
                f"{author['first']} {author['last']}",
                f"Deploy {service.name} {version}",
                f"Rolling update of {service.name} to {version}",
                meta={"commit": uuid.UUID(int=rng.getrandbits(128)).hex[:12]},
            )
        elif roll < 0.8:
            add(
                moment,
                "config",
                "github-actions",
                service,
                "",
                "",
                f"{author['first']} {author['last']}",
                f"Update {service.name} configuration",
                "Raised connection pool timeout from 2s to 3s",
                risk="medium",
            )
        else:
            add(
                moment,
                "scaling",
                "kubernetes",
                service,
                "",
                "",
                "horizontal-pod-autoscaler",
                f"Scale {service.name} to {plan.instances + 1} replicas",
                "CPU above target for 3 minutes",
            )
    lead = users[min(2, len(users) - 1)]
    flag_service = plan.services[min(3, len(plan.services) - 1)]
    add(
        window.ago(15 + 3 * plan.index),
        "feature_flag",
        "launchdarkly",
        flag_service,
        "",
        "",
        f"{lead['first']} {lead['last']}",
        f"Enable flag {flag_service.name}-fast-path for 25% of traffic",
        "Progressive rollout of the fast path",
        risk="low",
    )
    add(
        window.ago(200),
        "infrastructure",
        "terraform",
        None,
        "",
        "",
        "terraform-cloud",
        "Resize node pool to " + prod.get("instance_type", "standard"),
        "Node pool instance type change",
        risk="medium",
    )
    if plan.incident:
        story = plan.story
        service = plan.service(story["incident_service"])
        assert service is not None
        add(
            window.ago(DEPLOY_MIN),
            "deployment",
            "argocd",
            service,
            story["deploy_version"],
            story["previous_version"],
            story["deploy_author"],
            f"Deploy {service.name} {story['deploy_version']}",
            "New payment retry policy: PSP timeout lowered to 3000 ms, retries disabled",
            risk="high",
            meta={
                "revision": str(story["deploy_revision"]),
                "image_tag": story["deploy_version"],
                "pull_request": "#4821",
            },
        )
    rows.sort(key=lambda row: row[0])
    return rows


ANOMALY_COLUMNS = [
    "timestamp",
    "anomaly_id",
    "organization_id",
    "workspace_id",
    "tenant_id",
    "detection_rule_id",
    "service_name",
    "metric_name",
    "signal_type",
    "severity",
    "anomaly_score",
    "z_score",
    "sigma_level",
    "observed_value",
    "expected_value",
    "description",
]


def _anomaly_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    ws = plan.workspaces[0]
    rows = []

    def add(
        moment: datetime,
        service: str,
        metric: str,
        signal: str,
        severity: str,
        z: float,
        observed: float,
        expected: float,
        description: str,
    ) -> None:
        score = round(min(1.0, abs(z) / 10), 3)
        rows.append(
            (
                moment.replace(microsecond=0),
                plan.uid("anomaly", moment.isoformat(), metric),
                plan.id,
                ws["id"],
                ws["tenant_id"],
                plan.uid("detector", signal, metric),
                service,
                metric,
                signal,
                severity,
                score,
                round(z, 2),
                round(abs(z), 1),
                round(observed, 3),
                round(expected, 3),
                description,
            )
        )

    for moment in every(window, 110, offset=rng.random() * 110):
        service = rng.choice(plan.services)
        z = rng.uniform(3.1, 4.6)
        expected = service.latency_ms
        add(
            moment,
            service.name,
            "http.server.duration",
            "metric",
            "warning",
            z,
            expected * (1 + z / 5),
            expected,
            f"{service.name} latency {z:.1f} sigma above its 7-day baseline",
        )
    service = plan.services[-1]
    add(
        window.ago(8 + plan.index),
        service.name,
        "process.cpu.utilization",
        "metric",
        "warning",
        3.4,
        61.0,
        38.0,
        f"{service.name} CPU above its daily pattern",
    )
    if plan.incident:
        story = plan.story
        inc, down = story["incident_service"], story["incident_downstream"]
        add(
            window.ago(37),
            inc,
            "http.server.error.count",
            "metric",
            "critical",
            8.4,
            31.5,
            0.4,
            f"{inc} error rate jumped from 0.4% to 31.5% (8.4 sigma) after deploy {story['deploy_version']}",
        )
        add(
            window.ago(36),
            down,
            "http.server.duration",
            "metric",
            "critical",
            6.9,
            3120.0,
            118.0,
            f"{down} p99 latency 3.1 s against a 118 ms baseline",
        )
        add(
            window.ago(35),
            inc,
            "log.error.rate",
            "log",
            "critical",
            7.7,
            412.0,
            6.0,
            f"{inc} ERROR logs at 412/min ('PaymentGatewayTimeout') against a baseline of 6/min",
        )
        add(
            window.ago(34),
            "api-gateway",
            "http.server.error.count",
            "trace",
            "warning",
            4.2,
            9.8,
            0.2,
            "api-gateway 5xx share up on /api/checkout",
        )
        add(
            window.ago(10),
            story["saturated_host"],
            "system.disk.used_percent",
            "metric",
            "warning",
            3.6,
            94.5,
            71.0,
            f"{story['saturated_host']} disk usage above 94% and rising 0.15 points per hour",
        )
    rows.sort(key=lambda row: row[0])
    return rows


PREDICTION_COLUMNS = [
    "timestamp",
    "prediction_id",
    "organization_id",
    "workspace_id",
    "tenant_id",
    "resource_type",
    "resource_identifier",
    "horizon",
    "failure_probability",
    "health_score",
    "health_status",
    "predicted_metric",
    "current_value",
    "predicted_value",
    "model",
    "r_squared",
    "reason",
]


_HORIZONS = catalog()["horizons"]


def _health_status(probability: float) -> str:
    if probability >= 0.8:
        return "critical"
    if probability >= 0.6:
        return "failing"
    if probability >= 0.3:
        return "degraded"
    return "healthy"


def _prediction_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    ws = plan.workspaces[-1]
    saturated = plan.story.get("saturated_host") if plan.incident else None
    hot = plan.story.get("hot_host")
    leaking = leaking_service(plan) if plan.incident else None
    resources: list[tuple[str, str, str, float, float, float]] = []
    for host in plan.profile["hosts"]:
        risk = 0.87 if host["name"] == saturated else (0.36 if host["name"] == hot else 0.03 + host["disk"] / 2000)
        metric, current = ("system.disk.used_percent", float(host["disk"]))
        if host["name"] == saturated:
            current = 94.5
        if host["name"] == hot:
            metric, current = ("system.cpu.utilization", float(host["cpu"]))
        resources.append(("host", host["name"], metric, risk, current, 100.0))
    for service in plan.services:
        risk = 0.74 if service.name == leaking else 0.02 + service.errors * 5
        metric = "process.memory.usage" if service.name == leaking else "http.server.error.count"
        resources.append(("service", service.name, metric, risk, 380 + 6 * service.latency_ms, 0.0))
    for db in plan.profile["databases"]:
        resources.append(("database", db["name"], "connections.active", 0.05, 60.0, 200.0))
    rows = []
    runs = every(window, 60, offset=max(0.0, window.total_ms / 60000 - 5) % 60)
    for run in runs:
        for rtype, name, metric, risk, current, limit in resources:
            for horizon, factor in _HORIZONS:
                probability = round(min(0.99, risk * factor * rng.uniform(0.95, 1.05)), 3)
                predicted = current + (limit - current) * probability if limit else current * (1 + probability)
                rows.append(
                    (
                        run,
                        plan.uid("prediction", run.isoformat(), name, horizon),
                        plan.id,
                        ws["id"],
                        ws["tenant_id"],
                        rtype,
                        name,
                        horizon,
                        probability,
                        round(100 * (1 - probability), 1),
                        _health_status(probability),
                        metric,
                        round(current, 3),
                        round(predicted, 3),
                        "holt-winters" if rtype == "host" else "linear-regression",
                        round(rng.uniform(0.72, 0.97), 3),
                        f"{metric} trend extrapolated over {horizon}",
                    )
                )
    return rows


SIGNAL_COLUMNS = [
    "timestamp",
    "correlation_id",
    "correlation_type",
    "service_name",
    "metric_name",
    "log_pattern",
    "trace_id",
    "confidence",
    "context",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _signal_rows(plan: OrgPlan, window: Window, rng: random.Random, trace_ids: list[str]) -> list[tuple[Any, ...]]:
    import json

    ws = plan.workspaces[0]
    rows = []

    def add(
        moment: datetime,
        kind: str,
        service: str,
        metric: str,
        pattern: str,
        trace_id: str,
        confidence: float,
        context: dict[str, Any],
    ) -> None:
        rows.append(
            (
                moment,
                plan.uid("correlation", moment.isoformat(), kind, service),
                kind,
                service,
                metric,
                pattern,
                trace_id,
                confidence,
                json.dumps(context),
                plan.id,
                ws["id"],
                ws["tenant_id"],
            )
        )

    for moment in every(window, 30, offset=rng.random() * 30):
        service = rng.choice(plan.services)
        kind = rng.choice(("metric-log", "metric-trace", "log-trace"))
        add(
            moment,
            kind,
            service.name,
            "http.server.duration",
            "slow call to * (threshold 500 ms)",
            "",
            round(rng.uniform(0.55, 0.8), 3),
            {"window_s": 300, "lag_s": rng.randint(0, 60)},
        )
    if plan.incident:
        story = plan.story
        inc = story["incident_service"]
        ids = trace_ids or [""]
        add(
            window.ago(36),
            "deploy-error",
            inc,
            "http.server.error.count",
            "",
            "",
            0.93,
            {"change": f"Deploy {inc} {story['deploy_version']}", "lag_s": 420},
        )
        for n in range(6):
            add(
                window.ago(35 - n * 2),
                "metric-log",
                inc,
                "http.server.error.count",
                "PaymentGatewayTimeout: *",
                ids[n % len(ids)],
                0.91,
                {"log_count": 380 + 7 * n},
            )
            add(
                window.ago(34 - n * 2),
                "log-trace",
                story["incident_downstream"],
                "http.server.duration",
                "PaymentGatewayTimeout: *",
                ids[(n + 1) % len(ids)],
                0.88,
                {"span": "POST /payments/authorize"},
            )
    rows.sort(key=lambda row: row[0])
    return rows


SECURITY_COLUMNS = [
    "timestamp",
    "event_id",
    "source",
    "category",
    "severity",
    "title",
    "description",
    "src_ip",
    "dst_ip",
    "target",
    "node_id",
    "user_id",
    "mitre_tactic",
    "mitre_technique",
    "threat_score",
    "action_taken",
    "status",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


_THREATS = catalog()["threats"]


def _security_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    ws = plan.workspaces[0]
    users = org_users(plan)
    nodes = {n["name"]: n for n in network_nodes(plan)}
    firewall = nodes[plan.profile["network"]["firewall"]]
    lbs = [n for n in nodes.values() if n["type"] == "load_balancer"] or [firewall]
    prefix = plan.profile["public_ip_prefix"]
    rows = []

    def add(
        moment: datetime,
        threat: tuple[str, ...],
        src: str,
        target: dict[str, Any],
        user_id: str = "",
        status: str = "resolved",
        score: float | None = None,
        title: str | None = None,
        description: str = "",
    ) -> None:
        source, category, severity, default_title, tactic, technique, action = threat
        rows.append(
            (
                moment,
                plan.uid("secevent", moment.isoformat(), category),
                source,
                category,
                severity,
                title or default_title,
                description or f"{default_title} against {target['name']}",
                src,
                target["ip"],
                target["name"],
                target["id"],
                user_id,
                tactic,
                technique,
                score if score is not None else round(rng.uniform(20, 70), 1),
                action,
                status,
                plan.id,
                ws["id"],
                ws["tenant_id"],
            )
        )

    for moment in every(window, 25, offset=rng.random() * 25):
        threat = rng.choice(_THREATS)
        add(moment, threat, f"{prefix}.{rng.randint(100, 250)}", rng.choice(lbs))
    add(window.ago(12 + plan.index), _THREATS[2], f"{prefix}.{231 + plan.index}", firewall, status="open")
    if plan.incident:
        story = plan.story
        victim = next(u for u in users if f"{u['first']} {u['last']}" == story["targeted_user"])
        brute = (
            "auth",
            "brute_force",
            "critical",
            "Credential stuffing against the storefront login",
            "credential-access",
            "T1110.004",
            "blocked",
        )
        add(
            window.ago(FAILED_LOGINS_MIN[0] - 2),
            brute,
            story["attacker_ip"],
            lbs[0],
            user_id=victim["id"],
            status="investigating",
            score=92.0,
            description=f"{story['failed_logins']} failed logins for {victim['email']} from {story['attacker_ip']} "
            "in 6 minutes; source IP now blocked at the edge",
        )
        add(
            window.ago(FAILED_LOGINS_MIN[0] + 3),
            _THREATS[2],
            story["attacker_ip"],
            firewall,
            status="investigating",
            score=64.0,
        )
    rows.sort(key=lambda row: row[0])
    return rows


DNS_COLUMNS = [
    "timestamp",
    "node_id",
    "resolver",
    "client_ip",
    "client_name",
    "query_name",
    "query_type",
    "response_code",
    "latency_ms",
    "answer_count",
    "cached",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _dns_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    profile = plan.profile
    net = profile["network"]
    nodes = {n["name"]: n for n in network_nodes(plan)}
    resolver = nodes[net["dns"]]
    clients = [n for n in nodes.values() if n["type"] in ("host", "database")]
    internal = [f"{s.name}.{s.namespace}.svc.{net['internal_domain']}" for s in plan.services]
    external = list(net["external_domains"])
    ws = plan.workspaces[-1]
    incident = (window.ago(INCIDENT_MIN[0]), window.ago(INCIDENT_MIN[1])) if plan.incident else None
    rows = []
    for moment in every(window, 0.25):
        client = rng.choice(clients)
        name = rng.choice(external) if rng.random() < 0.3 else rng.choice(internal)
        roll = rng.random()
        in_incident = incident is not None and incident[0] <= moment < incident[1] and name == external[0]
        if in_incident and roll < 0.4:
            code = "SERVFAIL"
        elif roll < 0.03:
            code, name = "NXDOMAIN", f"legacy-{rng.choice(internal)}"
        elif roll < 0.035:
            code = "TIMEOUT"
        else:
            code = "NOERROR"
        cached = int(code == "NOERROR" and rng.random() < 0.6)
        latency = 0.2 if cached else (2000.0 if code == "TIMEOUT" else round(rng.lognormvariate(1.6, 0.6), 3))
        rows.append(
            (
                moment + timedelta(milliseconds=rng.randint(0, 14000)),
                resolver["id"],
                resolver["name"],
                client["ip"],
                client["name"],
                name,
                "A" if rng.random() < 0.8 else "AAAA",
                code,
                latency,
                0 if code != "NOERROR" else rng.randint(1, 4),
                cached,
                plan.id,
                ws["id"],
                ws["tenant_id"],
            )
        )
    return rows


FIREWALL_COLUMNS = [
    "timestamp",
    "node_id",
    "firewall_name",
    "rule_id",
    "rule_name",
    "action",
    "direction",
    "protocol",
    "src_ip",
    "src_port",
    "dst_ip",
    "dst_port",
    "bytes",
    "packets",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _firewall_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    net = plan.profile["network"]
    nodes = {n["name"]: n for n in network_nodes(plan)}
    firewall = nodes[net["firewall"]]
    targets = [n for n in nodes.values() if n["type"] in ("load_balancer", "host", "database")]
    prefix = plan.profile["public_ip_prefix"]
    ws = plan.workspaces[-1]
    rules = (
        ("allow-https-in", "allow", 443),
        ("allow-ssh-bastion", "allow", 22),
        ("deny-all-in", "deny", 0),
        ("drop-known-bad", "drop", 0),
    )
    rows = []

    def add(moment: datetime, rule: tuple[str, str, int], src: str, dst: dict[str, Any], port: int) -> None:
        name, action, _ = rule
        rows.append(
            (
                moment,
                firewall["id"],
                firewall["name"],
                plan.uid("fwrule", name),
                name,
                action,
                "inbound",
                "tcp",
                src,
                rng.randint(1024, 65535),
                dst["ip"],
                port,
                rng.randint(60, 90000) if action == "allow" else 60,
                rng.randint(1, 80) if action == "allow" else 1,
                plan.id,
                ws["id"],
                ws["tenant_id"],
            )
        )

    for moment in every(window, 0.25):
        roll = rng.random()
        src = f"{prefix}.{rng.randint(1, 250)}"
        if roll < 0.85:
            add(moment, rules[0], src, rng.choice(targets), 443)
        elif roll < 0.9:
            add(moment, rules[1], src, targets[0], 22)
        elif roll < 0.97:
            add(moment, rules[2], src, rng.choice(targets), rng.choice((23, 3389, 5900, 6379, 9200)))
        else:
            add(moment, rules[3], src, rng.choice(targets), rng.choice((445, 1433)))
    if plan.incident:
        attacker = plan.story["attacker_ip"]
        start = window.ago(FAILED_LOGINS_MIN[0] + 4)
        for n in range(120):
            add(start + timedelta(seconds=n * 4), rules[2], attacker, rng.choice(targets), 1 + (n * 37) % 1024)
        for n in range(30):
            add(window.ago(FAILED_LOGINS_MIN[1] - 1) + timedelta(seconds=n * 10), rules[3], attacker, targets[0], 443)
    rows.sort(key=lambda row: row[0])
    return rows


COST_COLUMNS = [
    "timestamp",
    "organization_id",
    "workspace_id",
    "tenant_id",
    "provider",
    "account_id",
    "region",
    "service_name",
    "category",
    "resource_id",
    "resource_type",
    "usage_quantity",
    "usage_unit",
    "cost_usd",
    "tags",
]


def _cost_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    profile = plan.profile
    cloud = profile["cloud"]
    region = profile["region"]["code"]
    account = str(int(plan.uid("account").replace("-", "")[:12], 16))[:12]
    rows = []
    hour0 = window.start.replace(minute=0)
    hours = []
    moment = hour0
    while moment < window.now:
        hours.append(moment)
        moment += timedelta(hours=1)
    for moment in hours:
        for service in plan.services:
            ws = next(w for w in plan.workspaces if w["id"] == service.workspace_id)
            vcpu_hours = plan.instances * (0.5 + service.rps / 60)
            rows.append(
                (
                    moment,
                    plan.id,
                    ws["id"],
                    ws["tenant_id"],
                    cloud,
                    account,
                    region,
                    service.name,
                    "compute",
                    plan.uid("workload", service.name),
                    "kubernetes-workload",
                    round(vcpu_hours, 3),
                    "vCPU-hours",
                    round(vcpu_hours * 0.048 * rng.uniform(0.95, 1.05), 4),
                    {"team": service.namespace},
                )
            )
            if service.store_system:
                rows.append(
                    (
                        moment,
                        plan.id,
                        ws["id"],
                        ws["tenant_id"],
                        cloud,
                        account,
                        region,
                        service.name,
                        "storage",
                        plan.uid("volume", service.name),
                        "block-storage",
                        250.0,
                        "GB-hours",
                        round(0.0137 * rng.uniform(0.98, 1.02), 4),
                        {"team": service.namespace},
                    )
                )
        ws = plan.workspaces[-1]
        for db in plan.profile["databases"]:
            provider = {"azure": "azure", "atlas": "mongodb-atlas", "aws": "aws", "gcp": "gcp"}.get(
                db["provider"], cloud
            )
            rows.append(
                (
                    moment,
                    plan.id,
                    ws["id"],
                    ws["tenant_id"],
                    provider,
                    account,
                    region,
                    db["name"],
                    "database",
                    plan.uid("database", db["name"]),
                    db["type"],
                    1.0,
                    "instance-hours",
                    round(rng.uniform(0.35, 1.9), 4),
                    {"engine": db["type"]},
                )
            )
        for host in plan.profile["hosts"]:
            rows.append(
                (
                    moment,
                    plan.id,
                    ws["id"],
                    ws["tenant_id"],
                    cloud,
                    account,
                    region,
                    host["name"],
                    "compute",
                    plan.uid("agent", host["name"]),
                    "virtual-machine",
                    float(host["cores"]),
                    "vCPU-hours",
                    round(host["cores"] * 0.041 * rng.uniform(0.97, 1.03), 4),
                    {"role": host["role"]},
                )
            )
        rows.append(
            (
                moment,
                plan.id,
                ws["id"],
                ws["tenant_id"],
                cloud,
                account,
                region,
                "network-egress",
                "network",
                plan.uid("egress"),
                "data-transfer",
                round(rng.uniform(40, 90), 2),
                "GB",
                round(rng.uniform(3.6, 8.1), 4),
                {},
            )
        )
    return rows


LLM_COLUMNS = [
    "id",
    "created_at",
    "timestamp",
    "message_id",
    "conversation_id",
    "provider_id",
    "provider_type",
    "model_id",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "latency_ms",
    "time_to_first_token_ms",
    "prompt_cost_micros",
    "completion_cost_micros",
    "total_cost_micros",
    "role",
    "context_type",
    "context_id",
    "is_streaming",
    "status",
    "error_type",
    "error_message",
    "organization_id",
    "workspace_id",
    "user_id",
    "tenant_id",
]


def _llm_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    llm = plan.profile["llm"]
    users = org_users(plan)
    ws = plan.workspaces[0]
    provider_id = plan.uid("llm_provider", llm["name"])
    rows = []
    for moment in every(window, 11, offset=rng.random() * 11):
        user = rng.choice(users)
        prompt, completion = rng.randint(900, 9000), rng.randint(120, 1400)
        failed = rng.random() < 0.03
        prompt_cost, completion_cost = prompt * 3, completion * 15
        rows.append(
            (
                plan.uid("llm_usage", moment.isoformat()),
                moment,
                moment,
                plan.uid("llm_message", moment.isoformat()),
                plan.uid("conversation", user["email"], moment.hour),
                provider_id,
                llm["provider_type"],
                llm["model_id"],
                prompt,
                completion,
                prompt + completion,
                rng.randint(800, 9000),
                rng.randint(250, 1500),
                prompt_cost,
                completion_cost,
                prompt_cost + completion_cost,
                "assistant",
                rng.choice(("traces", "logs", "metrics", "alert", "kubernetes-pods", "errors")),
                "",
                int(rng.random() < 0.7),
                "error" if failed else "success",
                "rate_limit" if failed else "",
                "429 from provider" if failed else "",
                plan.id,
                ws["id"],
                user["id"],
                ws["tenant_id"],
            )
        )
    return rows


# --------------------------------------------------------------------------- ClickHouse: database monitoring rows

_MYSQL_DIGESTS = catalog()["mysql_digests"]
_PG_STATEMENTS = catalog()["pg_statements"]


def _db_tenancy(plan: OrgPlan) -> tuple[str, str, str]:
    ws = plan.workspaces[-1]
    return plan.id, ws["id"], ws["tenant_id"]


def _mysql_query_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    slow = plan.story.get("slow_query", {}) if plan.incident else {}
    rows = []
    for db in org_databases(plan, "mysql", "mariadb", "percona"):
        digests = list(_MYSQL_DIGESTS)
        if db["name"] == slow.get("instance"):
            digests.append((slow["text"], "shop", 2400.0, 25, 0))
        instance = plan.uid("database", db["name"])
        for moment in every(window, 5):
            for text, schema, avg_ms, rows_sent, indexed in digests:
                calls = max(1, int(rng.gauss(300, 60) * (0.3 if avg_ms > 100 else 1)))
                avg_us = int(avg_ms * 1000 * rng.uniform(0.85, 1.2))
                examined = rows_sent * (400000 if not indexed else 3)
                rows.append(
                    (
                        moment,
                        instance,
                        hashlib.sha256(text.encode()).hexdigest()[:32],
                        text,
                        schema,
                        calls,
                        avg_us * calls,
                        avg_us,
                        int(avg_us * rng.uniform(1.5, 4)),
                        rows_sent * calls,
                        examined * calls,
                        calls if text.startswith(("UPDATE", "INSERT", "DELETE")) else 0,
                        calls // 20 if avg_ms > 10 else 0,
                        calls // 50 if avg_ms > 1000 else 0,
                        0 if indexed else calls,
                        *_db_tenancy(plan),
                    )
                )
    return rows


MYSQL_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "digest",
    "digest_text",
    "schema_name",
    "calls",
    "total_time_us",
    "avg_time_us",
    "max_time_us",
    "rows_sent",
    "rows_examined",
    "rows_affected",
    "tmp_tables",
    "tmp_disk_tables",
    "no_index_used",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


PG_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "queryid",
    "fingerprint",
    "database_name",
    "user_name",
    "calls",
    "total_duration_ms",
    "avg_duration_ms",
    "max_duration_ms",
    "rows",
    "shared_blks_hit",
    "shared_blks_read",
    "temp_blks_written",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _pg_query_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    rows = []
    slow_db = next((d["name"] for d in org_databases(plan, "postgresql")), None)
    for db in org_databases(plan, "postgresql"):
        instance = plan.uid("database", db["name"])
        for moment in every(window, 5):
            for text, avg_ms, rows_per_call in _PG_STATEMENTS:
                factor = 45.0 if (plan.incident and db["name"] == slow_db and "popularity" in text) else 1.0
                calls = max(1, int(rng.gauss(250, 50) / (20 if avg_ms > 100 else 1)))
                avg = round(avg_ms * factor * rng.uniform(0.85, 1.2), 3)
                rows.append(
                    (
                        moment,
                        instance,
                        str(int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)),
                        text,
                        db["name"].replace("-", "_"),
                        "app",
                        calls,
                        round(avg * calls, 3),
                        avg,
                        round(avg * rng.uniform(1.5, 5), 3),
                        rows_per_call * calls,
                        calls * 40,
                        calls * (30 if factor > 1 else 2),
                        calls * 8 if factor > 1 else 0,
                        *_db_tenancy(plan),
                    )
                )
    return rows


CH_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "normalized_query_hash",
    "fingerprint",
    "database_name",
    "user_name",
    "calls",
    "total_duration_ms",
    "avg_duration_ms",
    "max_duration_ms",
    "read_rows",
    "read_bytes",
    "memory_usage",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


MONGO_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "query_hash",
    "fingerprint",
    "database_name",
    "collection",
    "operation",
    "calls",
    "total_duration_ms",
    "avg_duration_ms",
    "max_duration_ms",
    "docs_examined",
    "keys_examined",
    "docs_returned",
    "plan_summary",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _other_query_rows(plan: OrgPlan, window: Window, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    ch_rows, mongo_rows = [], []
    ch_statements = (
        ("SELECT toStartOfHour(ts), count() FROM events WHERE ts > ? GROUP BY 1", 180.0, 4e7),
        ("INSERT INTO events FORMAT Native", 35.0, 0.0),
        ("SELECT uniqExact(user_id) FROM events WHERE day = ?", 950.0, 2.5e8),
    )
    mongo_shapes = (
        ("reviews", "find", "{ product_id: ? }", 2.1, "IXSCAN { product_id: 1 }", 1.0),
        ("reviews", "aggregate", "[{ $match: { rating: ? } }, { $group: ... }]", 340.0, "COLLSCAN", 900.0),
        ("declarations", "insert", "{ ... }", 1.4, "", 0.0),
        ("declarations", "find", "{ status: ?, country: ? }", 88.0, "COLLSCAN", 400.0),
    )
    for db in org_databases(plan, "clickhouse"):
        instance = plan.uid("database", db["name"])
        for moment in every(window, 15):
            for text, avg_ms, read_rows in ch_statements:
                calls = rng.randint(20, 90)
                avg = round(avg_ms * rng.uniform(0.8, 1.3), 3)
                ch_rows.append(
                    (
                        moment,
                        instance,
                        hashlib.sha256(text.encode()).hexdigest()[:16],
                        text,
                        "analytics",
                        "etl",
                        calls,
                        round(avg * calls, 3),
                        avg,
                        round(avg * 3, 3),
                        int(read_rows * calls),
                        int(read_rows * calls * 60),
                        int(2e8 * rng.random()),
                        *_db_tenancy(plan),
                    )
                )
    for db in org_databases(plan, "mongodb"):
        instance = plan.uid("database", db["name"])
        for moment in every(window, 15):
            for collection, op, shape, avg_ms, plan_summary, examined in mongo_shapes:
                calls = rng.randint(40, 400)
                avg = round(avg_ms * rng.uniform(0.8, 1.3), 3)
                fingerprint = f"db.{collection}.{op}({shape})"
                mongo_rows.append(
                    (
                        moment,
                        instance,
                        hashlib.sha256(fingerprint.encode()).hexdigest()[:16],
                        fingerprint,
                        db["name"].replace("-", "_"),
                        collection,
                        op,
                        calls,
                        round(avg * calls, 3),
                        avg,
                        round(avg * 4, 3),
                        int(examined * calls),
                        int(calls if "IXSCAN" in plan_summary else 0),
                        calls,
                        plan_summary,
                        *_db_tenancy(plan),
                    )
                )
    return {"db_clickhouse_queries": ch_rows, "db_mongodb_queries": mongo_rows}


MSSQL_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "query_hash",
    "sql_text",
    "database_name",
    "execution_count",
    "total_worker_time_us",
    "total_elapsed_time_us",
    "total_logical_reads",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


MSSQL_WAIT_COLUMNS = [
    "timestamp",
    "instance_id",
    "wait_type",
    "wait_category",
    "wait_time_ms",
    "waiting_tasks_count",
    "signal_wait_time_ms",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


_MSSQL_STATEMENTS = catalog()["mssql_statements"]
_MSSQL_WAITS = catalog()["mssql_waits"]


def _mssql_rows(plan: OrgPlan, window: Window, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    queries, waits = [], []
    for db in org_databases(plan, "mssql"):
        instance = plan.uid("database", db["name"])
        for moment in every(window, 5):
            for text, avg_ms, reads in _MSSQL_STATEMENTS:
                calls = max(1, int(rng.gauss(120, 30) / (200 if avg_ms > 1000 else 1)))
                elapsed = int(avg_ms * 1000 * calls * rng.uniform(0.85, 1.2))
                queries.append(
                    (
                        moment,
                        instance,
                        "0x" + hashlib.sha256(text.encode()).hexdigest()[:16].upper(),
                        text,
                        "Ledger",
                        calls,
                        int(elapsed * 0.8),
                        elapsed,
                        reads * calls,
                        *_db_tenancy(plan),
                    )
                )
            for wait_type, category, base in _MSSQL_WAITS:
                wait = int(base * rng.uniform(0.6, 1.5))
                waits.append(
                    (moment, instance, wait_type, category, wait, max(1, wait // 40), wait // 12, *_db_tenancy(plan))
                )
    return {"db_mssql_queries": queries, "db_mssql_waits": waits}


AURORA_QUERY_COLUMNS = [
    "timestamp",
    "cluster_identifier",
    "instance_identifier",
    "sql_digest",
    "sql_text",
    "load_aas",
    "avg_latency_ms",
    "calls",
    "rows_examined",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


AURORA_EVENT_COLUMNS = [
    "timestamp",
    "cluster_identifier",
    "source_identifier",
    "event_type",
    "severity",
    "message",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _aurora_rows(plan: OrgPlan, window: Window, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    queries, events = [], []
    statements = (
        ("SELECT * FROM tracking_events WHERE parcel_id = ?", 0.35, 0.9),
        ("INSERT INTO tracking_events (...) VALUES (...)", 0.6, 1.2),
        ("UPDATE parcels SET status = ? WHERE id = ?", 0.25, 2.1),
        ("SELECT * FROM orders WHERE created_at > ? ORDER BY created_at", 1.4, 140.0),
    )
    for db in org_databases(plan, "aurora-mysql", "aurora-postgresql"):
        writer = aurora_instances(plan, db)[0][0]
        for moment in every(window, 5):
            for text, aas, latency in statements:
                calls = rng.randint(2000, 9000)
                queries.append(
                    (
                        moment,
                        db["name"],
                        writer,
                        hashlib.sha256(text.encode()).hexdigest()[:20],
                        text,
                        round(aas * rng.uniform(0.8, 1.3), 3),
                        round(latency * rng.uniform(0.85, 1.2), 3),
                        calls,
                        calls * 3,
                        *_db_tenancy(plan),
                    )
                )
        for moment, kind, severity, message in (
            (window.ago(600), "backup", "info", "Automated cluster snapshot completed"),
            (window.ago(190), "configuration change", "info", "DB cluster parameter group updated"),
            (window.ago(22 + plan.index), "notification", "warning", "Serverless capacity scaled to 16 ACUs"),
        ):
            events.append((window.clamp(moment), db["name"], writer, kind, severity, message, *_db_tenancy(plan)))
    return {"db_aurora_queries": queries, "db_aurora_events": events}


TABLE_STAT_COLUMNS = [
    "timestamp",
    "instance_id",
    "engine",
    "database_name",
    "schema_name",
    "table_name",
    "row_count",
    "total_bytes",
    "data_bytes",
    "index_bytes",
    "seq_scans",
    "index_scans",
    "rows_inserted",
    "rows_updated",
    "rows_deleted",
    "dead_rows",
    "bloat_ratio",
    "last_vacuum_at",
    "last_analyze_at",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


INDEX_STAT_COLUMNS = [
    "timestamp",
    "instance_id",
    "engine",
    "database_name",
    "schema_name",
    "table_name",
    "index_name",
    "index_type",
    "columns",
    "is_unique",
    "is_primary",
    "size_bytes",
    "scans",
    "tuples_read",
    "tuples_fetched",
    "bloat_ratio",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


#: table -> (rows, row bytes, [(index, columns, unique, primary, scans per interval)])
_TABLES = catalog()["tables"]
_ENGINE_TABLES = catalog()["engine_tables"]


def _table_stat_rows(plan: OrgPlan, window: Window, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    tables, indexes = [], []
    for db in plan.profile["databases"]:
        names = _ENGINE_TABLES.get(db["type"])
        if not names:
            continue
        instance = plan.uid("database", db["name"])
        database = db["name"].replace("-", "_")
        schema = "public" if db["type"] == "postgresql" else ("dbo" if db["type"] == "mssql" else database)
        for moment in every(window, 15):
            hours = (moment - window.start).total_seconds() / 3600
            for name in names:
                row_count, row_bytes, table_indexes = _TABLES[name]
                count = int(row_count * (1 + 0.001 * hours))
                data = count * row_bytes
                index_bytes = int(data * 0.35)
                bloat = 1.9 if name == "product_views" else round(1.05 + 0.1 * rng.random(), 3)
                seq = 4200 if name == "orders" and plan.incident else rng.randint(0, 40)
                tables.append(
                    (
                        moment,
                        instance,
                        db["type"],
                        database,
                        schema,
                        name,
                        count,
                        data + index_bytes,
                        data,
                        index_bytes,
                        seq,
                        rng.randint(20000, 200000),
                        rng.randint(100, 9000),
                        rng.randint(50, 4000),
                        rng.randint(0, 300),
                        int(count * (bloat - 1) * 0.1),
                        bloat,
                        window.start - timedelta(hours=30) if name == "product_views" else moment - timedelta(hours=2),
                        moment - timedelta(hours=1),
                        *_db_tenancy(plan),
                    )
                )
                for index, columns, unique, primary, scans in table_indexes:
                    indexes.append(
                        (
                            moment,
                            instance,
                            db["type"],
                            database,
                            schema,
                            name,
                            index,
                            "BTREE" if db["type"] != "postgresql" else "btree",
                            columns,
                            unique,
                            primary,
                            int(index_bytes / len(table_indexes)),
                            scans and int(scans * rng.uniform(0.8, 1.2)),
                            scans * 3,
                            scans * 2,
                            1.45 if name == "product_views" else 1.1,
                            *_db_tenancy(plan),
                        )
                    )
    return {"db_table_stats": tables, "db_index_stats": indexes}


SQLITE_INTEGRITY_COLUMNS = [
    "timestamp",
    "instance_id",
    "metric_name",
    "value_float",
    "labels",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _sqlite_integrity_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    import json

    rows = []
    for db in org_databases(plan, "sqlite3"):
        instance = plan.uid("database", db["name"])
        for n, moment in enumerate(every(window, 60, offset=30)):
            status = "FAIL" if n % 9 == 4 else "OK"
            labels = json.dumps({"check_type": "quick_check", "status": status, "instance": db["name"]})
            rows.append(
                (
                    moment,
                    instance,
                    "db.sqlite3.integrity.duration_ms",
                    round(rng.uniform(80, 240), 2),
                    labels,
                    *_db_tenancy(plan),
                )
            )
    return rows


def event_tables(
    plan: OrgPlan, window: Window, seed: int, trace_ids: list[str]
) -> list[tuple[str, list[str], list[tuple[Any, ...]]]]:
    """Every Python-built ClickHouse table of one organization: (table, columns, rows).

    Each table draws from its own ``random.Random(seed/table/org)``, so adding a table never shifts another's rows.
    ``trace_ids`` are failed traces of the incident for the signal correlations to point at.
    """

    def rng(table: str) -> random.Random:
        return random.Random(f"{seed}/{table}/{plan.index}")

    tables: list[tuple[str, list[str], list[tuple[Any, ...]]]] = [
        ("audit_logs", AUDIT_COLUMNS, _audit_rows(plan, window, rng("audit_logs"))),
        ("kubernetes_events", K8S_EVENT_COLUMNS, _k8s_event_rows(plan, window, rng("kubernetes_events"))),
        ("change_events", CHANGE_COLUMNS, _change_rows(plan, window, rng("change_events"))),
        ("anomaly_events", ANOMALY_COLUMNS, _anomaly_rows(plan, window, rng("anomaly_events"))),
        ("predictions", PREDICTION_COLUMNS, _prediction_rows(plan, window, rng("predictions"))),
        ("signal_correlations", SIGNAL_COLUMNS, _signal_rows(plan, window, rng("signal_correlations"), trace_ids)),
        ("security_events", SECURITY_COLUMNS, _security_rows(plan, window, rng("security_events"))),
        ("network_dns_queries", DNS_COLUMNS, _dns_rows(plan, window, rng("network_dns_queries"))),
        ("network_firewall_events", FIREWALL_COLUMNS, _firewall_rows(plan, window, rng("network_firewall_events"))),
        ("cost_data", COST_COLUMNS, _cost_rows(plan, window, rng("cost_data"))),
        ("llm_usage_raw", LLM_COLUMNS, _llm_rows(plan, window, rng("llm_usage_raw"))),
        ("db_mysql_queries", MYSQL_QUERY_COLUMNS, _mysql_query_rows(plan, window, rng("db_mysql_queries"))),
        ("db_postgresql_queries", PG_QUERY_COLUMNS, _pg_query_rows(plan, window, rng("db_postgresql_queries"))),
        ("db_sqlite3_integrity", SQLITE_INTEGRITY_COLUMNS, _sqlite_integrity_rows(plan, window, rng("sqlite"))),
    ]
    columns = {
        "db_clickhouse_queries": CH_QUERY_COLUMNS,
        "db_mongodb_queries": MONGO_QUERY_COLUMNS,
        "db_mssql_queries": MSSQL_QUERY_COLUMNS,
        "db_mssql_waits": MSSQL_WAIT_COLUMNS,
        "db_aurora_queries": AURORA_QUERY_COLUMNS,
        "db_aurora_events": AURORA_EVENT_COLUMNS,
        "db_table_stats": TABLE_STAT_COLUMNS,
        "db_index_stats": INDEX_STAT_COLUMNS,
    }
    for group in (
        _other_query_rows(plan, window, rng("db_other_queries")),
        _mssql_rows(plan, window, rng("db_mssql")),
        _aurora_rows(plan, window, rng("db_aurora")),
        _table_stat_rows(plan, window, rng("db_table_stats")),
    ):
        tables += [(table, columns[table], rows) for table, rows in group.items()]
    return tables
