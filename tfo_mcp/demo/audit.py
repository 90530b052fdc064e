"""The demo estate's audit trail (ClickHouse audit_logs): routine user activity and, for org A, the story's
failed logins, the account lockout, the deploy and the alert acknowledgement.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from tfo_mcp.demo.plan import DEPLOY_MIN, FAILED_LOGINS_MIN, OrgPlan, Window, catalog, every, org_users, region_id

_USER_AGENTS = catalog()["user_agents"]
#: (event type, action, resource, HTTP method, path) of the routine events; the first is a login.
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


def audit_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    users = org_users(plan)
    rows = _routine_events(plan, window, rng, users)
    if plan.incident:
        rows += _story_events(plan, window, rng, users)
    rows.sort(key=lambda row: row[0])
    return rows


def _event(
    plan: OrgPlan,
    rng: random.Random,
    moment: datetime,
    user: dict[str, Any],
    event: tuple[str, str, str, str, str],
    result: str = "SUCCESS",
    error: str = "",
    code: str = "",
    ip: str | None = None,
    meta: dict[str, Any] | None = None,
    resource_id: str = "",
) -> tuple[Any, ...]:
    """One audit_logs row; ids, user agent and duration are drawn from ``rng``."""
    ws = plan.workspaces[0]
    event_type, action, resource, method, path = event
    rid = resource_id or plan.uid(resource, rng.randint(1, 40))
    return (
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


def _routine_events(
    plan: OrgPlan, window: Window, rng: random.Random, users: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """An event every 3 minutes by a random user; some logins fail and some authorisation checks are denied."""
    rows = []
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
        rows.append(_event(plan, rng, window.clamp(moment + jitter), user, event, result, error, code))
    return rows


def _story_events(
    plan: OrgPlan, window: Window, rng: random.Random, users: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """The failed logins from the attacker's IP, the lockout, the deploy and the alert acknowledgement."""
    story = plan.story
    victim = next(u for u in users if f"{u['first']} {u['last']}" == story["targeted_user"])
    start, end = window.ago(FAILED_LOGINS_MIN[0]), window.ago(FAILED_LOGINS_MIN[1])
    span = (end - start).total_seconds()
    rows = []
    for n in range(int(story["failed_logins"])):
        moment = start + timedelta(seconds=span * n / story["failed_logins"] + rng.random())
        rows.append(
            _event(
                plan,
                rng,
                moment,
                victim,
                _AUDIT_ACTIONS[0],
                "FAILURE",
                "invalid credentials",
                "AUTH_INVALID_CREDENTIALS",
                ip=story["attacker_ip"],
                meta={"attempt": n + 1, "mfa": False},
            )
        )
    for n in range(2):
        rows.append(
            _event(
                plan,
                rng,
                window.ago(FAILED_LOGINS_MIN[1] - 1 - n),
                victim,
                ("AUTHZ", "permission.check", "api_key", "POST", "/api/v1/api-keys"),
                "DENIED",
                "account locked after repeated failures",
                "AUTH_ACCOUNT_LOCKED",
                ip=story["attacker_ip"],
            )
        )
    author = next((u for u in users if f"{u['first']} {u['last']}" == story["deploy_author"]), users[0])
    service = plan.service(story["incident_service"])
    assert service is not None
    path = f"/api/v1/clusters/{plan.profile['clusters'][0]['name']}/deployments/{service.name}"
    rows.append(
        _event(
            plan,
            rng,
            window.ago(DEPLOY_MIN),
            author,
            ("SYSTEM", "deployment.update", "kubernetes.deployment", "PATCH", path),
            meta={
                "image": f"registry.{plan.profile['domain']}/{service.name}:{story['deploy_version']}",
                "previous": story["previous_version"],
                "revision": story["deploy_revision"],
            },
            resource_id=plan.uid("deployment", service.name),
        )
    )
    responder = next((u for u in users if u["role"] == "sre"), users[0])
    rows.append(
        _event(
            plan,
            rng,
            window.ago(30),
            responder,
            ("DATA", "alert.acknowledge", "alert_instance", "POST", "/api/v1/alerts/{id}/acknowledge"),
            meta={"comment": "looking into checkout errors"},
        )
    )
    return rows
