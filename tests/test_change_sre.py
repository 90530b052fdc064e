"""SRE contexts against their baseline, and the impact of each change on the changed service and its direct callers,
on real chDB (own database) with an empty PostgreSQL platform schema.

Both organizations run the same shop: ``frontend`` (entry point) calls ``checkout`` or ``catalog`` on every request
(a CLIENT span naming ``peer.service``, the callee's SERVER span its child), and ``legacy-billing`` has failed about
8 % of its requests all day (chronic noise). Spans are written as TFO stores them (``duration_ns``, ``status_code``
Enum 'UNSET'/'ERROR', span kinds, attribute maps), with a service-map sample per service and minute derived from
them. Organization A deploys ``checkout`` 2.3.1 at END - 27:30, after which checkout's latency is ~8x (and so is part
of frontend's), and deploys ``catalog`` 4.1.0 at END - 50 min without effect. Organization B (no fault) deploys
``legacy-billing`` 7.2.0 and changes catalog's configuration, neither with any effect.
"""

from __future__ import annotations

import contextlib
import math
import random
import re
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.support.fixtures_demo import _install, _restore
from tfo_mcp.context.collector import collect_context

#: The windows end on the hour before now (the tables drop rows past their TTL); data from SINCE on.
END = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
SINCE = END - timedelta(hours=3)
WINDOW = {"time_from": END - timedelta(hours=1), "time_to": END}
CHECKOUT_DEPLOY = END - timedelta(minutes=27, seconds=30)
CATALOG_DEPLOY = END - timedelta(minutes=50)
LEGACY_DEPLOY = END - timedelta(minutes=40)
CATALOG_CONFIG = END - timedelta(minutes=35)
#: Requests a minute: frontend (each calls checkout or catalog, half and half) and legacy-billing.
FRONTEND_PER_MINUTE = 40
LEGACY_PER_MINUTE = 20
LEGACY_ERROR_SHARE = 0.08
#: Latency (median ms, log-normal sigma) of each service's own work; checkout after the faulty deploy.
LATENCY = {"frontend": (12.0, 0.3), "checkout": (80.0, 0.35), "catalog": (45.0, 0.3), "legacy-billing": (60.0, 0.4)}
SLOW_CHECKOUT = (620.0, 0.3)
TRACE_COLUMNS = ["timestamp", "trace_id", "span_id", "parent_span_id", "span_name", "span_kind", "service_name",
                 "status_code", "status_message", "duration_ns", "organization_id", "workspace_id", "tenant_id",
                 "resource_attributes", "span_attributes"]  # fmt: skip
MAP_COLUMNS = ["timestamp", "service_id", "service_name", "error_rate", "avg_latency", "health_score", "uptime",
               "request_rate", "organization_id", "workspace_id", "tenant_id"]  # fmt: skip
CHANGE_COLUMNS = ["timestamp", "change_id", "change_type", "source", "service_name", "environment", "cluster_id",
                  "namespace", "version", "previous_version", "author", "title", "description", "status", "risk",
                  "metadata", "organization_id", "workspace_id", "tenant_id"]  # fmt: skip
ROUTES = {"checkout": "POST /api/checkout", "catalog": "GET /api/products/{id}", "legacy-billing": "POST /invoices"}


@dataclass
class Estate:
    org_a: str
    org_b: str
    #: (organization, service) -> [(start, duration ms, failed)] of its entry spans
    requests: dict[tuple[str, str], list[tuple[datetime, float, bool]]] = field(default_factory=dict)


def _hex(rng: random.Random, bits: int) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def _duration_ms(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


class _Writer:
    """Spans, service-map samples and the entry-span record of one organization."""

    def __init__(self, org: str, estate: Estate, rng: random.Random) -> None:
        self.org, self.estate, self.rng = org, estate, rng
        self.workspace, self.tenant = str(uuid.uuid4()), str(uuid.uuid4())
        self.spans: list[tuple[Any, ...]] = []
        self.minute: dict[tuple[datetime, str], list[tuple[float, bool]]] = {}

    def span(self, at: datetime, trace: str, span_id: str, parent: str, name: str, kind: str, service: str,
             ms: float, failed: bool, attributes: dict[str, str]) -> None:  # fmt: skip
        status, message = ("ERROR", "upstream request failed: 503 Service Unavailable") if failed else ("UNSET", "")
        resource = {"service.name": service, "deployment.environment": "production", "k8s.namespace.name": "shop"}
        self.spans.append((at, trace, span_id, parent, name, kind, service, status, message, int(ms * 1e6), self.org,
                           self.workspace, self.tenant, resource, attributes))  # fmt: skip
        if kind == "SERVER":
            self.estate.requests.setdefault((self.org, service), []).append((at, ms, failed))
            minute = at.replace(second=0, microsecond=0)
            self.minute.setdefault((minute, service), []).append((ms, failed))

    def frontend_request(self, at: datetime, slow_checkout: bool) -> None:
        rng = self.rng
        callee = "checkout" if rng.random() < 0.5 else "catalog"
        latency = SLOW_CHECKOUT if callee == "checkout" and slow_checkout else LATENCY[callee]
        callee_ms = _duration_ms(rng, *latency)
        callee_failed = rng.random() < 0.002
        own_ms = _duration_ms(rng, *LATENCY["frontend"])
        client_ms = callee_ms + 1.5
        trace, server_id, client_id = _hex(rng, 128), _hex(rng, 64), _hex(rng, 64)
        method = "POST" if callee == "checkout" else "GET"
        self.span(
            at,
            trace,
            server_id,
            "",
            f"{method} /shop",
            "SERVER",
            "frontend",
            own_ms + client_ms,
            callee_failed or rng.random() < 0.001,
            {"http.request.method": method, "http.route": "/shop"},
        )
        client_at = at + timedelta(milliseconds=own_ms / 2)
        self.span(
            client_at,
            trace,
            client_id,
            server_id,
            method,
            "CLIENT",
            "frontend",
            client_ms,
            callee_failed,
            {"peer.service": callee, "http.request.method": method, "server.address": f"{callee}.shop.svc"},
        )
        route = {"http.request.method": method, "http.route": ROUTES[callee]}
        self.span(client_at + timedelta(milliseconds=0.5), trace, _hex(rng, 64), client_id, ROUTES[callee], "SERVER",
                  callee, callee_ms, callee_failed, route)  # fmt: skip

    def legacy_request(self, at: datetime) -> None:
        rng = self.rng
        failed = rng.random() < LEGACY_ERROR_SHARE
        ms = _duration_ms(rng, *LATENCY["legacy-billing"])
        self.span(at, _hex(rng, 128), _hex(rng, 64), "", ROUTES["legacy-billing"], "SERVER", "legacy-billing", ms,
                  failed, {"http.request.method": "POST", "http.route": "/invoices"})  # fmt: skip

    def service_map(self) -> list[tuple[Any, ...]]:
        """One sample per service and minute, 30 s into it: error rate %, average latency ms, requests per second
        and a health score (100, less 4 points per error percent and 1 per 10 ms of average latency above 200)."""
        ids = {name: str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.org}/{name}")) for name in LATENCY}
        rows = []
        for (minute, service), samples in sorted(self.minute.items()):
            error_rate = 100.0 * sum(failed for _, failed in samples) / len(samples)
            average = sum(ms for ms, _ in samples) / len(samples)
            health = max(0.0, 100.0 - 4 * error_rate - max(0.0, average - 200) / 10)
            rows.append((minute + timedelta(seconds=30), ids[service], service, error_rate, average, health, 100.0,
                         len(samples) / 60, self.org, self.workspace, self.tenant))  # fmt: skip
        return rows

    def change(self, at: datetime, kind: str, service: str, version: str, previous: str, title: str) -> tuple[Any, ...]:
        return (at, str(uuid.uuid4()), kind, "argocd" if kind == "deployment" else "github-actions", service,
                "production", "6f1d2c3b-0000-4000-8000-00000000c1a5", "shop", version, previous, "Dana Reyes", title,
                f"{title} (rolling update)", "succeeded", "low", {"commit": _hex(self.rng, 48)}, self.org,
                self.workspace, self.tenant)  # fmt: skip


async def _seed(estate: Estate, org: str, fault: bool, seed: int) -> None:
    from tfo_mcp.stores.clickhouse import get_clickhouse

    writer = _Writer(org, estate, random.Random(seed))
    rng = writer.rng
    minute = SINCE
    while minute < END:
        for _ in range(FRONTEND_PER_MINUTE + rng.randint(-3, 3)):
            at = minute + timedelta(seconds=rng.random() * 59.9)
            writer.frontend_request(at, slow_checkout=fault and at >= CHECKOUT_DEPLOY)
        for _ in range(LEGACY_PER_MINUTE + rng.randint(-2, 2)):
            writer.legacy_request(minute + timedelta(seconds=rng.random() * 59.9))
        minute += timedelta(minutes=1)
    if fault:
        changes = [
            writer.change(CHECKOUT_DEPLOY, "deployment", "checkout", "2.3.1", "2.3.0", "Deploy checkout 2.3.1"),
            writer.change(CATALOG_DEPLOY, "deployment", "catalog", "4.1.0", "4.0.9", "Deploy catalog 4.1.0"),
        ]
    else:
        changes = [
            writer.change(
                LEGACY_DEPLOY, "deployment", "legacy-billing", "7.2.0", "7.1.4", "Deploy legacy-billing 7.2.0"
            ),
            writer.change(CATALOG_CONFIG, "config", "catalog", "", "", "Update catalog configuration"),
        ]
    backend = get_clickhouse()
    await backend.insert("traces", TRACE_COLUMNS, writer.spans)
    await backend.insert("service_map_metrics", MAP_COLUMNS, writer.service_map())
    await backend.insert("change_events", CHANGE_COLUMNS, changes)


@pytest_asyncio.fixture(scope="module")
async def estate(chdb_dir: Path, pg_db: Any) -> AsyncIterator[Estate]:
    """A chDB database of its own with both organizations, and an empty PostgreSQL platform schema."""
    from tfo_mcp import demo
    from tfo_mcp.stores import clickhouse

    database = f"tfo_sre_{secrets.token_hex(3)}"
    env = {"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{chdb_dir}?database={database}",
           "TELEMETRYFLOW_MCP_POSTGRES_URL": pg_db.app_url}  # fmt: skip
    previous = await _install(env)
    await demo.migrate_platform()
    estate = Estate(org_a=str(uuid.uuid4()), org_b=str(uuid.uuid4()))
    await _seed(estate, estate.org_a, fault=True, seed=7)
    await _seed(estate, estate.org_b, fault=False, seed=8)
    try:
        yield estate
    finally:
        await clickhouse.get_clickhouse().execute(f"DROP DATABASE IF EXISTS {database}")
        await _restore(previous)


async def _collect(kind: str, org: str) -> Any:
    result = await collect_context(kind, org, budget=120, **WINDOW)
    assert result.status == "available", result.summary
    assert "unavailable_sources" not in result.data, result.data["unavailable_sources"]
    return result


def _p95(estate: Estate, org: str, service: str, start: datetime, end: datetime) -> float:
    """The exact p95 (ms) of the service's entry spans started in [start, end)."""
    values = sorted(ms for at, ms, _ in estate.requests[(org, service)] if start <= at < end)
    return values[min(len(values) - 1, math.ceil(0.95 * len(values)) - 1)]


def _error_percent(estate: Estate, org: str, service: str, start: datetime, end: datetime) -> float:
    rows = [failed for at, _, failed in estate.requests[(org, service)] if start <= at < end]
    return 100.0 * sum(rows) / len(rows)


def _findings(result: Any, entity: str, signal: str) -> list[dict[str, Any]]:
    return [f for f in result.data["findings"] if f["entity"] == entity and f["signal"] == signal]


def _moved(result: Any) -> list[dict[str, Any]]:
    return [f for f in result.data["findings"] if f["status"] in ("new", "worsened")]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M UTC")


@contextlib.asynccontextmanager
async def _hidden(table: str) -> AsyncIterator[None]:
    """``table`` renamed away (as on a TFO deployment without this server's summary tables), then back."""
    from tfo_mcp.stores.clickhouse import get_clickhouse

    backend = get_clickhouse()
    await backend.execute(f"RENAME TABLE {table} TO {table}_hidden")
    backend.forget_table_names()
    try:
        yield
    finally:
        await backend.execute(f"RENAME TABLE {table}_hidden TO {table}")
        backend.forget_table_names()


# --------------------------------------------------------------------------- change impact


@pytest.mark.parametrize("kind", ["deployment", "change-events"])
async def test_a_latency_regression_after_a_deploy_names_the_deploy_first(estate: Estate, kind: str) -> None:
    result = await _collect(kind, estate.org_a)
    org = estate.org_a
    first = result.data["findings"][0]
    assert (first["entity"], first["signal"], first["status"], first["source"]) == (
        "checkout",
        "p95_ms",
        "new",
        "change",
    )
    # the sides are whole 5-minute buckets: the bucket holding the deploy (END-30 .. END-25) belongs to neither;
    # the summary's DDSketch holds values within 2 %, ranks at the tail of ~500 requests add a little more
    before = _p95(estate, org, "checkout", END - timedelta(minutes=60), END - timedelta(minutes=30))
    after = _p95(estate, org, "checkout", END - timedelta(minutes=25), END)
    assert first["before"] == pytest.approx(before, rel=0.05) and first["after"] == pytest.approx(after, rel=0.05)
    assert after > 5 * before
    text = f"checkout p95 latency rose from {round(first['before'])} ms to {round(first['after'])} ms"
    assert text in result.summary
    assert f"after deploy 2.3.1 at {_clock(CHECKOUT_DEPLOY)}" in result.summary
    assert result.summary.index(text) < result.summary.index("frontend p95 latency rose")  # the caller follows
    caller = _findings(result, "frontend", "p95_ms")[0]
    assert caller["status"] == "new" and caller["score"] < first["score"]
    assert "of checkout" in caller["text"]
    # the catalog deploy moved nothing of catalog (frontend's move began later, with checkout's deploy)
    assert f'"Deploy catalog 4.1.0" at {_clock(CATALOG_DEPLOY)}: no measurable impact on catalog (' in result.summary
    assert not [f for f in result.data["findings"] if f["entity"] == "catalog" or "deploy 4.1.0" in f["text"]]
    verdicts = {item["service_name"]: item["verdict"] for item in result.data["impact"]}
    assert verdicts == {"checkout": "changed", "catalog": "no measurable impact"}
    impact = next(item for item in result.data["impact"] if item["service_name"] == "checkout")
    assert [s["service_name"] for s in impact["services"]] == ["checkout", "frontend"]
    assert impact["before"]["start"].startswith((END - timedelta(minutes=60)).strftime("%Y-%m-%dT%H:%M"))
    assert impact["after_minutes"] == 25
    # the chronic failures of legacy-billing had no change and are no finding here
    assert not [f for f in result.data["findings"] if f["entity"] == "legacy-billing"]


async def test_change_impact_reads_raw_spans_without_the_request_summary(estate: Estate) -> None:
    """A TFO deployment has no service_request_stats_5m: the sides are then exact (the change's own minute on), and
    the same deploy is named first with the raw spans' p95."""
    org = estate.org_a
    async with _hidden("service_request_stats_5m"):
        result = await _collect("deployment", org)
    first = result.data["findings"][0]
    assert (first["entity"], first["signal"]) == ("checkout", "p95_ms")
    before = _p95(estate, org, "checkout", CHECKOUT_DEPLOY - timedelta(minutes=30), CHECKOUT_DEPLOY)
    after = _p95(estate, org, "checkout", CHECKOUT_DEPLOY, END)
    assert first["before"] == pytest.approx(before, rel=0.01) and first["after"] == pytest.approx(after, rel=0.01)
    assert "no measurable impact on catalog" in result.summary


# --------------------------------------------------------------------------- window against baseline


async def test_latency_and_service_health_name_the_regression_and_keep_the_chronic_failures_chronic(
    estate: Estate,
) -> None:
    org = estate.org_a
    latency = await _collect("latency", org)
    finding = _findings(latency, "checkout", "p95_ms")[0]
    assert finding["status"] == "new" and finding["source"] == "baseline"
    start, end = WINDOW["time_from"], WINDOW["time_to"]
    # the window's p95 from the request summary's one-minute buckets, the baseline's from its whole coarser buckets
    # (DDSketch, 2 % relative accuracy; estimators differ in the rank they take)
    baseline = _p95(estate, org, "checkout", start - timedelta(hours=1), start)
    assert finding["before"] == pytest.approx(baseline, rel=0.03)
    assert finding["after"] == pytest.approx(_p95(estate, org, "checkout", start, end), rel=0.03)
    assert finding["baseline"] == {"start": _iso(start - timedelta(hours=1)), "end": _iso(start)}
    assert {f["entity"] for f in _moved(latency)} == {"checkout", "frontend"}
    changed = latency.summary.split("Changed against the preceding window: ", 1)[1]
    assert re.search(r"checkout p95 latency rose from \d+ ms to \d+ ms", changed)

    health = await _collect("service-health", org)
    assert {(f["entity"], f["signal"]) for f in _moved(health)} == {("checkout", "avg_ms"), ("frontend", "avg_ms")}
    chronic = _findings(health, "legacy-billing", "error_percent")[0]
    assert chronic["status"] == "chronic" and chronic["after"] == pytest.approx(8, abs=1.0)
    assert "legacy-billing error rate has stayed at about" in health.summary.split("Chronic: ", 1)[1]


async def test_errors_report_the_chronic_failures_as_chronic_and_nothing_new(estate: Estate) -> None:
    result = await _collect("errors", estate.org_a)
    start, end = WINDOW["time_from"], WINDOW["time_to"]
    assert result.data["findings"][0]["entity"] == "legacy-billing"
    chronic = _findings(result, "legacy-billing", "error_percent")[0]
    assert chronic["status"] == "chronic"
    assert chronic["after"] == pytest.approx(
        _error_percent(estate, estate.org_a, "legacy-billing", start, end), abs=0.01
    )
    assert not _moved(result)
    assert "Nothing changed measurably against the preceding window. Chronic: legacy-billing error rate" in (
        result.summary
    )


async def test_a_window_without_a_fault_says_nothing_changed(estate: Estate) -> None:
    org = estate.org_b
    for kind in ("errors", "latency", "throughput", "service-health", "deployment", "change-events"):
        result = await _collect(kind, org)
        assert not _moved(result), (kind, result.data["findings"])
        assert "Nothing changed measurably against the preceding window." in result.summary, kind
        assert " new in this window" not in result.summary, kind
    deployment = await _collect("deployment", org)
    assert f'"Deploy legacy-billing 7.2.0" at {_clock(LEGACY_DEPLOY)}: no measurable impact on legacy-billing' in (
        deployment.summary
    )
    chronic = _findings(deployment, "legacy-billing", "error_percent")[0]
    assert chronic["status"] == "chronic" and "as before deploy 7.2.0" in chronic["text"]
    changes = await _collect("change-events", org)
    assert f'"Update catalog configuration" at {_clock(CATALOG_CONFIG)}: no measurable impact on catalog' in (
        changes.summary
    )
