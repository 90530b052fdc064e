"""The demo estate's PostgreSQL rows (tenancy, IAM, alerting, reports, SLOs, inventory, databases, security)
and their writer (multi-row INSERTs through ``tfo_mcp.postgres.execute``).
"""

from __future__ import annotations

import hashlib
import random
import time
from datetime import datetime, timedelta
from typing import Any

from loguru import logger

from tfo_mcp.demo_plan import (
    ALERT_ERRORS_MIN,
    ALERT_LATENCY_MIN,
    CRASHLOOP_RESTARTS,
    DEPLOY_MIN,
    FAILED_LOGINS_MIN,
    INCIDENT_LATENCY_FACTOR,
    UPTIME_REGIONS,
    OrgPlan,
    Service,
    Window,
    aurora_instances,
    catalog,
    demo_uid,
    every,
    extra_workloads,
    incident_services,
    k8s_suffix,
    monitor_id,
    network_connections,
    network_nodes,
    node_name,
    org_users,
)

# --------------------------------------------------------------------------- PostgreSQL rows


class _Json:
    """Marks a value for a jsonb column (wrapped with psycopg's Jsonb at insert time)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


_ROLES = catalog()["roles"]
_PERMISSIONS = catalog()["permissions"]
_ROLE_PERMISSIONS = catalog()["role_permissions"]
_PLANS = catalog()["plans"]
_RETENTION_DEFAULTS = catalog()["retention_defaults"]


def _global_pg_rows(plans: list[OrgPlan], now: datetime) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """Platform-wide rows (regions, plans, roles, permissions, default retention): (table, unique key, rows)."""
    regions = {}
    for plan in plans:
        region = plan.profile["region"]
        regions[region["code"]] = {
            "id": demo_uid("region", region["code"]),
            "code": region["code"],
            "name": region["name"],
            "description": f"Data residency region {region['code']}",
            "is_active": True,
        }
    roles = [
        {"id": demo_uid("role", name), "name": name, "description": text, "is_system": True, "is_active": True}
        for name, text in _ROLES.items()
    ]
    for plan in plans:
        for name in plan.profile.get("custom_roles", []):
            roles.append(
                {
                    "id": demo_uid("role", name),
                    "name": name,
                    "description": f"Custom role of {plan.name}",
                    "is_system": False,
                    "is_active": True,
                }
            )
    permissions = [
        {
            "id": demo_uid("permission", name),
            "name": name,
            "description": f"{action} {resource}",
            "resource": resource,
            "action": action,
            "is_active": True,
        }
        for name, (resource, action) in _PERMISSIONS.items()
    ]
    plan_rows = [
        {
            "id": demo_uid("plan", kind),
            "name": name,
            "type": kind,
            "description": f"{name} plan",
            "is_active": True,
            "trial_days": trial,
            "price_monthly_usd": price,
            "features": features,
            "limits": _Json(limits),
        }
        for name, kind, trial, price, features, limits in _PLANS
    ]
    retention = [
        {
            "id": demo_uid("retention-default", kind),
            "organization_id": None,
            "name": f"Default {kind} retention",
            "data_type": kind,
            "retention_days": days,
            "archive_enabled": False,
            "is_default": True,
            "is_active": True,
            "last_enforced_at": now - timedelta(hours=3),
        }
        for kind, days in _RETENTION_DEFAULTS.items()
    ]
    return [
        ("regions", "code", list(regions.values())),
        ("roles", "name", roles),
        ("permissions", "name", permissions),
        ("plans", "type", plan_rows),
        ("retention_policies", "id", retention),
    ]


def _org_pg_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every organization-level row of one organization, in insertion (foreign key) order."""
    now = window.now
    profile = plan.profile
    story = plan.story if plan.incident else {}
    users = org_users(plan)
    oid = plan.id
    ws0 = plan.workspaces[0]
    out: list[tuple[str, list[dict[str, Any]]]] = []

    out.append(
        (
            "organizations",
            [
                {
                    "organization_id": oid,
                    "name": profile["name"],
                    "code": profile["code"],
                    "description": f"{profile['name']} production estate",
                    "domain": profile["domain"],
                    "region_id": demo_uid("region", profile["region"]["code"]),
                    "is_active": True,
                    "created_at": now - timedelta(days=400 - 90 * plan.index),
                    "updated_at": now - timedelta(days=3),
                }
            ],
        )
    )
    out.append(
        (
            "workspaces",
            [
                {
                    "workspace_id": ws["id"],
                    "organization_id": oid,
                    "name": ws["name"],
                    "code": ws["code"],
                    "description": f"{ws['name']} workspace",
                    "is_active": True,
                    "datasource_config": _Json(
                        {"clickhouse": {"database": "default"}, "retention_profile": ws["code"]}
                    ),
                    "created_at": now - timedelta(days=380 - 10 * n),
                }
                for n, ws in enumerate(plan.workspaces)
            ],
        )
    )
    out.append(
        (
            "tenants",
            [
                {
                    "tenant_id": ws["tenant_id"],
                    "workspace_id": ws["id"],
                    "name": ws["tenant_code"].replace("-", " ").title(),
                    "code": ws["tenant_code"],
                    "is_active": True,
                }
                for ws in plan.workspaces
            ],
        )
    )
    plan_type = profile["plan"]
    out.append(
        (
            "subscriptions",
            [
                {
                    "id": plan.uid("subscription"),
                    "organization_id": oid,
                    "plan_id": demo_uid("plan", plan_type),
                    "status": "active",
                    "seats": len(users) + 10,
                    "billing_email": f"billing@{profile['domain']}",
                    "current_period_start": (now - timedelta(days=12)).replace(hour=0, minute=0),
                    "current_period_end": (now + timedelta(days=18)).replace(hour=0, minute=0),
                }
            ],
        )
    )

    user_rows = []
    for user in users:
        last = user["index"] == len(users) - 1
        targeted = story and f"{user['first']} {user['last']}" == story.get("targeted_user")
        privileged = user["role"] in ("admin", "sre", "security-analyst")
        user_rows.append(
            {
                "id": user["id"],
                "email": user["email"],
                "firstName": user["first"],
                "lastName": user["last"],
                "isActive": not last,
                "emailVerified": True,
                "lastLoginAt": now - (timedelta(days=63) if last else timedelta(minutes=rng.randint(5, 600))),
                "loginCount": rng.randint(20, 900),
                "failedLoginAttempts": int(story["failed_logins"]) if targeted else 0,
                "lockedUntil": now + timedelta(minutes=15) if targeted else None,
                "isOrganizationCreator": user["index"] == 0,
                "createdAt": now - timedelta(days=300 - 20 * user["index"]),
                "updatedAt": now - timedelta(hours=user["index"] + 1),
                "organization_id": oid,
                "tenant_id": ws0["tenant_id"],
                "mfa_enabled": privileged,
                "mfa_enrolled_at": now - timedelta(days=120) if privileged else None,
                "email_verified_at": now - timedelta(days=299),
            }
        )
    out.append(("users", user_rows))
    assignments, grants = [], []
    custom = profile.get("custom_roles", [])
    for user in users:
        assignments.append(
            {
                "user_id": user["id"],
                "role_id": demo_uid("role", user["role"]),
                "tenant_id": ws0["tenant_id"],
                "assigned_by": users[0]["id"],
                "assigned_at": now - timedelta(days=200),
            }
        )
        if user["role"] == "sre" and custom:
            assignments.append(
                {
                    "user_id": user["id"],
                    "role_id": demo_uid("role", custom[0]),
                    "tenant_id": ws0["tenant_id"],
                    "assigned_by": users[0]["id"],
                    "assigned_at": now - timedelta(days=20),
                    "expires_at": now + timedelta(days=10),
                }
            )
    grants.append(
        {
            "user_id": users[1]["id"],
            "permission_id": demo_uid("permission", "billing:manage"),
            "granted_by": users[0]["id"],
            "granted_at": now - timedelta(days=40),
        }
    )
    out.append(("user_roles", assignments))
    out.append(("user_permissions", grants))
    sessions = []
    for user in users:
        for n in range(1 + user["index"] % 3):
            created = now - timedelta(hours=rng.randint(1, 70))
            sessions.append(
                {
                    "id": plan.uid("user_session", user["email"], n),
                    "user_id": user["id"],
                    "device_name": rng.choice(("MacBook Pro", "ThinkPad X1", "iPhone 15", "Pixel 8")),
                    "device_type": rng.choice(("desktop", "mobile")),
                    "browser": rng.choice(("Chrome", "Firefox", "Safari")),
                    "browser_version": f"{rng.randint(110, 125)}.0",
                    "os": rng.choice(("macOS", "Windows", "Linux", "iOS")),
                    "os_version": f"{rng.randint(10, 14)}.{rng.randint(0, 6)}",
                    "ip_address": user["ip"],
                    "location": _Json(
                        {"country": profile["region"]["code"][:2].upper(), "city": profile["region"]["name"]}
                    ),
                    "remember_me": n == 0,
                    "is_current": n == 0,
                    "last_activity_at": now - timedelta(minutes=rng.randint(1, 240)),
                    "expires_at": created + timedelta(hours=8 if n else 72),
                    "created_at": created,
                }
            )
    out.append(("user_sessions", sessions))

    key_specs = (
        ("ci-deploy", "service", True, None, 4200, None),
        ("otel-ingest-prod", "ingest", True, None, 9_800_000, None),
        ("grafana-readonly", "standard", True, None, 52_000, None),
        ("legacy-migration", "standard", True, now - timedelta(days=31), 310, None),
        ("contractor-export", "standard", False, None, 77, now - timedelta(days=9)),
    )
    keys = []
    for name, kind, active, expires, usage, revoked in key_specs:
        hint = hashlib.sha256(f"{oid}/{name}".encode()).hexdigest()
        keys.append(
            {
                "id": plan.uid("api_key", name),
                "organization_id": oid,
                "workspace_id": ws0["id"],
                "api_key_id": f"tfk_{hint[:12]}",
                "name": f"{profile['code']}-{name}",
                "key_type": kind,
                "key_prefix": f"tfk_{hint[:6]}",
                "key_hash": hashlib.sha256(hint.encode()).hexdigest(),
                "key_hint": f"...{hint[-4:]}",
                "scopes": _Json(["ingest"] if kind == "ingest" else ["read"]),
                "rate_limit": 1000,
                "is_active": active,
                "expires_at": expires,
                "last_used_at": now - timedelta(minutes=rng.randint(1, 3000)),
                "usage_count": usage,
                "created_by": users[0]["id"],
                "revoked_at": revoked,
                "revoked_by": users[0]["id"] if revoked else None,
                "revocation_reason": "contract ended" if revoked else None,
                "created_at": now - timedelta(days=rng.randint(30, 300)),
            }
        )
    out.append(("api_keys", keys))
    sso_type = "saml" if plan.index % 2 == 0 else "oidc"
    out.append(
        (
            "sso_providers",
            [
                {
                    "id": plan.uid("sso", sso_type),
                    "organization_id": oid,
                    "name": f"{profile['name']} {sso_type.upper()}",
                    "provider_type": sso_type,
                    "provider_name": "okta" if sso_type == "saml" else "google",
                    "enabled": True,
                    "client_id": plan.uid("sso-client")[:18],
                    "allowed_domains": [profile["domain"]],
                    "auto_create_users": True,
                    "default_role_id": demo_uid("role", "viewer"),
                    "attribute_mapping": _Json({"email": "mail", "name": "displayName"}),
                    "callback_url": f"https://tfo.{profile['domain']}/auth/sso/callback",
                }
            ],
        )
    )
    masking = [
        ("Mask customer emails", [{"field": "email", "pattern": "email", "action": "hash"}], True),
        ("Redact payment card numbers", [{"field": "body", "pattern": "pan", "action": "redact"}], True),
        ("Truncate client IPs", [{"field": "ip_address", "pattern": "ipv4", "action": "truncate"}], plan.index != 0),
    ]
    out.append(
        (
            "data_masking_policies",
            [
                {
                    "id": plan.uid("masking", name),
                    "organization_id": oid,
                    "workspace_id": ws0["id"],
                    "name": f"{name} ({profile['code']})",
                    "description": name,
                    "is_enabled": enabled,
                    "rules": _Json(rules),
                    "created_by": users[0]["id"],
                    "created_at": now - timedelta(days=90),
                    "updated_at": now - timedelta(days=2),
                }
                for name, rules, enabled in masking
            ],
        )
    )
    out.append(
        (
            "retention_policies",
            [
                {
                    "id": plan.uid("retention", kind),
                    "organization_id": oid,
                    "name": f"{profile['code']} {kind}",
                    "data_type": kind,
                    "retention_days": days,
                    "archive_enabled": archive,
                    "archive_destination": f"s3://{profile['code']}-archive/{kind}" if archive else None,
                    "is_default": False,
                    "is_active": True,
                    "last_enforced_at": now - timedelta(hours=2),
                }
                for kind, days, archive in (("logs", 14, False), ("traces", 7, False), ("audit_logs", 730, True))
            ],
        )
    )
    llm = profile["llm"]
    out.append(
        (
            "llm_providers",
            [
                {
                    "id": plan.uid("llm_provider", llm["name"]),
                    "organization_id": oid,
                    "name": llm["name"],
                    "provider_type": llm["provider_type"],
                    "api_key_hint": "...k3y9",
                    "model_id": llm["model_id"],
                    "is_default": True,
                    "is_active": True,
                    "last_used_at": now - timedelta(minutes=7),
                    "usage_count": 1840,
                    "created_by": users[0]["id"],
                },
                {
                    "id": plan.uid("llm_provider", "local"),
                    "organization_id": oid,
                    "name": f"{profile['code']} local Ollama",
                    "provider_type": "ollama",
                    "base_url": "http://127.0.0.1:11434",
                    "model_id": "llama3.3:70b",
                    "is_default": False,
                    "is_active": False,
                    "usage_count": 12,
                    "created_by": users[0]["id"],
                },
            ],
        )
    )
    out += _alerting_rows(plan, window, rng, users)
    out += _inventory_rows(plan, window, rng)
    out += _database_pg_rows(plan, window, rng)
    out += _security_pg_rows(plan, window, rng, users)
    return out


def _alerting_rows(
    plan: OrgPlan, window: Window, rng: random.Random, users: list[dict[str, Any]]
) -> list[tuple[str, list[dict[str, Any]]]]:
    now = window.now
    profile = plan.profile
    oid = plan.id
    ws = plan.workspaces[0]
    story = plan.story if plan.incident else {}
    services = plan.services
    first_api = next((s for s in services if s.type == "api"), services[0])
    hot_host = story.get("saturated_host") or plan.story.get("hot_host") or profile["hosts"][0]["name"]
    channels = [
        ("email", {"to": [f"oncall@{profile['domain']}"]}, None),
        ("slack", {"channel": f"#{profile['code']}-alerts"}, None),
        ("pagerduty", {"service": f"{profile['code']}-primary"}, None),
        ("webhook", {"url": f"https://hooks.{profile['domain']}/tfo"}, "HTTP 410 Gone from webhook endpoint"),
    ]
    channel_rows = [
        {
            "id": plan.uid("channel", kind),
            "organization_id": oid,
            "name": f"{profile['code']} {kind}",
            "type": kind,
            "config": _Json(config),
            "enabled": kind != "webhook",
            "last_used_at": now - timedelta(minutes=36),
            "last_error": error,
            "error_count": 14 if error else 0,
            "is_default": kind == "pagerduty",
        }
        for kind, config, error in channels
    ]
    incident_service = story.get("incident_service", first_api.name)
    downstream = story.get("incident_downstream", services[min(2, len(services) - 1)].name)
    # (key, name, severity, service, expr, firing since minutes ago or None)
    specs = [
        (
            "errors",
            story.get("alert_errors", f"{first_api.name} error rate above 5%"),
            "critical",
            incident_service,
            f"service_error_rate{{service='{incident_service}'}} > 5",
            ALERT_ERRORS_MIN if plan.incident else None,
        ),
        (
            "latency",
            story.get("alert_latency", f"{downstream} p99 latency above 1s"),
            "warning",
            downstream,
            f"p99(http.server.duration{{service='{downstream}'}}) > 1000",
            ALERT_LATENCY_MIN if plan.incident else None,
        ),
        (
            "disk",
            f"Disk usage above 90% on {hot_host}",
            "warning",
            hot_host,
            "system.disk.used_percent > 90",
            400 if plan.incident else None,
        ),
        (
            "cpu",
            f"CPU above 85% on {hot_host}",
            "warning",
            hot_host,
            "system.cpu.utilization > 85",
            None if plan.incident else 20,
        ),
        (
            "restarts",
            "Pod restarting more than 5 times per hour",
            "warning",
            "kubernetes",
            "increase(k8s.pod.restarts[1h]) > 5",
            170 if plan.incident else None,
        ),
        ("uptime", "Synthetic monitor failing in 2+ regions", "critical", "uptime", "uptime_failed_regions >= 2", None),
        (
            "certificate",
            "TLS certificate expires within 14 days",
            "warning",
            "uptime",
            "ssl_days_remaining < 14",
            600 if plan.incident else None,
        ),
        ("queue", "Consumer lag above 5000 messages", "warning", "queues", "queue.consumer_lag > 5000", None),
    ]
    rules, instances = [], []
    for key, name, severity, service, expr, firing in specs:
        rule_id = plan.uid("alert_rule", key)
        rules.append(
            {
                "id": rule_id,
                "organization_id": oid,
                "workspace_id": ws["id"],
                "name": name,
                "severity": severity,
                "description": f"Fires when {expr}",
                "conditions": _Json([{"expr": expr}]),
                "notification_channels": _Json([plan.uid("channel", "pagerduty"), plan.uid("channel", "slack")]),
                "labels": _Json({"service": service, "team": "platform"}),
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
        )
        if firing is not None:
            instances.append(
                {
                    "id": plan.uid("alert_instance", key, "firing"),
                    "alert_rule_id": rule_id,
                    "organization_id": oid,
                    "workspace_id": ws["id"],
                    "status": "firing",
                    "severity": severity,
                    "title": name,
                    "description": f"{name}: condition {expr} true",
                    "current_value": 31.5 if key == "errors" else 95.0,
                    "threshold": 5.0 if key == "errors" else 90.0,
                    "labels": _Json({"service": service, "severity": severity}),
                    "starts_at": now - timedelta(minutes=firing),
                    "acknowledged_at": now - timedelta(minutes=30) if key == "errors" else None,
                    "acknowledged_by": users[1]["id"] if key == "errors" else None,
                    "fingerprint": hashlib.sha256(f"{oid}/{key}".encode()).hexdigest()[:16],
                }
            )
    for n, moment in enumerate(every(window, 170, offset=40)):
        key, name, severity, service, expr, _ = specs[n % 3]
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
                "labels": _Json({"service": service, "severity": severity}),
                "starts_at": started,
                "ends_at": started + timedelta(minutes=7 + n),
                "resolved_at": started + timedelta(minutes=7 + n),
                "resolution": "auto-resolved",
                "fingerprint": hashlib.sha256(f"{oid}/{key}/{n}".encode()).hexdigest()[:16],
            }
        )
    if not plan.incident:
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
                "labels": _Json({"service": downstream, "severity": "warning"}),
                "starts_at": now - timedelta(minutes=42),
                "ends_at": now - timedelta(minutes=31),
                "resolved_at": now - timedelta(minutes=31),
                "resolution": "auto-resolved",
            }
        )
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
            "organization_id": oid,
            "workspace_id": ws["id"],
            "name": f"{name} - {profile['name']}",
            "type": kind,
            "schedule": schedule,
            "format": "pdf",
            "recipients": _Json([f"leads@{profile['domain']}"]),
            "enabled": enabled,
            "created_by": users[0]["id"],
            "created_at": now - timedelta(days=150),
        }
        for name, kind, schedule, enabled in reports
    ]
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
                "organization_id": oid,
                "status": "failed" if failed else "completed",
                "trigger": "schedule",
                "started_at": started,
                "completed_at": started + timedelta(seconds=95),
                "duration_ms": 95000,
                "error_message": "ClickHouse query timed out after 30 s" if failed else None,
                "output_url": None if failed else f"https://reports.{profile['domain']}/slo/{day}.pdf",
                "output_size_bytes": None if failed else 180_000 + day,
            }
        )
    executions.append(
        {
            "id": plan.uid("report_exec", "adhoc"),
            "report_definition_id": plan.uid("report", "Incident postmortem"),
            "organization_id": oid,
            "status": "completed",
            "trigger": "manual",
            "started_at": now - timedelta(minutes=18),
            "completed_at": now - timedelta(minutes=17),
            "duration_ms": 41000,
            "output_url": f"https://reports.{profile['domain']}/adhoc/latest.pdf",
            "output_size_bytes": 90_211,
        }
    )
    slos = []
    for service in services[:5]:
        for sli, target, threshold in (("availability", 99.9, None), ("latency", 99.0, int(service.latency_ms * 4))):
            slos.append(
                {
                    "id": plan.uid("slo", service.name, sli),
                    "organization_id": oid,
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
    monitors = []
    for monitor in profile["monitors"]:
        monitors.append(
            {
                "id": monitor_id(plan, monitor["name"]),
                "organization_id": oid,
                "workspace_id": ws["id"],
                "name": monitor["name"],
                "type": monitor["url"].split(":", 1)[0],
                "url": monitor["url"],
                "interval_seconds": 60,
                "regions": list(UPTIME_REGIONS),
                "status": "up",
            }
        )
    slos.append(
        {
            "id": plan.uid("slo", "uptime"),
            "organization_id": oid,
            "workspace_id": ws["id"],
            "name": f"{profile['monitors'][1]['name']} availability",
            "service_name": services[0].name,
            "sli_type": "availability",
            "target_percent": 99.95,
            "window_days": 30,
            "monitor_id": monitor_id(plan, profile["monitors"][1]["name"]),
            "created_by": users[0]["id"],
        }
    )
    remediation = []
    if plan.incident:
        remediation += [
            (
                "anomaly",
                f"Roll back {incident_service} to {story['previous_version']}",
                "proposed",
                "medium",
                [
                    {
                        "step": 1,
                        "action": "investigate",
                        "detail": f"Compare {story['deploy_version']} PSP timeout settings",
                    },
                    {"step": 2, "action": "manual", "detail": f"kubectl rollout undo deployment/{incident_service}"},
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
        hot = plan.story.get("hot_host", profile["hosts"][0]["name"])
        remediation.append(
            (
                "prediction",
                f"Move batch jobs off {hot}",
                "proposed",
                "low",
                [{"step": 1, "action": "investigate", "detail": "Review cron schedule overlap"}],
                90,
            )
        )
    plans_rows = [
        {
            "id": plan.uid("remediation", title),
            "organization_id": oid,
            "trigger_type": trigger,
            "trigger_id": plan.uid("trigger", title)[:36],
            "title": title,
            "description": title,
            "status": status,
            "risk_level": risk,
            "actions": _Json(actions),
            "created_by": "tfo-ai",
            "created_at": now - timedelta(minutes=age),
        }
        for trigger, title, status, risk, actions, age in remediation
    ]
    return [
        ("notification_channels", channel_rows),
        ("alert_rules", rules),
        ("alert_instances", instances),
        ("report_definitions", definitions),
        ("report_executions", executions),
        ("uptime_monitors", monitors),
        ("slo_definitions", slos),
        ("remediation_plans", plans_rows),
    ]


def _inventory_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[str, list[dict[str, Any]]]]:
    now = window.now
    profile = plan.profile
    oid = plan.id
    story = plan.story if plan.incident else {}
    clusters, namespaces, nodes, pods, deployments, volumes, claims = [], [], [], [], [], [], []
    k8s_services, configmaps, secrets, hpas = [], [], [], []
    extras = extra_workloads(plan)
    for c_index, cluster in enumerate(profile["clusters"]):
        cid = plan.cluster_ids[cluster["name"]]
        prod = c_index == 0
        ns_ids = {ns: plan.uid("namespace", cluster["name"], ns) for ns in profile["namespaces"]}
        for ns, ns_id in ns_ids.items():
            namespaces.append(
                {
                    "id": ns_id,
                    "cluster_id": cid,
                    "organization_id": oid,
                    "name": ns,
                    "status": "Active",
                    "labels": _Json({"team": ns}),
                    "created_at": now - timedelta(days=200),
                }
            )
        node_ids = []
        for n in range(cluster["nodes"]):
            name = node_name(cluster, n)
            node_id = plan.uid("node", cluster["name"], n)
            node_ids.append(node_id)
            cores = 8 if prod else 2
            nodes.append(
                {
                    "id": node_id,
                    "cluster_id": cid,
                    "organization_id": oid,
                    "name": name,
                    "status": "Ready",
                    "roles": ["worker"] if n else ["control-plane", "worker"],
                    "instance_type": cluster["instance_type"],
                    "zone": f"{cluster['region']}{'abc'[n % 3]}",
                    "kubelet_version": f"v{cluster['version']}",
                    "os_image": "Bottlerocket OS 1.19.2"
                    if cluster["provider"] == "eks"
                    else "Container-Optimized OS 109",
                    "container_runtime": "containerd://1.7.13",
                    "cpu_capacity": cores,
                    "memory_capacity": cores * 4 * 2**30,
                    "capacity": _Json({"cpu": str(cores), "memory": f"{cores * 4}Gi", "pods": "110"}),
                    "allocatable": _Json(
                        {"cpu": f"{cores * 1000 - 90}m", "memory": f"{cores * 4 - 1}Gi", "pods": "110"}
                    ),
                    "conditions": _Json(
                        [
                            {"type": "Ready", "status": "True"},
                            {"type": "MemoryPressure", "status": "False"},
                            {"type": "DiskPressure", "status": "False"},
                        ]
                    ),
                    "labels": _Json({"topology.kubernetes.io/zone": f"{cluster['region']}{'abc'[n % 3]}"}),
                }
            )
        system_ns = ns_ids.get("kube-system", next(iter(ns_ids.values())))
        system_pods = [(f"coredns-{k8s_suffix(rng, 10)}-{k8s_suffix(rng, 5)}", "coredns") for _ in range(2)]
        workload_pods: list[tuple[Service | None, str, str]] = []
        if prod:
            for service in plan.services:
                workload_pods += [(service, pod, service.namespace) for pod in service.pods]
        for pod_name, _ in system_pods:
            pods.append(
                {
                    "id": plan.uid("pod", cluster["name"], pod_name),
                    "cluster_id": cid,
                    "organization_id": oid,
                    "namespace_id": system_ns,
                    "node_id": node_ids[0],
                    "name": pod_name,
                    "owner_kind": "ReplicaSet",
                    "owner_name": "coredns",
                    "status": "Running",
                    "phase": "Running",
                    "restart_count": 0,
                    "started_at": now - timedelta(days=9),
                }
            )
        deployments.append(
            {
                "id": plan.uid("deployment", cluster["name"], "coredns"),
                "cluster_id": cid,
                "organization_id": oid,
                "namespace_id": system_ns,
                "name": "coredns",
                "replicas": 2,
                "ready_replicas": 2,
                "available_replicas": 2,
                "updated_replicas": 2,
                "image": "registry.k8s.io/coredns/coredns:v1.11.1",
                "revision": 3,
            }
        )
        for n, (service, pod_name, ns) in enumerate(workload_pods):
            assert service is not None
            incident_pod = plan.incident and service.name == story.get("incident_service")
            pods.append(
                {
                    "id": plan.uid("pod", cluster["name"], pod_name),
                    "cluster_id": cid,
                    "organization_id": oid,
                    "namespace_id": ns_ids.get(ns),
                    "node_id": node_ids[n % len(node_ids)],
                    "name": pod_name,
                    "owner_kind": "ReplicaSet",
                    "owner_name": f"{service.name}-{service.replicaset}",
                    "status": "Running",
                    "phase": "Running",
                    "restart_count": 1 if incident_pod else rng.choice((0, 0, 0, 1)),
                    "pod_ip": f"{profile['ip_prefix']}.64.{n + 10}",
                    "qos_class": "Burstable",
                    "containers": _Json(
                        [
                            {
                                "name": service.name,
                                "image": f"registry.{profile['domain']}/{service.name}:"
                                f"{story['deploy_version'] if incident_pod else service.version}",
                                "ready": True,
                            }
                        ]
                    ),
                    "conditions": _Json([{"type": "Ready", "status": "False" if incident_pod else "True"}]),
                    "started_at": now - timedelta(minutes=DEPLOY_MIN - 1) if incident_pod else now - timedelta(days=3),
                }
            )
        if prod:
            for service in plan.services:
                incident_dep = plan.incident and service.name == story.get("incident_service")
                deployments.append(
                    {
                        "id": plan.uid("deployment", service.name),
                        "cluster_id": cid,
                        "organization_id": oid,
                        "namespace_id": ns_ids.get(service.namespace),
                        "name": service.name,
                        "replicas": plan.instances,
                        "ready_replicas": plan.instances,
                        "available_replicas": plan.instances,
                        "unavailable_replicas": 0,
                        "updated_replicas": plan.instances,
                        "image": f"registry.{profile['domain']}/{service.name}:"
                        f"{story['deploy_version'] if incident_dep else service.version}",
                        "revision": story["deploy_revision"] if incident_dep else rng.randint(3, 30),
                        "last_rollout_at": now - timedelta(minutes=DEPLOY_MIN)
                        if incident_dep
                        else now - timedelta(days=rng.randint(1, 20)),
                        "selector": _Json({"app": service.name}),
                        "labels": _Json({"app": service.name}),
                        "conditions": _Json(
                            [
                                {"type": "Available", "status": "True"},
                                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
                            ]
                        ),
                        "annotations": _Json(
                            {"deployment.kubernetes.io/revision": str(story["deploy_revision"])} if incident_dep else {}
                        ),
                    }
                )
                k8s_services.append(
                    {
                        "id": plan.uid("k8s_service", service.name),
                        "cluster_id": cid,
                        "organization_id": oid,
                        "namespace_id": ns_ids.get(service.namespace),
                        "name": service.name,
                        "type": "LoadBalancer" if service.type == "gateway" else "ClusterIP",
                        "cluster_ip": f"172.20.{10 + service.index}.{20 + service.index}",
                        "external_ips": [f"{profile['public_ip_prefix']}.5"] if service.type == "gateway" else [],
                        "ports": _Json([{"port": 80, "targetPort": 8080, "protocol": "TCP"}]),
                        "selector": _Json({"app": service.name}),
                        "endpoint_count": plan.instances,
                        "ready_endpoints": plan.instances,
                    }
                )
                configmaps.append(
                    {
                        "id": plan.uid("configmap", service.name),
                        "cluster_id": cid,
                        "organization_id": oid,
                        "namespace_id": ns_ids.get(service.namespace),
                        "name": f"{service.name}-config",
                        "data_keys": ["LOG_LEVEL", "HTTP_TIMEOUT_MS"]
                        + (["PSP_TIMEOUT_MS", "PSP_RETRIES"] if incident_dep else []),
                        "data_size_bytes": 420 + 40 * service.index,
                        "used_by": [service.name],
                        "resource_version": str(100000 + service.index * 37),
                        "updated_at": now - timedelta(minutes=DEPLOY_MIN + 2)
                        if incident_dep
                        else now - timedelta(days=10),
                    }
                )
                if service.store_system:
                    secrets.append(
                        {
                            "id": plan.uid("secret", service.name),
                            "cluster_id": cid,
                            "organization_id": oid,
                            "namespace_id": ns_ids.get(service.namespace),
                            "name": f"{service.name}-db-credentials",
                            "type": "Opaque",
                            "data_keys": ["username", "password"],
                            "used_by": [service.name],
                            "managed_by": "external-secrets",
                            "last_rotated_at": now - timedelta(days=rng.randint(5, 400)),
                        }
                    )
            first_ns = ns_ids[profile["namespaces"][0]]
            secrets.append(
                {
                    "id": plan.uid("secret", "tls"),
                    "cluster_id": cid,
                    "organization_id": oid,
                    "namespace_id": first_ns,
                    "name": f"{profile['code']}-tls",
                    "type": "kubernetes.io/tls",
                    "data_keys": ["tls.crt", "tls.key"],
                    "used_by": [plan.services[0].name],
                    "managed_by": "cert-manager",
                    "last_rotated_at": now - timedelta(days=81),
                    "expires_at": now + timedelta(days=9 if plan.incident else 44),
                }
            )
            secrets.append(
                {
                    "id": plan.uid("secret", "registry"),
                    "cluster_id": cid,
                    "organization_id": oid,
                    "namespace_id": first_ns,
                    "name": "registry-pull",
                    "type": "kubernetes.io/dockerconfigjson",
                    "data_keys": [".dockerconfigjson"],
                    "used_by": [s.name for s in plan.services[:3]],
                    "last_rotated_at": now - timedelta(days=412),
                }
            )
            for service in plan.services[:3]:
                at_max = plan.incident and service.name == story.get("incident_service")
                hpas.append(
                    {
                        "id": plan.uid("hpa", service.name),
                        "cluster_id": cid,
                        "organization_id": oid,
                        "namespace_id": ns_ids.get(service.namespace),
                        "name": f"{service.name}-hpa",
                        "target_name": service.name,
                        "min_replicas": plan.instances,
                        "max_replicas": plan.instances * 3,
                        "current_replicas": plan.instances * 3 if at_max else plan.instances,
                        "desired_replicas": plan.instances * 3 if at_max else plan.instances,
                        "target_cpu_utilization": 70,
                        "current_cpu_utilization": 93 if at_max else rng.randint(35, 60),
                        "conditions": _Json(
                            [
                                {
                                    "type": "ScalingLimited",
                                    "status": "True" if at_max else "False",
                                    "reason": "TooManyReplicas" if at_max else "DesiredWithinRange",
                                }
                            ]
                        ),
                        "last_scale_time": now - timedelta(minutes=33 if at_max else rng.randint(60, 3000)),
                    }
                )
            for extra in extras:
                ns_id = ns_ids.get(extra["namespace"])
                crash = extra["kind"] == "crashloop"
                pods.append(
                    {
                        "id": plan.uid("pod", cluster["name"], extra["pod"]),
                        "cluster_id": cid,
                        "organization_id": oid,
                        "namespace_id": ns_id,
                        "node_id": node_ids[-1],
                        "name": extra["pod"],
                        "owner_kind": "ReplicaSet" if crash else "Job",
                        "owner_name": extra["deployment"],
                        "status": "CrashLoopBackOff" if crash else "OOMKilled",
                        "phase": "Running" if crash else "Failed",
                        "restart_count": CRASHLOOP_RESTARTS if crash else 0,
                        "containers": _Json(
                            [
                                {
                                    "name": "mailer" if crash else "importer",
                                    "ready": False,
                                    "state": "waiting" if crash else "terminated",
                                    "reason": "CrashLoopBackOff" if crash else "OOMKilled",
                                }
                            ]
                        ),
                        "conditions": _Json([{"type": "Ready", "status": "False"}]),
                        "started_at": now - timedelta(hours=3),
                        "last_restart_at": now - timedelta(minutes=4) if crash else None,
                    }
                )
                if crash:
                    deployments.append(
                        {
                            "id": plan.uid("deployment", extra["deployment"]),
                            "cluster_id": cid,
                            "organization_id": oid,
                            "namespace_id": ns_id,
                            "name": extra["deployment"],
                            "replicas": 1,
                            "ready_replicas": 0,
                            "available_replicas": 0,
                            "unavailable_replicas": 1,
                            "updated_replicas": 1,
                            "image": f"registry.{profile['domain']}/{extra['deployment']}:0.9.3",
                            "revision": 5,
                            "last_rollout_at": now - timedelta(hours=3),
                            "conditions": _Json(
                                [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"}]
                            ),
                        }
                    )
                    k8s_services.append(
                        {
                            "id": plan.uid("k8s_service", extra["deployment"]),
                            "cluster_id": cid,
                            "organization_id": oid,
                            "namespace_id": ns_id,
                            "name": extra["deployment"],
                            "type": "ClusterIP",
                            "cluster_ip": "172.20.99.9",
                            "endpoint_count": 1,
                            "ready_endpoints": 0,
                        }
                    )
        for v in range(4 if prod else 1):
            name = f"pvc-{plan.uid('pv', cluster['name'], v)[:8]}"
            phase = "Released" if prod and v == 3 else "Bound"
            volumes.append(
                {
                    "id": plan.uid("pv", cluster["name"], v),
                    "cluster_id": cid,
                    "organization_id": oid,
                    "name": name,
                    "capacity": _Json({"storage": f"{(v + 1) * 50}Gi"}),
                    "access_modes": ["ReadWriteOnce"],
                    "reclaim_policy": "Retain" if phase == "Released" else "Delete",
                    "storage_class": "gp3" if cluster["provider"] == "eks" else "standard-rwo",
                    "phase": phase,
                    "claim_namespace": profile["namespaces"][0],
                    "claim_name": f"data-{v}",
                }
            )
            if phase == "Bound":
                claims.append(
                    {
                        "id": plan.uid("pvc", cluster["name"], v),
                        "cluster_id": cid,
                        "organization_id": oid,
                        "namespace_id": ns_ids[profile["namespaces"][0]],
                        "name": f"data-{v}",
                        "volume_name": name,
                        "storage_class": volumes[-1]["storage_class"],
                        "requested_storage": f"{(v + 1) * 50}Gi",
                    }
                )
        cluster_pods = sum(1 for p in pods if p["cluster_id"] == cid)
        clusters.append(
            {
                "id": cid,
                "organization_id": oid,
                "workspace_id": plan.workspaces[-1]["id"],
                "name": cluster["name"],
                "provider": cluster["provider"],
                "region": cluster["region"],
                "kubernetes_version": cluster["version"],
                "status": "degraded" if prod and plan.incident else "healthy",
                "node_count": cluster["nodes"],
                "pod_count": cluster_pods,
                "namespace_count": len(ns_ids),
                "api_server_endpoint": f"https://{cluster['name']}.k8s.{profile['domain']}",
                "labels": _Json({"env": "production" if prod else "staging"}),
                "last_synced_at": now - timedelta(seconds=40),
                "created_at": now - timedelta(days=420),
            }
        )
    agents = []
    saturated = story.get("saturated_host")
    for n, host in enumerate(profile["hosts"]):
        agents.append(
            {
                "id": plan.uid("agent", host["name"]),
                "organization_id": oid,
                "workspace_id": plan.workspaces[-1]["id"],
                "name": host["name"],
                "type": "vm" if host["role"] in ("database", "broker") else "host",
                "hostname": f"{host['name']}.{profile['network']['internal_domain']}",
                "ip_address": f"{profile['ip_prefix']}.1.{10 + n}",
                "os": "Ubuntu 22.04.4 LTS",
                "platform": profile["cloud"],
                "region": profile["region"]["code"],
                "status": "degraded" if host["name"] == saturated else "healthy",
                "agent_version": "tfo-agent/1.8.2",
                "cpu_cores": host["cores"],
                "memory_bytes": host["mem_gb"] * 2**30,
                "disk_bytes": host["disk_gb"] * 10**9,
                "last_heartbeat_at": now - timedelta(seconds=20 + n),
                "capabilities": ["metrics", "logs", "process"],
                "metadata": _Json({"role": host["role"]}),
            }
        )
    retired = f"{profile['hosts'][0]['name'].split('-')[0]}-legacy-ftp-01"
    agents.append(
        {
            "id": plan.uid("agent", retired),
            "organization_id": oid,
            "name": retired,
            "type": "host",
            "hostname": retired,
            "ip_address": f"{profile['ip_prefix']}.9.9",
            "status": "offline",
            "agent_version": "tfo-agent/1.4.0",
            "last_heartbeat_at": now - timedelta(hours=27),
            "capabilities": ["metrics"],
        }
    )
    incident_names = incident_services(plan)
    sm_services, sm_deps = [], []
    for service in plan.services:
        degraded = service.name in incident_names
        sm_services.append(
            {
                "id": service.id,
                "organization_id": oid,
                "name": service.name,
                "type": "worker" if service.kind == "CONSUMER" else ("gateway" if service.type == "gateway" else "api"),
                "status": "degraded" if degraded else "healthy",
                "environment": "production",
                "version": service.version,
                "endpoint": f"http://{service.name}.{service.namespace}.svc:80",
                "namespace": service.namespace,
                "owner_team": service.namespace,
                "tags": [service.type],
            }
        )
    stores = {}
    for service in plan.services:
        if service.store_system and service.store_system not in stores:
            store_name = f"{profile['code']}-{service.store_system}"
            stores[service.store_system] = plan.uid("sm_store", service.store_system)
            sm_services.append(
                {
                    "id": stores[service.store_system],
                    "organization_id": oid,
                    "name": store_name,
                    "type": "cache" if service.store_system == "redis" else "database",
                    "status": "healthy",
                    "environment": "production",
                    "tags": [service.store_system],
                }
            )
    by_name = {s.name: s for s in plan.services}
    for service in plan.services:
        for callee in service.calls:
            target = by_name[callee]
            incident_edge = (
                plan.incident
                and service.name == story.get("incident_service")
                and callee == story.get("incident_downstream")
            )
            sm_deps.append(
                {
                    "id": plan.uid("sm_dep", service.name, callee),
                    "organization_id": oid,
                    "source_service_id": service.id,
                    "target_service_id": target.id,
                    "type": "http",
                    "status": "degraded" if incident_edge else "healthy",
                    "protocol": "http/1.1",
                    "latency_ms": round(target.latency_ms * (INCIDENT_LATENCY_FACTOR if incident_edge else 1.1), 2),
                    "error_rate": 31.5 if incident_edge else round(target.errors * 100, 3),
                    "request_rate": round(target.rps, 2),
                }
            )
        if service.store_system:
            sm_deps.append(
                {
                    "id": plan.uid("sm_dep", service.name, service.store_system),
                    "organization_id": oid,
                    "source_service_id": service.id,
                    "target_service_id": stores[service.store_system],
                    "type": "cache" if service.store_system == "redis" else "database",
                    "status": "healthy",
                    "protocol": service.store_system,
                    "latency_ms": round(1.5 + service.latency_ms / 12, 2),
                    "error_rate": 0.01,
                    "request_rate": round(service.rps * 1.4, 2),
                }
            )
    net_nodes = network_nodes(plan)
    net_conns = network_connections(plan, net_nodes)
    node_rows = [
        {
            "id": node["id"],
            "organization_id": oid,
            "name": node["name"],
            "type": node["type"],
            "status": "degraded" if node["name"] == saturated else "healthy",
            "ip_address": node["ip"],
            "hostname": node["name"],
            "region": profile["region"]["code"],
            "cluster": profile["clusters"][0]["name"],
            "tags": [node["type"]],
        }
        for node in net_nodes
    ]
    conn_rows = [
        {
            "id": conn["id"],
            "organization_id": oid,
            "source_node_id": conn["src"]["id"],
            "target_node_id": conn["dst"]["id"],
            "type": "tcp",
            "status": "degraded" if conn["lossy"] else "healthy",
            "protocol": conn["protocol"],
            "target_port": conn["port"],
            "latency": conn["latency"],
            "bandwidth_mbps": conn["bandwidth"],
        }
        for conn in net_conns
    ]
    return [
        ("kubernetes_clusters", clusters),
        ("kubernetes_namespaces", namespaces),
        ("kubernetes_nodes", nodes),
        ("kubernetes_pods", pods),
        ("kubernetes_deployments", deployments),
        ("kubernetes_persistent_volumes", volumes),
        ("kubernetes_persistent_volume_claims", claims),
        ("kubernetes_services", k8s_services),
        ("kubernetes_configmaps", configmaps),
        ("kubernetes_secrets", secrets),
        ("kubernetes_hpas", hpas),
        ("agents", agents),
        ("service_map_services", sm_services),
        ("service_map_dependencies", sm_deps),
        ("network_map_nodes", node_rows),
        ("network_map_connections", conn_rows),
    ]


def _database_pg_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[str, list[dict[str, Any]]]]:
    now = window.now
    profile = plan.profile
    oid = plan.id
    story = plan.story if plan.incident else {}
    slow_instance = story.get("slow_query", {}).get("instance")
    instances, rules, tags, topology, aurora_status, mssql = [], [], [], [], [], []
    primary_ids = {}
    for n, db in enumerate(profile["databases"]):
        db_id = plan.uid("database", db["name"])
        status = "online"
        last_error = None
        if db["name"] == slow_instance:
            status, last_error = "degraded", "slow query ratio above 5% of calls"
        elif db["type"] == "sqlite3":
            status, last_error = "unknown", "agent has not reported for 20 minutes"
        elif not plan.incident and db["type"] == "mongodb":
            status, last_error = "degraded", "replication lag above 30 s"
        role = db.get("role", "primary")
        if role == "primary":
            primary_ids[db["type"]] = db_id
        instances.append(
            {
                "id": db_id,
                "organization_id": oid,
                "workspace_id": plan.workspaces[-1]["id"],
                "name": db["name"],
                "type": db["type"],
                "host": db["host"],
                "port": db["port"],
                "status": status,
                "provider": db["provider"],
                "version": db["version"],
                "environment": "production",
                "role": role,
                "replication_source_id": primary_ids.get(db["type"]) if role == "replica" else None,
                "max_connections": 200,
                "storage_bytes": (n + 1) * 120 * 10**9,
                "last_error": last_error,
                "last_seen_at": now - timedelta(minutes=20 if status == "unknown" else 1),
                "created_at": now - timedelta(days=200 - 10 * n),
            }
        )
        for key, metric, threshold, enabled in (
            ("connections", "connections.active_pct", 80.0, True),
            ("replication", "replication.lag_seconds", 30.0, n % 2 == 0),
        ):
            rules.append(
                {
                    "id": plan.uid("db_rule", db["name"], key),
                    "organization_id": oid,
                    "instance_id": db_id,
                    "name": f"{db['name']} {key}",
                    "metric_name": metric,
                    "threshold": threshold,
                    "severity": "warning",
                    "enabled": enabled,
                }
            )
        for key, value in (
            ("env", "production"),
            ("team", profile["namespaces"][n % 2]),
            ("tier", "1" if n < 3 else "2"),
        ):
            tags.append({"id": plan.uid("db_tag", db["name"], key), "instance_id": db_id, "key": key, "value": value})
        if db["type"].startswith("aurora"):
            topo_id = plan.uid("aurora", db["name"])
            members = aurora_instances(plan, db)
            topology.append(
                {
                    "id": topo_id,
                    "organization_id": oid,
                    "database_instance_id": db_id,
                    "cluster_identifier": db["name"],
                    "engine_type": db["type"],
                    "engine_version": db["version"],
                    "cluster_status": "available",
                    "writer_instance_id": members[0][0],
                    "reader_instance_ids": [m[0] for m in members[1:]],
                    "is_serverless_v2": True,
                    "min_acu": 2,
                    "max_acu": 32,
                    "is_global_database": False,
                    "last_topology_sync_at": now - timedelta(minutes=2),
                }
            )
            for identifier, role_name, zone in members:
                aurora_status.append(
                    {
                        "id": plan.uid("aurora_instance", identifier),
                        "cluster_topology_id": topo_id,
                        "instance_identifier": identifier,
                        "role": role_name,
                        "instance_class": "db.serverless",
                        "availability_zone": zone,
                        "status": "available",
                        "is_serverless_v2": True,
                        "current_acu": 12 if role_name == "writer" else 6,
                        "replica_lag_ms": None if role_name == "writer" else round(rng.uniform(10, 30), 1),
                    }
                )
        if db["type"] == "mssql":
            mssql.append(
                {
                    "id": plan.uid("mssql", db["name"]),
                    "organization_id": oid,
                    "database_instance_id": db_id,
                    "name": db["name"],
                    "host": db["host"],
                    "port": db["port"],
                    "edition": "Enterprise Edition (64-bit)",
                    "product_version": db["version"],
                    "engine_edition": "Enterprise",
                    "status": "online",
                    "last_seen_at": now - timedelta(minutes=1),
                }
            )
    return [
        ("database_instances", instances),
        ("database_monitoring_rules", rules),
        ("database_instance_tags", tags),
        ("aurora_cluster_topology", topology),
        ("aurora_instance_status", aurora_status),
        ("mssql_instances", mssql),
    ]


_VULNERABILITIES = catalog()["vulnerabilities"]


def _security_pg_rows(
    plan: OrgPlan, window: Window, rng: random.Random, users: list[dict[str, Any]]
) -> list[tuple[str, list[dict[str, Any]]]]:
    now = window.now
    profile = plan.profile
    oid = plan.id
    story = plan.story if plan.incident else {}
    vulns = []
    for n, (cve, title, severity, cvss, package, installed, fixed, rtype, exploit) in enumerate(_VULNERABILITIES):
        service = plan.services[n % len(plan.services)]
        host = profile["hosts"][n % len(profile["hosts"])]["name"]
        resource = host if rtype == "host" else f"registry.{profile['domain']}/{service.name}:{service.version}"
        status = "fixed" if cve == "CVE-2021-44228" else ("in_progress" if n == 1 else "open")
        first_seen = now - timedelta(days=3 + 9 * n)
        vulns.append(
            {
                "id": plan.uid("vuln", cve),
                "organization_id": oid,
                "workspace_id": plan.workspaces[0]["id"],
                "cve_id": cve,
                "title": title,
                "description": f"{title} in {package} {installed}",
                "severity": severity,
                "cvss_score": cvss,
                "package_name": package,
                "installed_version": installed,
                "fixed_version": fixed,
                "resource_type": rtype,
                "resource_name": resource,
                "service_name": None if rtype == "host" else service.name,
                "scanner": "trivy" if rtype != "host" else "tfo-agent",
                "exploit_available": exploit,
                "status": status,
                "first_seen_at": first_seen,
                "last_seen_at": now - timedelta(minutes=rng.randint(5, 50)),
                "due_at": first_seen + timedelta(days=7 if severity == "critical" else 30),
                "fixed_at": now - timedelta(days=1) if status == "fixed" else None,
            }
        )
    incidents = []
    analyst = next((u for u in users if u["role"] == "security-analyst"), users[0])
    if plan.incident:
        victim = next(u for u in users if f"{u['first']} {u['last']}" == story["targeted_user"])
        incidents.append(
            {
                "id": plan.uid("sec_incident", "stuffing"),
                "organization_id": oid,
                "workspace_id": plan.workspaces[0]["id"],
                "title": "Credential stuffing against the storefront login",
                "severity": "high",
                "status": "investigating",
                "category": "account_takeover",
                "source": "security_event",
                "source_ref": story["attacker_ip"],
                "description": f"{story['failed_logins']} failed logins for {victim['email']} "
                f"from {story['attacker_ip']}",
                "affected_services": [plan.services[0].name],
                "affected_users": 1,
                "assignee_id": analyst["id"],
                "detected_at": now - timedelta(minutes=FAILED_LOGINS_MIN[0] - 2),
                "acknowledged_at": now - timedelta(minutes=40),
                "timeline": _Json(
                    [{"at": (now - timedelta(minutes=44)).isoformat(), "note": "attacker IP blocked at edge"}]
                ),
            }
        )
    else:
        incidents.append(
            {
                "id": plan.uid("sec_incident", "iam"),
                "organization_id": oid,
                "workspace_id": plan.workspaces[0]["id"],
                "title": "IAM policy widened outside the change window",
                "severity": "medium",
                "status": "open",
                "category": "privilege_escalation",
                "source": "audit",
                "affected_services": [],
                "assignee_id": analyst["id"],
                "detected_at": now - timedelta(minutes=50),
            }
        )
    incidents.append(
        {
            "id": plan.uid("sec_incident", "leaked-key"),
            "organization_id": oid,
            "workspace_id": plan.workspaces[0]["id"],
            "title": "API key committed to a public repository",
            "severity": "high",
            "status": "resolved",
            "category": "secret_exposure",
            "source": "manual",
            "affected_services": [],
            "assignee_id": analyst["id"],
            "detected_at": now - timedelta(days=3),
            "contained_at": now - timedelta(days=3, hours=-1),
            "resolved_at": now - timedelta(days=2),
        }
    )
    controls = [
        ("SOC2", "CC6.1", "Logical access is restricted to authorised users", "passing"),
        ("SOC2", "CC6.6", "MFA enforced for every interactive login", "failing" if plan.incident else "passing"),
        ("SOC2", "CC7.2", "Security events are monitored and analysed", "passing"),
        ("ISO27001", "A.12.4.1", "Event logging retained for 12 months", "passing"),
        ("GDPR", "Art.32", "Personal data is pseudonymised in telemetry", "passing"),
        ("PCI-DSS", "8.3.6", "Passwords meet minimum complexity", "unknown"),
        ("PCI-DSS", "10.7", "Audit trail history retained for one year", "passing"),
    ]
    control_rows = [
        {
            "id": plan.uid("control", framework, control),
            "organization_id": oid,
            "framework": framework,
            "control_id": control,
            "title": title,
            "status": status,
            "evidence": f"Automated check on {(now - timedelta(hours=5)).date().isoformat()}",
            "owner": analyst["email"],
            "last_assessed_at": now - timedelta(hours=5),
        }
        for framework, control, title, status in controls
    ]
    return [
        ("security_vulnerabilities", vulns),
        ("security_incidents", incidents),
        ("compliance_controls", control_rows),
    ]


#: Organization-level tables in deletion order (children first); the rest go with them through ON DELETE CASCADE.
_PG_DELETE_ORDER = (
    "alert_instances",
    "slo_definitions",
    "alert_rules",
    "report_executions",
    "report_definitions",
    "notification_channels",
    "remediation_plans",
    "uptime_monitors",
    "security_incidents",
    "security_vulnerabilities",
    "compliance_controls",
    "mssql_instances",
    "aurora_cluster_topology",
    "database_monitoring_rules",
    "database_instances",
    "network_map_connections",
    "network_map_nodes",
    "service_map_dependencies",
    "service_map_services",
    "agents",
    "kubernetes_clusters",
    "llm_providers",
    "retention_policies",
    "data_masking_policies",
    "sso_providers",
    "api_keys",
    "users",
    "subscriptions",
)


# --------------------------------------------------------------------------- PostgreSQL writes


async def seed_postgres(plans: list[OrgPlan], window: Window, seed: int) -> dict[str, int]:
    from tfo_mcp import postgres

    started = time.perf_counter()
    ids = [p.id for p in plans]
    for table in _PG_DELETE_ORDER:
        await postgres.execute(f"DELETE FROM {table} WHERE organization_id = ANY(%s::uuid[])", [ids])
    await postgres.execute(
        "DELETE FROM tenants WHERE workspace_id IN "
        "(SELECT workspace_id FROM workspaces WHERE organization_id = ANY(%s::uuid[]))",
        [ids],
    )
    await postgres.execute("DELETE FROM workspaces WHERE organization_id = ANY(%s::uuid[])", [ids])
    await postgres.execute("DELETE FROM organizations WHERE organization_id = ANY(%s::uuid[])", [ids])
    counts: dict[str, int] = {}
    # Columns defaulting to now() get a fixed time instead, so the same seed writes the same rows.
    timed = await postgres.fetch_all(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND column_default ILIKE '%%now()%%'"
    )
    fixed_time = window.now - timedelta(days=1)
    for row in timed:
        _NOW_COLUMNS.setdefault(row["table_name"], set()).add(row["column_name"])
    for table, key, rows in _global_pg_rows(plans, window.now):
        await _pg_insert(table, _with_times(table, rows, fixed_time), conflict=key)
        counts[f"postgres.{table}"] = counts.get(f"postgres.{table}", 0) + len(rows)
    role_permissions = [
        {
            "id": demo_uid("role_permission", role, permission),
            "role_id": demo_uid("role", role),
            "permission_id": demo_uid("permission", permission),
        }
        for role, permissions in _ROLE_PERMISSIONS.items()
        for permission in permissions
    ]
    await _pg_insert("role_permissions", _with_times("role_permissions", role_permissions, fixed_time), conflict="id")
    await _check_global_ids()
    for plan in plans:
        rng = random.Random(f"{seed}/postgres/{plan.index}")
        for table, rows in _org_pg_rows(plan, window, rng):
            await _pg_insert(table, _with_times(table, rows, fixed_time))
            counts[f"postgres.{table}"] = counts.get(f"postgres.{table}", 0) + len(rows)
    logger.info("demo seed: PostgreSQL rows written in {:.1f} s", time.perf_counter() - started)
    return counts


async def _check_global_ids() -> None:
    """Roles, permissions, plans and regions must carry the demo ids (a same-named row with another id breaks FKs)."""
    from tfo_mcp import postgres

    for table, key, names in (
        ("roles", "name", list(_ROLES)),
        ("permissions", "name", list(_PERMISSIONS)),
        ("plans", "type", [p[1] for p in _PLANS]),
    ):
        rows = await postgres.fetch_all(f"SELECT id, {key} AS k FROM {table} WHERE {key} = ANY(%s)", [names])
        kind = {"roles": "role", "permissions": "permission", "plans": "plan"}[table]
        wrong = [r["k"] for r in rows if str(r["id"]) != demo_uid(kind, r["k"])]
        if wrong:
            raise ValueError(f"PostgreSQL already has {table} {', '.join(wrong)} with other ids: use an empty database")


PG_MAX_PARAMS = 30_000
#: table -> columns whose default is now() (filled by seed_postgres from the catalog).
_NOW_COLUMNS: dict[str, set[str]] = {}


def _with_times(table: str, rows: list[dict[str, Any]], moment: datetime) -> list[dict[str, Any]]:
    """Rows with every now()-defaulted column the row leaves out set to ``moment``."""
    columns = _NOW_COLUMNS.get(table)
    if not columns:
        return rows
    return [{**{name: moment for name in columns if name not in row}, **row} for row in rows]


async def _pg_insert(table: str, rows: list[dict[str, Any]], conflict: str | None = None) -> None:
    """Multi-row INSERTs (columns = union of the rows' keys; a missing key is DEFAULT)."""
    if not rows:
        return
    from psycopg.types.json import Jsonb

    from tfo_mcp import postgres

    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    quoted = ", ".join(f'"{name}"' for name in columns)
    per_statement = max(1, PG_MAX_PARAMS // len(columns))
    suffix = f" ON CONFLICT ({conflict}) DO NOTHING" if conflict else ""
    for offset in range(0, len(rows), per_statement):
        chunk = rows[offset : offset + per_statement]
        values, params = [], []
        for row in chunk:
            cells = []
            for name in columns:
                if name not in row:
                    cells.append("DEFAULT")
                    continue
                value = row[name]
                params.append(Jsonb(value.value) if isinstance(value, _Json) else value)
                cells.append("%s")
            values.append("(" + ", ".join(cells) + ")")
        await postgres.execute(f"INSERT INTO {table} ({quoted}) VALUES {', '.join(values)}{suffix}", params)
