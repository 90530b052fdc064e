"""The core signal contexts compare their window with the baseline: a planted change among chronic noise is the
finding named first, with its figures, and a window without a fault says that nothing changed.

Two organizations in a chDB database of their own, 12 hours of rows as TFO writes them (spans with duration_ns and
status_code, log lines with severity_text/severity_number, per-minute gauges, uptime checks per region, audit
events). Both carry the same chronic conditions (legacy-batch fails ~8 % of its requests and logs a deprecation
error every 20 s; legacy-portal fails ~10 % of its checks from us-east-1; a few mistyped passwords). In the faulty
organization, 25 minutes before the end: checkout's latency regresses, payments starts logging ledger timeouts,
inventory's memory triples, checkout-api fails from eu-west-1 only, and one address tries 40 passwords.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.support.fixtures_demo import _install, _restore
from tfo_mcp.context.collector import collect_context

DATABASE = "tfo_change_signals"
FAULTY = "org-change-faulty"
QUIET = "org-change-quiet"
HOURS = 12
#: The planted faults start this long before the end of the data.
FAULT_LEAD = timedelta(minutes=25)
ATTACKER = "203.0.113.77"
TIMEOUT_PATTERN = "Timeout calling ledger after <n> ms (order <uuid>)"
#: (service, requests per minute, median latency ms, error share)
SERVICES = (("checkout", 30, 80.0, 0.005), ("payments", 15, 120.0, 0.005), ("inventory", 10, 40.0, 0.005),
            ("legacy-batch", 5, 300.0, 0.08))  # fmt: skip
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-1")
MONITORS = (("mon-checkout", "checkout-api", 180), ("mon-legacy", "legacy-portal", 420), ("mon-docs", "docs-site", 90))


@dataclass(frozen=True)
class Estate:
    """Where the rows are and when the faults began."""

    url: str
    end: datetime
    fault_at: datetime

    def window(self, hours: int) -> dict[str, datetime]:
        return {"time_from": self.end - timedelta(hours=hours), "time_to": self.end}


def _hex(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


def _minutes(start: datetime, end: datetime) -> list[datetime]:
    return [start + timedelta(minutes=i) for i in range(int((end - start).total_seconds() // 60))]


def _traces(org: str, rng: random.Random, start: datetime, end: datetime, fault_at: datetime | None) -> list[list[Any]]:
    rows = []
    for minute in _minutes(start, end):
        for service, rate, median, error_share in SERVICES:
            slow = fault_at is not None and service == "checkout" and minute >= fault_at
            for _ in range(max(1, round(rate * rng.uniform(0.9, 1.1)))):
                at = minute + timedelta(seconds=rng.uniform(0, 60))
                failed = rng.random() < error_share
                duration_ms = (600.0 if slow else median) * math.exp(0.35 * rng.gauss(0, 1))
                rows.append([
                    at, _hex(rng, 32), _hex(rng, 16), "", f"POST /api/{service}", "SERVER", service,
                    "ERROR" if failed else "OK", "upstream returned 500" if failed else "",
                    int(duration_ms * 1e6), org, "ws-1", "tenant-1",
                ])  # fmt: skip
    return rows


TRACE_COLUMNS = ["timestamp", "trace_id", "span_id", "parent_span_id", "span_name", "span_kind", "service_name",
                 "status_code", "status_message", "duration_ns", "organization_id", "workspace_id",
                 "tenant_id"]  # fmt: skip


def _logs(org: str, rng: random.Random, start: datetime, end: datetime, fault_at: datetime | None) -> list[list[Any]]:
    rows = []

    def line(at: datetime, service: str, severity: str, number: int, body: str) -> None:
        rows.append([at, _hex(rng, 32), _hex(rng, 16), 1, severity, number, service, org, "ws-1", "tenant-1", body,
                     "io.opentelemetry.logback", "1.32.0"])  # fmt: skip

    for minute in _minutes(start, end):
        for service, *_ in SERVICES:
            for _ in range(10):
                at = minute + timedelta(seconds=rng.uniform(0, 60))
                line(at, service, "INFO", 9, f"Handled request {_hex(rng, 16)} in {rng.randint(5, 400)} ms")
            if rng.random() < 0.2:
                line(minute + timedelta(seconds=rng.uniform(0, 60)), service, "WARN", 13, "Slow cache read, retrying")
        for offset in (5, 25, 45):  # the chronic noisy pattern: every 20 s, all day
            line(minute + timedelta(seconds=offset + rng.uniform(0, 3)), "legacy-batch", "ERROR", 17,
                 f"Deprecated API call to /v1/export took {rng.randint(100, 900)} ms")  # fmt: skip
        if rng.random() < 0.1:
            line(minute + timedelta(seconds=rng.uniform(0, 60)), "payments", "ERROR", 17,
                 f"Card declined for order {rng.randint(10000, 99999)}")  # fmt: skip
        if fault_at is not None and minute >= fault_at:
            for index in range(4):
                at = minute + timedelta(seconds=7 + 13 * index)
                line(
                    at,
                    "payments",
                    "ERROR",
                    17,
                    f"Timeout calling ledger after 5000 ms (order {uuid.UUID(int=rng.getrandbits(128))})",
                )
    return rows


LOG_COLUMNS = ["timestamp", "trace_id", "span_id", "trace_flags", "severity_text", "severity_number", "service_name",
               "organization_id", "workspace_id", "tenant_id", "body", "scope_name", "scope_version"]  # fmt: skip


def _metrics(
    org: str, rng: random.Random, start: datetime, end: datetime, fault_at: datetime | None
) -> list[list[Any]]:
    rows = []
    for minute in _minutes(start, end):
        for service, rate, *_ in SERVICES:
            for instance in range(2):
                at = minute + timedelta(seconds=instance * 17 + rng.uniform(0, 2))
                leak = fault_at is not None and service == "inventory" and minute >= fault_at
                memory = (1250.0 if leak else 410.0) * (1 + 0.02 * rng.gauss(0, 1))
                cpu = min(100.0, max(0.0, (12 + rate * 0.8) * (1 + 0.08 * rng.gauss(0, 1))))
                active = max(0.0, rng.gauss(rate / 20, 0.6))
                gauges = (("process.memory.usage", memory, "MiB"), ("process.cpu.utilization", cpu, "%"),
                          ("http.server.active_requests", active, "{request}"))  # fmt: skip
                for name, value, unit in gauges:
                    rows.append([at, name, "gauge", round(value, 3), service, org, "ws-1", "tenant-1", unit])
        depth = sum(1 for _ in range(8) if rng.random() < 0.25)  # a queue that wobbles between 0 and ~6
        rows.append(
            [minute, "messaging.queue.depth", "gauge", float(depth), "payments", org, "ws-1", "tenant-1", "{message}"]
        )
    return rows


METRIC_COLUMNS = ["timestamp", "metric_name", "metric_type", "value", "service_name", "organization_id",
                  "workspace_id", "tenant_id", "unit"]  # fmt: skip


def _checks(org: str, rng: random.Random, start: datetime, end: datetime, fault_at: datetime | None) -> list[list[Any]]:
    rows = []
    for minute in _minutes(start, end):
        for monitor_id, name, latency in MONITORS:
            for index, region in enumerate(REGIONS):
                at = minute + timedelta(seconds=index * 11 + rng.uniform(0, 3))
                outage = (
                    fault_at is not None and name == "checkout-api" and region == "eu-west-1" and minute >= fault_at
                )
                chronic = name == "legacy-portal" and region == "us-east-1" and rng.random() < 0.1
                failed = (outage and rng.random() < 0.8) or chronic or rng.random() < 0.001
                status, code, error = (
                    ("failure", 503, "HTTP 503 Service Unavailable") if failed else ("success", 200, "")
                )
                response = int(
                    latency * (1.6 if region == "ap-southeast-1" else 1.0) * math.exp(0.25 * rng.gauss(0, 1))
                )
                rows.append([at, f"{org}-{monitor_id}", name, status, code, response, "198.51.100.10", region, error,
                             60, org, "ws-1", "tenant-1"])  # fmt: skip
    return rows


CHECK_COLUMNS = ["checked_at", "monitor_id", "monitor_name", "status", "status_code", "response_time", "ip_address",
                 "region", "error_message", "ssl_days_remaining", "organization_id", "workspace_id",
                 "tenant_id"]  # fmt: skip


def _audit(org: str, rng: random.Random, start: datetime, end: datetime, fault_at: datetime | None) -> list[list[Any]]:
    rows = []

    def event(at: datetime, email: str, result: str, ip: str) -> None:
        error = "invalid credentials" if result == "FAILURE" else ""
        rows.append([at, f"user-{email.split('@')[0]}", email, "AUTH", "login", "session", result, error, ip,
                     "Mozilla/5.0", "POST", "/api/auth/login", org, "ws-1", "tenant-1"])  # fmt: skip

    users = [f"{name}@acme.example" for name in ("ana", "ben", "chen", "dara", "eli")]
    for minute in _minutes(start, end):
        for _ in range(2):
            event(minute + timedelta(seconds=rng.uniform(0, 60)), rng.choice(users), "SUCCESS", "10.20.0.15")
        if rng.random() < 0.03:  # a mistyped password now and then
            event(
                minute + timedelta(seconds=rng.uniform(0, 60)),
                rng.choice(users),
                "FAILURE",
                f"10.20.0.{rng.randint(2, 90)}",
            )
    if fault_at is not None:
        attack = fault_at - timedelta(minutes=15)
        for index in range(40):
            event(attack + timedelta(seconds=9 * index), "ops-admin@acme.example", "FAILURE", ATTACKER)
    return rows


AUDIT_COLUMNS = ["timestamp", "user_id", "user_email", "event_type", "action", "resource", "result", "error_message",
                 "ip_address", "user_agent", "request_method", "request_path", "organization_id", "workspace_id",
                 "tenant_id"]  # fmt: skip

TABLES = {
    "traces": (TRACE_COLUMNS, _traces),
    "logs": (LOG_COLUMNS, _logs),
    "metrics": (METRIC_COLUMNS, _metrics),
    "uptime_checks": (CHECK_COLUMNS, _checks),
    "audit_logs": (AUDIT_COLUMNS, _audit),
}


@pytest_asyncio.fixture(scope="module")
async def estate(chdb_dir: Path) -> AsyncIterator[Estate]:
    """Both organizations' 12 hours, written once into their own database (the rollups and summaries fill)."""
    from tfo_mcp import demo
    from tfo_mcp.stores import clickhouse

    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    found = Estate(url=f"chdb://{chdb_dir}?database={DATABASE}", end=end, fault_at=end - FAULT_LEAD)
    start = end - timedelta(hours=HOURS)
    previous = await _install({"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": found.url})
    try:
        await demo.migrate_platform()
        backend = clickhouse.get_clickhouse()
        for org, fault_at, seed in ((FAULTY, found.fault_at, 7), (QUIET, None, 11)):
            for table, (columns, rows_of) in TABLES.items():
                rng = random.Random(f"{seed}-{table}")
                await backend.insert(table, columns, rows_of(org, rng, start, end, fault_at))
    finally:
        await _restore(previous)
    yield found


@pytest_asyncio.fixture
async def store(estate: Estate) -> AsyncIterator[Estate]:
    previous = await _install({"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": estate.url})
    try:
        yield estate
    finally:
        await _restore(previous)


async def _context(kind: str, org: str, estate: Estate, hours: int = 1) -> Any:
    result = await collect_context(kind, org, budget=120, max_items=100, **estate.window(hours))
    assert result.status == "available", result.summary
    return result


def _first(result: Any) -> dict[str, Any]:
    findings = result.data["findings"]
    assert findings, result.summary
    return findings[0]


# --------------------------------------------------------------------------- the planted changes


async def test_metrics_name_the_gauge_that_tripled(store: Estate) -> None:
    result = await _context("metrics", FAULTY, store)
    top = _first(result)
    assert (top["entity"], top["signal"], top["status"]) == ("inventory process.memory.usage", "metric_max", "new")
    assert 400 < top["before"] < 450 and 1250 < top["after"] < 1400
    assert "inventory process.memory.usage peak rose from" in result.summary
    assert "Changed against the preceding window" in result.summary
    # the wobbling queue and the other gauges stayed inside their baseline ranges
    assert [f["entity"] for f in result.data["findings"]] == ["inventory process.memory.usage"]
    row = next(
        r
        for r in result.data["metrics"]
        if r["service_name"] == "inventory" and r["metric_name"] == "process.memory.usage"
    )
    assert row["baseline_max"] == pytest.approx(top["before"], abs=0.01) and row["max"] == pytest.approx(
        top["after"], abs=0.01
    )


async def test_logs_rank_the_new_pattern_above_the_chronic_noisy_one(store: Estate) -> None:
    result = await _context("logs", FAULTY, store)
    top = _first(result)
    assert top["entity"] == f'payments error "{TIMEOUT_PATTERN}"'
    assert (top["status"], top["before"], top["after"]) == ("new", None, 100)
    chronic = [f for f in result.data["findings"] if f["entity"] == "legacy-batch"]
    assert chronic and chronic[0]["status"] == "chronic"  # 180 lines an hour in both windows: chronic, not new
    lines = {p["pattern"]: p["occurrences"] for p in result.data["top_error_patterns"]}
    assert lines["Deprecated API call to /v<n>/export took <n> ms"] > lines[TIMEOUT_PATTERN]  # the noisy one is louder
    fault = store.fault_at.strftime("%H:%M")
    assert f'Top new error pattern: payments "{TIMEOUT_PATTERN}", 100 lines, first seen {fault} UTC.' in result.summary
    assert f"occurrences is 100, new in this window since {fault} UTC" in result.summary
    assert "legacy-batch share of error log lines has stayed at about" in result.summary
    change = result.data["pattern_changes"][0]
    assert (change["pattern"], change["status"], change["baseline_occurrences"]) == (TIMEOUT_PATTERN, "new", 0)


async def test_logs_on_the_pattern_summary_give_the_first_seen_bucket(store: Estate) -> None:
    """A 6 h window reads log_error_patterns_5m: the pattern's first five-minute bucket is its first-seen time."""
    result = await _context("logs", FAULTY, store, hours=6)
    assert result.data["source"] == "logs_5m"
    top = _first(result)
    assert top["entity"] == f'payments error "{TIMEOUT_PATTERN}"' and top["after"] == 100
    assert f"first seen {store.fault_at.strftime('%H:%M')} UTC" in result.summary


async def test_traces_name_the_latency_regression_with_its_traffic_share(store: Estate) -> None:
    result = await _context("traces", FAULTY, store)
    top = _first(result)
    assert (top["entity"], top["signal"], top["status"]) == ("checkout", "p95_ms", "new")
    assert 100 < top["before"] < 200 and top["after"] > 700
    assert "checkout p95 latency rose from" in result.summary.split("Chronic:")[0]
    chronic = [f for f in result.data["findings"] if f["entity"] == "legacy-batch"]
    assert [f["signal"] for f in chronic] == ["error_percent"] and chronic[0]["status"] == "chronic"
    assert "legacy-batch error rate has stayed at about" in result.summary


async def test_uptime_names_the_failing_region(store: Estate) -> None:
    for hours in (1, 6):  # raw checks, then the uptime_monitor_stats_5m summary
        result = await _context("uptime", FAULTY, store, hours=hours)
        top = _first(result)
        assert (top["entity"], top["signal"], top["status"]) == ("checkout-api (eu-west-1)", "success_percent", "new")
        assert top["before"] == 100 and top["after"] < (75 if hours == 1 else 97)
        assert "checkout-api (eu-west-1) success rate fell from 100%" in result.summary
        assert not [f for f in result.data["findings"] if f["entity"].startswith("checkout-api (") and f is not top
                    and f["entity"] != top["entity"]]  # fmt: skip
    assert f"since {store.fault_at.strftime('%H:%M')} UTC" in result.summary


async def test_audit_names_the_address_that_guessed_passwords(store: Estate) -> None:
    result = await _context("audit", FAULTY, store)
    top = _first(result)
    assert (top["entity"], top["status"], top["before"], top["after"]) == (f"source {ATTACKER}", "new", None, 40)
    assert f"source {ATTACKER} failed or denied events is 40, new in this window" in result.summary
    assert any(f["entity"] == "AUTH" and f["status"] == "new" for f in result.data["findings"])


# --------------------------------------------------------------------------- a window without a fault


@pytest.mark.parametrize("kind", ["metrics", "logs", "traces", "uptime", "audit"])
async def test_a_window_without_a_fault_claims_nothing_new(store: Estate, kind: str) -> None:
    for hours in (1, 6):
        result = await _context(kind, QUIET, store, hours=hours)
        moved = [f for f in result.data["findings"] if f["status"] in ("new", "worsened")]
        assert not moved, (kind, hours, moved)
        assert "Nothing changed measurably against the preceding window." in result.summary, (kind, hours)
        assert "new in this window" not in result.summary and "Error burst" not in result.summary


async def test_chronic_conditions_are_reported_as_chronic(store: Estate) -> None:
    traces = await _context("traces", QUIET, store)
    uptime = await _context("uptime", QUIET, store)
    logs = await _context("logs", QUIET, store)
    assert "Chronic: legacy-batch error rate has stayed at about" in traces.summary
    assert "legacy-portal (us-east-1) success rate has stayed at about" in uptime.summary
    assert "Chronic: legacy-batch share of error log lines has stayed at about" in logs.summary
    for result in (traces, uptime, logs):
        assert {f["status"] for f in result.data["findings"]} == {"chronic"}, result.data["findings"]


async def test_an_empty_baseline_is_said_not_compared(store: Estate) -> None:
    """The window just after the data's first hour has no baseline: nothing is claimed to have changed."""
    start = store.end - timedelta(hours=HOURS)
    result = await collect_context("traces", FAULTY, start, start + timedelta(hours=1), budget=120)
    assert "No baseline: the preceding window holds no requests to compare with." in result.summary
    assert result.data["findings"] == [] and "Nothing changed" not in result.summary
