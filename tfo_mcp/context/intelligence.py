"""Collectors for the AI/ops views: insights, recommendations, anomalies, predictions, root cause and patterns.

Sources: ClickHouse ``anomaly_events``, ``predictions``, ``signal_correlations`` (rollups by window),
``logs_errors`` (the ERROR-and-above copy of ``logs``), ``change_events``, ``cost_data``, ``db_index_stats``;
PostgreSQL ``remediation_plans`` and ``security_vulnerabilities``. ai-insights also runs the metrics, logs and
traces collectors of :mod:`tfo_mcp.context.signals` (TFO's "correlations" composite).

Composites run their parts concurrently and keep what answered when a part fails
(``data["unavailable_sources"]``).

``context_id``: ai-anomalies and ai-root-cause narrow to one service; ai-predictions to one resource type
(host, service, database, ...) when it names one; the other types ignore it.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from tfo_mcp.context._shaping import (
    HIGH_RISK_PROBABILITY,
    STRUCTURE_CAP,
    add_note,
    as_float,
    as_int,
    clock,
    counts_by,
    fmt,
    optional,
    plural,
    total_of,
    without,
)
from tfo_mcp.context.change import Finding, describe, rank
from tfo_mcp.context.collector import COLLECTORS, CollectRequest, collector, registered_types
from tfo_mcp.context.detect import anomalies, service_of, tier
from tfo_mcp.context.platform import horizon_hours
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
    rollup,
    rows_of,
)
from tfo_mcp.context.types import ContextType, TelemetryContext

#: How far before the window root cause looks for changes (a deploy shortly before the first anomaly).
CHANGE_LOOKBACK = timedelta(hours=2)
#: A change this close before a service's first anomaly is a root-cause candidate.
CANDIDATE_WINDOW = timedelta(minutes=60)
#: The strongest new findings root cause looks for a preceding change.
ROOT_CAUSE_FINDINGS = 5
#: Detector findings ai-insights lists as insights (strongest first).
DETECTED_INSIGHTS = 5
#: Detector findings the root-cause timeline lists (strongest first; the rest stay in `findings`).
DETECTED_IN_TIMELINE = 5
RESOURCE_TYPES = frozenset({"host", "service", "database", "node", "pod", "cluster", "disk", "queue", "cache"})
PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}


def _service_filter(req: CollectRequest) -> str:
    return req.context_id or ""


def _anomaly(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "timestamp": row["timestamp"],
        "service": row["service_name"],
        "metric": row["metric_name"],
        "signal": row["signal_type"],
        "severity": row["severity"],
        "score": number(row["anomaly_score"], 3),
        "z_score": number(row["z_score"], 2),
        "observed": number(row["observed_value"], 3),
        "expected": number(row["expected_value"], 3),
        "description": row["description"],
    }


def _group(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "service": row["service_name"],
        "signal": row["signal_type"],
        "metric": row["metric_name"],
        "occurrences": as_int(row["occurrences"]),
        "critical": as_int(row["critical"]),
        "avg_score": number(row["avg_score"], 3),
        "max_score": number(row["max_score"], 3),
        "first_seen": row["first_seen"],
        "last_seen": row["last_seen"],
    }


# --------------------------------------------------------------------------- anomalies


@collector(ContextType.AI_ANOMALIES)
async def collect_ai_anomalies(req: CollectRequest) -> TelemetryContext:
    """Detected anomalies (strongest first) and their grouping by service, signal and metric."""
    service = _service_filter(req)
    rows, groups, found = await gather_sources(
        ch(req, "intelligence_anomalies", service=service),
        ch(req, "intelligence_anomaly_groups", limit=STRUCTURE_CAP),
        anomalies(req, service),
    )
    if not rows and not found.examined:
        return empty(req, "anomaly_events")
    events = [_anomaly(row) for row in rows]
    grouped = [_group(row) for row in groups if not service or row["service_name"] == service]
    total = sum(g["occurrences"] for g in grouped)
    critical = sum(g["critical"] for g in grouped)
    notes: list[str] = []
    for event in events:
        if event["severity"] == "critical":
            add_note(notes, f"{clock(event['timestamp'])} {event['description']}")
    for group in grouped:
        if group["occurrences"] > 1:
            add_note(notes, f"{group['service']} {group['metric']} was anomalous {group['occurrences']} times")
    lead = (f"For {service}: " if service else "") + found.lead(total, critical)
    data = {
        "service_filter": req.context_id,
        "total": total,
        "critical": critical,
        "warning": sum(g["occurrences"] - g["critical"] for g in grouped),
        "by_signal": counts_by(grouped, "signal", "occurrences"),
        "anomalies": events,
        "groups": grouped[: req.max_items],
        **found.data(req.max_items),
    }
    if found.failed:
        data["unavailable_sources"] = found.failed
    return available(req, lead, data, notes, findings=found.findings)


# --------------------------------------------------------------------------- predictions


@collector(ContextType.AI_PREDICTIONS)
async def collect_ai_predictions(req: CollectRequest) -> TelemetryContext:
    """The newest forecast per resource and horizon: failure probability, health, predicted metric values."""
    resource_type = (req.context_id or "").lower() if (req.context_id or "").lower() in RESOURCE_TYPES else ""
    rows = await ch(req, "platform_predictions", resource_type=resource_type, limit=STRUCTURE_CAP)
    if not rows:
        return empty(req, "predictions")
    forecasts = [
        {
            "resource_type": row["resource_type"],
            "resource": row["resource_identifier"],
            "horizon": row["horizon"],
            "failure_probability": number(row["failure_probability"], 3),
            "health_score": number(row["health_score"], 1),
            "health_status": row["health_status"],
            "metric": row["predicted_metric"],
            "current_value": number(row["current_value"], 3),
            "predicted_value": number(row["predicted_value"], 3),
            "model": row["model"],
            "r_squared": number(row["r_squared"], 3),
            "predicted_at": row["predicted_at"],
        }
        for row in rows
    ]
    risky = [f for f in forecasts if (f["failure_probability"] or 0) > HIGH_RISK_PROBABILITY]
    notes: list[str] = []
    seen: set[str] = set()
    for f in sorted(risky, key=lambda f: (horizon_hours(f["horizon"]), -(f["failure_probability"] or 0))):
        if f["resource"] in seen:
            continue
        seen.add(f["resource"])
        add_note(
            notes,
            f"{f['resource_type']} {f['resource']} is {f['health_status']}: "
            f"{fmt(100 * (f['failure_probability'] or 0), 0)}% failure probability within {f['horizon']} "
            f"({f['metric']} {fmt(f['current_value'])} -> {fmt(f['predicted_value'])}, {f['model']})",
        )
    resources = {f["resource"] for f in forecasts}
    lead = (
        f"Forecasts for {plural(len(resources), 'resource')}; {len(seen)} above "
        f"{fmt(100 * HIGH_RISK_PROBABILITY, 0)}% failure probability."
    )
    data = {
        "resource_type_filter": resource_type or None,
        "total_resources": len(resources),
        "high_risk": len(risky),
        "critical": sum(1 for f in forecasts if f["health_status"] == "critical"),
        "by_status": counts_by(forecasts, "health_status"),
        "predictions": forecasts[: req.max_items],
    }
    return available(req, lead, data, notes)


# --------------------------------------------------------------------------- patterns


def _correlations(req: CollectRequest, limit: int) -> Any:
    return ch(req, "intelligence_correlations", rollup=rollup("signal_correlations", req.time_range), limit=limit)


@collector(ContextType.AI_PATTERNS)
async def collect_ai_patterns(req: CollectRequest) -> TelemetryContext:
    """Recurring patterns: signal correlations, repeating anomalies and the most frequent error-log shapes."""
    correlations, patterns, groups, logs = await gather_sources(
        optional(req, "signal_correlations", _correlations(req, STRUCTURE_CAP)),
        optional(req, "signal_correlations", ch(req, "intelligence_correlation_patterns")),
        optional(req, "anomaly_events", ch(req, "intelligence_anomaly_groups")),
        optional(req, "logs_errors", ch(req, "intelligence_error_log_groups", service="")),
    )
    raise_if_all_failed(correlations, patterns, groups, logs)
    corr_rows, pattern_rows = rows_of(correlations), rows_of(patterns)
    group_rows, log_rows = rows_of(groups), rows_of(logs)
    if not corr_rows and not pattern_rows and not group_rows and not log_rows:
        return empty(req, "signal_correlations, anomaly_events, logs_errors")
    notes: list[str] = []
    recurring = [
        {
            "type": row["correlation_type"],
            "service": row["service_name"],
            "metric": row["metric_name"],
            "log_pattern": row["log_pattern"],
            "occurrences": as_int(row["occurrences"]),
            "avg_confidence": number(row["avg_confidence"], 3),
            "max_confidence": number(row["max_confidence"], 3),
            "example_traces": row["example_traces"],
            "first_seen": row["first_seen"],
            "last_seen": row["last_seen"],
        }
        for row in pattern_rows
    ]
    for item in recurring:
        if item["occurrences"] > 1 and (item["max_confidence"] or 0) >= 0.8:
            what = item["log_pattern"] or item["metric"]
            add_note(
                notes,
                f"{item['type']} pattern on {item['service']} ({what}) seen {item['occurrences']} times, "
                f"confidence up to {fmt(item['max_confidence'])}",
            )
    anomaly_groups = [_group(row) for row in group_rows]
    for group in anomaly_groups:
        if group["occurrences"] > 1:
            add_note(notes, f"{group['service']} {group['metric']} anomalous {group['occurrences']} times")
    error_shapes = [
        {
            "service": row["service_name"],
            "pattern": row["pattern"],
            "occurrences": as_int(row["occurrences"]),
            "example": row["example"],
            "example_trace_id": row["example_trace_id"],
            "first_seen": row["first_seen"],
            "last_seen": row["last_seen"],
        }
        for row in log_rows
    ]
    if error_shapes:
        top = error_shapes[0]
        add_note(notes, f"most frequent error on {top['service']} ({top['occurrences']} lines): {top['example'][:120]}")
    by_type: dict[str, int] = {}
    for row in corr_rows:
        by_type[row["correlation_type"]] = by_type.get(row["correlation_type"], 0) + as_int(row["correlations"])
    lead = (
        f"{sum(by_type.values())} signal correlations ({len(recurring)} distinct patterns), "
        f"{len(anomaly_groups)} anomaly groups and {len(error_shapes)} error-log shapes in the window."
    )
    data = {
        "correlations_source": rollup("signal_correlations", req.time_range).table,
        "correlations_by_type": dict(sorted(by_type.items(), key=lambda item: -item[1])),
        "correlations_by_service": [
            {"service": r["service_name"], "type": r["correlation_type"], "count": as_int(r["correlations"])}
            for r in corr_rows
        ][: req.max_items],
        "recurring_patterns": recurring,
        "anomaly_groups": anomaly_groups,
        "error_log_patterns": error_shapes,
        "unavailable_sources": failures(correlations, patterns, groups, logs),
    }
    return available(req, lead, data, notes)


# --------------------------------------------------------------------------- root cause


def _as_time(value: Any) -> Any:
    """A ClickHouse DateTime text as an aware datetime (None when it is not one)."""
    from datetime import UTC, datetime

    try:
        return datetime.fromisoformat(str(value)[:19]).replace(tzinfo=UTC)
    except ValueError:
        return None


def _recent(timeline: list[dict[str, Any]], limit: int, causes: set[str]) -> list[dict[str, Any]]:
    """The last ``limit`` entries of a chronological timeline, preceded by the changes named as likely causes that
    fall before them (a cause is never cut off by what followed it)."""
    earlier, recent = timeline[:-limit], timeline[-limit:]
    return [item for item in earlier if item["kind"].startswith("change:") and item["what"] in causes] + recent


@collector(ContextType.AI_ROOT_CAUSE)
async def collect_ai_root_cause(req: CollectRequest) -> TelemetryContext:
    """Inputs for a root-cause analysis: a timeline of changes, anomalies and errors, and ranked candidate causes."""
    service = _service_filter(req)
    lookback = req.time_range.start - CHANGE_LOOKBACK
    anomaly_events, changes, logs, patterns, plans, found = await gather_sources(
        optional(req, "anomaly_events", ch(req, "intelligence_anomalies", service=service, limit=STRUCTURE_CAP)),
        optional(req, "change_events", ch(req, "intelligence_changes", lookback_from=lookback, limit=STRUCTURE_CAP)),
        optional(req, "logs_errors", ch(req, "intelligence_error_log_groups", service=service)),
        optional(req, "signal_correlations", ch(req, "intelligence_correlation_patterns")),
        optional(req, "remediation_plans", pg(req, "intelligence_remediation_plans")),
        anomalies(req, service),
    )
    raise_if_all_failed(anomaly_events, changes, logs, patterns)
    anomaly_rows, change_rows = rows_of(anomaly_events), rows_of(changes)
    log_rows, pattern_rows, plan_rows = rows_of(logs), rows_of(patterns), rows_of(plans)
    if not anomaly_rows and not log_rows and not found.findings:
        return empty(req, "anomaly_events, logs_errors")
    events = sorted((_anomaly(row) for row in anomaly_rows), key=lambda e: str(e["timestamp"]))
    first_by_service: dict[str, dict[str, Any]] = {}
    for event in events:
        if event["severity"] == "critical" or event["service"] not in first_by_service:
            first_by_service.setdefault(event["service"], event)
    candidates = []
    for event in events:
        if event["severity"] != "critical" or first_by_service.get(event["service"]) is not event:
            continue
        anomaly_at = _as_time(event["timestamp"])
        for change in change_rows:
            changed_at = _as_time(change["timestamp"])
            if anomaly_at is None or changed_at is None or change["service_name"] != event["service"]:
                continue
            gap = anomaly_at - changed_at
            if timedelta(0) <= gap <= CANDIDATE_WINDOW:
                candidates.append(
                    {
                        "cause": change["title"],
                        "kind": change["change_type"],
                        "service": change["service_name"],
                        "changed_at": change["timestamp"],
                        "first_anomaly_at": event["timestamp"],
                        "minutes_before_anomaly": round(gap.total_seconds() / 60, 1),
                        "risk": change["risk"],
                        "author": change["author"],
                        "version": change["version"],
                        "previous_version": change["previous_version"],
                        "anomaly": event["description"],
                        "source": "tfo",
                    }
                )
    candidates.sort(key=lambda c: (PRIORITY_RANK.get(str(c["risk"]), 3), c["minutes_before_anomaly"]))
    linked, findings = _causes_of_findings(req, rank(found.findings), change_rows)
    known = {(c["cause"], c["service"]) for c in candidates}
    candidates += [c for c in linked if (c["cause"], c["service"]) not in known]
    timeline: list[dict[str, Any]] = []
    for change in change_rows:
        if not service or change["service_name"] in ("", service):
            timeline.append(
                {"at": change["timestamp"], "kind": f"change:{change['change_type']}", "what": change["title"]}
            )
    for event in events:
        timeline.append(
            {"at": event["timestamp"], "kind": f"anomaly:{event['severity']}", "what": event["description"]}
        )
    for finding in [f for f in rank(findings) if f.source == "detector"][:DETECTED_IN_TIMELINE]:
        if finding.since:
            timeline.append({"at": finding.since.replace("T", " "), "kind": f"detected:{finding.signal}",
                             "what": describe(finding)})  # fmt: skip
    for row in log_rows[:5]:
        timeline.append(
            {
                "at": row["first_seen"],
                "kind": "error-log",
                "what": f"{row['service_name']}: {str(row['example'])[:160]}",
            }
        )
    timeline.sort(key=lambda item: str(item["at"]))
    notes: list[str] = []
    for cand in candidates[:3]:
        if cand["kind"] == "signal":
            continue
        before = f"the first critical anomaly on {cand['service']}" if cand["source"] == "tfo" else f"{cand['anomaly']}"
        add_note(
            notes,
            f"{cand['cause']} at {clock(cand['changed_at'])}, {fmt(cand['minutes_before_anomaly'], 0)} min before "
            f"{before} (risk {cand['risk']})",
        )
    critical = [e for e in events if e["severity"] == "critical"]
    if critical:
        first = critical[0]
        add_note(notes, f"first critical anomaly at {clock(first['timestamp'])}: {first['description']}")
    if log_rows:
        top = log_rows[0]
        add_note(
            notes,
            f"dominant error on {top['service_name']}: {str(top['example'])[:120]} "
            f"({as_int(top['occurrences'])} lines)",
        )
    for plan in plan_rows:
        if plan["status"] in ("proposed", "approved"):
            add_note(notes, f"remediation plan '{plan['title']}' is {plan['status']}")
    scope = f" for {service}" if service else ""
    lead = (
        f"{_likely_cause_sentence(candidates)}Root-cause inputs{scope}: {len(events)} "
        f"{'anomaly' if len(events) == 1 else 'anomalies'} labelled by TFO ({len(critical)} critical), "
        f"{found.detector_clause()}, {plural(len(change_rows), 'change')} since "
        f"{clock(lookback)}, {len(log_rows)} error-log shapes; {plural(len(candidates), 'candidate cause')}."
    )
    data = {
        "service_filter": req.context_id,
        "candidates": candidates,
        "timeline": _recent(timeline, max(req.max_items, 10), {c["cause"] for c in candidates[:3]}),
        "anomalies": events[: req.max_items],
        "changes": change_rows[: req.max_items],
        "error_log_patterns": [{**row, "occurrences": as_int(row["occurrences"])} for row in log_rows[: req.max_items]],
        "correlations": [
            {**row, "occurrences": as_int(row["occurrences"])}
            for row in pattern_rows
            if not service or row["service_name"] == service
        ][: req.max_items],
        "remediation_plans": without(plan_rows, "total", "id"),
        **found.data(req.max_items),
        "unavailable_sources": {**failures(anomaly_events, changes, logs, patterns, plans), **found.failed},
    }
    return available(req, lead, data, notes, findings=findings)


def _change_before(
    finding: Finding, changes: list[dict[str, Any]], slack: timedelta
) -> tuple[dict[str, Any], float] | None:
    """The latest change to the finding's service at most CANDIDATE_WINDOW before the finding stood out (or inside
    its first bucket, ``slack`` long: ``since`` is that bucket's start), with the minutes between them."""
    at = _as_time(finding.since) if finding.since else None
    if at is None:
        return None
    service = service_of(finding.entity)
    best: tuple[dict[str, Any], timedelta] | None = None
    for change in changes:
        changed_at = _as_time(change["timestamp"])
        if changed_at is None or change["service_name"] != service:
            continue
        gap = at - changed_at
        if -slack < gap <= CANDIDATE_WINDOW and (best is None or abs(gap) < abs(best[1])):
            best = (change, gap)
    if best is None:
        return None
    return best[0], max(0.0, round(best[1].total_seconds() / 60, 1))


def _causes_of_findings(
    req: CollectRequest, ranked: list[Finding], changes: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[Finding]]:
    """Candidate causes from the strongest new findings (the detector's, and TFO's critical ones): the change that
    preceded one on its service (the finding then says so), else the top finding itself. Returns the candidates and
    the findings with those notes."""
    slack = timedelta(seconds=tier("service_request_stats", req.time_range).interval_seconds)
    moved = [f for f in ranked if f.status in ("new", "worsened") and (f.source != "tfo" or f.severity == "critical")]
    moved = moved[:ROOT_CAUSE_FINDINGS]
    candidates: list[dict[str, Any]] = []
    noted: dict[int, Finding] = {}
    for finding in moved:
        link = _change_before(finding, changes, slack)
        if link is None:
            continue
        change, minutes = link
        noted[id(finding)] = dataclasses.replace(
            finding, note=f"after {change['title']} at {clock(change['timestamp'])}"
        )
        candidates.append(
            {
                "cause": change["title"],
                "kind": change["change_type"],
                "service": change["service_name"],
                "changed_at": change["timestamp"],
                "first_anomaly_at": finding.since,
                "minutes_before_anomaly": minutes,
                "risk": change["risk"],
                "author": change["author"],
                "version": change["version"],
                "previous_version": change["previous_version"],
                "anomaly": describe(finding),
                "source": finding.source,
            }
        )
    if not candidates and moved:
        top = moved[0]
        candidates.append(
            {
                "cause": describe(top),
                "kind": "signal",
                "service": service_of(top.entity),
                "first_anomaly_at": top.since,
                "signal": top.signal,
                "source": top.source,
            }
        )
    return candidates, [noted.get(id(f), f) for f in ranked]


def _likely_cause_sentence(candidates: list[dict[str, Any]]) -> str:
    """ "Most likely cause: ..." for the first candidate, or '' without one."""
    if not candidates:
        return ""
    top = candidates[0]
    if top["kind"] == "signal":
        return f"Most likely cause: {top['cause']}; no change event precedes it. "
    return (
        f"Most likely cause: {top['cause']} ({top['kind']} at {clock(top['changed_at'])}), "
        f"{fmt(top['minutes_before_anomaly'], 0)} min before {top['anomaly']}. "
    )


# --------------------------------------------------------------------------- insights


async def _signal(req: CollectRequest, kind: ContextType) -> TelemetryContext:
    """Run the signals collector of ``kind`` for the same organization and window (no context filter)."""
    registered_types()
    function = COLLECTORS[kind]
    return await function(dataclasses.replace(req, context_type=kind, context_id=None))


def _digest(result: Any) -> dict[str, Any]:
    if isinstance(result, Failed):
        return {"status": "unavailable", "reason": result.reason}
    data = result.data if isinstance(result.data, dict) else {}
    return {"status": result.status, "summary": result.summary, "highlights": list(data.get("highlights") or [])}


@collector(ContextType.AI_INSIGHTS)
async def collect_ai_insights(req: CollectRequest) -> TelemetryContext:
    """Correlated insights: metrics, logs and traces digests, signal correlations and the strongest anomalies."""
    metrics, logs, traces, correlations, top_events, found = await gather_sources(
        optional(req, "metrics", _signal(req, ContextType.METRICS)),
        optional(req, "logs", _signal(req, ContextType.LOGS)),
        optional(req, "traces", _signal(req, ContextType.TRACES)),
        optional(req, "signal_correlations", _correlations(req, req.max_items)),
        optional(req, "anomaly_events", ch(req, "intelligence_anomalies", service="", limit=min(5, req.max_items))),
        anomalies(req),
    )
    raise_if_all_failed(metrics, logs, traces, correlations, top_events)
    signals = {"metrics": _digest(metrics), "logs": _digest(logs), "traces": _digest(traces)}
    corr_rows, anomaly_rows = rows_of(correlations), rows_of(top_events)
    has_signal = any(item["status"] == "available" for item in signals.values())
    if not has_signal and not corr_rows and not anomaly_rows and not found.findings:
        return empty(req, "metrics, logs, traces, signal_correlations, anomaly_events")
    insights: list[dict[str, Any]] = []
    for row in anomaly_rows:
        insights.append(
            {
                "source": "anomalies",
                "priority": "high" if row["severity"] == "critical" else "medium",
                "insight": f"{clock(row['timestamp'])} {row['description']}",
            }
        )
    for finding in rank(found.detection.findings)[:DETECTED_INSIGHTS]:
        insights.append(
            {
                "source": "detector",
                "priority": "high" if finding.severity == "critical" else "medium",
                "insight": describe(finding),
            }
        )
    for row in corr_rows:
        insights.append(
            {
                "source": "correlations",
                "priority": "high" if row["correlation_type"] == "deploy-error" else "low",
                "insight": (
                    f"{as_int(row['correlations'])} {row['correlation_type']} correlations on {row['service_name']}"
                ),
            }
        )
    for name in ("traces", "logs", "metrics"):
        for note in signals[name].get("highlights", []):
            insights.append({"source": name, "priority": "medium", "insight": note})
    insights.sort(key=lambda item: PRIORITY_RANK[item["priority"]])
    notes: list[str] = []
    for item in insights:
        if item["priority"] == "high":
            add_note(notes, item["insight"])
    for item in insights:
        if item["priority"] == "medium" and item["source"] != "anomalies":
            add_note(notes, f"{item['source']}: {item['insight']}")
    answered = [name for name, item in signals.items() if item["status"] == "available"]
    detected = " and the detector" if found.detection.findings else ""
    lead = (
        f"{plural(len(insights), 'insight')} from {', '.join(answered) or 'no signals'}"
        f"{', correlations' if corr_rows else ''}{', anomalies' if anomaly_rows else ''}{detected}."
    )
    data = {
        "insights": insights[: max(req.max_items, 10)],
        "signals": signals,
        "correlations": [
            {"service": r["service_name"], "type": r["correlation_type"], "count": as_int(r["correlations"])}
            for r in corr_rows
        ],
        "top_anomalies": [_anomaly(row) for row in anomaly_rows],
        **found.data(req.max_items),
        "unavailable_sources": {**failures(metrics, logs, traces, correlations, top_events), **found.failed},
    }
    return available(req, lead, data, notes, findings=found.findings)


# --------------------------------------------------------------------------- recommendations


async def _cost_lines(req: CollectRequest) -> list[dict[str, Any]]:
    if req.time_range.duration <= timedelta(days=2):
        return await ch(req, "platform_cost_lines_raw")
    return await ch(
        req,
        "platform_cost_lines_daily",
        day_from=req.time_range.start.date(),
        day_to=(req.time_range.end - timedelta(microseconds=1)).date(),
    )


@collector(ContextType.AI_RECOMMENDATIONS)
async def collect_ai_recommendations(req: CollectRequest) -> TelemetryContext:
    """Prioritised recommendations from remediation plans, failure forecasts, open vulnerabilities with a fix,
    unused indexes and the largest costs."""
    plans, predictions, vulns, indexes, cost = await gather_sources(
        optional(req, "remediation_plans", pg(req, "intelligence_remediation_plans")),
        optional(req, "predictions", ch(req, "platform_predictions", resource_type="", limit=STRUCTURE_CAP)),
        optional(req, "security_vulnerabilities", pg(req, "security_vulnerabilities")),
        optional(req, "db_index_stats", ch(req, "databases_index_stats", instance="")),
        optional(req, "cost_data", _cost_lines(req)),
    )
    raise_if_all_failed(plans, predictions, vulns, indexes, cost)
    items: list[dict[str, Any]] = []
    for plan in rows_of(plans):
        if plan["status"] not in ("proposed", "approved", "executing"):
            continue
        items.append(
            {
                "priority": "high" if plan["risk_level"] == "high" or plan["trigger_type"] == "anomaly" else "medium",
                "source": "remediation_plans",
                "title": plan["title"],
                "rationale": f"{plan['trigger_type']}-triggered plan, {plan['status']}, risk {plan['risk_level']}",
                "actions": plan["actions"],
            }
        )
    seen: set[str] = set()
    forecasts = sorted(
        (p for p in rows_of(predictions) if as_float(p["failure_probability"]) > HIGH_RISK_PROBABILITY),
        key=lambda p: (horizon_hours(p["horizon"]), -as_float(p["failure_probability"])),
    )
    for p in forecasts:
        if p["resource_identifier"] in seen:
            continue
        seen.add(p["resource_identifier"])
        items.append(
            {
                "priority": "high" if horizon_hours(p["horizon"]) <= 24 else "medium",
                "source": "predictions",
                "title": f"Act on {p['resource_type']} {p['resource_identifier']} before {p['horizon']}",
                "rationale": (
                    f"{fmt(100 * as_float(p['failure_probability']), 0)}% failure probability within {p['horizon']}: "
                    f"{p['predicted_metric']} {fmt(p['current_value'])} -> {fmt(p['predicted_value'])}"
                ),
            }
        )
    for v in rows_of(vulns):
        if v["severity"] in ("critical", "high") and v["fixed_version"]:
            items.append(
                {
                    "priority": "high" if v["severity"] == "critical" or v["exploit_available"] else "medium",
                    "source": "security_vulnerabilities",
                    "title": (
                        f"Upgrade {v['package_name'] or v['resource_name']} to {v['fixed_version']} "
                        f"on {v['resource_name']}"
                    ),
                    "rationale": f"{v['severity']} {v['cve_id'] or v['title']}"
                    + (" with a public exploit" if v["exploit_available"] else ""),
                }
            )
    for index in rows_of(indexes):
        if (
            as_int(index["scan_count"]) == 0
            and not as_int(index["unique_index"])
            and not as_int(index["primary_index"])
        ):
            items.append(
                {
                    "priority": "low",
                    "source": "db_index_stats",
                    "title": f"Drop unused index {index['table_name']}.{index['index_name']}",
                    "rationale": (
                        f"no scans in the window, {fmt(as_int(index['size_now']) / 1e9, 2)} GB of storage and "
                        "write cost"
                    ),
                }
            )
    cost_rows = rows_of(cost)
    total_cost = sum(as_float(r["cost_usd"]) for r in cost_rows)
    by_service: dict[str, float] = {}
    for row in cost_rows:
        by_service[row["service_name"]] = by_service.get(row["service_name"], 0.0) + as_float(row["cost_usd"])
    for name, amount in sorted(by_service.items(), key=lambda item: -item[1])[:2]:
        if total_cost > 0:
            items.append(
                {
                    "priority": "low",
                    "source": "cost_data",
                    "title": f"Review the spend of {name}",
                    "rationale": (
                        f"{fmt(amount, 2)} USD in the window, {fmt(100 * amount / total_cost, 1)}% of the total"
                    ),
                }
            )
    if not items:
        return empty(req, "remediation_plans, predictions, security_vulnerabilities, db_index_stats, cost_data")
    items.sort(key=lambda item: PRIORITY_RANK[item["priority"]])
    notes: list[str] = []
    for item in items:
        if item["priority"] == "high":
            add_note(notes, f"{item['title']} ({item['rationale']})")
    high = sum(1 for item in items if item["priority"] == "high")
    sources = len({item["source"] for item in items})
    lead = f"{plural(len(items), 'recommendation')} ({high} high priority) from {sources} sources."
    data = {
        "total": len(items),
        "by_priority": counts_by(items, "priority"),
        "by_source": counts_by(items, "source"),
        "recommendations": items[: req.max_items],
        "open_remediation_plans": total_of(rows_of(plans)),
        "unavailable_sources": failures(plans, predictions, vulns, indexes, cost),
    }
    return available(req, lead, data, notes)
