"""Collectors for security: events, vulnerabilities, compliance, access, threats and incidents.

Sources: ClickHouse ``audit_logs`` (AUTH / AUTHZ outcomes) and ``security_events`` (IDS / WAF / EDR / cloud
detections); PostgreSQL ``users`` / ``user_roles`` / ``roles`` / ``role_permissions`` / ``user_sessions`` /
``api_keys`` (access), ``data_masking_policies`` / ``retention_policies`` / ``sso_providers`` (governance),
``alert_instances``, and for what TFO has no source for (reference 3.3 "none"): ``security_vulnerabilities``,
``security_incidents`` and ``compliance_controls``. No secret is ever read: API keys come back as hints.

security-events and security-access compare failed logins with the baseline window: per source IP and per user,
a burst (BRUTE_FORCE_FAILURES failed AUTH events within 10 minutes) is a ``failed_logins`` finding named after
the user and IP, with its count and the time it started; a source that bursts in both windows is chronic, and
failures spread a few an hour are background (no finding).

``context_id`` is ignored by these types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tfo_mcp.context._shaping import (
    BRUTE_FORCE_FAILURES,
    SESSIONS_FLAG,
    STRUCTURE_CAP,
    add_note,
    as_int,
    clock,
    counts_by,
    optional,
    plural,
    total_of,
    without,
)
from tfo_mcp.context.change import Finding, baseline_request, compare, point_in_time
from tfo_mcp.context.collector import CollectRequest, collector
from tfo_mcp.context.sources import (
    Failed,
    available,
    ch,
    empty,
    failures,
    gather_sources,
    number,
    pg,
    raise_if_all_failed,
    rows_of,
)
from tfo_mcp.context.types import ContextType, TelemetryContext

SEVERE = ("critical", "high")
OPEN_EVENT_STATUSES = ("open", "investigating")
#: Ours: audit logs kept less than a year fall short of common compliance frameworks (SOC 2, PCI DSS 10.7);
#: an API key unused this long while still live is worth revoking; admin keys should expire.
AUDIT_RETENTION_MIN_DAYS = 365
STALE_KEY_DAYS = 90
PRIVILEGED_ROLES = frozenset({"admin", "owner", "super-admin", "billing-admin"})
#: Ours: failed logins are counted per minute; a source bursts when BURST_BUCKETS consecutive minutes (any 10
#: minutes, to the minute) hold at least BRUTE_FORCE_FAILURES of its failures. The burst's figure is the failures
#: in its busiest run of failures with no pause of BURST_BUCKETS minutes (the attack from its first to its last
#: attempt).
LOGIN_BUCKET_SECONDS = 60
BURST_BUCKETS = 10
#: Ours: sources (IPs and users together, busiest first) read per window.
LOGIN_SOURCE_CAP = 500
#: Ours: a user's burst is an IP's burst (one finding, not two) when that IP failed for the user and holds at
#: least this share of the user's burst.
SAME_BURST_SHARE = 0.8


def _auth_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    out = {"SUCCESS": 0, "FAILURE": 0, "DENIED": 0}
    for row in rows:
        out[row["result"]] = out.get(row["result"], 0) + as_int(row["events"])
    return out


def _brute_force_notes(sources: list[dict[str, Any]], notes: list[str]) -> None:
    for row in sources:
        failed = as_int(row["failures"])
        if failed >= BRUTE_FORCE_FAILURES:
            add_note(
                notes,
                f"{failed} failed logins for {row['user_email'] or row['user_id']} from {row['ip_address']} "
                f"between {clock(row['first_failure'])} and {clock(row['last_failure'])} (possible brute force)",
            )


def _detection_row(row: dict[str, Any]) -> dict[str, Any]:
    """A security_event_summary row with its counts as integers."""
    return {
        **row,
        "events": as_int(row["events"]),
        "sources": as_int(row["sources"]),
        "open_events": as_int(row["open_events"]),
    }


def _source_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "user_email": row["user_email"],
        "ip_address": row["ip_address"],
        "failures": as_int(row["failures"]),
        "denied": as_int(row["denied"]),
        "successes": as_int(row["successes"]),
        "error_codes": row["error_codes"],
        "first_seen": row["first_seen"],
        "last_seen": row["last_seen"],
    }


# --------------------------------------------------------------------------- failed-login bursts


@dataclass(frozen=True)
class LoginSource:
    """One source's failed logins in a window: an IP (``kind="ip"``) or a user (``kind="user"``)."""

    kind: str
    source: str
    failures: int
    #: the most failures in BURST_BUCKETS adjacent buckets
    peak: int
    #: failures in the busiest run (no pause of BURST_BUCKETS buckets), and its first and last failure
    burst: int
    burst_from: Any
    burst_to: Any
    #: users of an IP, IPs of a user: how many, and the most frequent ones
    counterparts: int
    examples: tuple[str, ...]

    @property
    def bursting(self) -> bool:
        return self.peak >= BRUTE_FORCE_FAILURES

    @property
    def name(self) -> str:
        """The source as a finding names it: ``user from ip`` when one user and one IP are involved."""
        if self.counterparts == 1 and self.examples:
            user, ip = (self.examples[0], self.source) if self.kind == "ip" else (self.source, self.examples[0])
            return f"{user} from {ip}"
        other = "user" if self.kind == "ip" else "IP"
        return f"{self.source} ({plural(self.counterparts, other)})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.name,
            "kind": self.kind,
            "failures": self.failures,
            "burst_failures": self.burst,
            "burst_from": self.burst_from,
            "burst_to": self.burst_to,
            "peak_10_minutes": self.peak,
        }


def _failed_logins(req: CollectRequest) -> Any:
    return ch(req, "security_failed_logins", bucket_seconds=LOGIN_BUCKET_SECONDS, cap=LOGIN_SOURCE_CAP)


def _login_source(row: dict[str, Any]) -> LoginSource:
    """A security_failed_logins row with its peak and its busiest run of failures."""
    buckets = sorted(
        zip(
            (as_int(b) for b in row["buckets"]),
            (as_int(n) for n in row["bucket_failures"]),
            row["bucket_first"],
            row["bucket_last"],
            strict=True,
        )
    )
    counts = {bucket: count for bucket, count, _, _ in buckets}
    peak = max((sum(counts.get(b + i, 0) for i in range(BURST_BUCKETS)) for b in counts), default=0)
    runs: list[list[tuple[int, int, Any, Any]]] = []
    for entry in buckets:
        if runs and entry[0] - runs[-1][-1][0] < BURST_BUCKETS:
            runs[-1].append(entry)
        else:
            runs.append([entry])
    busiest = max(runs, key=lambda run: (sum(e[1] for e in run), run[0][0]), default=[])
    return LoginSource(
        kind=row["kind"],
        source=str(row["source"]),
        failures=as_int(row["failures"]),
        peak=peak,
        burst=sum(e[1] for e in busiest),
        burst_from=busiest[0][2] if busiest else None,
        burst_to=busiest[-1][3] if busiest else None,
        counterparts=as_int(row["counterparts"]),
        examples=tuple(str(e) for e in row["counterpart_examples"] or ()),
    )


def _login_sources(rows: list[dict[str, Any]]) -> dict[tuple[str, str], LoginSource]:
    return {(s.kind, s.source): s for s in map(_login_source, rows)}


def _explained(user: LoginSource, sources: dict[tuple[str, str], LoginSource]) -> bool:
    """Whether one bursting IP that failed for ``user`` holds most of the user's burst (the same attack)."""
    return any(
        s.kind == "ip" and s.bursting and user.source in s.examples and s.burst >= SAME_BURST_SHARE * user.burst
        for s in sources.values()
    )


def failed_login_findings(
    req: CollectRequest, current: list[dict[str, Any]], baseline: list[dict[str, Any]]
) -> tuple[list[Finding], list[LoginSource]]:
    """Failed-login bursts against the baseline window, and the sources that burst in the window.

    Only a source that bursts (BRUTE_FORCE_FAILURES failures within 10 minutes) in the window or the baseline is
    compared: failures spread a few an hour are background, in both windows alike. A burst without one before
    is new; one in both windows is chronic (or worsened).
    """
    now, before = _login_sources(current), _login_sources(baseline)
    total = max(sum(s.failures for s in now.values() if s.kind == kind) for kind in ("ip", "user"))
    window, base = req.time_range, baseline_request(req).time_range
    findings: list[Finding] = []
    seen: set[str] = set()
    for key in sorted(now.keys() | before.keys()):
        current_source, baseline_source = now.get(key), before.get(key)
        shown = current_source or baseline_source
        assert shown is not None
        if not (current_source and current_source.bursting) and not (baseline_source and baseline_source.bursting):
            continue
        if shown.kind == "user" and _explained(shown, now if current_source else before):
            continue
        if shown.name in seen:
            continue
        seen.add(shown.name)
        after = current_source.burst if current_source else 0
        chronic = baseline_source is not None and baseline_source.bursting
        finding = compare(
            req.context_type.value,
            shown.name,
            "failed_logins",
            baseline_source.burst if baseline_source else 0,
            after,
            impact=after / total if total else 0.0,
            severity="critical",
            since=point_in_time(current_source.burst_from) if current_source else None,
            window=window,
            baseline=base,
            note=f"the last at {clock(current_source.burst_to)}" if current_source and after and not chronic else "",
        )
        if finding is not None:
            findings.append(finding)
    bursts = sorted((s for s in now.values() if s.bursting), key=lambda s: (-s.burst, s.kind, s.source))
    return findings, bursts


def _login_findings(req: CollectRequest, current: Any, baseline: Any) -> tuple[list[Finding] | None, list[LoginSource]]:
    """:func:`failed_login_findings`, or None (nothing is claimed) when either window's audit query failed."""
    if isinstance(current, Failed) or isinstance(baseline, Failed):
        return None, []
    return failed_login_findings(req, rows_of(current), rows_of(baseline))


# --------------------------------------------------------------------------- events


@collector(ContextType.SECURITY_EVENTS)
async def collect_security_events(req: CollectRequest) -> TelemetryContext:
    """Authentication / authorisation outcomes, who fails most, the newest failures and detections by category."""
    summary, sources, recent, detections, logins, logins_before = await gather_sources(
        ch(req, "security_auth_summary"),
        ch(req, "security_failing_sources"),
        ch(req, "security_recent_auth_failures"),
        optional(req, "security_events", ch(req, "security_event_summary")),
        optional(req, "audit_logs", _failed_logins(req)),
        optional(req, "audit_logs", _failed_logins(baseline_request(req))),
    )
    detection_rows = rows_of(detections)
    if not summary and not detection_rows:
        return empty(req, "audit_logs (AUTH/AUTHZ), security_events")
    findings, bursts = _login_findings(req, logins, logins_before)
    totals = _auth_counts(summary)
    attempts = sum(totals.values())
    notes: list[str] = []
    _brute_force_notes(sources, notes)
    for row in detection_rows:
        if row["severity"] in SEVERE:
            add_note(
                notes,
                f"{as_int(row['events'])} {row['severity']} {row['category']} detections "
                f"({as_int(row['open_events'])} open)",
            )
    if totals["DENIED"]:
        add_note(notes, f"{totals['DENIED']} authorisation requests denied")
    logins = [row for row in summary if row["action"] == "login"]
    login_total = sum(as_int(r["events"]) for r in logins)
    login_failed = sum(as_int(r["events"]) for r in logins if r["result"] != "SUCCESS")
    lead = (
        f"{attempts} authentication and authorisation events: {totals['FAILURE']} failed, {totals['DENIED']} denied; "
        f"{login_failed} of {login_total} logins failed; "
        f"{sum(as_int(r['events']) for r in detection_rows)} security detections."
    )
    data = {
        "outcomes": totals,
        "by_action": [
            {**row, "events": as_int(row["events"]), "users": as_int(row["users"]), "ips": as_int(row["ips"])}
            for row in summary
        ],
        "failing_sources": [_source_row(row) for row in sources],
        "recent_failures": recent,
        "detections": [_detection_row(row) for row in detection_rows],
        "failed_login_bursts": [burst.to_dict() for burst in bursts[: req.max_items]],
        "unavailable_sources": failures(detections, logins, logins_before),
    }
    return available(req, lead, data, notes, findings=findings)


# --------------------------------------------------------------------------- vulnerabilities


@collector(ContextType.SECURITY_VULNERABILITIES)
async def collect_security_vulnerabilities(req: CollectRequest) -> TelemetryContext:
    """Unresolved findings (most severe, exploitable and overdue first) and counts by severity and status."""
    findings, counts = await gather_sources(
        pg(req, "security_vulnerabilities"),
        pg(req, "security_vulnerability_counts"),
    )
    if not findings and not counts:
        return empty(req, "security_vulnerabilities")
    unresolved = [row for row in counts if row["status"] in ("open", "in_progress")]
    by_severity: dict[str, int] = {}
    for row in unresolved:
        by_severity[row["severity"]] = by_severity.get(row["severity"], 0) + as_int(row["findings"])
    exploitable = sum(as_int(row["exploitable"]) for row in unresolved)
    overdue = sum(as_int(row["overdue"]) for row in unresolved)
    notes: list[str] = []
    for row in findings:
        if row["severity"] in SEVERE and row["exploit_available"]:
            where = row["resource_name"] + (f" ({row['service_name']})" if row["service_name"] else "")
            fix = f", fixed in {row['fixed_version']}" if row["fixed_version"] else ""
            add_note(notes, f"{row['severity']} {row['cve_id'] or row['title']} on {where} has a public exploit{fix}")
    if overdue:
        add_note(notes, f"{plural(overdue, 'finding')} past the remediation due date")
    lead = (
        f"{total_of(findings)} unresolved {'vulnerability' if total_of(findings) == 1 else 'vulnerabilities'} "
        f"({', '.join(f'{n} {s}' for s, n in sorted(by_severity.items(), key=lambda i: _severity_rank(i[0])))}); "
        f"{exploitable} with a public exploit, {overdue} overdue."
    )
    data = {
        "total_unresolved": total_of(findings),
        "by_severity": dict(sorted(by_severity.items(), key=lambda i: _severity_rank(i[0]))),
        "exploitable": exploitable,
        "overdue": overdue,
        "new_in_window": sum(as_int(row["new_in_window"]) for row in counts),
        "fixed_in_window": sum(as_int(row["fixed_in_window"]) for row in counts),
        "by_severity_and_status": [
            {k: (as_int(v) if k not in ("severity", "status") else v) for k, v in r.items()} for r in counts
        ],
        "findings": without(findings, "total", "id"),
    }
    return available(req, lead, data, notes)


def _severity_rank(severity: str) -> int:
    return {"critical": 0, "high": 1, "medium": 2, "low": 3}.get(severity, 4)


# --------------------------------------------------------------------------- compliance


@collector(ContextType.SECURITY_COMPLIANCE)
async def collect_security_compliance(req: CollectRequest) -> TelemetryContext:
    """Compliance controls by framework, failing controls, data masking, retention, SSO and MFA coverage."""
    controls, failing, governance, retention = await gather_sources(
        optional(req, "compliance_controls", pg(req, "security_compliance_controls")),
        optional(req, "compliance_controls", pg(req, "security_failing_controls")),
        optional(req, "governance", pg(req, "security_governance")),
        optional(req, "retention_policies", pg(req, "security_retention_policies")),
    )
    raise_if_all_failed(controls, failing, governance, retention)
    control_rows, failing_rows = rows_of(controls), rows_of(failing)
    posture = rows_of(governance)[0] if rows_of(governance) else {}
    if not control_rows and not as_int(posture.get("active_users")) and not as_int(posture.get("masking_policies")):
        return empty(req, "compliance_controls, data_masking_policies, users")
    frameworks: dict[str, dict[str, int]] = {}
    for row in control_rows:
        frameworks.setdefault(row["framework"], {})[row["status"]] = as_int(row["controls"])
    scores = []
    for name, statuses in frameworks.items():
        assessed = statuses.get("passing", 0) + statuses.get("failing", 0)
        scores.append(
            {
                "framework": name,
                **statuses,
                "passing_percent": number(100 * statuses.get("passing", 0) / assessed, 1) if assessed else None,
            }
        )
    notes: list[str] = []
    for row in failing_rows:
        verb = "fails" if row["status"] == "failing" else "was never assessed"
        add_note(notes, f"{row['framework']} {row['control_id']} ({row['title']}) {verb}")
    active, no_mfa = as_int(posture.get("active_users")), as_int(posture.get("active_users_without_mfa"))
    if no_mfa:
        add_note(notes, f"{no_mfa} of {active} active users have no MFA")
    if posture and not as_int(posture.get("sso_providers_enabled")):
        add_note(notes, "no SSO provider is enabled")
    masking, masking_on = as_int(posture.get("masking_policies")), as_int(posture.get("masking_policies_enabled"))
    if masking > masking_on:
        add_note(notes, f"{masking - masking_on} of {masking} data-masking policies are disabled")
    audit_days = posture.get("audit_retention_days")
    if audit_days is not None and as_int(audit_days) < AUDIT_RETENTION_MIN_DAYS:
        add_note(notes, f"audit logs are kept {as_int(audit_days)} days (less than {AUDIT_RETENTION_MIN_DAYS})")
    total_controls = sum(as_int(row["controls"]) for row in control_rows)
    passing = sum(as_int(row["controls"]) for row in control_rows if row["status"] == "passing")
    lead = (
        f"{passing} of {total_controls} compliance controls pass across {plural(len(frameworks), 'framework')}; "
        f"{len(failing_rows)} failing or unassessed; MFA on {active - no_mfa} of {active} active users."
    )
    data = {
        "frameworks": scores,
        "failing_controls": failing_rows,
        "governance": {key: (as_int(value) if value is not None else None) for key, value in posture.items()},
        "retention": rows_of(retention),
        "unavailable_sources": failures(controls, failing, governance, retention),
    }
    return available(req, lead, data, notes)


# --------------------------------------------------------------------------- access


@collector(ContextType.SECURITY_ACCESS)
async def collect_security_access(req: CollectRequest) -> TelemetryContext:
    """Accounts (MFA, lockouts, sessions, roles), role assignments, API keys and denied access in the window."""
    users, roles, keys, denied, logins, logins_before = await gather_sources(
        pg(req, "security_users", limit=STRUCTURE_CAP),
        optional(req, "user_roles", pg(req, "security_role_summary")),
        optional(req, "api_keys", pg(req, "security_api_keys", limit=STRUCTURE_CAP)),
        optional(req, "audit_logs", ch(req, "security_failing_sources")),
        optional(req, "audit_logs", _failed_logins(req)),
        optional(req, "audit_logs", _failed_logins(baseline_request(req))),
    )
    if not users:
        return empty(req, "users")
    findings, bursts = _login_findings(req, logins, logins_before)
    end = req.time_range.end
    notes: list[str] = []
    for user in users:
        privileged = PRIVILEGED_ROLES & set(user["roles"] or [])
        if as_int(user["active_sessions"]) > SESSIONS_FLAG:
            add_note(notes, f"{user['email']} has {user['active_sessions']} active sessions (over {SESSIONS_FLAG})")
        if user["locked"]:
            add_note(notes, f"{user['email']} is locked after {user['failed_login_attempts']} failed logins")
        if privileged and user["is_active"] and not user["mfa_enabled"]:
            add_note(notes, f"{user['email']} holds {', '.join(sorted(privileged))} without MFA")
    key_rows = rows_of(keys)
    live_keys = [key for key in key_rows if key["live"]]
    for key in live_keys:
        if key["key_type"] == "admin" and key["expires_at"] is None:
            add_note(notes, f"admin API key {key['name']} ({key['key_hint']}) never expires")
        last_used = key["last_used_at"]
        if last_used is not None and end - last_used > timedelta(days=STALE_KEY_DAYS):
            add_note(notes, f"API key {key['name']} is live but unused for {(end - last_used).days} days")
    denied_rows = [row for row in rows_of(denied) if as_int(row["denied"])]
    for row in denied_rows[:3]:
        add_note(notes, f"{as_int(row['denied'])} denied requests for {row['user_email']} from {row['ip_address']}")
    active = [u for u in users if u["is_active"]]
    without_mfa = sum(1 for u in active if not u["mfa_enabled"])
    locked = sum(1 for u in users if u["locked"])
    lead = (
        f"{plural(len(active), 'active account')} of {total_of(users)}; {without_mfa} without MFA, {locked} locked; "
        f"{len(live_keys)} live API keys of {total_of(key_rows)}."
    )
    data = {
        "total_users": total_of(users),
        "active_users": len(active),
        "users_without_mfa": without_mfa,
        "users": without(users, "total", "id")[: req.max_items],
        "roles": rows_of(roles),
        "api_keys": {
            "total": total_of(key_rows),
            "live": len(live_keys),
            "by_type": counts_by(live_keys, "key_type"),
            "keys": without(key_rows, "total", "id")[: req.max_items],
        },
        "denied_access": [_source_row(row) for row in denied_rows],
        "failed_login_bursts": [burst.to_dict() for burst in bursts[: req.max_items]],
        "unavailable_sources": failures(roles, keys, denied, logins, logins_before),
    }
    return available(req, lead, data, notes, findings=findings)


# --------------------------------------------------------------------------- threats


@collector(ContextType.SECURITY_THREATS)
async def collect_security_threats(req: CollectRequest) -> TelemetryContext:
    """Detections by category and severity, the most severe events, the busiest threat sources and brute force."""
    summary, events, sources, failing = await gather_sources(
        ch(req, "security_event_summary"),
        ch(req, "security_threat_events"),
        ch(req, "security_threat_sources"),
        optional(req, "audit_logs", ch(req, "security_failing_sources")),
    )
    failing_rows = rows_of(failing)
    if not summary and not failing_rows:
        return empty(req, "security_events, audit_logs")
    notes: list[str] = []
    for row in events:
        if row["severity"] in SEVERE and row["status"] in OPEN_EVENT_STATUSES:
            add_note(
                notes,
                f"{row['severity']} {row['category']} from {row['src_ip'] or '?'} on {row['target']}: "
                f"{row['title']} ({row['status']})",
            )
    _brute_force_notes(failing_rows, notes)
    if sources:
        top = sources[0]
        add_note(
            notes,
            f"top threat source {top['src_ip']}: {as_int(top['events'])} detections ({', '.join(top['categories'])})",
        )
    total = sum(as_int(row["events"]) for row in summary)
    open_events = sum(as_int(row["open_events"]) for row in summary)
    tactics: dict[str, int] = {}
    for row in events:
        if row["mitre_tactic"]:
            tactics[row["mitre_tactic"]] = tactics.get(row["mitre_tactic"], 0) + 1
    lead = (
        f"{total} security detections ({open_events} open) from {len(sources)} sources; "
        f"{sum(as_int(r['events']) for r in summary if r['severity'] in SEVERE)} high or critical."
    )
    data = {
        "total_detections": total,
        "open_detections": open_events,
        "by_category": [_detection_row(row) for row in summary],
        "top_events": events,
        "top_sources": [{**row, "events": as_int(row["events"])} for row in sources],
        "mitre_tactics": dict(sorted(tactics.items(), key=lambda item: -item[1])),
        "authentication_attacks": [
            _source_row(row) for row in failing_rows if as_int(row["failures"]) >= BRUTE_FORCE_FAILURES
        ],
        "unavailable_sources": failures(failing),
    }
    return available(req, lead, data, notes)


# --------------------------------------------------------------------------- incidents


@collector(ContextType.SECURITY_INCIDENTS)
async def collect_security_incidents(req: CollectRequest) -> TelemetryContext:
    """Open security incidents (and those detected or resolved in the window), critical alerts and open detections."""
    incidents, alerts, detections = await gather_sources(
        pg(req, "security_incidents"),
        optional(req, "alert_instances", pg(req, "security_critical_alerts")),
        optional(req, "security_events", ch(req, "security_threat_events")),
    )
    alert_rows = rows_of(alerts)
    open_detections = [
        row for row in rows_of(detections) if row["severity"] in SEVERE and row["status"] in OPEN_EVENT_STATUSES
    ]
    if not incidents and not alert_rows and not open_detections:
        return empty(req, "security_incidents, alert_instances, security_events")
    notes: list[str] = []
    open_incidents = [row for row in incidents if row["status"] in ("open", "investigating", "contained")]
    for row in open_incidents:
        owner = f", assigned to {row['assignee']}" if row["assignee"] else ", unassigned"
        add_note(
            notes,
            f"{row['severity']} incident '{row['title']}' is {row['status']} since {clock(row['detected_at'])}{owner}",
        )
    for row in open_incidents:
        if row["acknowledged_at"] is None:
            add_note(notes, f"incident '{row['title']}' has not been acknowledged")
    for row in alert_rows:
        if row["status"] in ("firing", "acknowledged"):
            add_note(notes, f"critical alert '{row['title']}' {row['status']} since {clock(row['starts_at'])}")
    for row in open_detections[:3]:
        add_note(notes, f"open {row['severity']} detection: {row['title']} from {row['src_ip'] or '?'}")
    lead = (
        f"{plural(len(open_incidents), 'open security incident')} "
        f"({', '.join(f'{n} {s}' for s, n in counts_by(open_incidents, 'severity').items()) or 'none'}); "
        f"{len(alert_rows)} critical alerts and {len(open_detections)} open high/critical detections in the window."
    )
    data = {
        "open_incidents": len(open_incidents),
        "incidents": without(incidents, "total", "id")[: req.max_items],
        "critical_alerts": alert_rows,
        "open_detections": open_detections[: req.max_items],
        "unavailable_sources": failures(alerts, detections),
    }
    return available(req, lead, data, notes)
