"""The demo estate's AIOps outputs: anomalies, failure predictions and signal correlations (ClickHouse
anomaly_events, predictions, signal_correlations) and remediation plans (PostgreSQL remediation_plans).
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

from tfo_mcp.demo.plan import Json, OrgPlan, Window, catalog, every, leaking_service

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


def anomaly_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    """Latency anomalies every 110 minutes, a CPU anomaly a few minutes ago and, for org A, the incident's."""
    rows = []
    for moment in every(window, 110, offset=rng.random() * 110):
        service = rng.choice(plan.services)
        z = rng.uniform(3.1, 4.6)
        expected = service.latency_ms
        description = f"{service.name} latency {z:.1f} sigma above its 7-day baseline"
        rows.append(
            _anomaly(plan, moment, service.name, "http.server.duration", "metric", "warning", z, expected * (1 + z / 5),
                     expected, description)
        )  # fmt: skip
    service = plan.services[-1]
    rows.append(
        _anomaly(plan, window.ago(8 + plan.index), service.name, "process.cpu.utilization", "metric", "warning", 3.4,
                 61.0, 38.0, f"{service.name} CPU above its daily pattern")
    )  # fmt: skip
    if plan.incident:
        rows += _story_anomalies(plan, window)
    rows.sort(key=lambda row: row[0])
    return rows


def _story_anomalies(plan: OrgPlan, window: Window) -> list[tuple[Any, ...]]:
    """The incident's critical anomalies (error rate, downstream latency, error logs, gateway 5xx), the full disk."""
    story = plan.story
    inc, down, host = story["incident_service"], story["incident_downstream"], story["saturated_host"]
    # minutes ago, service, metric, signal, severity, z-score, observed, expected, description
    specs = (
        (37, inc, "http.server.error.count", "metric", "critical", 8.4, 31.5, 0.4,
         f"{inc} error rate jumped from 0.4% to 31.5% (8.4 sigma) after deploy {story['deploy_version']}"),
        (36, down, "http.server.duration", "metric", "critical", 6.9, 3120.0, 118.0,
         f"{down} p99 latency 3.1 s against a 118 ms baseline"),
        (35, inc, "log.error.rate", "log", "critical", 7.7, 412.0, 6.0,
         f"{inc} ERROR logs at 412/min ('PaymentGatewayTimeout') against a baseline of 6/min"),
        (34, "api-gateway", "http.server.error.count", "trace", "warning", 4.2, 9.8, 0.2,
         "api-gateway 5xx share up on /api/checkout"),
        (10, host, "system.disk.used_percent", "metric", "warning", 3.6, 94.5, 71.0,
         f"{host} disk usage above 94% and rising 0.15 points per hour"),
    )  # fmt: skip
    return [_anomaly(plan, window.ago(minutes), *spec) for minutes, *spec in specs]


def _anomaly(
    plan: OrgPlan,
    moment: datetime,
    service: str,
    metric: str,
    signal: str,
    severity: str,
    z: float,
    observed: float,
    expected: float,
    description: str,
) -> tuple[Any, ...]:
    ws = plan.workspaces[0]
    score = round(min(1.0, abs(z) / 10), 3)
    return (
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


def prediction_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
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


def signal_rows(plan: OrgPlan, window: Window, rng: random.Random, trace_ids: list[str]) -> list[tuple[Any, ...]]:
    """Weak correlations every 30 minutes; for org A the deploy-error correlation and the incident's metric-log and
    log-trace correlations, pointing at ``trace_ids`` (failed traces of the incident)."""
    rows = []
    for moment in every(window, 30, offset=rng.random() * 30):
        service = rng.choice(plan.services)
        kind = rng.choice(("metric-log", "metric-trace", "log-trace"))
        confidence = round(rng.uniform(0.55, 0.8), 3)
        context = {"window_s": 300, "lag_s": rng.randint(0, 60)}
        pattern = "slow call to * (threshold 500 ms)"
        rows.append(_signal(plan, moment, kind, service.name, "http.server.duration", pattern, "", confidence, context))
    if plan.incident:
        rows += _story_signals(plan, window, trace_ids)
    rows.sort(key=lambda row: row[0])
    return rows


def _story_signals(plan: OrgPlan, window: Window, trace_ids: list[str]) -> list[tuple[Any, ...]]:
    story = plan.story
    inc = story["incident_service"]
    ids = trace_ids or [""]
    change = {"change": f"Deploy {inc} {story['deploy_version']}", "lag_s": 420}
    rows = [_signal(plan, window.ago(36), "deploy-error", inc, "http.server.error.count", "", "", 0.93, change)]
    for n in range(6):
        rows.append(
            _signal(plan, window.ago(35 - n * 2), "metric-log", inc, "http.server.error.count",
                    "PaymentGatewayTimeout: *", ids[n % len(ids)], 0.91, {"log_count": 380 + 7 * n})
        )  # fmt: skip
        rows.append(
            _signal(plan, window.ago(34 - n * 2), "log-trace", story["incident_downstream"], "http.server.duration",
                    "PaymentGatewayTimeout: *", ids[(n + 1) % len(ids)], 0.88, {"span": "POST /payments/authorize"})
        )  # fmt: skip
    return rows


def _signal(
    plan: OrgPlan,
    moment: datetime,
    kind: str,
    service: str,
    metric: str,
    pattern: str,
    trace_id: str,
    confidence: float,
    context: dict[str, Any],
) -> tuple[Any, ...]:
    ws = plan.workspaces[0]
    return (
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


# --------------------------------------------------------------------------- PostgreSQL: remediation plans


def remediation_plan_rows(plan: OrgPlan, now: datetime) -> list[dict[str, Any]]:
    """For org A: roll back the deploy, grow the full disk, fix the crash loop; otherwise move batch jobs off the
    hot host."""
    story = plan.story
    # trigger, title, status, risk, actions, age in minutes
    if plan.incident:
        service = story["incident_service"]
        remediation = [
            (
                "anomaly",
                f"Roll back {service} to {story['previous_version']}",
                "proposed",
                "medium",
                [
                    {
                        "step": 1,
                        "action": "investigate",
                        "detail": f"Compare {story['deploy_version']} PSP timeout settings",
                    },
                    {"step": 2, "action": "manual", "detail": f"kubectl rollout undo deployment/{service}"},
                ],
                28,
            ),
            (
                "prediction",
                f"Expand the data volume of {story['saturated_host']}",
                "approved",
                "low",
                [{"step": 1, "action": "manual", "detail": "Grow the volume by 500 GB and resize the filesystem"}],
                300,
            ),
            (
                "alert",
                f"Set SMTP_RELAY_URL for {story['crashloop']['deployment']}",
                "proposed",
                "low",
                [{"step": 1, "action": "manual", "detail": "Add the missing variable to the deployment's ConfigMap"}],
                150,
            ),
        ]
    else:
        hot = story.get("hot_host", plan.profile["hosts"][0]["name"])
        remediation = [
            (
                "prediction",
                f"Move batch jobs off {hot}",
                "proposed",
                "low",
                [{"step": 1, "action": "investigate", "detail": "Review cron schedule overlap"}],
                90,
            )
        ]
    return [
        {
            "id": plan.uid("remediation", title),
            "organization_id": plan.id,
            "trigger_type": trigger,
            "trigger_id": plan.uid("trigger", title)[:36],
            "title": title,
            "description": title,
            "status": status,
            "risk_level": risk,
            "actions": Json(actions),
            "created_by": "tfo-ai",
            "created_at": now - timedelta(minutes=age),
        }
        for trigger, title, status, risk, actions, age in remediation
    ]
