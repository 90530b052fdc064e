"""The deterministic demo estate: TFO platform data for several organizations in ClickHouse and PostgreSQL.

``seed()`` writes a realistic synthetic estate (services with diurnal traffic and latency tails, noisy logs,
traces, Kubernetes, hosts, uptime monitors, audit trail, database monitoring, security, costs, alerts, SLOs,
AI/ops outputs ...) for ``orgs`` organizations over the last ``hours`` hours before ``now``. Same arguments,
same data: every random draw comes from ``random.Random(seed)`` or, for the bulk signals generated inside
ClickHouse (tfo_mcp/sql/clickhouse/demo/), from ``cityHash64(seed, org, row, salt)``. Organization ids do not
depend on the seed (``org_id(i)``), so seeding again replaces the demo organizations' rows.

Organizations (tfo_mcp/data/demo_estate.yaml): index 0 "Acme Retail" (org A: checkout, payments, cart, ...;
hosts acme-*, clusters acme-prod-eu1 / acme-staging-eu1, users @acme-retail.example), index 1 "Northwind
Freight" (org B: edge-proxy, shipment-tracker, route-planner, ...; hosts nwf-*, clusters nwf-*, users
@northwind-freight.example). No name, host, cluster, user, IP or id of one organization appears in another's
data. Further organizations reuse these profiles with every name prefixed "o<N>-".

The story (org A only; T = ``now``, offsets in minutes; ``story(now)`` returns these names and times):

* T-52 .. T-46  failed logins: 40 ``AUTH`` ``login`` audit events with result FAILURE for Diego Alvarez's
  account from 203.0.113.77, two DENIED authorisation events, and a brute_force security event from that IP.
* T-45          deploy: checkout 2.14.0 (was 2.13.4) rolled out on cluster acme-prod-eu1, namespace storefront:
  a change_events row, an audit ``deployment.update`` event, Kubernetes ScalingReplicaSet events, and the
  kubernetes_deployments row at revision 42 with last_rollout_at = T-45. Metrics, spans and logs of checkout
  carry service.version 2.14.0 from then on.
* T-38 .. T-20  incident: about a third of checkout requests fail (``PaymentGatewayTimeout``: payments times out),
  errors on payments and api-gateway too, latencies x3.5; an ERROR log spike on those services; exemplars and
  error logs link to the failed traces; signal correlations (deploy-error, metric-log, log-trace).
* T-37 .. T-34  critical anomalies (checkout error rate, payments latency, checkout error logs), alert instances
  "Checkout error rate above 5%" (critical, firing since T-36) and "Payments p99 latency above 1s" (firing
  since T-35), a security/ops incident is not opened (this is an availability incident).
* T-33 .. T-24  outage: uptime monitor "Acme Checkout API" fails (503 / timeouts) from every region.
* ongoing       pod cart-abandonment-mailer-* in acme-prod-eu1/storefront is crash-looping (status
  CrashLoopBackOff, 17 restarts, BackOff events); a batch pod has phase Failed (OOMKilled); host acme-db-01's
  disk is above 90 % and rising (predictions: disk full within 24h, failure probability 0.87); the Acme
  Payments Webhook TLS certificate expires in 9 days; slow queries on acme-orders-mysql (orders by
  customer_email without an index, ~2.4 s) and acme-catalog-pg; firing alerts, SLOs with a burning error
  budget, open vulnerabilities and a security incident (credential stuffing) under investigation.

Org B has the same kinds of data without the incident (one hot batch host, nwf-batch-02).

Bulk volumes per organization at ``scale=1`` and 24 h: about 520 k metric samples (12 services x 15 metrics x
2 instances per minute), 250 k spans, 250 k log lines and one uptime check a minute per monitor and region (26 k
for Acme's 6 monitors x 3 regions); ``scale=N`` multiplies instances, spans, logs and uptime probes by N
(``scale=10`` gives more than 10 M metric rows, 5 M logs and 5 M spans for two organizations, and an uptime check
every 6 s per monitor and region).
PostgreSQL is seeded only when ``postgres.url`` is configured (a warning says so otherwise).

Layout: this module (API, ClickHouse bulk generation, orchestration), ``demo_plan`` (profiles, ids, story times,
shared helpers), ``demo_series`` (gauge series specs), ``demo_events`` (ClickHouse rows built in Python),
``demo_postgres`` (PostgreSQL rows); names in data/demo_estate.yaml, static catalogs in data/demo_catalog.yaml,
generator SQL in sql/clickhouse/demo/.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from tfo_mcp.demo_events import event_tables
from tfo_mcp.demo_plan import (
    DEPLOY_MIN,
    INCIDENT_LATENCY_FACTOR,
    INCIDENT_MIN,
    OUTAGE_MIN,
    SATURATED_DISK_START,
    SATURATED_DISK_TREND_PER_HOUR,
    UPTIME_REGION_FACTOR,
    UPTIME_REGIONS,
    OrgPlan,
    Service,
    Window,
    catalog,
    distinctive_values,
    estate,
    floor_minute,
    incident_services,
    incident_window_ms,
    leaking_service,
    monitor_id,
    naive_utc,
    network_connections,
    network_nodes,
    org_id,
    org_profiles,
    plan_orgs,
    story,
)
from tfo_mcp.demo_postgres import seed_postgres
from tfo_mcp.demo_series import SERIES

if TYPE_CHECKING:
    from tfo_mcp.clickhouse import Backend

__all__ = [
    "SEEDED_CLICKHOUSE_TABLES",
    "distinctive_values",
    "is_seeded",
    "migrate_platform",
    "org_id",
    "org_profiles",
    "plan_orgs",
    "seed",
    "story",
]


DEMO_SQL_DIR = Path(__file__).parent / "sql" / "clickhouse" / "demo"
#: The first ClickHouse major version with DateTime64/Map; older servers get the platform_legacy schema.
MODERN_CLICKHOUSE_MAJOR = 20
#: Most rows one generated INSERT ... SELECT writes. Bounds the engine's memory per statement; measured on chDB,
#: 300 k rows was both faster and leaner than 1 M (smaller aggregation blocks in the feed views) and than 150 k
#: (fewer statements to parse: each carries the organization's arrays as literals).
CHUNK_ROWS = 300_000
#: Series per generated statement (their parameters are inline arrays of up to ~250 bytes a series against the
#: engine's 256 KiB statement limit).
SERIES_PER_STATEMENT = 500
DIURNAL_AMPLITUDE = 0.45
SPANS_PER_ORG_DAY = 250_000
LOGS_PER_ORG_DAY = 250_000
SERIES_STEP_MS = 60_000
#: Organizations seeded concurrently (each runs its statements in order; the engine uses one thread per statement).
PARALLEL_ORGS = 2
INCIDENT_FAULT_PROBABILITY = 0.32
#: Share of the traced requests that hit the incident route during the incident (retries + tail sampling).
INCIDENT_ROUTE_SHARE = 0.3
#: Share of all log lines written by the incident service during the incident (its error storm).
INCIDENT_LOG_SHARE = 0.2
#: (name, type, unit, base kind, diurnal amplitude, noise, lo, hi, incident factor, tail probability)
SERVICE_METRICS = catalog()["service_metrics"]


# --------------------------------------------------------------------------- ClickHouse: generated bulk data


@cache
def _demo_sql(name: str) -> str:
    text = (DEMO_SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    if "/*SERIES*/" in text:
        text = text.replace("/*SERIES*/", _demo_sql("series"))
    return text


class _Writer:
    """Runs the ClickHouse side of a seed: generated INSERT ... SELECT statements and row inserts."""

    def __init__(self, backend: Backend, seed: int, window: Window) -> None:
        self.backend = backend
        self.seed = seed
        self.window = window
        self.statements = 0
        self.timings: dict[str, float] = {}

    async def generate(self, name: str, params: dict[str, Any]) -> None:
        started = time.perf_counter()
        await self.backend.execute(_demo_sql(name), {"seed": self.seed, **params})
        self.statements += 1
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started

    async def insert(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            started = time.perf_counter()
            await self.backend.insert(table, columns, rows)
            self.timings[table] = self.timings.get(table, 0.0) + time.perf_counter() - started


def _service_arrays(plan: OrgPlan) -> dict[str, Any]:
    services = plan.services
    cluster = plan.profile["clusters"][0]["name"]
    pods = [pod for s in services for pod in s.pods]
    deploy = _deploy_params(plan)
    peers = []
    for s in services:
        peers.append(s.calls[0] if s.calls else (s.store_system or "upstream"))
    return {
        "org_id": plan.id,
        "org_idx": plan.index,
        "cluster": cluster,
        "svc_names": [s.name for s in services],
        "svc_ws": [s.workspace_id for s in services],
        "svc_tenant": [s.tenant_id for s in services],
        "svc_ns": [s.namespace for s in services],
        "svc_op": [s.op for s in services],
        "svc_peer": peers,
        "svc_version": [s.version for s in services],
        "pod_names": pods,
        "instances": plan.instances,
        **deploy,
    }


def _deploy_params(plan: OrgPlan) -> dict[str, Any]:
    # window is attached by the caller through plan.extra["window"]
    window: Window = plan.extra["window"]
    if not plan.incident:
        return {
            "deploy_svc": 0,
            "deploy_at": naive_utc(window.start),
            "deploy_version": "",
            "inc_start": naive_utc(window.start),
            "inc_end": naive_utc(window.start),
        }
    service = plan.service(plan.story["incident_service"])
    assert service is not None
    return {
        "deploy_svc": service.index,
        "deploy_at": naive_utc(window.ago(DEPLOY_MIN)),
        "deploy_version": plan.story["deploy_version"],
        "inc_start": naive_utc(window.ago(INCIDENT_MIN[0])),
        "inc_end": naive_utc(window.ago(INCIDENT_MIN[1])),
    }


def _metric_bases(service: Service, instances: int, incident_names: set[str], plan: OrgPlan) -> list[list[float]]:
    """Per metric of one service: [base value per instance per minute, incident factor, trend per hour]."""
    per_instance_rpm = service.rps * 60 / instances
    values = {
        "requests": per_instance_rpm,
        "errors": max(0.02, per_instance_rpm * service.errors),
        "latency": service.latency_ms,
        "active": max(0.5, service.rps * service.latency_ms / 1000 / instances),
        "cpu": min(70.0, 12 + service.rps * 0.35),
        "memory": 380 + 6 * service.latency_ms,
        "gc": 2 + service.latency_ms / 25,
        "threads": 40 + service.rps / 2,
        "fds": 120 + service.rps * 2,
        "db_connections": 4 + service.rps / 6 if service.store_system else 0.5,
        "db_latency": 1.5 + service.latency_ms / 12 if service.store_system else 0.5,
        "client_latency": service.latency_ms * 0.6 + 3,
        "publish": per_instance_rpm * 0.3 if service.kind == "CONSUMER" or service.calls else 0.5,
        "cache_hit": 94.0,
        "response_size": 2048 + 40 * service.latency_ms,
    }
    affected = service.name in incident_names
    rows = []
    for _name, _type, _unit, kind, _amp, _noise, _lo, _hi, factor, _tail in SERVICE_METRICS:
        incident_factor = factor if affected else 1.0
        if affected and service.name != plan.story.get("incident_service") and kind == "errors":
            incident_factor = factor / 3
        trend = 0.0
        if kind == "memory" and service.name == leaking_service(plan):
            trend = 9.0  # MiB per hour: the slow leak the predictions talk about
        rows.append([round(values[kind], 6), incident_factor, trend])
    return rows


async def _gen_service_metrics(writer: _Writer, plan: OrgPlan) -> None:
    window = writer.window
    incident_names = incident_services(plan)
    m = len(SERVICE_METRICS)
    sm_base, sm_inc, sm_trend = [], [], []
    for service in plan.services:
        for base, factor, trend in _metric_bases(service, plan.instances, incident_names, plan):
            sm_base.append(base)
            sm_inc.append(factor)
            sm_trend.append(trend)
    series = len(plan.services) * m * plan.instances
    minutes = window.total_ms // 60000
    per_chunk = max(1, CHUNK_ROWS // series)
    params = {
        **_service_arrays(plan),
        "start": naive_utc(window.start),
        "series": series,
        "n_metrics": m,
        "m_names": [row[0] for row in SERVICE_METRICS],
        "m_types": [row[1] for row in SERVICE_METRICS],
        "m_units": [row[2] for row in SERVICE_METRICS],
        "m_amp": [row[4] for row in SERVICE_METRICS],
        "m_noise": [row[5] for row in SERVICE_METRICS],
        "m_lo": [float(row[6]) for row in SERVICE_METRICS],
        "m_hi": [float(row[7]) for row in SERVICE_METRICS],
        "m_tail": [float(row[9]) for row in SERVICE_METRICS],
        "sm_base": sm_base,
        "sm_inc": sm_inc,
        "sm_trend": sm_trend,
    }
    for minute0 in range(0, minutes, per_chunk):
        count = min(per_chunk, minutes - minute0)
        await writer.generate("metrics_services", {**params, "minute0": minute0, "rows": count * series})


@dataclass
class _Route:
    weight: float
    services: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    shares: list[float] = field(default_factory=list)
    faults: list[int] = field(default_factory=list)
    dbs: list[str] = field(default_factory=list)
    base_ms: float = 0.0
    errors: float = 0.0
    incident: bool = False

    def add(self, service: Service, name: str, kind: str, parent: int, share: float, fault: int, db: str = "") -> int:
        self.services.append(service.index)
        self.names.append(name)
        self.kinds.append(kind)
        self.parents.append(parent)
        self.shares.append(round(share, 4))
        self.faults.append(fault)
        self.dbs.append(db)
        return len(self.services)


MAX_ROUTE_SPANS = 12


def _routes(plan: OrgPlan) -> list[_Route]:
    """Request paths through the service graph: entry service (behind the gateway) -> downstreams -> stores."""
    by_name = {s.name: s for s in plan.services}
    gateways = [s for s in plan.services if s.type == "gateway"]
    gateway = gateways[0] if gateways else None
    called = {c for s in plan.services for c in s.calls}
    incident_service = plan.story.get("incident_service") if plan.incident else None
    routes: list[_Route] = []
    covered: set[str] = set()

    def expand(route: _Route, service: Service, parent: int, share: float, depth: int, fault: int) -> None:
        covered.add(service.name)
        position = route.add(service, service.op, service.kind if depth == 0 else "SERVER", parent, share, fault)
        route.base_ms += service.latency_ms * (1.0 if depth == 0 else 0.6)
        route.errors += service.errors
        if service.store_system and len(route.services) < MAX_ROUTE_SPANS:
            route.add(service, service.store_statement, "CLIENT", position, share * 0.25, 0, service.store_system)
        if depth >= 2:
            return
        for callee_name in service.calls:
            callee = by_name.get(callee_name)
            if callee is None or callee.type == "gateway" or len(route.services) >= MAX_ROUTE_SPANS - 1:
                continue
            downstream_fault = int(route.incident and callee_name == plan.story.get("incident_downstream"))
            expand(route, callee, position, share * 0.5, depth + 1, downstream_fault)

    for service in plan.services:
        if service.type in ("gateway", "web"):
            continue
        behind_gateway = gateway is not None and service.name in gateway.calls
        if not behind_gateway and service.name in called:
            continue
        route = _Route(weight=service.rps, incident=service.name == incident_service)
        parent = 0
        if behind_gateway:
            assert gateway is not None
            method = service.op.split(" ", 1)[0]
            parent = route.add(gateway, f"{method} /api/{service.name}", "SERVER", 0, 1.0, 1)
            route.base_ms += gateway.latency_ms
            covered.add(gateway.name)
        expand(route, service, parent, 0.93 if parent else 1.0, 0, 1)
        routes.append(route)
    for service in plan.services:  # anything unreachable gets its own entry route
        if service.name not in covered:
            route = _Route(weight=max(service.rps, 1.0))
            expand(route, service, 0, 1.0, 0, 1)
            routes.append(route)
    return routes


def _slow_thresholds(plan: OrgPlan, routes: list[_Route]) -> list[float]:
    """Per service: an entry span slower than this (ms) is exemplar-worthy (4x its route's typical latency)."""
    out = []
    for service in plan.services:
        bases = [r.base_ms for r in routes if r.services and r.services[0] == service.index]
        out.append(round(4 * max(bases or [service.latency_ms]), 3))
    return out


def _error_message(service: Service) -> str:
    if service.store_system:
        return f"DatabaseError: {service.store_system} call '{service.store_statement}' failed: connection reset"
    if service.calls:
        return f"UpstreamError: call to {service.calls[0]} returned 503"
    return f"InternalServerError: {service.name} handler raised IllegalStateException"


def _spans_per_trace(routes: list[_Route]) -> float:
    total = sum(r.weight for r in routes)
    return sum(r.weight * len(r.services) for r in routes) / total


def _slots(per_day: int, window: Window, scale: int, divisor: float = 1.0) -> int:
    hours = window.total_ms / 3_600_000
    kept = per_day * scale * hours / 24 / divisor
    return max(1, math.ceil(kept * (1 + DIURNAL_AMPLITUDE) * 1.04))


async def _gen_traces_and_derived(writer: _Writer, plan: OrgPlan, scale: int) -> None:
    window = writer.window
    routes = _routes(plan)
    total_weight = sum(r.weight for r in routes)
    cumulative, running = [], 0.0
    for route in routes:
        running += route.weight / total_weight
        cumulative.append(round(running, 9))
    cumulative[-1] = 1.0
    incident_names = incident_services(plan)
    slots = _slots(SPANS_PER_ORG_DAY, window, scale, _spans_per_trace(routes))
    us_per_slot = window.total_ms * 1000 / slots
    spans_per_slot = _spans_per_trace(routes)
    per_chunk = max(1, int(CHUNK_ROWS / spans_per_slot))
    params = {
        **_service_arrays(plan),
        "r_cum": cumulative,
        "r_svc": [r.services for r in routes],
        "r_name": [r.names for r in routes],
        "r_kind": [r.kinds for r in routes],
        "r_parent": [r.parents for r in routes],
        "r_share": [r.shares for r in routes],
        "r_fault": [r.faults for r in routes],
        "r_db": [r.dbs for r in routes],
        "r_base_ms": [round(r.base_ms, 3) for r in routes],
        "r_err": [round(r.errors, 6) for r in routes],
        "r_inc": [INCIDENT_FAULT_PROBABILITY if r.incident else 0.0 for r in routes],
        "r_inc_lat": [INCIDENT_LATENCY_FACTOR if r.incident else 1.0 for r in routes],
        "svc_err_msg": [_error_message(s) for s in plan.services],
        "inc_svc_mask": [int(s.name in incident_names) for s in plan.services],
        "inc_msg": plan.story.get("incident_message", "") if plan.incident else "",
        "diurnal_amp": DIURNAL_AMPLITUDE,
        "us_per_slot": us_per_slot,
        "inc_route": next((n for n, r in enumerate(routes, start=1) if r.incident), 0),
        "inc_route_share": INCIDENT_ROUTE_SHARE,
    }
    derived = {
        "org_id": plan.id,
        "svc_names": [s.name for s in plan.services],
        "svc_ids": [s.id for s in plan.services],
        "svc_latency_ms": [s.latency_ms for s in plan.services],
        "svc_slow_ms": _slow_thresholds(plan, routes),
    }
    traced_rps = slots / (1 + DIURNAL_AMPLITUDE) / (window.total_ms / 1000)
    real_rps = sum(r.weight for r in routes)
    derived["rate_factor"] = round(real_rps / max(traced_rps, 1e-9), 6)
    for slot0 in range(0, slots, per_chunk):
        count = min(per_chunk, slots - slot0)
        chunk_start = window.start + timedelta(microseconds=slot0 * us_per_slot)
        chunk_end = window.start + timedelta(microseconds=(slot0 + count) * us_per_slot)
        if slot0 + count >= slots:
            chunk_end = window.now
        await writer.generate(
            "traces",
            {**params, "trace0": slot0, "rows": count, "chunk_start": naive_utc(chunk_start)},
        )
        bounds = {"chunk_start": naive_utc(chunk_start), "chunk_end": naive_utc(chunk_end)}
        # the first chunk starts exactly at window.start; spans are never before it
        await writer.generate("logs_from_traces", {**derived, **bounds})
        await writer.generate("exemplars_from_traces", {**derived, **bounds})
        await writer.generate("service_map_metrics_from_traces", {**derived, **bounds})


async def _gen_logs(writer: _Writer, plan: OrgPlan, scale: int) -> None:
    window = writer.window
    templates = estate()["log_templates"]
    weights = [s.rps for s in plan.services]
    total = sum(weights)
    cumulative, running = [], 0.0
    for weight in weights:
        running += weight / total
        cumulative.append(round(running, 9))
    cumulative[-1] = 1.0
    incident_names = incident_services(plan)
    incident_message = plan.story.get("incident_message", "") if plan.incident else ""
    incident_service = plan.service(plan.story["incident_service"]) if plan.incident else None
    incident_index = incident_service.index if incident_service else 0
    slots = _slots(LOGS_PER_ORG_DAY, window, scale)
    us_per_slot = window.total_ms * 1000 / slots
    params = {
        **_service_arrays(plan),
        "svc_cum": cumulative,
        "svc_log_error": [round(min(0.05, 0.004 + s.errors * 4), 5) for s in plan.services],
        "inc_svc_mask": [int(s.name in incident_names and s.type != "gateway") for s in plan.services],
        "inc_svc": incident_index,
        "inc_svc_share": INCIDENT_LOG_SHARE if incident_index else 0.0,
        "inc_log_error": 0.45,
        "inc_templates": [
            f"{incident_message} request_id={{id}}" if incident_message else "{op} failed request_id={id}",
            "circuit breaker OPEN for {peer} after {n} consecutive failures",
            "request to {peer} timed out after 3000 ms (attempt 3 of 3) request_id={id}",
        ],
        "t_debug": templates["DEBUG"],
        "t_info": templates["INFO"],
        "t_warn": templates["WARN"],
        "t_error": templates["ERROR"],
        "diurnal_amp": DIURNAL_AMPLITUDE,
        "us_per_slot": us_per_slot,
    }
    for slot0 in range(0, slots, CHUNK_ROWS):
        count = min(CHUNK_ROWS, slots - slot0)
        chunk_start = window.start + timedelta(microseconds=slot0 * us_per_slot)
        await writer.generate(
            "logs_noise", {**params, "slot0": slot0, "rows": count, "chunk_start": naive_utc(chunk_start)}
        )


# --------------------------------------------------------------------------- ClickHouse: generic gauge series

_SERIES_DEFAULTS: dict[str, Any] = {
    "amp": 0.0,
    "noise": 0.05,
    "trend": 0.0,
    "lo": 0.0,
    "hi": 1e18,
    "spike_from_ms": -1,
    "spike_to_ms": -1,
    "spike_mult": 1.0,
    "digits": 3,
}


_SERIES_NUMERIC = ("base", "amp", "noise", "trend", "lo", "hi", "spike_from_ms", "spike_to_ms", "spike_mult", "digits")


async def _gen_series(writer: _Writer, name: str, plan: OrgPlan, series: list[dict[str, Any]], salt: int) -> None:
    """Expand ``series`` (dicts: base, metric, ... plus the mapping file's own ``s_*`` columns) over the window.

    At most SERIES_PER_STATEMENT series go into one statement (their parameters are inline arrays, and a
    statement has a size limit): large ``--scale`` values multiply the series.
    """
    rows = [{**_SERIES_DEFAULTS, **item} for item in series]
    for i0 in range(0, len(rows), SERIES_PER_STATEMENT):
        await _gen_series_group(writer, name, plan, rows[i0 : i0 + SERIES_PER_STATEMENT], salt, i0)


async def _gen_series_group(
    writer: _Writer, name: str, plan: OrgPlan, rows: list[dict[str, Any]], salt: int, i0: int
) -> None:
    window = writer.window
    params: dict[str, Any] = {
        "org_id": plan.id, "org_idx": plan.index, "salt": salt, "start": naive_utc(window.start), "i0": i0,
    }  # fmt: skip
    for key in _SERIES_NUMERIC:
        params[f"s_{key}"] = [float(row[key]) if key not in ("digits",) else int(row[key]) for row in rows]
    for key in rows[0]:
        if key not in _SERIES_NUMERIC:
            params[f"s_{key}"] = [row[key] for row in rows]
    params["s_spike_from_ms"] = [int(row["spike_from_ms"]) for row in rows]
    params["s_spike_to_ms"] = [int(row["spike_to_ms"]) for row in rows]
    params["s_offset_ms"] = [(index * 7919) % 30000 for index in range(i0, i0 + len(rows))]
    count = len(rows)
    points = max(1, window.total_ms // SERIES_STEP_MS)
    per_chunk = max(1, CHUNK_ROWS // count)
    for p0 in range(0, points, per_chunk):
        n = min(per_chunk, points - p0)
        await writer.generate(
            f"series_{name}",
            {**params, "s_count": count, "p0": p0, "rows": n * count, "step_ms": SERIES_STEP_MS},
        )


async def _gen_uptime(writer: _Writer, plan: OrgPlan, scale: int) -> None:
    """Checks of every monitor from every region: ``scale`` probes per region, each every 60 s (staggered), so a
    monitor and region is checked every 60/scale s and the raw table grows with ``scale`` as the others do."""
    window = writer.window
    interval_ms = max(1, SERIES_STEP_MS // scale)
    monitors = plan.profile["monitors"]
    outage = plan.story.get("outage_monitor") if plan.incident else None
    out_from = [window.offset_ms(window.ago(OUTAGE_MIN[0])) if m["name"] == outage else -1 for m in monitors]
    out_to = [window.offset_ms(window.ago(OUTAGE_MIN[1])) if m["name"] == outage else -1 for m in monitors]
    series = len(monitors) * len(UPTIME_REGIONS)
    points = max(1, window.total_ms // interval_ms)
    per_chunk = max(1, CHUNK_ROWS // series)
    prefix = plan.profile["public_ip_prefix"]
    params = {
        "org_id": plan.id,
        "org_idx": plan.index,
        "start": naive_utc(window.start),
        "series": series,
        "step_ms": interval_ms,
        "jitter_ms": max(1, interval_ms // 3),
        "timeout_ms": 10000,
        "regions": list(UPTIME_REGIONS),
        "region_factor": list(UPTIME_REGION_FACTOR),
        "mon_ids": [monitor_id(plan, m["name"]) for m in monitors],
        "mon_names": [m["name"] for m in monitors],
        "mon_latency_ms": [float(m["latency_ms"]) for m in monitors],
        "mon_ssl_days": [int(m["ssl_days"]) for m in monitors],
        "mon_ips": [f"{prefix}.{10 + n}" for n in range(len(monitors))],
        "mon_ws": [plan.workspaces[0]["id"]] * len(monitors),
        "mon_tenant": [plan.workspaces[0]["tenant_id"]] * len(monitors),
        "mon_out_from_ms": out_from,
        "mon_out_to_ms": out_to,
    }
    for p0 in range(0, points, per_chunk):
        n = min(per_chunk, points - p0)
        await writer.generate("uptime_checks", {**params, "p0": p0, "rows": n * series})


async def _gen_network(writer: _Writer, plan: OrgPlan) -> None:
    window = writer.window
    nodes = network_nodes(plan)
    connections = network_connections(plan, nodes)
    saturated = plan.story.get("saturated_host") if plan.incident else None
    hours = window.total_ms / 3_600_000
    disk_trend = [SATURATED_DISK_TREND_PER_HOUR if n["name"] == saturated else 0.0 for n in nodes]
    disk_base = [
        SATURATED_DISK_START + max(0.0, 24 - hours) * SATURATED_DISK_TREND_PER_HOUR
        if n["name"] == saturated
        else n["disk"]
        for n in nodes
    ]
    incident = incident_window_ms(plan, window, INCIDENT_MIN)
    gateway_lb = plan.profile["load_balancers"][0]["name"] if plan.profile["load_balancers"] else None
    points = max(1, window.total_ms // SERIES_STEP_MS)
    ws, tenant = plan.workspaces[-1]["id"], plan.workspaces[-1]["tenant_id"]
    node_params = {
        "org_id": plan.id,
        "org_idx": plan.index,
        "start": naive_utc(window.start),
        "step_ms": SERIES_STEP_MS,
        "node_ids": [n["id"] for n in nodes],
        "node_names": [n["name"] for n in nodes],
        "node_cpu": [float(n["cpu"]) for n in nodes],
        "node_mem": [float(n["mem"]) for n in nodes],
        "node_disk": [float(d) for d in disk_base],
        "node_disk_trend": disk_trend,
        "node_net": [float(n["net"]) for n in nodes],
        "node_conns": [float(n["conns"]) for n in nodes],
        "node_inc_from_ms": [incident.get("spike_from_ms", -1) if n["name"] == gateway_lb else -1 for n in nodes],
        "node_inc_to_ms": [incident.get("spike_to_ms", -1) if n["name"] == gateway_lb else -1 for n in nodes],
        "node_ws": [ws] * len(nodes),
        "node_tenant": [tenant] * len(nodes),
    }
    conn_params = {
        "org_id": plan.id,
        "org_idx": plan.index,
        "start": naive_utc(window.start),
        "step_ms": SERIES_STEP_MS,
        "conn_ids": [c["id"] for c in connections],
        "conn_src": [c["src"]["id"] for c in connections],
        "conn_dst": [c["dst"]["id"] for c in connections],
        "conn_bw": [c["bandwidth"] for c in connections],
        "conn_latency": [c["latency"] for c in connections],
        "conn_loss": [c["loss"] for c in connections],
        "conn_inc_from_ms": [incident.get("spike_from_ms", -1) if c["lossy"] else -1 for c in connections],
        "conn_inc_to_ms": [incident.get("spike_to_ms", -1) if c["lossy"] else -1 for c in connections],
        "conn_ws": [ws] * len(connections),
        "conn_tenant": [tenant] * len(connections),
    }
    for name, params, count in (
        ("network_map_traffic", node_params, len(nodes)),
        ("network_map_connection_metrics", conn_params, len(connections)),
    ):
        per_chunk = max(1, CHUNK_ROWS // count)
        for p0 in range(0, points, per_chunk):
            n = min(per_chunk, points - p0)
            await writer.generate(name, {**params, "p0": p0, "rows": n * count})
    plan.extra["network_nodes"] = nodes
    plan.extra["network_connections"] = connections


# --------------------------------------------------------------------------- orchestration

MAX_HOURS = 24 * 30
MAX_SCALE = 200
MAX_ORGS = 50


async def migrate_platform() -> dict[str, list[str]]:
    """Create the TFO platform tables in ClickHouse (and PostgreSQL when configured); idempotent.

    A native ClickHouse older than 20.x (no DateTime64, Map, LowCardinality) gets the ``platform_legacy``
    variant of the core tables instead. Returns the migrations applied now per store.
    """
    from tfo_mcp import clickhouse, postgres

    await clickhouse.get_clickhouse().ensure_database()
    kind = "platform" if await _modern_clickhouse() else "platform_legacy"
    applied = {"clickhouse": await clickhouse.migrate(kind)}
    if postgres.is_configured():
        applied["postgres"] = await postgres.migrate("platform")
    else:
        logger.warning("PostgreSQL is not configured (postgres.url): platform tables created in ClickHouse only")
    return applied


async def _modern_clickhouse() -> bool:
    from tfo_mcp import clickhouse

    backend = clickhouse.get_clickhouse()
    if backend.kind == "chdb":
        return True
    result = await backend.query("SELECT version()", max_rows=1)
    version = str(result.rows[0][0]) if result.rows else "0"
    major = int(version.split(".", 1)[0]) if version.split(".", 1)[0].isdigit() else 0
    return major >= MODERN_CLICKHOUSE_MAJOR


async def is_seeded() -> bool:
    """Whether the ClickHouse store already holds demo data (metric samples of demo organization 0)."""
    from tfo_mcp import clickhouse

    try:
        result = await clickhouse.get_clickhouse().query(
            "SELECT count() FROM (SELECT 1 FROM metrics WHERE organization_id = %(org)s LIMIT 1)",
            {"org": org_id(0)},
            max_rows=1,
        )
    except Exception as exc:
        logger.debug("demo data check failed: {}", exc)
        return False
    return bool(result.rows and int(result.rows[0][0]) > 0)


async def seed(
    orgs: int = 2,
    services: int = 12,
    hours: int = 24,
    scale: int = 1,
    seed: int = 42,
    now: datetime | None = None,
) -> dict[str, int]:
    """Write the demo estate; return the rows written per table (``clickhouse.<table>``, ``postgres.<table>``).

    Replaces the demo organizations' earlier rows. ClickHouse must have the ``platform`` schema
    (``migrate_platform()``); PostgreSQL is seeded only when configured (a warning says so otherwise).
    """
    if not 1 <= orgs <= MAX_ORGS:
        raise ValueError(f"orgs must be between 1 and {MAX_ORGS}")
    max_services = min(len(p["services"]) for p in estate()["orgs"])
    if not 1 <= services <= max_services:
        raise ValueError(f"services must be between 1 and {max_services} (the estate file defines {max_services})")
    if not 1 <= hours <= MAX_HOURS:
        raise ValueError(f"hours must be between 1 and {MAX_HOURS}")
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between 1 and {MAX_SCALE}")
    from tfo_mcp import clickhouse, postgres

    if not await _modern_clickhouse():
        raise ValueError("the demo data needs ClickHouse 20 or newer (DateTime64, Map); this server is older")
    current = floor_minute(now)
    window = Window(now=current, start=current - timedelta(hours=hours))
    plans = plan_orgs(orgs, services, scale, seed, current)
    for plan in plans:
        plan.extra["window"] = window
    started = time.perf_counter()
    backend = clickhouse.get_clickhouse()
    counts: dict[str, int] = {}
    await _clear_clickhouse(backend, [p.id for p in plans])
    writer = _Writer(backend, seed, window)
    for first in range(0, len(plans), PARALLEL_ORGS):
        await asyncio.gather(
            *(_seed_clickhouse_org(writer, p, scale, seed) for p in plans[first : first + PARALLEL_ORGS])
        )
    counts.update(await _count_clickhouse(backend, [p.id for p in plans]))
    slowest = sorted(writer.timings.items(), key=lambda item: -item[1])[:8]
    logger.debug("demo seed: slowest steps {}", ", ".join(f"{name} {secs:.1f} s" for name, secs in slowest))
    ch_seconds = time.perf_counter() - started
    if postgres.is_configured():
        counts.update(await seed_postgres(plans, window, seed))
    else:
        logger.warning("PostgreSQL is not configured (postgres.url): demo data written to ClickHouse only")
    logger.info(
        "demo seed: {} organizations, {} rows in {:.1f} s (ClickHouse {:.1f} s, {} generated statements)",
        orgs,
        sum(counts.values()),
        time.perf_counter() - started,
        ch_seconds,
        writer.statements,
    )
    return counts


async def _org_tables(backend: Backend) -> list[str]:
    """MergeTree tables of the current database that have an organization_id column."""
    result = await backend.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%%MergeTree' "
        "AND name IN (SELECT table FROM system.columns WHERE database = currentDatabase() "
        "AND name = 'organization_id') ORDER BY name",
        {},
        max_rows=10_000,
    )
    return [str(row[0]) for row in result.rows]


async def _clear_clickhouse(backend: Backend, ids: list[str]) -> None:
    """Remove earlier rows of the demo organizations (TRUNCATE when a table holds nothing else)."""
    from tfo_mcp import chsql

    for table in await _org_tables(backend):
        name = chsql.quote_identifier(table)
        result = await backend.query(
            f"SELECT countIf(organization_id IN %(ids)s), countIf(organization_id NOT IN %(ids)s) FROM {name}",
            {"ids": ids},
            max_rows=1,
        )
        ours, others = (int(v) for v in result.rows[0])
        if not ours:
            continue
        if others:
            await backend.execute(
                f"ALTER TABLE {name} DELETE WHERE organization_id IN %(ids)s SETTINGS mutations_sync = 2", {"ids": ids}
            )
        else:
            await backend.execute(f"TRUNCATE TABLE {name}")


#: Tables the seed writes directly (rollups fill from them).
SEEDED_CLICKHOUSE_TABLES = (
    "metrics",
    "traces",
    "logs",
    "exemplars",
    "service_map_metrics",
    "uptime_checks",
    "audit_logs",
    "vm_metrics",
    "kubernetes_metrics",
    "kubernetes_events",
    "cache_metrics",
    "queue_metrics",
    "load_balancer_metrics",
    "network_map_traffic",
    "network_map_connection_metrics",
    "network_dns_queries",
    "network_firewall_events",
    "signal_correlations",
    "anomaly_events",
    "predictions",
    "change_events",
    "security_events",
    "cost_data",
    "llm_usage_raw",
    "db_mysql_metrics",
    "db_mysql_queries",
    "db_postgresql_queries",
    "db_clickhouse_queries",
    "db_mongodb_queries",
    "db_sqlite3_metrics",
    "db_sqlite3_integrity",
    "db_timescaledb_metrics",
    "db_aurora_metrics",
    "db_aurora_queries",
    "db_aurora_events",
    "db_mssql_metrics",
    "db_mssql_queries",
    "db_mssql_waits",
    "db_table_stats",
    "db_index_stats",
)


async def _count_clickhouse(backend: Backend, ids: list[str]) -> dict[str, int]:
    parts = [
        f"SELECT '{table}' AS t, count() AS n FROM {table} WHERE organization_id IN %(ids)s"
        for table in SEEDED_CLICKHOUSE_TABLES
    ]
    result = await backend.query(" UNION ALL ".join(parts), {"ids": ids}, max_rows=len(parts))
    return {f"clickhouse.{row[0]}": int(row[1]) for row in result.rows}


async def _seed_clickhouse_org(writer: _Writer, plan: OrgPlan, scale: int, seed: int) -> None:
    window = writer.window
    started = time.perf_counter()
    await _gen_service_metrics(writer, plan)
    await _gen_traces_and_derived(writer, plan, scale)
    await _gen_logs(writer, plan, scale)
    for name, builder, salt in SERIES:
        await _gen_series(writer, name, plan, builder(plan, window), salt)
    await _gen_uptime(writer, plan, scale)
    await _gen_network(writer, plan)

    trace_ids: list[str] = []
    if plan.incident:
        result = await writer.backend.query(
            "SELECT trace_id FROM traces_errors WHERE organization_id = %(org)s AND service_name = %(svc)s "
            "AND timestamp >= %(start)s AND timestamp < %(end)s ORDER BY timestamp, trace_id LIMIT 6",
            {
                "org": plan.id,
                "svc": plan.story["incident_service"],
                "start": naive_utc(window.ago(INCIDENT_MIN[0])),
                "end": naive_utc(window.ago(INCIDENT_MIN[1])),
            },
            max_rows=6,
        )
        trace_ids = [str(row[0]) for row in result.rows]
    tables = event_tables(plan, window, seed, trace_ids)
    for table, cols, rows in tables:
        await writer.insert(table, cols, rows)
    logger.info("demo seed: ClickHouse rows of {} written in {:.1f} s", plan.name, time.perf_counter() - started)
