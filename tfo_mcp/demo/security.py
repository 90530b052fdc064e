"""The demo estate's security data: security events (ClickHouse security_events: routine threats and, for org A,
the credential stuffing), vulnerabilities, security incidents and compliance controls (PostgreSQL
security_vulnerabilities, security_incidents, compliance_controls).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from tfo_mcp.demo.network import network_nodes
from tfo_mcp.demo.plan import FAILED_LOGINS_MIN, Json, OrgPlan, Window, catalog, every, org_users

#: (source, category, severity, title, MITRE tactic, MITRE technique, action taken) of the routine threats.
_THREATS = catalog()["threats"]
_VULNERABILITIES = catalog()["vulnerabilities"]
_BRUTE_FORCE = (
    "auth",
    "brute_force",
    "critical",
    "Credential stuffing against the storefront login",
    "credential-access",
    "T1110.004",
    "blocked",
)

# --------------------------------------------------------------------------- ClickHouse: security_events


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


def security_event_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    """A threat against a load balancer every 25 minutes, an open one against the firewall and, for org A, the
    credential stuffing from the attacker's IP."""
    nodes = {n["name"]: n for n in network_nodes(plan)}
    firewall = nodes[plan.profile["network"]["firewall"]]
    lbs = [n for n in nodes.values() if n["type"] == "load_balancer"] or [firewall]
    prefix = plan.profile["public_ip_prefix"]
    rows = []
    for moment in every(window, 25, offset=rng.random() * 25):
        threat = rng.choice(_THREATS)
        rows.append(_security_event(plan, rng, moment, threat, f"{prefix}.{rng.randint(100, 250)}", rng.choice(lbs)))
    rows.append(
        _security_event(
            plan, rng, window.ago(12 + plan.index), _THREATS[2], f"{prefix}.{231 + plan.index}", firewall, status="open"
        )
    )
    if plan.incident:
        story = plan.story
        victim = next(u for u in org_users(plan) if f"{u['first']} {u['last']}" == story["targeted_user"])
        rows.append(
            _security_event(
                plan,
                rng,
                window.ago(FAILED_LOGINS_MIN[0] - 2),
                _BRUTE_FORCE,
                story["attacker_ip"],
                lbs[0],
                user_id=victim["id"],
                status="investigating",
                score=92.0,
                description=f"{story['failed_logins']} failed logins for {victim['email']} from "
                f"{story['attacker_ip']} in 6 minutes; source IP now blocked at the edge",
            )
        )
        rows.append(
            _security_event(
                plan,
                rng,
                window.ago(FAILED_LOGINS_MIN[0] + 3),
                _THREATS[2],
                story["attacker_ip"],
                firewall,
                status="investigating",
                score=64.0,
            )
        )
    rows.sort(key=lambda row: row[0])
    return rows


def _security_event(
    plan: OrgPlan,
    rng: random.Random,
    moment: datetime,
    threat: tuple[str, ...],
    src: str,
    target: dict[str, Any],
    user_id: str = "",
    status: str = "resolved",
    score: float | None = None,
    title: str | None = None,
    description: str = "",
) -> tuple[Any, ...]:
    """One security_events row against ``target`` (a network node); the threat score is drawn unless given."""
    ws = plan.workspaces[0]
    source, category, severity, default_title, tactic, technique, action = threat
    return (
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


# --------------------------------------------------------------------------- PostgreSQL: vulnerabilities, incidents


def security_tables(
    plan: OrgPlan, now: datetime, rng: random.Random, users: list[dict[str, Any]]
) -> list[tuple[str, list[dict[str, Any]]]]:
    return [
        ("security_vulnerabilities", _vulnerability_rows(plan, now, rng)),
        ("security_incidents", _incident_rows(plan, now, users)),
        ("compliance_controls", _control_rows(plan, now, users)),
    ]


def _vulnerability_rows(plan: OrgPlan, now: datetime, rng: random.Random) -> list[dict[str, Any]]:
    """The catalog's CVEs on the services' images and the hosts (Log4Shell fixed, the second one in progress)."""
    profile = plan.profile
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
                "organization_id": plan.id,
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
    return vulns


def _incident_rows(plan: OrgPlan, now: datetime, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Org A: the credential stuffing under investigation; others: a widened IAM policy. Both: a leaked API key,
    resolved."""
    story = plan.story if plan.incident else {}
    incidents = []
    analyst = next((u for u in users if u["role"] == "security-analyst"), users[0])
    if plan.incident:
        victim = next(u for u in users if f"{u['first']} {u['last']}" == story["targeted_user"])
        incidents.append(
            {
                "id": plan.uid("sec_incident", "stuffing"),
                "organization_id": plan.id,
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
                "timeline": Json(
                    [{"at": (now - timedelta(minutes=44)).isoformat(), "note": "attacker IP blocked at edge"}]
                ),
            }
        )
    else:
        incidents.append(
            {
                "id": plan.uid("sec_incident", "iam"),
                "organization_id": plan.id,
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
            "organization_id": plan.id,
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
    return incidents


def _control_rows(plan: OrgPlan, now: datetime, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Compliance controls (org A fails SOC2 CC6.6, MFA for every login), owned by the security analyst."""
    analyst = next((u for u in users if u["role"] == "security-analyst"), users[0])
    controls = [
        ("SOC2", "CC6.1", "Logical access is restricted to authorised users", "passing"),
        ("SOC2", "CC6.6", "MFA enforced for every interactive login", "failing" if plan.incident else "passing"),
        ("SOC2", "CC7.2", "Security events are monitored and analysed", "passing"),
        ("ISO27001", "A.12.4.1", "Event logging retained for 12 months", "passing"),
        ("GDPR", "Art.32", "Personal data is pseudonymised in telemetry", "passing"),
        ("PCI-DSS", "8.3.6", "Passwords meet minimum complexity", "unknown"),
        ("PCI-DSS", "10.7", "Audit trail history retained for one year", "passing"),
    ]
    return [
        {
            "id": plan.uid("control", framework, control),
            "organization_id": plan.id,
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
