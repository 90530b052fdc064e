"""The demo estate's alerting, reports and SLOs (PostgreSQL notification_channels, alert_rules, alert_instances,
report_definitions, report_executions, slo_definitions). For org A the error-rate, latency, disk, restart and
certificate rules fire (the story's alerts); the other organizations have one firing CPU rule.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from typing import Any

from tfo_mcp.demo.plan import ALERT_ERRORS_MIN, ALERT_LATENCY_MIN, Json, OrgPlan, Window, every, monitor_id

#: (key, name, severity, service, expression, firing since minutes ago or None)
_Spec = tuple[str, str, str, str, str, int | None]


def _alerted_services(plan: OrgPlan) -> tuple[str, str]:
    """The service whose error rate and the service whose latency the rules watch (org A: the incident's)."""
    story = plan.story if plan.incident else {}
    services = plan.services
    first_api = next((s for s in services if s.type == "api"), services[0])
    incident_service = story.get("incident_service", first_api.name)
    downstream = story.get("incident_downstream", services[min(2, len(services) - 1)].name)
    return incident_service, downstream


def _alert_specs(plan: OrgPlan) -> list[_Spec]:
    story = plan.story if plan.incident else {}
    first_api = next((s for s in plan.services if s.type == "api"), plan.services[0])
    hot_host = story.get("saturated_host") or plan.story.get("hot_host") or plan.profile["hosts"][0]["name"]
    incident_service, downstream = _alerted_services(plan)
    incident = plan.incident
    return [
        (
            "errors",
            story.get("alert_errors", f"{first_api.name} error rate above 5%"),
            "critical",
            incident_service,
            f"service_error_rate{{service='{incident_service}'}} > 5",
            ALERT_ERRORS_MIN if incident else None,
        ),
        (
            "latency",
            story.get("alert_latency", f"{downstream} p99 latency above 1s"),
            "warning",
            downstream,
            f"p99(http.server.duration{{service='{downstream}'}}) > 1000",
            ALERT_LATENCY_MIN if incident else None,
        ),
        (
            "disk",
            f"Disk usage above 90% on {hot_host}",
            "warning",
            hot_host,
            "system.disk.used_percent > 90",
            400 if incident else None,
        ),
        (
            "cpu",
            f"CPU above 85% on {hot_host}",
            "warning",
            hot_host,
            "system.cpu.utilization > 85",
            None if incident else 20,
        ),
        (
            "restarts",
            "Pod restarting more than 5 times per hour",
            "warning",
            "kubernetes",
            "increase(k8s.pod.restarts[1h]) > 5",
            170 if incident else None,
        ),
        ("uptime", "Synthetic monitor failing in 2+ regions", "critical", "uptime", "uptime_failed_regions >= 2", None),
        (
            "certificate",
            "TLS certificate expires within 14 days",
            "warning",
            "uptime",
            "ssl_days_remaining < 14",
            600 if incident else None,
        ),
        ("queue", "Consumer lag above 5000 messages", "warning", "queues", "queue.consumer_lag > 5000", None),
    ]


def alert_tables(
    plan: OrgPlan, window: Window, rng: random.Random, users: list[dict[str, Any]]
) -> list[tuple[str, list[dict[str, Any]]]]:
    """Notification channels, alert rules and alert instances (firing ones, then resolved ones)."""
    specs = _alert_specs(plan)
    rules = [_rule_row(plan, window.now, rng, users, spec) for spec in specs]
    firing = [_firing_instance_row(plan, window.now, users, spec) for spec in specs if spec[5] is not None]
    return [
        ("notification_channels", _channel_rows(plan, window.now)),
        ("alert_rules", rules),
        ("alert_instances", firing + _resolved_instance_rows(plan, window, specs)),
    ]


def _channel_rows(plan: OrgPlan, now: datetime) -> list[dict[str, Any]]:
    """Email, Slack, PagerDuty (the default) and a disabled webhook whose endpoint is gone."""
    profile = plan.profile
    channels = [
        ("email", {"to": [f"oncall@{profile['domain']}"]}, None),
        ("slack", {"channel": f"#{profile['code']}-alerts"}, None),
        ("pagerduty", {"service": f"{profile['code']}-primary"}, None),
        ("webhook", {"url": f"https://hooks.{profile['domain']}/tfo"}, "HTTP 410 Gone from webhook endpoint"),
    ]
    return [
        {
            "id": plan.uid("channel", kind),
            "organization_id": plan.id,
            "name": f"{profile['code']} {kind}",
            "type": kind,
            "config": Json(config),
            "enabled": kind != "webhook",
            "last_used_at": now - timedelta(minutes=36),
            "last_error": error,
            "error_count": 14 if error else 0,
            "is_default": kind == "pagerduty",
        }
        for kind, config, error in channels
    ]


def _rule_row(
    plan: OrgPlan, now: datetime, rng: random.Random, users: list[dict[str, Any]], spec: _Spec
) -> dict[str, Any]:
    key, name, severity, service, expr, firing = spec
    return {
        "id": plan.uid("alert_rule", key),
        "organization_id": plan.id,
        "workspace_id": plan.workspaces[0]["id"],
        "name": name,
        "severity": severity,
        "description": f"Fires when {expr}",
        "conditions": Json([{"expr": expr}]),
        "notification_channels": Json([plan.uid("channel", "pagerduty"), plan.uid("channel", "slack")]),
        "labels": Json({"service": service, "team": "platform"}),
        "enabled": key != "queue",
        "state": "firing" if firing is not None else "ok",
        "query_language": "tfql",
        "query_string": expr,
        "last_evaluated_at": now - timedelta(seconds=30),
        "last_triggered_at": now - timedelta(minutes=firing)
        if firing is not None
        else now - timedelta(days=rng.randint(2, 20)),
        "created_by": users[0]["id"],
        "created_at": now - timedelta(days=120),
    }


def _firing_instance_row(plan: OrgPlan, now: datetime, users: list[dict[str, Any]], spec: _Spec) -> dict[str, Any]:
    """The open alert of a firing rule (the error-rate alert is acknowledged)."""
    key, name, severity, service, expr, firing = spec
    assert firing is not None
    return {
        "id": plan.uid("alert_instance", key, "firing"),
        "alert_rule_id": plan.uid("alert_rule", key),
        "organization_id": plan.id,
        "workspace_id": plan.workspaces[0]["id"],
        "status": "firing",
        "severity": severity,
        "title": name,
        "description": f"{name}: condition {expr} true",
        "current_value": 31.5 if key == "errors" else 95.0,
        "threshold": 5.0 if key == "errors" else 90.0,
        "labels": Json({"service": service, "severity": severity}),
        "starts_at": now - timedelta(minutes=firing),
        "acknowledged_at": now - timedelta(minutes=30) if key == "errors" else None,
        "acknowledged_by": users[1]["id"] if key == "errors" else None,
        "fingerprint": hashlib.sha256(f"{plan.id}/{key}".encode()).hexdigest()[:16],
    }


def _resolved_instance_rows(plan: OrgPlan, window: Window, specs: list[_Spec]) -> list[dict[str, Any]]:
    """Alerts of the first three rules every 170 minutes, auto-resolved after a few minutes; outside org A also a
    recent latency spike."""
    oid, ws = plan.id, plan.workspaces[0]
    instances = []
    for n, moment in enumerate(every(window, 170, offset=40)):
        key, name, severity, service, _, _ = specs[n % 3]
        started = moment
        instances.append(
            {
                "id": plan.uid("alert_instance", key, moment.isoformat()),
                "alert_rule_id": plan.uid("alert_rule", key),
                "organization_id": oid,
                "workspace_id": ws["id"],
                "status": "resolved",
                "severity": severity,
                "title": name,
                "description": f"{name}: resolved after {7 + n} minutes",
                "current_value": 2.0,
                "threshold": 5.0,
                "labels": Json({"service": service, "severity": severity}),
                "starts_at": started,
                "ends_at": started + timedelta(minutes=7 + n),
                "resolved_at": started + timedelta(minutes=7 + n),
                "resolution": "auto-resolved",
                "fingerprint": hashlib.sha256(f"{oid}/{key}/{n}".encode()).hexdigest()[:16],
            }
        )
    if not plan.incident:
        now = window.now
        _, downstream = _alerted_services(plan)
        instances.append(
            {
                "id": plan.uid("alert_instance", "recent"),
                "alert_rule_id": plan.uid("alert_rule", "latency"),
                "organization_id": oid,
                "workspace_id": ws["id"],
                "status": "resolved",
                "severity": "warning",
                "title": specs[1][1],
                "description": "p99 latency spike during route recalculation",
                "current_value": 1340.0,
                "threshold": 1000.0,
                "labels": Json({"service": downstream, "severity": "warning"}),
                "starts_at": now - timedelta(minutes=42),
                "ends_at": now - timedelta(minutes=31),
                "resolved_at": now - timedelta(minutes=31),
                "resolution": "auto-resolved",
            }
        )
    return instances


def report_tables(plan: OrgPlan, now: datetime, users: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Report definitions and the executions of the last week's daily SLO digest (yesterday's failed) and of an
    ad-hoc postmortem."""
    profile = plan.profile
    reports = [
        ("Weekly SLA report", "sla", "0 6 * * 1", True),
        ("Monthly cost review", "cost", "0 7 1 * *", True),
        ("Incident postmortem", "incident", "manual", True),
        ("Quarterly security review", "security", "manual", False),
        ("Daily SLO digest", "slo", "0 5 * * *", True),
    ]
    definitions = [
        {
            "id": plan.uid("report", name),
            "organization_id": plan.id,
            "workspace_id": plan.workspaces[0]["id"],
            "name": f"{name} - {profile['name']}",
            "type": kind,
            "schedule": schedule,
            "format": "pdf",
            "recipients": Json([f"leads@{profile['domain']}"]),
            "enabled": enabled,
            "created_by": users[0]["id"],
            "created_at": now - timedelta(days=150),
        }
        for name, kind, schedule, enabled in reports
    ]
    return [("report_definitions", definitions), ("report_executions", _report_execution_rows(plan, now))]


def _report_execution_rows(plan: OrgPlan, now: datetime) -> list[dict[str, Any]]:
    domain = plan.profile["domain"]
    executions = []
    for day in range(7):
        started = (now - timedelta(days=day)).replace(hour=5, minute=0, second=0)
        if started >= now:
            continue
        failed = day == 1
        executions.append(
            {
                "id": plan.uid("report_exec", "slo", day),
                "report_definition_id": plan.uid("report", "Daily SLO digest"),
                "organization_id": plan.id,
                "status": "failed" if failed else "completed",
                "trigger": "schedule",
                "started_at": started,
                "completed_at": started + timedelta(seconds=95),
                "duration_ms": 95000,
                "error_message": "ClickHouse query timed out after 30 s" if failed else None,
                "output_url": None if failed else f"https://reports.{domain}/slo/{day}.pdf",
                "output_size_bytes": None if failed else 180_000 + day,
            }
        )
    executions.append(
        {
            "id": plan.uid("report_exec", "adhoc"),
            "report_definition_id": plan.uid("report", "Incident postmortem"),
            "organization_id": plan.id,
            "status": "completed",
            "trigger": "manual",
            "started_at": now - timedelta(minutes=18),
            "completed_at": now - timedelta(minutes=17),
            "duration_ms": 41000,
            "output_url": f"https://reports.{domain}/adhoc/latest.pdf",
            "output_size_bytes": 90_211,
        }
    )
    return executions


def slo_rows(plan: OrgPlan, now: datetime, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Availability and latency SLOs of the first five services (the alerted service's availability SLO links the
    error-rate rule) and an availability SLO on the second uptime monitor."""
    incident_service, _ = _alerted_services(plan)
    slos = []
    for service in plan.services[:5]:
        for sli, target, threshold in (("availability", 99.9, None), ("latency", 99.0, int(service.latency_ms * 4))):
            slos.append(
                {
                    "id": plan.uid("slo", service.name, sli),
                    "organization_id": plan.id,
                    "workspace_id": service.workspace_id,
                    "name": f"{service.name} {sli}",
                    "description": f"{sli} objective of {service.name}",
                    "service_name": service.name,
                    "sli_type": sli,
                    "target_percent": target,
                    "window_days": 30,
                    "latency_threshold_ms": threshold,
                    "owner_team": service.namespace,
                    "alert_rule_id": plan.uid("alert_rule", "errors")
                    if sli == "availability" and service.name == incident_service
                    else None,
                    "created_by": users[0]["id"],
                    "created_at": now - timedelta(days=60),
                }
            )
    monitor = plan.profile["monitors"][1]["name"]
    slos.append(
        {
            "id": plan.uid("slo", "uptime"),
            "organization_id": plan.id,
            "workspace_id": plan.workspaces[0]["id"],
            "name": f"{monitor} availability",
            "service_name": plan.services[0].name,
            "sli_type": "availability",
            "target_percent": 99.95,
            "window_days": 30,
            "monitor_id": monitor_id(plan, monitor),
            "created_by": users[0]["id"],
        }
    )
    return slos
