"""The demo estate's tenancy and access control (PostgreSQL): the platform-wide regions, roles, permissions, plans
and default retention, and per organization its workspaces, tenants, subscription, users, role assignments,
sessions, API keys, SSO provider, data-masking and retention policies.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from typing import Any

from tfo_mcp.demo.plan import Json, OrgPlan, catalog, demo_uid

#: role name -> description
_ROLES = catalog()["roles"]
#: permission name -> (resource, action)
_PERMISSIONS = catalog()["permissions"]
#: role name -> permission names
_ROLE_PERMISSIONS = catalog()["role_permissions"]
#: (name, type, trial days, monthly price, features, limits)
_PLANS = catalog()["plans"]
#: data type -> retention days
_RETENTION_DEFAULTS = catalog()["retention_defaults"]

# --------------------------------------------------------------------------- platform-wide rows


def global_tables(plans: list[OrgPlan], now: datetime) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """Platform-wide rows (regions, roles, permissions, plans, default retention): (table, unique key, rows)."""
    return [
        ("regions", "code", _region_rows(plans)),
        ("roles", "name", _role_rows(plans)),
        ("permissions", "name", _permission_rows()),
        ("plans", "type", _plan_rows()),
        ("retention_policies", "id", _default_retention_rows(now)),
    ]


def _region_rows(plans: list[OrgPlan]) -> list[dict[str, Any]]:
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
    return list(regions.values())


def _role_rows(plans: list[OrgPlan]) -> list[dict[str, Any]]:
    """The system roles, then every organization's custom roles."""
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
    return roles


def _permission_rows() -> list[dict[str, Any]]:
    return [
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


def _plan_rows() -> list[dict[str, Any]]:
    return [
        {
            "id": demo_uid("plan", kind),
            "name": name,
            "type": kind,
            "description": f"{name} plan",
            "is_active": True,
            "trial_days": trial,
            "price_monthly_usd": price,
            "features": features,
            "limits": Json(limits),
        }
        for name, kind, trial, price, features, limits in _PLANS
    ]


def _default_retention_rows(now: datetime) -> list[dict[str, Any]]:
    return [
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


def role_permission_rows() -> list[dict[str, Any]]:
    """The permissions of every system role."""
    return [
        {
            "id": demo_uid("role_permission", role, permission),
            "role_id": demo_uid("role", role),
            "permission_id": demo_uid("permission", permission),
        }
        for role, permissions in _ROLE_PERMISSIONS.items()
        for permission in permissions
    ]


def global_names() -> list[tuple[str, str, str, list[str]]]:
    """(table, unique key, id kind, names) of the platform-wide rows whose ids other rows refer to."""
    return [
        ("roles", "name", "role", list(_ROLES)),
        ("permissions", "name", "permission", list(_PERMISSIONS)),
        ("plans", "type", "plan", [p[1] for p in _PLANS]),
    ]


# --------------------------------------------------------------------------- per organization


def organization_tables(
    plan: OrgPlan, now: datetime, rng: random.Random, users: list[dict[str, Any]]
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The organization, its workspaces and tenants, subscription, users and their access, in foreign-key order."""
    user_rows = _user_rows(plan, now, rng, users)
    assignments, grants = _access_rows(plan, now, users)
    return [
        ("organizations", _organization_rows(plan, now)),
        ("workspaces", _workspace_rows(plan, now)),
        ("tenants", _tenant_rows(plan)),
        ("subscriptions", _subscription_rows(plan, now, users)),
        ("users", user_rows),
        ("user_roles", assignments),
        ("user_permissions", grants),
        ("user_sessions", _session_rows(plan, now, rng, users)),
        ("api_keys", _api_key_rows(plan, now, rng, users)),
        ("sso_providers", _sso_rows(plan)),
        ("data_masking_policies", _masking_rows(plan, now, users)),
        ("retention_policies", _retention_rows(plan, now)),
    ]


def _organization_rows(plan: OrgPlan, now: datetime) -> list[dict[str, Any]]:
    profile = plan.profile
    return [
        {
            "organization_id": plan.id,
            "name": profile["name"],
            "code": profile["code"],
            "description": f"{profile['name']} production estate",
            "domain": profile["domain"],
            "region_id": demo_uid("region", profile["region"]["code"]),
            "is_active": True,
            "created_at": now - timedelta(days=400 - 90 * plan.index),
            "updated_at": now - timedelta(days=3),
        }
    ]


def _workspace_rows(plan: OrgPlan, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "workspace_id": ws["id"],
            "organization_id": plan.id,
            "name": ws["name"],
            "code": ws["code"],
            "description": f"{ws['name']} workspace",
            "is_active": True,
            "datasource_config": Json({"clickhouse": {"database": "default"}, "retention_profile": ws["code"]}),
            "created_at": now - timedelta(days=380 - 10 * n),
        }
        for n, ws in enumerate(plan.workspaces)
    ]


def _tenant_rows(plan: OrgPlan) -> list[dict[str, Any]]:
    return [
        {
            "tenant_id": ws["tenant_id"],
            "workspace_id": ws["id"],
            "name": ws["tenant_code"].replace("-", " ").title(),
            "code": ws["tenant_code"],
            "is_active": True,
        }
        for ws in plan.workspaces
    ]


def _subscription_rows(plan: OrgPlan, now: datetime, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    profile = plan.profile
    plan_type = profile["plan"]
    return [
        {
            "id": plan.uid("subscription"),
            "organization_id": plan.id,
            "plan_id": demo_uid("plan", plan_type),
            "status": "active",
            "seats": len(users) + 10,
            "billing_email": f"billing@{profile['domain']}",
            "current_period_start": (now - timedelta(days=12)).replace(hour=0, minute=0),
            "current_period_end": (now + timedelta(days=18)).replace(hour=0, minute=0),
        }
    ]


def _user_rows(plan: OrgPlan, now: datetime, rng: random.Random, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every user; the last one is inactive, and org A's targeted user is locked after the failed logins."""
    story = plan.story if plan.incident else {}
    ws0 = plan.workspaces[0]
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
                "organization_id": plan.id,
                "tenant_id": ws0["tenant_id"],
                "mfa_enabled": privileged,
                "mfa_enrolled_at": now - timedelta(days=120) if privileged else None,
                "email_verified_at": now - timedelta(days=299),
            }
        )
    return user_rows


def _access_rows(
    plan: OrgPlan, now: datetime, users: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Role assignments (each user's role; SREs also hold the first custom role, expiring) and one direct grant."""
    profile = plan.profile
    ws0 = plan.workspaces[0]
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
    return assignments, grants


def _session_rows(
    plan: OrgPlan, now: datetime, rng: random.Random, users: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One to three sessions per user; the first is current."""
    profile = plan.profile
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
                    "location": Json(
                        {"country": profile["region"]["code"][:2].upper(), "city": profile["region"]["name"]}
                    ),
                    "remember_me": n == 0,
                    "is_current": n == 0,
                    "last_activity_at": now - timedelta(minutes=rng.randint(1, 240)),
                    "expires_at": created + timedelta(hours=8 if n else 72),
                    "created_at": created,
                }
            )
    return sessions


def _api_key_rows(
    plan: OrgPlan, now: datetime, rng: random.Random, users: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """API keys: a deploy key, an ingest key, a read-only key, an expired one and a revoked one."""
    profile = plan.profile
    ws0 = plan.workspaces[0]
    key_specs = (
        ("ci-deploy", "service", True, None, 4200, None),
        ("otel-ingest-prod", "ingest", True, None, 9_800_000, None),
        ("grafana-readonly", "standard", True, None, 52_000, None),
        ("legacy-migration", "standard", True, now - timedelta(days=31), 310, None),
        ("contractor-export", "standard", False, None, 77, now - timedelta(days=9)),
    )
    keys = []
    for name, kind, active, expires, usage, revoked in key_specs:
        hint = hashlib.sha256(f"{plan.id}/{name}".encode()).hexdigest()
        keys.append(
            {
                "id": plan.uid("api_key", name),
                "organization_id": plan.id,
                "workspace_id": ws0["id"],
                "api_key_id": f"tfk_{hint[:12]}",
                "name": f"{profile['code']}-{name}",
                "key_type": kind,
                "key_prefix": f"tfk_{hint[:6]}",
                "key_hash": hashlib.sha256(hint.encode()).hexdigest(),
                "key_hint": f"...{hint[-4:]}",
                "scopes": Json(["ingest"] if kind == "ingest" else ["read"]),
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
    return keys


def _sso_rows(plan: OrgPlan) -> list[dict[str, Any]]:
    """SAML through Okta for even-numbered organizations, OIDC through Google for the others."""
    profile = plan.profile
    sso_type = "saml" if plan.index % 2 == 0 else "oidc"
    return [
        {
            "id": plan.uid("sso", sso_type),
            "organization_id": plan.id,
            "name": f"{profile['name']} {sso_type.upper()}",
            "provider_type": sso_type,
            "provider_name": "okta" if sso_type == "saml" else "google",
            "enabled": True,
            "client_id": plan.uid("sso-client")[:18],
            "allowed_domains": [profile["domain"]],
            "auto_create_users": True,
            "default_role_id": demo_uid("role", "viewer"),
            "attribute_mapping": Json({"email": "mail", "name": "displayName"}),
            "callback_url": f"https://tfo.{profile['domain']}/auth/sso/callback",
        }
    ]


def _masking_rows(plan: OrgPlan, now: datetime, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Email hashing, card-number redaction and IP truncation (the last one disabled in org A)."""
    masking = [
        ("Mask customer emails", [{"field": "email", "pattern": "email", "action": "hash"}], True),
        ("Redact payment card numbers", [{"field": "body", "pattern": "pan", "action": "redact"}], True),
        ("Truncate client IPs", [{"field": "ip_address", "pattern": "ipv4", "action": "truncate"}], plan.index != 0),
    ]
    return [
        {
            "id": plan.uid("masking", name),
            "organization_id": plan.id,
            "workspace_id": plan.workspaces[0]["id"],
            "name": f"{name} ({plan.profile['code']})",
            "description": name,
            "is_enabled": enabled,
            "rules": Json(rules),
            "created_by": users[0]["id"],
            "created_at": now - timedelta(days=90),
            "updated_at": now - timedelta(days=2),
        }
        for name, rules, enabled in masking
    ]


def _retention_rows(plan: OrgPlan, now: datetime) -> list[dict[str, Any]]:
    """Retention of logs, traces and (archived to S3) audit logs."""
    code = plan.profile["code"]
    return [
        {
            "id": plan.uid("retention", kind),
            "organization_id": plan.id,
            "name": f"{code} {kind}",
            "data_type": kind,
            "retention_days": days,
            "archive_enabled": archive,
            "archive_destination": f"s3://{code}-archive/{kind}" if archive else None,
            "is_default": False,
            "is_active": True,
            "last_enforced_at": now - timedelta(hours=2),
        }
        for kind, days, archive in (("logs", 14, False), ("traces", 7, False), ("audit_logs", 730, True))
    ]
