"""The detector finds anomalies in the data itself, the anomaly contexts merge them with TFO's anomaly_events rows
(each marked with its source), and ai-root-cause names the most likely cause without a critical anomaly row.

Two organizations in a chDB database of their own, with rows as TFO writes them (entry spans with duration_ns and
status_code, log lines with severity_text/severity_number, gauges from two instances per service every minute,
anomaly_events and change_events rows): the last two hours and the same two hours a day earlier. Both carry the same
noisy but steady series and the same chronic condition (legacy-billing fails ~8 % of its requests and logs three
deprecation errors a minute). In the faulty organization, payments is deployed 38 minutes before the end and fails
~12 % of its requests from 30 minutes before the end (with error logs); cart's connection pool usage spikes from
~10 to ~45 between 20 and 10 minutes before the end; TFO labelled the cart spike (a warning) and, in both windows,
a search latency anomaly (chronic). No anomaly row is critical.
"""

from __future__ import annotations

import math
import random
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.support.fixtures_demo import _install, _restore
from tfo_mcp.context.collector import CollectRequest, collect_context
from tfo_mcp.context.types import ContextType, TimeRange

DATABASE = "tfo_change_detect"
FAULTY = "org-detect-faulty"
QUIET = "org-detect-quiet"
#: The error step begins this long before the end, the deploy 8 minutes earlier, the gauge spike lasts 10 minutes.
FAULT_LEAD = timedelta(minutes=30)
DEPLOY_LEAD = timedelta(minutes=38)
SPIKE_LEAD = timedelta(minutes=20)
SPIKE_LENGTH = timedelta(minutes=10)
#: (service, requests per minute, median latency ms, error share)
SERVICES = (("checkout", 30, 80.0, 0.005), ("payments", 15, 120.0, 0.005), ("cart", 20, 45.0, 0.004),
            ("search", 25, 60.0, 0.003), ("legacy-billing", 5, 300.0, 0.08))  # fmt: skip
PAYMENTS_FAULT_SHARE = 0.12


@dataclass(frozen=True)
class Estate:
    url: str
    end: datetime

    @property
    def fault_at(self) -> datetime:
        return self.end - FAULT_LEAD

    @property
    def spike_at(self) -> datetime:
        return self.end - SPIKE_LEAD

    def window(self, hours: float = 1) -> dict[str, datetime]:
        return {"time_from": self.end - timedelta(hours=hours), "time_to": self.end}


def _hex(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


def _minutes(spans: list[tuple[datetime, datetime]]) -> list[datetime]:
    out = []
    for start, end in spans:
        out += [start + timedelta(minutes=i) for i in range(int((end - start).total_seconds() // 60))]
    return out


def _faulty(estate: Estate | None, service: str, at: datetime) -> bool:
    return estate is not None and service == "payments" and at >= estate.fault_at


def _traces(org: str, rng: random.Random, minutes: list[datetime], faults: Estate | None) -> list[list[Any]]:
    rows = []
    for minute in minutes:
        for service, rate, median, error_share in SERVICES:
            share = PAYMENTS_FAULT_SHARE if _faulty(faults, service, minute) else error_share
            for _ in range(max(1, round(rate * rng.uniform(0.85, 1.15)))):
                at = minute + timedelta(seconds=rng.uniform(0, 60))
                failed = rng.random() < share
                duration_ms = median * math.exp(0.4 * rng.gauss(0, 1))
                trace, span = _hex(rng, 32), _hex(rng, 16)
                rows.append([
                    at, trace, span, "", f"POST /api/{service}", "SERVER", service, "ERROR" if failed else "OK",
                    "provider returned 503" if failed else "", int(duration_ms * 1e6), org, "ws-1", "tenant-1",
                ])  # fmt: skip
                if service == "checkout":  # its call to payments, a CLIENT span (not a request of checkout's)
                    rows.append([at, trace, _hex(rng, 16), span, "POST /payments/authorize", "CLIENT", service,
                                 "UNSET", "", int(duration_ms * 0.6e6), org, "ws-1", "tenant-1"])  # fmt: skip
    return rows


TRACE_COLUMNS = ["timestamp", "trace_id", "span_id", "parent_span_id", "span_name", "span_kind", "service_name",
                 "status_code", "status_message", "duration_ns", "organization_id", "workspace_id",
                 "tenant_id"]  # fmt: skip


def _logs(org: str, rng: random.Random, minutes: list[datetime], faults: Estate | None) -> list[list[Any]]:
    rows = []

    def line(at: datetime, service: str, severity: str, number: int, body: str) -> None:
        rows.append([at, _hex(rng, 32), _hex(rng, 16), 1, severity, number, service, org, "ws-1", "tenant-1", body,
                     "io.opentelemetry.logback", "1.32.0"])  # fmt: skip

    for minute in minutes:
        for service, *_ in SERVICES:
            for _ in range(8):
                at = minute + timedelta(seconds=rng.uniform(0, 60))
                line(at, service, "INFO", 9, f"Handled request {_hex(rng, 16)} in {rng.randint(5, 400)} ms")
            if rng.random() < 0.2:
                line(minute + timedelta(seconds=rng.uniform(0, 60)), service, "WARN", 13, "Slow cache read, retrying")
        for offset in (5, 25, 45):  # the chronic noisy pattern, all day
            line(minute + timedelta(seconds=offset + rng.uniform(0, 3)), "legacy-billing", "ERROR", 17,
                 f"Deprecated API call to /v1/invoices took {rng.randint(100, 900)} ms")  # fmt: skip
        if rng.random() < 0.15:
            line(minute + timedelta(seconds=rng.uniform(0, 60)), "payments", "ERROR", 17,
                 f"Card declined for order {rng.randint(10000, 99999)}")  # fmt: skip
        if _faulty(faults, "payments", minute):
            for index in range(rng.randint(1, 3)):
                order = uuid.UUID(int=rng.getrandbits(128))
                line(minute + timedelta(seconds=9 + 17 * index), "payments", "ERROR", 17,
                     f"PaymentProviderUnavailable: provider returned 503 for order {order}")  # fmt: skip
    return rows


LOG_COLUMNS = ["timestamp", "trace_id", "span_id", "trace_flags", "severity_text", "severity_number", "service_name",
               "organization_id", "workspace_id", "tenant_id", "body", "scope_name", "scope_version"]  # fmt: skip


def _metrics(org: str, rng: random.Random, minutes: list[datetime], faults: Estate | None) -> list[list[Any]]:
    rows = []
    for minute in minutes:
        for service, rate, *_ in SERVICES:
            spike = (
                faults is not None and service == "cart" and faults.spike_at <= minute < faults.spike_at + SPIKE_LENGTH
            )
            for instance in range(2):
                at = minute + timedelta(seconds=instance * 17 + rng.uniform(0, 2))
                pool = (45.0 if spike else 10.0) * (1 + 0.12 * rng.gauss(0, 1))
                gauges = (
                    ("process.memory.usage", 410.0 * (1 + 0.03 * rng.gauss(0, 1)), "MiB"),
                    ("process.cpu.utilization", min(100.0, (12 + rate * 0.8) * (1 + 0.15 * rng.gauss(0, 1))), "%"),
                    ("http.server.active_requests", max(0.0, rng.gauss(rate / 20, 0.6)), "{request}"),
                    ("db.client.connections.usage", max(0.0, pool), "{connection}"),
                    ("process.threads", float(40 + rng.randint(-2, 2)), "{thread}"),
                )
                for name, value, unit in gauges:
                    rows.append([at, name, "gauge", round(value, 3), service, org, "ws-1", "tenant-1", unit])
        depth = sum(1 for _ in range(8) if rng.random() < 0.25)  # a queue that wobbles between 0 and ~6
        rows.append(
            [minute, "messaging.queue.depth", "gauge", float(depth), "payments", org, "ws-1", "tenant-1", "{message}"]
        )
    return rows


METRIC_COLUMNS = ["timestamp", "metric_name", "metric_type", "value", "service_name", "organization_id",
                  "workspace_id", "tenant_id", "unit"]  # fmt: skip


def _anomaly_rows(org: str, estate: Estate, faulty: bool) -> list[list[Any]]:
    """TFO's detector output: a search latency warning in both windows (chronic) and, when faulty, the cart spike."""

    def row(at: datetime, service: str, metric: str, z: float, observed: float, expected: float, text: str) -> list:
        return [at, str(uuid.uuid4()), org, "ws-1", "tenant-1", f"rule-{metric}", service, metric, "metric", "warning",
                round(min(1.0, z / 10), 3), z, round(z, 1), observed, expected, text]  # fmt: skip

    rows = [
        row(estate.end - timedelta(minutes=70), "search", "http.server.duration", 3.4, 98.0, 62.0,
            "search latency 3.4 sigma above its 7-day baseline"),
        row(estate.end - timedelta(minutes=25), "search", "http.server.duration", 3.5, 99.0, 62.0,
            "search latency 3.5 sigma above its 7-day baseline"),
    ]  # fmt: skip
    if faulty:
        rows.append(row(estate.spike_at + timedelta(minutes=2), "cart", "db.client.connections.usage", 5.1, 44.0, 10.0,
                        "cart connection pool usage above its daily pattern"))  # fmt: skip
    return rows


ANOMALY_COLUMNS = ["timestamp", "anomaly_id", "organization_id", "workspace_id", "tenant_id", "detection_rule_id",
                   "service_name", "metric_name", "signal_type", "severity", "anomaly_score", "z_score",
                   "sigma_level", "observed_value", "expected_value", "description"]  # fmt: skip


def _change_rows(org: str, estate: Estate, faulty: bool) -> list[list[Any]]:
    def row(at: datetime, service: str, version: str, previous: str, title: str, risk: str) -> list[Any]:
        return [at, str(uuid.uuid4()), "deployment", "argocd", service, "production", "cluster-1", "shop", version,
                previous, "Ana Ops", title, f"{title} by Argo CD", "succeeded", risk, {"revision": "41"}, org, "ws-1",
                "tenant-1"]  # fmt: skip

    if faulty:
        return [row(estate.end - DEPLOY_LEAD, "payments", "3.2.0", "3.1.4", "Deploy payments 3.2.0", "medium")]
    return [row(estate.end - timedelta(minutes=40), "search", "1.9.0", "1.8.2", "Deploy search 1.9.0", "low")]


CHANGE_COLUMNS = ["timestamp", "change_id", "change_type", "source", "service_name", "environment", "cluster_id",
                  "namespace", "version", "previous_version", "author", "title", "description", "status", "risk",
                  "metadata", "organization_id", "workspace_id", "tenant_id"]  # fmt: skip

SERIES_TABLES = {
    "traces": (TRACE_COLUMNS, _traces),
    "logs": (LOG_COLUMNS, _logs),
    "metrics": (METRIC_COLUMNS, _metrics),
}


@pytest_asyncio.fixture(scope="module")
async def estate(chdb_dir: Path) -> AsyncIterator[Estate]:
    """Both organizations' rows (the last 2 h and the same 2 h a day earlier), written once; rollups and summaries
    fill from them."""
    from tfo_mcp import demo
    from tfo_mcp.stores import clickhouse

    now = datetime.now(UTC)
    end = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0)
    found = Estate(url=f"chdb://{chdb_dir}?database={DATABASE}", end=end)
    day = timedelta(days=1)
    minutes = _minutes([(end - day - timedelta(hours=2), end - day), (end - timedelta(hours=2), end)])
    previous = await _install({"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": found.url})
    try:
        await demo.migrate_platform()
        backend = clickhouse.get_clickhouse()
        for org, faulty, seed in ((FAULTY, True, 7), (QUIET, False, 11)):
            for table, (columns, rows_of) in SERIES_TABLES.items():
                rng = random.Random(f"{seed}-{table}")
                await backend.insert(table, columns, rows_of(org, rng, minutes, found if faulty else None))
            await backend.insert("anomaly_events", ANOMALY_COLUMNS, _anomaly_rows(org, found, faulty))
            await backend.insert("change_events", CHANGE_COLUMNS, _change_rows(org, found, faulty))
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


def _request(org: str, start: datetime, end: datetime, kind: str = "anomalies") -> CollectRequest:
    return CollectRequest(
        context_type=ContextType.parse(kind),
        organization_id=org,
        time_range=TimeRange(start=start, end=end),
        max_items=100,
        deadline=time.monotonic() + 120,
    )


async def _detect(org: str, start: datetime, end: datetime) -> Any:
    from tfo_mcp.context.detect import detect

    return await detect(_request(org, start, end))


async def _context(kind: str, org: str, estate: Estate, **options: Any) -> Any:
    result = await collect_context(kind, org, budget=120, max_items=100, **estate.window(), **options)
    assert result.status == "available", result.summary
    return result


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat()


# --------------------------------------------------------------------------- the detector


async def test_the_detector_finds_the_error_step_and_the_gauge_spike(store: Estate) -> None:
    found = await _detect(FAULTY, store.end - timedelta(hours=1), store.end)
    assert found.skipped is None and not found.failed
    assert found.sources == ["service_request_stats_5m", "logs_5m", "metrics_5m"]
    by_key = {(f.entity, f.signal): f for f in found.findings}
    step = by_key[("payments", "error_percent")]
    assert step.status == "new" and step.source == "detector" and step.severity == "critical"
    assert step.since == _iso(store.fault_at)
    assert 7.0 <= step.after <= 18.0 and (step.before or 0) < 2.0
    spike = by_key[("cart db.client.connections.usage", "value")]
    assert spike.status == "new" and spike.since == _iso(store.spike_at)
    assert 38.0 <= spike.after <= 52.0 and 8.0 <= (spike.before or 0) <= 12.0
    # nothing else moved: only the planted faults (and payments' own error logs) are reported
    assert {f.entity for f in found.findings} <= {"payments", "cart db.client.connections.usage"}
    assert ("payments", "log_errors") in by_key


async def test_steady_noise_and_a_chronic_condition_are_no_anomaly(store: Estate) -> None:
    quiet = await _detect(QUIET, store.end - timedelta(hours=1), store.end)
    assert quiet.series >= 5 * 3 + 5 + 5 * 5  # request, log and gauge series were examined
    assert quiet.findings == []
    before_fault = await _detect(FAULTY, store.end - timedelta(minutes=90), store.fault_at)
    assert before_fault.findings == []
    # legacy-billing fails ~8 % of its requests in every window: chronic, never a new anomaly
    faulty = await _detect(FAULTY, store.end - timedelta(hours=1), store.end)
    assert faulty.findings and all("legacy-billing" not in f.entity for f in faulty.findings)


async def test_a_window_shorter_than_a_bucket_reads_only_the_finer_tier(store: Estate) -> None:
    found = await _detect(FAULTY, store.end - timedelta(minutes=4), store.end)
    assert found.sources == ["service_request_stats_1m", "metrics_1m"]  # no whole 5-minute bucket for the logs
    assert found.findings == [] and found.series > 0


# --------------------------------------------------------------------------- the anomaly contexts


async def test_anomalies_merge_tfo_rows_with_the_detector_each_marked(store: Estate) -> None:
    result = await _context("anomalies", FAULTY, store)
    data = result.data
    assert data["total"] == 2 and data["critical"] == 0  # TFO's rows in the window
    findings = data["findings"]
    assert {f["source"] for f in findings} == {"tfo", "detector"}
    for finding in findings:
        mark = "(TFO anomaly)" if finding["source"] == "tfo" else "(detected in the data)"
        assert finding["text"].endswith(mark), finding
    top = findings[0]
    assert (top["entity"], top["signal"], top["source"]) == ("payments", "error_percent", "detector")
    assert result.summary.index("payments error rate rose") < result.summary.index("(TFO anomaly)")
    tfo = {f["entity"]: f for f in findings if f["source"] == "tfo"}
    assert tfo["cart db.client.connections.usage"]["status"] == "new"
    assert tfo["cart db.client.connections.usage"]["after"] == 44.0
    assert tfo["search http.server.duration"]["status"] == "chronic"  # TFO flagged it in the baseline window too
    assert data["detector"]["series"] > 0 and data["detected"][0]["entity"] == "payments"
    assert result.summary.startswith("2 anomalies labelled by TFO (0 critical) and ")


async def test_ai_anomalies_and_ai_insights_carry_the_detector_findings(store: Estate) -> None:
    anomalies = await _context("ai-anomalies", FAULTY, store)
    assert {f["source"] for f in anomalies.data["findings"]} == {"tfo", "detector"}
    assert anomalies.data["findings"][0]["entity"] == "payments"
    scoped = await _context("ai-anomalies", FAULTY, store, context_id="cart")
    assert {service.split(" ")[0] for service in (f["entity"] for f in scoped.data["findings"])} == {"cart"}
    insights = await _context("ai-insights", FAULTY, store)
    detected = [item for item in insights.data["insights"] if item["source"] == "detector"]
    assert detected and detected[0]["insight"].startswith("payments error rate rose")
    assert detected[0]["priority"] == "high"
    assert insights.data["findings"][0]["source"] == "detector"


async def test_a_quiet_window_reports_no_anomaly(store: Estate) -> None:
    result = await _context("anomalies", QUIET, store)
    assert "and 0 series anomalous in the data" in result.summary
    assert "Changed against" not in result.summary
    assert [f["source"] for f in result.data["findings"]] == ["tfo"]  # the chronic search latency only
    assert result.data["findings"][0]["status"] == "chronic"
    assert result.data["detected"] == []


# --------------------------------------------------------------------------- root cause


async def test_root_cause_names_the_deploy_before_the_detected_step(store: Estate) -> None:
    result = await _context("ai-root-cause", FAULTY, store)
    cause = result.data["candidates"][0]
    assert cause["cause"] == "Deploy payments 3.2.0" and cause["kind"] == "deployment"
    assert cause["source"] == "detector" and cause["minutes_before_anomaly"] == pytest.approx(8, abs=0.1)
    assert cause["previous_version"] == "3.1.4"
    assert result.summary.startswith("Most likely cause: Deploy payments 3.2.0 (deployment at ")
    assert "8 min before payments error rate rose" in result.summary
    top = result.data["findings"][0]
    assert top["entity"] == "payments" and "after Deploy payments 3.2.0" in top["text"]
    kinds = [item["kind"] for item in result.data["timeline"]]
    assert kinds.index("change:deployment") < kinds.index("detected:error_percent")


async def test_root_cause_without_a_preceding_change_names_the_top_finding(store: Estate) -> None:
    result = await _context("ai-root-cause", FAULTY, store, context_id="cart")
    cause = result.data["candidates"][0]
    assert cause["kind"] == "signal" and cause["service"] == "cart" and cause["source"] == "detector"
    assert result.summary.startswith("Most likely cause: cart db.client.connections.usage value rose from ")
    assert "no change event precedes it" in result.summary


async def test_root_cause_in_a_quiet_window_names_no_cause(store: Estate) -> None:
    result = await _context("ai-root-cause", QUIET, store)
    assert result.data["candidates"] == []
    assert "Most likely cause" not in result.summary
