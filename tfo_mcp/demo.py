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
2 instances per minute), 250 k spans and 250 k log lines; ``scale=N`` multiplies instances, spans and logs by N
(``scale=10`` gives more than 10 M metric rows, 5 M logs and 5 M spans for two organizations).
PostgreSQL is seeded only when ``postgres.url`` is configured (a warning says so otherwise).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

if TYPE_CHECKING:
    from tfo_mcp.clickhouse import Backend

ESTATE_FILE = Path(__file__).parent / "data" / "demo_estate.yaml"
DEMO_SQL_DIR = Path(__file__).parent / "sql" / "clickhouse" / "demo"
#: Namespace of every demo UUID (uuid5); organization ids use it without the seed.
ID_NAMESPACE = uuid.UUID("5b0e8f3c-9a4d-4c1e-8f6a-2d7b1c0e9a11")
#: The first ClickHouse major version with DateTime64/Map; older servers get the platform_legacy schema.
MODERN_CLICKHOUSE_MAJOR = 20
#: Most rows one generated INSERT ... SELECT writes (bounds the engine's memory per statement).
CHUNK_ROWS = 1_000_000
DIURNAL_AMPLITUDE = 0.45
METRIC_INSTANCES_PER_SCALE = 2
SPANS_PER_ORG_DAY = 250_000
LOGS_PER_ORG_DAY = 250_000
SERIES_STEP_MS = 60_000
#: Organizations seeded concurrently (each runs its statements in order; the engine uses one thread per statement).
PARALLEL_ORGS = 2
UPTIME_REGIONS = ("eu-west-1", "us-east-1", "ap-southeast-1")
UPTIME_REGION_FACTOR = (1.0, 1.35, 2.1)

# The story: minutes before ``now``.
FAILED_LOGINS_MIN = (52, 46)
DEPLOY_MIN = 45
INCIDENT_MIN = (38, 20)
OUTAGE_MIN = (33, 24)
ALERT_ERRORS_MIN = 36
ALERT_LATENCY_MIN = 35
INCIDENT_FAULT_PROBABILITY = 0.32
INCIDENT_LATENCY_FACTOR = 3.5
#: Share of the traced requests that hit the incident route during the incident (retries + tail sampling).
INCIDENT_ROUTE_SHARE = 0.3
#: Share of all log lines written by the incident service during the incident (its error storm).
INCIDENT_LOG_SHARE = 0.2
CRASHLOOP_RESTARTS = 17
SATURATED_DISK_START = 91.0
SATURATED_DISK_TREND_PER_HOUR = 0.15

#: (name, type, unit, base kind, diurnal amplitude, noise, lo, hi, incident factor, tail probability)
SERVICE_METRICS: tuple[tuple[str, str, str, str, float, float, float, float, float, float], ...] = (
    ("http.server.request.count", "counter", "{request}", "requests", 0.45, 0.08, 0, 1e18, 1.0, 0),
    ("http.server.error.count", "counter", "{request}", "errors", 0.45, 0.6, 0, 1e18, 70.0, 0),
    ("http.server.duration", "histogram", "ms", "latency", 0.12, 0.2, 0.1, 1e18, 3.5, 0.01),
    ("http.server.active_requests", "gauge", "{request}", "active", 0.45, 0.25, 0, 1e18, 3.0, 0),
    ("process.cpu.utilization", "gauge", "%", "cpu", 0.35, 0.08, 0, 100, 1.7, 0),
    ("process.memory.usage", "gauge", "MiB", "memory", 0.04, 0.02, 16, 1e18, 1.15, 0),
    ("process.runtime.gc.pause", "histogram", "ms", "gc", 0.2, 0.4, 0, 1e18, 2.5, 0.01),
    ("process.threads", "gauge", "{thread}", "threads", 0.1, 0.05, 1, 1e18, 1.6, 0),
    ("process.open_file_descriptors", "gauge", "{fd}", "fds", 0.1, 0.05, 1, 1e18, 1.4, 0),
    ("db.client.connections.usage", "gauge", "{connection}", "db_connections", 0.3, 0.15, 0, 100, 3.0, 0),
    ("db.client.operation.duration", "histogram", "ms", "db_latency", 0.15, 0.25, 0.05, 1e18, 1.8, 0.01),
    ("http.client.duration", "histogram", "ms", "client_latency", 0.15, 0.25, 0.1, 1e18, 6.0, 0.01),
    ("messaging.publish.count", "counter", "{message}", "publish", 0.45, 0.15, 0, 1e18, 0.6, 0),
    ("cache.hit_ratio", "gauge", "%", "cache_hit", 0.02, 0.01, 0, 100, 0.93, 0),
    ("http.server.response.size", "histogram", "By", "response_size", 0.1, 0.3, 64, 1e18, 0.4, 0),
)


# --------------------------------------------------------------------------- ids, profiles, the plan


def org_id(index: int) -> str:
    """The id of demo organization ``index`` (0-based); the same for every seed."""
    return str(uuid.uuid5(ID_NAMESPACE, f"organization/{index}"))


def _uid(*parts: Any) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(str(part) for part in parts)))


@cache
def _estate() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(ESTATE_FILE.read_text(encoding="utf-8"))


def _prefixed(profile: dict[str, Any], prefix: str, index: int) -> dict[str, Any]:
    """A copy of ``profile`` for organization ``index`` >= 2: every name gets ``prefix``."""

    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(item, key) for item in value]
        if isinstance(value, str) and key in NAME_KEYS:
            return prefix + value
        return value

    copy = walk(profile)
    copy["name"] = f"Demo Org {index + 1} ({profile['name']} clone)"
    copy["code"] = f"demo-org-{index + 1}"
    copy["domain"] = f"demo-org-{index + 1}.example"
    copy["region"] = dict(profile["region"])
    copy["ip_prefix"] = f"10.{30 + index}"
    copy["public_ip_prefix"] = f"192.0.{index % 250}"
    copy["story"] = {}
    copy["llm"] = {**profile["llm"], "name": f"{prefix}{profile['llm']['name']}"}
    return copy


#: Keys whose string values (and list items) are entity names that get a per-organization prefix.
NAME_KEYS = frozenset(
    {
        "name",
        "calls",
        "host",
        "tenant",
        "queues",
        "target_groups",
        "firewall",
        "dns",
        "router",
        "namespaces",
        "custom_roles",
        "internal_domain",
        "code",
        "first",
        "last",
    }
)


def org_profiles(orgs: int = 2) -> list[dict[str, Any]]:
    """The profile (names, services, hosts, ...) of each of the first ``orgs`` demo organizations."""
    base = _estate()["orgs"]
    profiles = []
    for index in range(orgs):
        if index < len(base):
            profiles.append(base[index])
        else:
            profiles.append(_prefixed(base[index % len(base)], f"o{index + 1}-", index))
    return profiles


def distinctive_values(index: int, orgs: int = 2, services: int = 12) -> list[str]:
    """Names only organization ``index`` has (services, hosts, clusters, users, monitors, ...): for leak tests."""
    profile = org_profiles(orgs)[index]
    values = {profile["name"], profile["code"], profile["domain"], org_id(index)}
    values.update(s["name"] for s in _active_services(profile, services, index))
    values.update(h["name"] for h in profile["hosts"])
    values.update(c["name"] for c in profile["clusters"])
    values.update(d["name"] for d in profile["databases"])
    values.update(m["name"] for m in profile["monitors"])
    values.update(c["name"] for c in profile["caches"])
    values.update(b["name"] for b in profile["brokers"])
    values.update(lb["name"] for lb in profile["load_balancers"])
    values.update(_user_email(profile, u) for u in profile["users"])
    values.update(f"{u['first']} {u['last']}" for u in profile["users"])
    return sorted(values)


def _user_email(profile: dict[str, Any], user: dict[str, Any]) -> str:
    return f"{user['first'].lower()}.{user['last'].lower()}@{profile['domain']}"


def _active_services(profile: dict[str, Any], services: int, index: int) -> list[dict[str, Any]]:
    chosen = list(profile["services"][: max(1, services)])
    story = profile.get("story") or {}
    if index == 0:
        names = {s["name"] for s in chosen}
        for needed in (story.get("incident_service"), story.get("incident_downstream")):
            if needed and needed not in names:
                chosen.append(next(s for s in profile["services"] if s["name"] == needed))
                names.add(needed)
    return chosen


def story(now: datetime | None = None, orgs: int = 2) -> dict[str, Any]:
    """The story's names and times (org A = index 0) for a seed that used this ``now``."""
    now = _floor_minute(now)
    profile = org_profiles(orgs)[0]
    s = profile["story"]

    def at(minutes: float) -> datetime:
        return now - timedelta(minutes=minutes)

    return {
        "organization_id": org_id(0),
        "organization_name": profile["name"],
        "other_organization_id": org_id(1) if orgs > 1 else None,
        "now": now,
        "incident_service": s["incident_service"],
        "incident_downstream": s["incident_downstream"],
        "incident_start": at(INCIDENT_MIN[0]),
        "incident_end": at(INCIDENT_MIN[1]),
        "incident_message": s["incident_message"],
        "deploy_at": at(DEPLOY_MIN),
        "deploy_version": s["deploy_version"],
        "previous_version": s["previous_version"],
        "deploy_revision": s["deploy_revision"],
        "cluster": profile["clusters"][0]["name"],
        "namespace": s["crashloop"]["namespace"],
        "crashloop_deployment": s["crashloop"]["deployment"],
        "crashloop_restarts": CRASHLOOP_RESTARTS,
        "saturated_host": s["saturated_host"],
        "outage_monitor": s["outage_monitor"],
        "outage_start": at(OUTAGE_MIN[0]),
        "outage_end": at(OUTAGE_MIN[1]),
        "failed_logins_start": at(FAILED_LOGINS_MIN[0]),
        "failed_logins_end": at(FAILED_LOGINS_MIN[1]),
        "failed_login_count": s["failed_logins"],
        "attacker_ip": s["attacker_ip"],
        "targeted_user": s["targeted_user"],
        "slow_query_instance": s["slow_query"]["instance"],
        "slow_query_digest_text": s["slow_query"]["text"],
        "alert_titles": [s["alert_errors"], s["alert_latency"]],
        "expiring_certificate_monitor": s["expiring_certificate_monitor"],
    }


def _floor_minute(now: datetime | None) -> datetime:
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(UTC).replace(second=0, microsecond=0)


_K8S_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


@dataclass
class Service:
    """One application service of a demo organization, with everything its rows need."""

    index: int
    name: str
    type: str
    kind: str
    rps: float
    latency_ms: float
    errors: float
    op: str
    calls: list[str]
    store_system: str
    store_statement: str
    id: str
    workspace_id: str
    tenant_id: str
    namespace: str
    version: str
    replicaset: str
    pods: list[str]


@dataclass
class OrgPlan:
    """Everything generated for one organization before any row is written."""

    index: int
    id: str
    profile: dict[str, Any]
    workspaces: list[dict[str, Any]]
    services: list[Service]
    instances: int
    cluster_ids: dict[str, str]
    story: dict[str, Any]
    incident: bool
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.profile["name"]

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def uid(self, *parts: Any) -> str:
        return _uid(self.index, *parts)


def _k8s_suffix(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(_K8S_ALPHABET) for _ in range(length))


def _namespace_for(service: dict[str, Any], namespaces: list[str]) -> str:
    if service["name"] in namespaces:
        return service["name"]
    if service.get("type") in ("gateway", "worker") and len(namespaces) > 2:
        return namespaces[2]
    return namespaces[0]


def plan_orgs(orgs: int, services: int, scale: int, seed: int, now: datetime) -> list[OrgPlan]:
    """The deterministic plan of every organization (ids, names, versions, pods) for one seed."""
    plans = []
    instances = METRIC_INSTANCES_PER_SCALE * scale
    for index, profile in enumerate(org_profiles(orgs)):
        rng = random.Random(f"{seed}/plan/{index}")
        oid = org_id(index)
        workspaces = []
        for ws in profile["workspaces"]:
            workspaces.append(
                {
                    "id": _uid(index, "workspace", ws["code"]),
                    "code": ws["code"],
                    "name": ws["name"],
                    "tenant_id": _uid(index, "tenant", ws["tenant"]),
                    "tenant_code": ws["tenant"],
                }
            )
        active = _active_services(profile, services, index)
        story_cfg = profile.get("story") or {}
        incident = index == 0 and bool(story_cfg.get("incident_service"))
        plan_services = []
        for position, raw in enumerate(active, start=1):
            ws = workspaces[0] if raw.get("type") != "worker" or len(workspaces) == 1 else workspaces[1]
            store = raw.get("store", "")
            system, _, statement = store.partition(":")
            replicaset = _k8s_suffix(rng, 10)
            version = f"{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"
            if incident and raw["name"] == story_cfg["incident_service"]:
                version = story_cfg["previous_version"]
            plan_services.append(
                Service(
                    index=position,
                    name=raw["name"],
                    type=raw.get("type", "api"),
                    kind="CONSUMER" if raw.get("kind") == "consumer" else "SERVER",
                    rps=float(raw["rps"]),
                    latency_ms=float(raw["latency_ms"]),
                    errors=float(raw["errors"]),
                    op=raw["op"],
                    calls=[c for c in raw.get("calls", []) if any(c == s["name"] for s in active)],
                    store_system=system,
                    store_statement=statement,
                    id=_uid(index, "service", raw["name"]),
                    workspace_id=ws["id"],
                    tenant_id=ws["tenant_id"],
                    namespace=_namespace_for(raw, profile["namespaces"]),
                    version=version,
                    replicaset=replicaset,
                    pods=[f"{raw['name']}-{replicaset}-{_k8s_suffix(rng, 5)}" for _ in range(instances)],
                )
            )
        cluster_ids = {c["name"]: _uid(index, "cluster", c["name"]) for c in profile["clusters"]}
        plans.append(
            OrgPlan(
                index=index,
                id=oid,
                profile=profile,
                workspaces=workspaces,
                services=plan_services,
                instances=instances,
                cluster_ids=cluster_ids,
                story=story_cfg,
                incident=incident,
            )
        )
    return plans


# --------------------------------------------------------------------------- time helpers


@dataclass(frozen=True)
class Window:
    """The seeded period and the story's instants (all UTC)."""

    now: datetime
    start: datetime

    @property
    def total_ms(self) -> int:
        return int((self.now - self.start).total_seconds() * 1000)

    def ago(self, minutes: float) -> datetime:
        return self.now - timedelta(minutes=minutes)

    def offset_ms(self, moment: datetime) -> int:
        return int((moment - self.start).total_seconds() * 1000)

    def clamp(self, moment: datetime) -> datetime:
        return min(max(moment, self.start), self.now - timedelta(seconds=1))


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


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
            "deploy_at": _naive(window.start),
            "deploy_version": "",
            "inc_start": _naive(window.start),
            "inc_end": _naive(window.start),
        }
    service = plan.service(plan.story["incident_service"])
    assert service is not None
    return {
        "deploy_svc": service.index,
        "deploy_at": _naive(window.ago(DEPLOY_MIN)),
        "deploy_version": plan.story["deploy_version"],
        "inc_start": _naive(window.ago(INCIDENT_MIN[0])),
        "inc_end": _naive(window.ago(INCIDENT_MIN[1])),
    }


def _incident_services(plan: OrgPlan) -> set[str]:
    """Services whose failures carry the incident message: the faulty service, its downstream, the gateway."""
    if not plan.incident:
        return set()
    names = {plan.story["incident_service"], plan.story["incident_downstream"]}
    names.update(s.name for s in plan.services if s.type == "gateway")
    return names


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
        if kind == "memory" and service.name == _leaking_service(plan):
            trend = 9.0  # MiB per hour: the slow leak the predictions talk about
        rows.append([round(values[kind], 6), incident_factor, trend])
    return rows


def _leaking_service(plan: OrgPlan) -> str:
    candidates = [s.name for s in plan.services if s.type == "api"]
    return candidates[min(len(candidates) - 1, 7)] if candidates else ""


async def _gen_service_metrics(writer: _Writer, plan: OrgPlan) -> None:
    window = writer.window
    incident_names = _incident_services(plan)
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
        "start": _naive(window.start),
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
    incident_names = _incident_services(plan)
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
            {**params, "trace0": slot0, "rows": count, "chunk_start": _naive(chunk_start)},
        )
        bounds = {"chunk_start": _naive(chunk_start), "chunk_end": _naive(chunk_end)}
        # the first chunk starts exactly at window.start; spans are never before it
        await writer.generate("logs_from_traces", {**derived, **bounds})
        await writer.generate("exemplars_from_traces", {**derived, **bounds})
        await writer.generate("service_map_metrics_from_traces", {**derived, **bounds})


async def _gen_logs(writer: _Writer, plan: OrgPlan, scale: int) -> None:
    window = writer.window
    templates = _estate()["log_templates"]
    weights = [s.rps for s in plan.services]
    total = sum(weights)
    cumulative, running = [], 0.0
    for weight in weights:
        running += weight / total
        cumulative.append(round(running, 9))
    cumulative[-1] = 1.0
    incident_names = _incident_services(plan)
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
            "logs_noise", {**params, "slot0": slot0, "rows": count, "chunk_start": _naive(chunk_start)}
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
    """Expand ``series`` (dicts: base, metric, ... plus the mapping file's own ``s_*`` columns) over the window."""
    if not series:
        return
    window = writer.window
    rows = [{**_SERIES_DEFAULTS, **item} for item in series]
    params: dict[str, Any] = {"org_id": plan.id, "org_idx": plan.index, "salt": salt, "start": _naive(window.start)}
    for key in _SERIES_NUMERIC:
        params[f"s_{key}"] = [float(row[key]) if key not in ("digits",) else int(row[key]) for row in rows]
    for key in rows[0]:
        if key not in _SERIES_NUMERIC:
            params[f"s_{key}"] = [row[key] for row in rows]
    params["s_spike_from_ms"] = [int(row["spike_from_ms"]) for row in rows]
    params["s_spike_to_ms"] = [int(row["spike_to_ms"]) for row in rows]
    params["s_offset_ms"] = [(index * 7919) % 30000 for index in range(len(rows))]
    count = len(rows)
    points = max(1, window.total_ms // SERIES_STEP_MS)
    per_chunk = max(1, CHUNK_ROWS // count)
    for p0 in range(0, points, per_chunk):
        n = min(per_chunk, points - p0)
        await writer.generate(
            f"series_{name}",
            {**params, "s_count": count, "p0": p0, "rows": n * count, "step_ms": SERIES_STEP_MS},
        )


def _tenancy(plan: OrgPlan, workspace: int = 0) -> dict[str, str]:
    ws = plan.workspaces[min(workspace, len(plan.workspaces) - 1)]
    return {"ws": ws["id"], "tenant": ws["tenant_id"]}


def _incident_window_ms(plan: OrgPlan, window: Window, minutes: tuple[float, float]) -> dict[str, int]:
    if not plan.incident:
        return {}
    return {
        "spike_from_ms": window.offset_ms(window.ago(minutes[0])),
        "spike_to_ms": window.offset_ms(window.ago(minutes[1])),
    }


def _host_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    hours = window.total_ms / 3_600_000
    saturated = plan.story.get("saturated_host") if plan.incident else None
    rows = []
    for host in plan.profile["hosts"]:
        entity = {"entity": plan.uid("agent", host["name"]), "name": host["name"], **_tenancy(plan, 1)}
        disk_trend = 0.01
        disk_base = float(host["disk"])
        if host["name"] == saturated:
            disk_trend = SATURATED_DISK_TREND_PER_HOUR
            disk_base = SATURATED_DISK_START + max(0.0, 24 - hours) * disk_trend
        net = 2e6 * host["cores"]
        rows += [
            {
                **entity,
                "metric": "system.cpu.utilization",
                "unit": "%",
                "device": "all",
                "base": host["cpu"],
                "amp": 0.35,
                "noise": 0.08,
                "hi": 100,
                "digits": 2,
            },
            {
                **entity,
                "metric": "system.cpu.iowait",
                "unit": "%",
                "device": "all",
                "base": 9.0 if host["name"] == saturated else 1.2,
                "amp": 0.2,
                "noise": 0.2,
                "hi": 100,
                "digits": 2,
            },
            {
                **entity,
                "metric": "system.load_average.1m",
                "unit": "{load}",
                "device": "all",
                "base": host["cores"] * host["cpu"] / 100,
                "amp": 0.35,
                "noise": 0.1,
                "digits": 2,
            },
            {
                **entity,
                "metric": "system.memory.utilization",
                "unit": "%",
                "device": "ram",
                "base": host["mem"],
                "noise": 0.02,
                "hi": 100,
                "digits": 2,
            },
            {
                **entity,
                "metric": "system.memory.swap.utilization",
                "unit": "%",
                "device": "swap",
                "base": 2.0,
                "noise": 0.3,
                "hi": 100,
                "digits": 2,
            },
            {
                **entity,
                "metric": "system.disk.used_percent",
                "unit": "%",
                "device": "/",
                "base": disk_base,
                "trend": disk_trend,
                "noise": 0.001,
                "hi": 100,
                "digits": 2,
            },
            {
                **entity,
                "metric": "system.disk.io.read_bytes",
                "unit": "By/s",
                "device": "nvme0n1",
                "base": 4e6 * host["cores"] / 8,
                "amp": 0.4,
                "noise": 0.3,
                "digits": 0,
            },
            {
                **entity,
                "metric": "system.disk.io.write_bytes",
                "unit": "By/s",
                "device": "nvme0n1",
                "base": 6e6 * host["cores"] / 8,
                "amp": 0.4,
                "noise": 0.3,
                "digits": 0,
            },
            {
                **entity,
                "metric": "system.network.io.receive",
                "unit": "By/s",
                "device": "eth0",
                "base": net,
                "amp": 0.5,
                "noise": 0.15,
                "digits": 0,
            },
            {
                **entity,
                "metric": "system.network.io.transmit",
                "unit": "By/s",
                "device": "eth0",
                "base": net * 0.7,
                "amp": 0.5,
                "noise": 0.15,
                "digits": 0,
            },
            {
                **entity,
                "metric": "system.network.errors",
                "unit": "{error}",
                "device": "eth0",
                "base": 0.4,
                "noise": 0.8,
                "digits": 0,
            },
            {
                **entity,
                "metric": "system.network.connections",
                "unit": "{connection}",
                "device": "eth0",
                "base": 40 + 8 * host["cores"],
                "amp": 0.4,
                "noise": 0.1,
                "digits": 0,
            },
        ]
    return rows


def _k8s_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    hours = window.total_ms / 3_600_000
    rows = []
    for c_index, cluster in enumerate(plan.profile["clusters"]):
        cid = plan.cluster_ids[cluster["name"]]
        base = {"cluster": cid, "cluster_name": cluster["name"], **_tenancy(plan, 1)}
        for n in range(cluster["nodes"]):
            node = _node_name(cluster, n)
            common = {**base, "rtype": "node", "name": node, "namespace": ""}
            cpu = 38 + 9 * ((n * 37) % 5) if c_index == 0 else 22
            rows += [
                {
                    **common,
                    "metric": "k8s.node.cpu.utilization",
                    "unit": "%",
                    "base": cpu,
                    "amp": 0.35,
                    "noise": 0.08,
                    "hi": 100,
                    "digits": 2,
                },
                {
                    **common,
                    "metric": "k8s.node.memory.utilization",
                    "unit": "%",
                    "base": 62 + 5 * (n % 4),
                    "noise": 0.03,
                    "hi": 100,
                    "digits": 2,
                },
                {
                    **common,
                    "metric": "k8s.node.filesystem.utilization",
                    "unit": "%",
                    "base": 41 + 6 * (n % 3),
                    "trend": 0.02,
                    "noise": 0.005,
                    "hi": 100,
                    "digits": 2,
                },
                {
                    **common,
                    "metric": "k8s.node.network.io",
                    "unit": "By/s",
                    "base": 9e6,
                    "amp": 0.5,
                    "noise": 0.15,
                    "digits": 0,
                },
            ]
        control = {**base, "namespace": "kube-system"}
        rows += [
            {
                **control,
                "rtype": "apiserver",
                "name": "kube-apiserver",
                "metric": "apiserver_request_total",
                "unit": "{request}/min",
                "base": 5200 if c_index == 0 else 900,
                "amp": 0.3,
                "noise": 0.1,
                "digits": 0,
            },
            {
                **control,
                "rtype": "apiserver",
                "name": "kube-apiserver",
                "metric": "apiserver_request_duration_seconds_p99",
                "unit": "s",
                "base": 0.18,
                "noise": 0.25,
                "digits": 4,
            },
            {
                **control,
                "rtype": "apiserver",
                "name": "kube-apiserver",
                "metric": "apiserver_current_inflight_requests",
                "unit": "{request}",
                "base": 14,
                "amp": 0.3,
                "noise": 0.2,
                "digits": 0,
            },
            {
                **control,
                "rtype": "apiserver",
                "name": "etcd",
                "metric": "etcd_request_duration_seconds_p99",
                "unit": "s",
                "base": 0.012,
                "noise": 0.3,
                "digits": 5,
            },
            {
                **control,
                "rtype": "coredns",
                "name": "coredns",
                "metric": "coredns_dns_requests_total",
                "unit": "{request}/min",
                "base": 18000 if c_index == 0 else 2400,
                "amp": 0.45,
                "noise": 0.1,
                "digits": 0,
            },
            {
                **control,
                "rtype": "coredns",
                "name": "coredns",
                "metric": "coredns_dns_responses_nxdomain",
                "unit": "{response}/min",
                "base": 420 if c_index == 0 else 60,
                "amp": 0.3,
                "noise": 0.2,
                "digits": 0,
            },
            {
                **control,
                "rtype": "coredns",
                "name": "coredns",
                "metric": "coredns_dns_request_duration_seconds_p99",
                "unit": "s",
                "base": 0.004,
                "noise": 0.3,
                "digits": 5,
            },
            {
                **control,
                "rtype": "coredns",
                "name": "coredns",
                "metric": "coredns_cache_hit_ratio",
                "unit": "%",
                "base": 87,
                "noise": 0.02,
                "hi": 100,
                "digits": 2,
            },
        ]
        if c_index != 0:
            continue
        for service in plan.services:
            dep = {**base, "namespace": service.namespace}
            rows += [
                {
                    **dep,
                    "rtype": "deployment",
                    "name": service.name,
                    "metric": "k8s.deployment.replicas.desired",
                    "unit": "{replica}",
                    "base": plan.instances,
                    "noise": 0,
                    "digits": 0,
                },
                {
                    **dep,
                    "rtype": "deployment",
                    "name": service.name,
                    "metric": "k8s.deployment.replicas.available",
                    "unit": "{replica}",
                    "base": plan.instances,
                    "noise": 0,
                    "digits": 0,
                },
            ]
            for pod in service.pods:
                pod_row = {**dep, "rtype": "pod", "name": pod}
                rows += [
                    {
                        **pod_row,
                        "metric": "k8s.pod.cpu.usage",
                        "unit": "m",
                        "base": 120 + service.rps * 6,
                        "amp": 0.35,
                        "noise": 0.1,
                        "digits": 1,
                    },
                    {
                        **pod_row,
                        "metric": "k8s.pod.memory.working_set",
                        "unit": "MiB",
                        "base": 380 + 6 * service.latency_ms,
                        "noise": 0.03,
                        "digits": 1,
                    },
                    {**pod_row, "metric": "k8s.pod.restarts", "unit": "{restart}", "base": 0, "noise": 0, "digits": 0},
                ]
        for extra in _extra_workloads(plan):
            pod_row = {**base, "namespace": extra["namespace"], "rtype": "pod", "name": extra["pod"]}
            crash = extra["kind"] == "crashloop"
            rows += [
                {
                    **pod_row,
                    "metric": "k8s.pod.cpu.usage",
                    "unit": "m",
                    "base": 35 if crash else 400,
                    "noise": 0.6,
                    "digits": 1,
                },
                {
                    **pod_row,
                    "metric": "k8s.pod.memory.working_set",
                    "unit": "MiB",
                    "base": 96 if crash else 1900,
                    "noise": 0.2,
                    "digits": 1,
                },
                {
                    **pod_row,
                    "metric": "k8s.pod.restarts",
                    "unit": "{restart}",
                    "base": 0,
                    "trend": CRASHLOOP_RESTARTS / max(hours, 1) if crash else 0,
                    "noise": 0,
                    "digits": 0,
                },
            ]
    return rows


def _node_name(cluster: dict[str, Any], n: int) -> str:
    return f"{cluster['name']}-node-{n + 1:02d}"


def _extra_workloads(plan: OrgPlan) -> list[dict[str, Any]]:
    """The story's broken workloads (org A): one crash-looping pod and one failed (OOMKilled) pod."""
    if not plan.incident:
        return []
    rng = random.Random(f"extra/{plan.index}")
    out = []
    for key, kind in (("crashloop", "crashloop"), ("failed_pod", "failed")):
        spec = plan.story[key]
        replicaset = _k8s_suffix(rng, 10)
        out.append(
            {
                "kind": kind,
                "deployment": spec["deployment"],
                "namespace": spec["namespace"],
                "pod": f"{spec['deployment']}-{replicaset}-{_k8s_suffix(rng, 5)}",
            }
        )
    return out


def _cache_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    rows = []
    for n, cache_cfg in enumerate(plan.profile["caches"]):
        entity = {
            "entity": plan.uid("cache", cache_cfg["name"]),
            "name": cache_cfg["name"],
            "engine": cache_cfg["engine"],
            "host": cache_cfg["host"],
            **_tenancy(plan),
        }
        hot = plan.incident and n == 0
        rows += [
            {
                **entity,
                "metric": "cache.hit_ratio",
                "unit": "%",
                "base": 96.5 - 4 * n,
                "noise": 0.01,
                "hi": 100,
                "digits": 2,
            },
            {
                **entity,
                "metric": "cache.memory.used_pct",
                "unit": "%",
                "base": 88.0 if hot else 55 + 9 * n,
                "trend": 0.08 if hot else 0.0,
                "noise": 0.01,
                "hi": 100,
                "digits": 2,
            },
            {
                **entity,
                "metric": "cache.evictions",
                "unit": "{key}/min",
                "base": 140 if hot else 3,
                "noise": 0.4,
                "digits": 0,
            },
            {
                **entity,
                "metric": "cache.connected_clients",
                "unit": "{client}",
                "base": 120 + 30 * n,
                "amp": 0.3,
                "noise": 0.1,
                "digits": 0,
            },
            {
                **entity,
                "metric": "cache.ops_per_sec",
                "unit": "{op}/s",
                "base": 8500 - 2000 * n,
                "amp": 0.45,
                "noise": 0.1,
                "digits": 0,
            },
            {**entity, "metric": "cache.latency_ms", "unit": "ms", "base": 0.35 + 0.1 * n, "noise": 0.3, "digits": 3},
        ]
    return rows


def _queue_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    rows = []
    incident = _incident_window_ms(plan, window, INCIDENT_MIN)
    for broker in plan.profile["brokers"]:
        entity = {
            "entity": plan.uid("broker", broker["name"]),
            "name": broker["name"],
            "engine": broker["engine"],
            **_tenancy(plan, 1),
        }
        for q_index, queue in enumerate(broker["queues"]):
            dlq = queue.endswith("dlq")
            spike = incident if q_index == 1 else {}
            q = {**entity, "queue": queue}
            rows += [
                {
                    **q,
                    "metric": "queue.depth",
                    "unit": "{message}",
                    "base": 45 if dlq else 120 + 40 * q_index,
                    "trend": 1.5 if dlq else 0,
                    "noise": 0.3,
                    "digits": 0,
                    **spike,
                    "spike_mult": 12.0,
                },
                {
                    **q,
                    "metric": "queue.consumer_lag",
                    "unit": "{message}",
                    "base": 0 if dlq else 35 + 10 * q_index,
                    "noise": 0.4,
                    "digits": 0,
                    **spike,
                    "spike_mult": 20.0,
                },
                {
                    **q,
                    "metric": "queue.publish_rate",
                    "unit": "{message}/s",
                    "base": 0.05 if dlq else 40 - 6 * q_index,
                    "amp": 0.45,
                    "noise": 0.1,
                    "digits": 2,
                },
                {
                    **q,
                    "metric": "queue.consume_rate",
                    "unit": "{message}/s",
                    "base": 0 if dlq else 39 - 6 * q_index,
                    "amp": 0.45,
                    "noise": 0.1,
                    "digits": 2,
                },
                {
                    **q,
                    "metric": "queue.oldest_message_age_s",
                    "unit": "s",
                    "base": 3600 if dlq else 2.5,
                    "noise": 0.3,
                    "digits": 1,
                    **spike,
                    "spike_mult": 40.0,
                },
            ]
    return rows


def _lb_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    rows = []
    incident = _incident_window_ms(plan, window, INCIDENT_MIN)
    for lb in plan.profile["load_balancers"]:
        entity = {
            "entity": plan.uid("lb", lb["name"]),
            "name": lb["name"],
            "provider": lb["provider"],
            **_tenancy(plan),
        }
        for t_index, group in enumerate(lb["target_groups"]):
            spike = incident if t_index == 1 else {}
            g = {**entity, "target_group": group}
            rows += [
                {
                    **g,
                    "metric": "lb.request_count",
                    "unit": "{request}/min",
                    "base": 6000 - 1500 * t_index,
                    "amp": 0.45,
                    "noise": 0.08,
                    "digits": 0,
                },
                {
                    **g,
                    "metric": "lb.target_response_time_ms",
                    "unit": "ms",
                    "base": 45 + 30 * t_index,
                    "noise": 0.2,
                    "digits": 2,
                    **spike,
                    "spike_mult": 4.0,
                },
                {
                    **g,
                    "metric": "lb.http_5xx_count",
                    "unit": "{response}/min",
                    "base": 1.5,
                    "noise": 0.8,
                    "digits": 0,
                    **spike,
                    "spike_mult": 60.0,
                },
                {**g, "metric": "lb.healthy_targets", "unit": "{target}", "base": 6, "noise": 0, "digits": 0},
                {**g, "metric": "lb.unhealthy_targets", "unit": "{target}", "base": 0, "noise": 0, "digits": 0},
                {
                    **g,
                    "metric": "lb.active_connections",
                    "unit": "{connection}",
                    "base": 900 - 200 * t_index,
                    "amp": 0.45,
                    "noise": 0.1,
                    "digits": 0,
                },
            ]
    return rows


def _databases(plan: OrgPlan, *types: str) -> list[dict[str, Any]]:
    return [db for db in plan.profile["databases"] if not types or db["type"] in types]


def _db_labels(db: dict[str, Any], flavor: str) -> str:
    import json

    return json.dumps({"flavor": flavor, "instance": db["name"], "version": db["version"]}, separators=(",", ":"))


def _mysql_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    rows = []
    incident = _incident_window_ms(plan, window, INCIDENT_MIN)
    for db in _databases(plan, "mysql", "mariadb", "percona"):
        flavor = db["type"]
        entity = {"entity": plan.uid("database", db["name"]), "labels": _db_labels(db, flavor), **_tenancy(plan)}
        spike = incident if db["name"] == plan.story.get("slow_query", {}).get("instance") else {}
        metrics = [
            ("db.mysql.connections.active", 60, 0.3, 0, {**spike, "spike_mult": 2.8}),
            ("db.mysql.connections.max_used", 140, 0, 0, {}),
            ("db.mysql.threads_running", 8, 0.3, 0, {**spike, "spike_mult": 4.0}),
            ("db.mysql.queries_per_sec", 2400, 0.45, 0, {}),
            ("db.mysql.slow_queries", 3, 0.2, 0, {**spike, "spike_mult": 6.0}),
            ("db.mysql.innodb.buffer_pool.hit_ratio", 99.2, 0, 0, {}),
            ("db.mysql.innodb.row_lock_waits", 4, 0.3, 0, {**spike, "spike_mult": 9.0}),
            ("db.mysql.innodb.deadlocks", 0.2, 0, 0, {**spike, "spike_mult": 15.0}),
            ("db.mysql.replication.lag_seconds", 0.4, 0, 0, {}),
            ("db.mysql.userstats.cpu_time", 55, 0.4, 0, {}),
            ("db.mysql.userstats.rows_read", 180000, 0.45, 0, {}),
            ("db.mysql.userstats.rows_written", 9000, 0.45, 0, {}),
        ]
        if flavor == "mariadb":
            metrics += [
                ("db.mysql.qcache.hit_ratio", 71, 0, 0, {}),
                ("db.mysql.aria.pagecache_blocks_used", 5200, 0, 0, {}),
                ("db.mysql.threadpool.threads", 24, 0.2, 0, {}),
                ("db.mysql.columnstore.disk_usage_pct", 37, 0, 0.01, {}),
                ("db.mysql.spider.direct_sql", 12, 0.3, 0, {}),
            ]
        if flavor == "percona":
            metrics += [
                ("db.mysql.query_response_time.p99_ms", 42, 0.2, 0, {}),
                ("db.mysql.pxc.cluster_size", 3, 0, 0, {}),
                ("db.mysql.pxc.flow_control_paused", 0.01, 0, 0, {}),
                ("db.mysql.threadpool.threads", 32, 0.2, 0, {}),
                ("db.mysql.xtrabackup.last_backup_age_h", 6, 0, 1.0, {}),
                ("db.mysql.audit.events", 150, 0.4, 0, {}),
            ]
        for metric, base, amp, trend, extra in metrics:
            rows.append(
                {
                    **entity,
                    "metric": metric,
                    "base": base,
                    "amp": amp,
                    "trend": trend,
                    "noise": 0.1,
                    "digits": 3,
                    **extra,
                }
            )
    return rows


def _mssql_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    rows = []
    for db in _databases(plan, "mssql"):
        entity = {"entity": plan.uid("database", db["name"]), "labels": _db_labels(db, "mssql"), **_tenancy(plan)}
        for metric, base, amp in (
            ("db.mssql.batch_requests_per_sec", 950, 0.45),
            ("db.mssql.page_life_expectancy", 2800, 0.1),
            ("db.mssql.buffer_cache_hit_ratio", 99.1, 0.0),
            ("db.mssql.user_connections", 210, 0.35),
            ("db.mssql.deadlocks_per_sec", 0.03, 0.0),
            ("db.mssql.sql_compilations_per_sec", 85, 0.4),
            ("db.mssql.memory_grants_pending", 0.2, 0.0),
            ("db.mssql.lock_waits_per_sec", 6, 0.4),
        ):
            rows.append({**entity, "metric": metric, "base": base, "amp": amp, "noise": 0.12, "digits": 3})
    return rows


def _timescale_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    rows = []
    for db in _databases(plan, "timescaledb"):
        entity = {"entity": plan.uid("database", db["name"]), "labels": _db_labels(db, "timescaledb"), **_tenancy(plan)}
        for metric, base, trend in (
            ("db.timescaledb.hypertable.count", 14, 0),
            ("db.timescaledb.chunks.count", 1860, 2.5),
            ("db.timescaledb.compression.ratio", 11.4, 0),
            ("db.timescaledb.hypertable.total_bytes", 3.8e11, 2.1e8),
            ("db.timescaledb.cagg.count", 6, 0),
            ("db.timescaledb.job.failures", 0.1, 0),
            ("db.timescaledb.retention.dropped_chunks", 2, 0),
        ):
            rows.append({**entity, "metric": metric, "base": base, "trend": trend, "noise": 0.01, "digits": 3})
    return rows


def _sqlite_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    rows = []
    for db in _databases(plan, "sqlite3"):
        entity = {"entity": plan.uid("database", db["name"]), "labels": _db_labels(db, "sqlite3"), **_tenancy(plan)}
        for metric, base, trend in (
            ("db.sqlite3.file.size_bytes", 7.4e8, 1.1e5),
            ("db.sqlite3.page.count", 180000, 27),
            ("db.sqlite3.page.freelist_count", 2200, 0),
            ("db.sqlite3.cache.hit_ratio", 97.8, 0),
            ("db.sqlite3.wal.frames", 2600, 0),
            ("db.sqlite3.busy.timeouts", 0.3, 0),
        ):
            rows.append({**entity, "metric": metric, "base": base, "trend": trend, "noise": 0.03, "digits": 3})
    return rows


def _aurora_instances(plan: OrgPlan, db: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(instance identifier, role, availability zone) of an Aurora cluster: one writer, two readers."""
    base = db["name"]
    region = plan.profile["region"]["code"]
    return [
        (f"{base}-instance-1", "writer", f"{region}a"),
        (f"{base}-instance-2", "reader", f"{region}b"),
        (f"{base}-instance-3", "reader", f"{region}c"),
    ]


def _aurora_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    rows = []
    for db in _databases(plan, "aurora-mysql", "aurora-postgresql"):
        for instance, role, _zone in _aurora_instances(plan, db):
            entity = {"cluster": db["name"], "name": instance, **_tenancy(plan)}
            writer = role == "writer"
            for metric, base, amp in (
                ("CPUUtilization", 46 if writer else 21, 0.35),
                ("DatabaseConnections", 320 if writer else 140, 0.35),
                ("FreeableMemory", 9.5e9, 0.0),
                ("CommitLatency", 2.4 if writer else 0.0, 0.1),
                ("Deadlocks", 0.05 if writer else 0.0, 0.0),
                ("ServerlessDatabaseCapacity", 12 if writer else 6, 0.3),
                ("AuroraReplicaLag", 0.0 if writer else 18.0, 0.2),
            ):
                rows.append({**entity, "metric": metric, "base": base, "amp": amp, "noise": 0.1, "digits": 3})
    return rows


def _engine_metric_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    """Engine metrics that TFO reads from the metrics table (db.postgresql.*, db.mongodb.*, db.aurora.*)."""
    rows = []
    incident = _incident_window_ms(plan, window, INCIDENT_MIN)
    for db in plan.profile["databases"]:
        kind = db["type"]
        entity = {"name": db["name"], "host": db["host"], "system": kind, **_tenancy(plan)}
        replica = db.get("role") == "replica"
        metrics: list[tuple[str, str, str, float, float]] = []
        if kind == "postgresql":
            metrics = [
                ("db.postgresql.connections.active", "gauge", "{connection}", 45, 0.3),
                ("db.postgresql.connections.max", "gauge", "{connection}", 200, 0.0),
                ("db.postgresql.transactions.committed", "counter", "{transaction}", 5200, 0.45),
                ("db.postgresql.transactions.rolled_back", "counter", "{transaction}", 14, 0.4),
                ("db.postgresql.cache.hit_ratio", "gauge", "%", 98.7, 0.0),
                ("db.postgresql.locks.waiting", "gauge", "{lock}", 1.5, 0.3),
                ("db.postgresql.deadlocks", "counter", "{deadlock}", 0.05, 0.0),
                ("db.postgresql.replication.lag_seconds", "gauge", "s", 2.2 if replica else 0.0, 0.2),
                ("db.postgresql.database.size_bytes", "gauge", "By", 4.2e11, 0.0),
                ("db.postgresql.temp_bytes", "counter", "By", 3.1e7, 0.4),
            ]
        elif kind == "mongodb":
            metrics = [
                ("db.mongodb.connections.current", "gauge", "{connection}", 310, 0.3),
                ("db.mongodb.opcounters.query", "counter", "{operation}", 2600, 0.45),
                ("db.mongodb.opcounters.insert", "counter", "{operation}", 420, 0.45),
                ("db.mongodb.replication.lag_seconds", "gauge", "s", 0.8, 0.2),
                ("db.mongodb.wiredtiger.cache.used_pct", "gauge", "%", 74, 0.05),
            ]
            if db.get("provider") == "atlas":
                metrics += [
                    ("db.mongodb_atlas.cluster.cpu_pct", "gauge", "%", 41, 0.35),
                    ("db.mongodb_atlas.disk.iops", "gauge", "{operation}/s", 900, 0.4),
                ]
        elif kind.startswith("aurora"):
            metrics = [
                ("db.aurora.cpu.utilization", "gauge", "%", 44, 0.35),
                ("db.aurora.connections", "gauge", "{connection}", 320, 0.35),
                ("db.aurora.replica_lag_ms", "gauge", "ms", 18, 0.2),
            ]
        elif kind == "clickhouse":
            metrics = [
                ("db.clickhouse.queries_per_sec", "gauge", "{query}/s", 120, 0.45),
                ("db.clickhouse.parts.active", "gauge", "{part}", 2400, 0.0),
                ("db.clickhouse.merges.running", "gauge", "{merge}", 3, 0.3),
            ]
        for metric, mtype, unit, base, amp in metrics:
            spike = {}
            if "connections" in metric and db["name"] == plan.story.get("slow_query_pg"):
                spike = {**incident, "spike_mult": 2.5}
            rows.append(
                {
                    **entity,
                    "metric": metric,
                    "type": mtype,
                    "unit": unit,
                    "base": base,
                    "amp": amp,
                    "noise": 0.08,
                    "digits": 3,
                    **spike,
                }
            )
    return rows


def _monitor_id(plan: OrgPlan, name: str) -> str:
    return plan.uid("monitor", name)


async def _gen_uptime(writer: _Writer, plan: OrgPlan) -> None:
    window = writer.window
    monitors = plan.profile["monitors"]
    outage = plan.story.get("outage_monitor") if plan.incident else None
    out_from = [window.offset_ms(window.ago(OUTAGE_MIN[0])) if m["name"] == outage else -1 for m in monitors]
    out_to = [window.offset_ms(window.ago(OUTAGE_MIN[1])) if m["name"] == outage else -1 for m in monitors]
    series = len(monitors) * len(UPTIME_REGIONS)
    points = max(1, window.total_ms // SERIES_STEP_MS)
    per_chunk = max(1, CHUNK_ROWS // series)
    prefix = plan.profile["public_ip_prefix"]
    params = {
        "org_id": plan.id,
        "org_idx": plan.index,
        "start": _naive(window.start),
        "series": series,
        "step_ms": SERIES_STEP_MS,
        "timeout_ms": 10000,
        "regions": list(UPTIME_REGIONS),
        "region_factor": list(UPTIME_REGION_FACTOR),
        "mon_ids": [_monitor_id(plan, m["name"]) for m in monitors],
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


def _network_nodes(plan: OrgPlan) -> list[dict[str, Any]]:
    """Network-map nodes: hosts, load balancers, firewall, DNS resolver, core router, the internet."""
    profile = plan.profile
    net = profile["network"]
    ip = profile["ip_prefix"]
    nodes = []
    for n, host in enumerate(profile["hosts"]):
        kind = "database" if host["role"] == "database" else "host"
        nodes.append(
            {
                "name": host["name"],
                "type": kind,
                "ip": f"{ip}.1.{10 + n}",
                "cpu": host["cpu"],
                "mem": host["mem"],
                "disk": host["disk"],
                "net": 2e6 * host["cores"],
                "conns": 40 + 8 * host["cores"],
            }
        )
    for n, lb in enumerate(profile["load_balancers"]):
        nodes.append(
            {
                "name": lb["name"],
                "type": "load_balancer",
                "ip": f"{ip}.0.{20 + n}",
                "cpu": 18,
                "mem": 31,
                "disk": 12,
                "net": 4.5e7,
                "conns": 2400,
            }
        )
    nodes.append(
        {
            "name": net["firewall"],
            "type": "firewall",
            "ip": f"{ip}.0.2",
            "cpu": 24,
            "mem": 40,
            "disk": 18,
            "net": 6e7,
            "conns": 5200,
        }
    )
    nodes.append(
        {
            "name": net["dns"],
            "type": "dns",
            "ip": f"{ip}.0.53",
            "cpu": 7,
            "mem": 22,
            "disk": 15,
            "net": 2e6,
            "conns": 300,
        }
    )
    nodes.append(
        {
            "name": net["router"],
            "type": "router",
            "ip": f"{ip}.0.1",
            "cpu": 15,
            "mem": 28,
            "disk": 9,
            "net": 9e7,
            "conns": 8000,
        }
    )
    nodes.append(
        {
            "name": f"{profile['code']}-internet",
            "type": "external",
            "ip": "0.0.0.0",
            "cpu": 0,
            "mem": 0,
            "disk": 0,
            "net": 6e7,
            "conns": 0,
        }
    )
    for node in nodes:
        node["id"] = plan.uid("netnode", node["name"])
    return nodes


def _network_connections(plan: OrgPlan, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_type: dict[str, list[dict[str, Any]]] = {}
    for node in nodes:
        by_type.setdefault(node["type"], []).append(node)
    net = plan.profile["network"]
    by_name = {node["name"]: node for node in nodes}
    router, firewall, dns = by_name[net["router"]], by_name[net["firewall"]], by_name[net["dns"]]
    internet = by_type["external"][0]
    edges = [(internet, firewall, "https", 443, 18.0, 0.05, 900.0), (dns, router, "dns", 53, 0.4, 0.01, 40.0)]
    edges += [(firewall, lb, "https", 443, 0.8, 0.02, 600.0) for lb in by_type.get("load_balancer", [])]
    edges += [(lb, router, "tcp", 8080, 0.3, 0.01, 500.0) for lb in by_type.get("load_balancer", [])]
    for node in by_type.get("host", []) + by_type.get("database", []):
        edges.append((router, node, "tcp", 5432 if node["type"] == "database" else 22, 0.25, 0.02, 300.0))
    lossy = tuple(plan.story.get("lossy_link") or ()) if plan.incident else ()
    out = []
    for src, dst, protocol, port, latency, loss, bandwidth in edges:
        is_lossy = (src["name"], dst["name"]) == lossy
        out.append(
            {
                "id": plan.uid("netconn", src["name"], dst["name"]),
                "src": src,
                "dst": dst,
                "protocol": protocol,
                "port": port,
                "latency": latency,
                "loss": 1.8 if is_lossy else loss,
                "bandwidth": bandwidth,
                "lossy": is_lossy,
            }
        )
    return out


async def _gen_network(writer: _Writer, plan: OrgPlan) -> None:
    window = writer.window
    nodes = _network_nodes(plan)
    connections = _network_connections(plan, nodes)
    saturated = plan.story.get("saturated_host") if plan.incident else None
    hours = window.total_ms / 3_600_000
    disk_trend = [SATURATED_DISK_TREND_PER_HOUR if n["name"] == saturated else 0.0 for n in nodes]
    disk_base = [
        SATURATED_DISK_START + max(0.0, 24 - hours) * SATURATED_DISK_TREND_PER_HOUR
        if n["name"] == saturated
        else n["disk"]
        for n in nodes
    ]
    incident = _incident_window_ms(plan, window, INCIDENT_MIN)
    gateway_lb = plan.profile["load_balancers"][0]["name"] if plan.profile["load_balancers"] else None
    points = max(1, window.total_ms // SERIES_STEP_MS)
    ws, tenant = plan.workspaces[-1]["id"], plan.workspaces[-1]["tenant_id"]
    node_params = {
        "org_id": plan.id,
        "org_idx": plan.index,
        "start": _naive(window.start),
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
        "start": _naive(window.start),
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


# --------------------------------------------------------------------------- ClickHouse: event rows from Python


def _every(window: Window, minutes: float, offset: float = 0.0) -> list[datetime]:
    """Instants every ``minutes`` from the window start (plus ``offset`` minutes) up to now (exclusive)."""
    out, moment = [], window.start + timedelta(minutes=offset)
    step = timedelta(minutes=minutes)
    while moment < window.now:
        out.append(moment)
        moment += step
    return out


def _users(plan: OrgPlan) -> list[dict[str, Any]]:
    profile = plan.profile
    out = []
    for n, user in enumerate(profile["users"]):
        email = _user_email(profile, user)
        out.append(
            {
                "id": plan.uid("user", email),
                "email": email,
                "first": user["first"],
                "last": user["last"],
                "role": user["role"],
                "ip": f"{profile['ip_prefix']}.8.{20 + n}",
                "index": n,
            }
        )
    return out


def _region_id(plan: OrgPlan) -> str:
    return _uid("region", plan.profile["region"]["code"])


_USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0 Safari/537.36",
    "tfo-cli/2.3.1 (linux; amd64)",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
)
_AUDIT_ACTIONS = (
    ("AUTH", "login", "session", "POST", "/api/v1/auth/login"),
    ("AUTH", "logout", "session", "POST", "/api/v1/auth/logout"),
    ("AUTH", "token.refresh", "session", "POST", "/api/v1/auth/refresh"),
    ("DATA", "dashboard.view", "dashboard", "GET", "/api/v1/dashboards/{id}"),
    ("DATA", "query.run", "query", "POST", "/api/v1/query"),
    ("DATA", "alert_rule.update", "alert_rule", "PUT", "/api/v1/alert-rules/{id}"),
    ("DATA", "report.download", "report", "GET", "/api/v1/reports/{id}/download"),
    ("AUTHZ", "permission.check", "workspace", "GET", "/api/v1/workspaces/{id}"),
    ("SYSTEM", "api_key.use", "api_key", "POST", "/api/v1/ingest"),
    ("SYSTEM", "retention.enforce", "retention_policy", "POST", "/internal/retention/run"),
)

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


def _audit_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    import json

    users = _users(plan)
    ws = plan.workspaces[0]
    rows = []

    def add(
        moment: datetime,
        user: dict[str, Any],
        event: tuple[str, str, str, str, str],
        result: str = "SUCCESS",
        error: str = "",
        code: str = "",
        ip: str | None = None,
        meta: dict[str, Any] | None = None,
        resource_id: str = "",
    ) -> None:
        event_type, action, resource, method, path = event
        rid = resource_id or plan.uid(resource, rng.randint(1, 40))
        rows.append(
            (
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
                _region_id(plan),
                plan.uid("session", user["email"], moment.date()),
                uuid.UUID(int=rng.getrandbits(128)).hex,
                rng.randint(3, 400),
            )
        )

    for moment in _every(window, 3, offset=rng.random() * 3):
        user = rng.choice(users)
        event = rng.choice(_AUDIT_ACTIONS)
        jitter = timedelta(seconds=rng.randint(0, 170))
        result, error, code = "SUCCESS", "", ""
        roll = rng.random()
        if event[1] == "login" and roll < 0.08:
            result, error, code = "FAILURE", "invalid credentials", "AUTH_INVALID_CREDENTIALS"
        elif event[0] == "AUTHZ" and roll < 0.1:
            result, error, code = "DENIED", "missing permission workspace:admin", "AUTHZ_FORBIDDEN"
        add(window.clamp(moment + jitter), user, event, result, error, code)
    if plan.incident:
        story = plan.story
        victim = next(u for u in users if f"{u['first']} {u['last']}" == story["targeted_user"])
        start, end = window.ago(FAILED_LOGINS_MIN[0]), window.ago(FAILED_LOGINS_MIN[1])
        span = (end - start).total_seconds()
        for n in range(int(story["failed_logins"])):
            moment = start + timedelta(seconds=span * n / story["failed_logins"] + rng.random())
            add(
                moment,
                victim,
                _AUDIT_ACTIONS[0],
                "FAILURE",
                "invalid credentials",
                "AUTH_INVALID_CREDENTIALS",
                ip=story["attacker_ip"],
                meta={"attempt": n + 1, "mfa": False},
            )
        for n in range(2):
            add(
                window.ago(FAILED_LOGINS_MIN[1] - 1 - n),
                victim,
                ("AUTHZ", "permission.check", "api_key", "POST", "/api/v1/api-keys"),
                "DENIED",
                "account locked after repeated failures",
                "AUTH_ACCOUNT_LOCKED",
                ip=story["attacker_ip"],
            )
        author = next((u for u in users if f"{u['first']} {u['last']}" == story["deploy_author"]), users[0])
        service = plan.service(story["incident_service"])
        assert service is not None
        add(
            window.ago(DEPLOY_MIN),
            author,
            (
                "SYSTEM",
                "deployment.update",
                "kubernetes.deployment",
                "PATCH",
                f"/api/v1/clusters/{plan.profile['clusters'][0]['name']}/deployments/{service.name}",
            ),
            meta={
                "image": f"registry.{plan.profile['domain']}/{service.name}:{story['deploy_version']}",
                "previous": story["previous_version"],
                "revision": story["deploy_revision"],
            },
            resource_id=plan.uid("deployment", service.name),
        )
        responder = next((u for u in users if u["role"] == "sre"), users[0])
        add(
            window.ago(30),
            responder,
            ("DATA", "alert.acknowledge", "alert_instance", "POST", "/api/v1/alerts/{id}/acknowledge"),
            meta={"comment": "looking into checkout errors"},
        )
    rows.sort(key=lambda row: row[0])
    return rows


K8S_EVENT_COLUMNS = [
    "timestamp",
    "cluster_id",
    "organization_id",
    "workspace_id",
    "tenant_id",
    "namespace",
    "type",
    "reason",
    "message",
    "source",
    "involved_kind",
    "involved_name",
    "count",
    "first_timestamp",
    "last_timestamp",
]


def _k8s_event_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    rows = []
    ws = plan.workspaces[-1]
    prod = plan.profile["clusters"][0]
    cid = plan.cluster_ids[prod["name"]]

    def add(
        moment: datetime,
        namespace: str,
        kind: str,
        reason: str,
        message: str,
        source: str,
        obj_kind: str,
        obj_name: str,
        count: int = 1,
        first: datetime | None = None,
        cluster_id: str = cid,
    ) -> None:
        rows.append(
            (
                moment,
                cluster_id,
                plan.id,
                ws["id"],
                ws["tenant_id"],
                namespace,
                kind,
                reason,
                message,
                source,
                obj_kind,
                obj_name,
                count,
                first or moment,
                moment,
            )
        )

    for moment in _every(window, 12, offset=rng.random() * 12):
        service = rng.choice(plan.services)
        pod = rng.choice(service.pods)
        reason, message = rng.choice(
            (
                (
                    "Pulled",
                    f'Container image "registry.{plan.profile["domain"]}/{service.name}:{service.version}" already present on machine',
                ),
                ("Started", f"Started container {service.name}"),
                (
                    "Scheduled",
                    f"Successfully assigned {service.namespace}/{pod} to {_node_name(prod, rng.randrange(prod['nodes']))}",
                ),
                ("SuccessfulCreate", f"Created pod: {pod}"),
            )
        )
        add(moment, service.namespace, "Normal", reason, message, "kubelet", "Pod", pod)
    for cluster in plan.profile["clusters"]:
        for moment in _every(window, 240, offset=37):
            add(
                moment,
                "kube-system",
                "Normal",
                "LeaderElection",
                "kube-controller-manager became leader",
                "kube-controller-manager",
                "Lease",
                "kube-controller-manager",
                cluster_id=plan.cluster_ids[cluster["name"]],
            )
    if plan.incident:
        story = plan.story
        extras = _extra_workloads(plan)
        crash = next(e for e in extras if e["kind"] == "crashloop")
        failed = next(e for e in extras if e["kind"] == "failed")
        first = window.clamp(window.ago(180))
        count = 0
        for moment in _every(window, 5):
            if moment < first:
                continue
            count += 1
            add(
                moment,
                crash["namespace"],
                "Warning",
                "BackOff",
                f"Back-off restarting failed container mailer in pod {crash['pod']}",
                "kubelet",
                "Pod",
                crash["pod"],
                count=count,
                first=first,
            )
        add(
            window.ago(170),
            crash["namespace"],
            "Warning",
            "Failed",
            "Error: failed to start container mailer: SMTP_RELAY_URL not set",
            "kubelet",
            "Pod",
            crash["pod"],
        )
        add(
            window.clamp(window.ago(130)),
            failed["namespace"],
            "Warning",
            "OOMKilling",
            f"Memory cgroup out of memory: Killed process 4121 (java) in pod {failed['pod']}",
            "kernel-monitor",
            "Pod",
            failed["pod"],
        )
        service = plan.service(story["incident_service"])
        assert service is not None
        old_rs = _k8s_suffix(random.Random(f"oldrs/{plan.index}"), 10)
        deploy = window.ago(DEPLOY_MIN)
        add(
            deploy,
            service.namespace,
            "Normal",
            "ScalingReplicaSet",
            f"Scaled up replica set {service.name}-{service.replicaset} to {plan.instances}",
            "deployment-controller",
            "Deployment",
            service.name,
        )
        add(
            deploy + timedelta(seconds=50),
            service.namespace,
            "Normal",
            "ScalingReplicaSet",
            f"Scaled down replica set {service.name}-{old_rs} to 0 from {plan.instances}",
            "deployment-controller",
            "Deployment",
            service.name,
        )
        for pod in service.pods:
            add(
                deploy + timedelta(seconds=20),
                service.namespace,
                "Normal",
                "Pulled",
                f'Successfully pulled image "registry.{plan.profile["domain"]}/{service.name}:{story["deploy_version"]}" in 3.2s',
                "kubelet",
                "Pod",
                pod,
            )
            add(
                window.ago(INCIDENT_MIN[0] - 2),
                service.namespace,
                "Warning",
                "Unhealthy",
                "Readiness probe failed: HTTP probe failed with statuscode: 503",
                "kubelet",
                "Pod",
                pod,
                count=7,
                first=window.ago(INCIDENT_MIN[0]),
            )
    rows.sort(key=lambda row: row[0])
    return rows


CHANGE_COLUMNS = [
    "timestamp",
    "change_id",
    "change_type",
    "source",
    "service_name",
    "environment",
    "cluster_id",
    "namespace",
    "version",
    "previous_version",
    "author",
    "title",
    "description",
    "status",
    "risk",
    "metadata",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _change_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    users = _users(plan)
    prod = plan.profile["clusters"][0]
    cid = plan.cluster_ids[prod["name"]]
    rows = []

    def add(
        moment: datetime,
        kind: str,
        source: str,
        service: Service | None,
        version: str,
        previous: str,
        author: str,
        title: str,
        description: str,
        status: str = "succeeded",
        risk: str = "low",
        meta: dict[str, str] | None = None,
    ) -> None:
        ws = (
            plan.workspaces[0]
            if service is None
            else next(w for w in plan.workspaces if w["id"] == service.workspace_id)
        )
        rows.append(
            (
                moment,
                plan.uid("change", moment.isoformat(), title),
                kind,
                source,
                service.name if service else "",
                "production",
                cid,
                service.namespace if service else "",
                version,
                previous,
                author,
                title,
                description,
                status,
                risk,
                meta or {},
                plan.id,
                ws["id"],
                ws["tenant_id"],
            )
        )

    for moment in _every(window, 150, offset=rng.random() * 60):
        service = rng.choice(plan.services)
        author = rng.choice(users)
        roll = rng.random()
        if roll < 0.55:
            previous = service.version
            version = previous.rsplit(".", 1)[0] + f".{int(previous.rsplit('.', 1)[1]) + 1}"
            add(
                moment,
                "deployment",
                "argocd",
                service,
                version,
                previous,
                f"{author['first']} {author['last']}",
                f"Deploy {service.name} {version}",
                f"Rolling update of {service.name} to {version}",
                meta={"commit": uuid.UUID(int=rng.getrandbits(128)).hex[:12]},
            )
        elif roll < 0.8:
            add(
                moment,
                "config",
                "github-actions",
                service,
                "",
                "",
                f"{author['first']} {author['last']}",
                f"Update {service.name} configuration",
                "Raised connection pool timeout from 2s to 3s",
                risk="medium",
            )
        else:
            add(
                moment,
                "scaling",
                "kubernetes",
                service,
                "",
                "",
                "horizontal-pod-autoscaler",
                f"Scale {service.name} to {plan.instances + 1} replicas",
                "CPU above target for 3 minutes",
            )
    lead = users[min(2, len(users) - 1)]
    flag_service = plan.services[min(3, len(plan.services) - 1)]
    add(
        window.ago(15 + 3 * plan.index),
        "feature_flag",
        "launchdarkly",
        flag_service,
        "",
        "",
        f"{lead['first']} {lead['last']}",
        f"Enable flag {flag_service.name}-fast-path for 25% of traffic",
        "Progressive rollout of the fast path",
        risk="low",
    )
    add(
        window.ago(200),
        "infrastructure",
        "terraform",
        None,
        "",
        "",
        "terraform-cloud",
        "Resize node pool to " + prod.get("instance_type", "standard"),
        "Node pool instance type change",
        risk="medium",
    )
    if plan.incident:
        story = plan.story
        service = plan.service(story["incident_service"])
        assert service is not None
        add(
            window.ago(DEPLOY_MIN),
            "deployment",
            "argocd",
            service,
            story["deploy_version"],
            story["previous_version"],
            story["deploy_author"],
            f"Deploy {service.name} {story['deploy_version']}",
            "New payment retry policy: PSP timeout lowered to 3000 ms, retries disabled",
            risk="high",
            meta={
                "revision": str(story["deploy_revision"]),
                "image_tag": story["deploy_version"],
                "pull_request": "#4821",
            },
        )
    rows.sort(key=lambda row: row[0])
    return rows


ANOMALY_COLUMNS = [
    "timestamp",
    "anomaly_id",
    "organization_id",
    "workspace_id",
    "tenant_id",
    "detection_rule_id",
    "service_name",
    "metric_name",
    "signal_type",
    "severity",
    "anomaly_score",
    "z_score",
    "sigma_level",
    "observed_value",
    "expected_value",
    "description",
]


def _anomaly_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    ws = plan.workspaces[0]
    rows = []

    def add(
        moment: datetime,
        service: str,
        metric: str,
        signal: str,
        severity: str,
        z: float,
        observed: float,
        expected: float,
        description: str,
    ) -> None:
        score = round(min(1.0, abs(z) / 10), 3)
        rows.append(
            (
                moment.replace(microsecond=0),
                plan.uid("anomaly", moment.isoformat(), metric),
                plan.id,
                ws["id"],
                ws["tenant_id"],
                plan.uid("detector", signal, metric),
                service,
                metric,
                signal,
                severity,
                score,
                round(z, 2),
                round(abs(z), 1),
                round(observed, 3),
                round(expected, 3),
                description,
            )
        )

    for moment in _every(window, 110, offset=rng.random() * 110):
        service = rng.choice(plan.services)
        z = rng.uniform(3.1, 4.6)
        expected = service.latency_ms
        add(
            moment,
            service.name,
            "http.server.duration",
            "metric",
            "warning",
            z,
            expected * (1 + z / 5),
            expected,
            f"{service.name} latency {z:.1f} sigma above its 7-day baseline",
        )
    service = plan.services[-1]
    add(
        window.ago(8 + plan.index),
        service.name,
        "process.cpu.utilization",
        "metric",
        "warning",
        3.4,
        61.0,
        38.0,
        f"{service.name} CPU above its daily pattern",
    )
    if plan.incident:
        story = plan.story
        inc, down = story["incident_service"], story["incident_downstream"]
        add(
            window.ago(37),
            inc,
            "http.server.error.count",
            "metric",
            "critical",
            8.4,
            31.5,
            0.4,
            f"{inc} error rate jumped from 0.4% to 31.5% (8.4 sigma) two minutes after deploy {story['deploy_version']}",
        )
        add(
            window.ago(36),
            down,
            "http.server.duration",
            "metric",
            "critical",
            6.9,
            3120.0,
            118.0,
            f"{down} p99 latency 3.1 s against a 118 ms baseline",
        )
        add(
            window.ago(35),
            inc,
            "log.error.rate",
            "log",
            "critical",
            7.7,
            412.0,
            6.0,
            f"{inc} ERROR logs at 412/min ('PaymentGatewayTimeout') against a baseline of 6/min",
        )
        add(
            window.ago(34),
            "api-gateway",
            "http.server.error.count",
            "trace",
            "warning",
            4.2,
            9.8,
            0.2,
            "api-gateway 5xx share up on /api/checkout",
        )
        add(
            window.ago(10),
            story["saturated_host"],
            "system.disk.used_percent",
            "metric",
            "warning",
            3.6,
            94.5,
            71.0,
            f"{story['saturated_host']} disk usage above 94% and rising 0.15 points per hour",
        )
    rows.sort(key=lambda row: row[0])
    return rows


PREDICTION_COLUMNS = [
    "timestamp",
    "prediction_id",
    "organization_id",
    "workspace_id",
    "tenant_id",
    "resource_type",
    "resource_identifier",
    "horizon",
    "failure_probability",
    "health_score",
    "health_status",
    "predicted_metric",
    "current_value",
    "predicted_value",
    "model",
    "r_squared",
    "reason",
]
_HORIZONS = (("1h", 0.08), ("6h", 0.45), ("24h", 1.0), ("7d", 1.12))


def _health_status(probability: float) -> str:
    if probability >= 0.8:
        return "critical"
    if probability >= 0.6:
        return "failing"
    if probability >= 0.3:
        return "degraded"
    return "healthy"


def _prediction_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    ws = plan.workspaces[-1]
    saturated = plan.story.get("saturated_host") if plan.incident else None
    hot = plan.story.get("hot_host")
    leaking = _leaking_service(plan) if plan.incident else None
    resources: list[tuple[str, str, str, float, float, float]] = []
    for host in plan.profile["hosts"]:
        risk = 0.87 if host["name"] == saturated else (0.36 if host["name"] == hot else 0.03 + host["disk"] / 2000)
        metric, current = ("system.disk.used_percent", float(host["disk"]))
        if host["name"] == saturated:
            current = 94.5
        if host["name"] == hot:
            metric, current = ("system.cpu.utilization", float(host["cpu"]))
        resources.append(("host", host["name"], metric, risk, current, 100.0))
    for service in plan.services:
        risk = 0.74 if service.name == leaking else 0.02 + service.errors * 5
        metric = "process.memory.usage" if service.name == leaking else "http.server.error.count"
        resources.append(("service", service.name, metric, risk, 380 + 6 * service.latency_ms, 0.0))
    for db in plan.profile["databases"]:
        resources.append(("database", db["name"], "connections.active", 0.05, 60.0, 200.0))
    rows = []
    runs = _every(window, 60, offset=max(0.0, window.total_ms / 60000 - 5) % 60)
    for run in runs:
        for rtype, name, metric, risk, current, limit in resources:
            for horizon, factor in _HORIZONS:
                probability = round(min(0.99, risk * factor * rng.uniform(0.95, 1.05)), 3)
                predicted = current + (limit - current) * probability if limit else current * (1 + probability)
                rows.append(
                    (
                        run,
                        plan.uid("prediction", run.isoformat(), name, horizon),
                        plan.id,
                        ws["id"],
                        ws["tenant_id"],
                        rtype,
                        name,
                        horizon,
                        probability,
                        round(100 * (1 - probability), 1),
                        _health_status(probability),
                        metric,
                        round(current, 3),
                        round(predicted, 3),
                        "holt-winters" if rtype == "host" else "linear-regression",
                        round(rng.uniform(0.72, 0.97), 3),
                        f"{metric} trend extrapolated over {horizon}",
                    )
                )
    return rows


SIGNAL_COLUMNS = [
    "timestamp",
    "correlation_id",
    "correlation_type",
    "service_name",
    "metric_name",
    "log_pattern",
    "trace_id",
    "confidence",
    "context",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _signal_rows(plan: OrgPlan, window: Window, rng: random.Random, trace_ids: list[str]) -> list[tuple[Any, ...]]:
    import json

    ws = plan.workspaces[0]
    rows = []

    def add(
        moment: datetime,
        kind: str,
        service: str,
        metric: str,
        pattern: str,
        trace_id: str,
        confidence: float,
        context: dict[str, Any],
    ) -> None:
        rows.append(
            (
                moment,
                plan.uid("correlation", moment.isoformat(), kind, service),
                kind,
                service,
                metric,
                pattern,
                trace_id,
                confidence,
                json.dumps(context),
                plan.id,
                ws["id"],
                ws["tenant_id"],
            )
        )

    for moment in _every(window, 30, offset=rng.random() * 30):
        service = rng.choice(plan.services)
        kind = rng.choice(("metric-log", "metric-trace", "log-trace"))
        add(
            moment,
            kind,
            service.name,
            "http.server.duration",
            "slow call to * (threshold 500 ms)",
            "",
            round(rng.uniform(0.55, 0.8), 3),
            {"window_s": 300, "lag_s": rng.randint(0, 60)},
        )
    if plan.incident:
        story = plan.story
        inc = story["incident_service"]
        ids = trace_ids or [""]
        add(
            window.ago(36),
            "deploy-error",
            inc,
            "http.server.error.count",
            "",
            "",
            0.93,
            {"change": f"Deploy {inc} {story['deploy_version']}", "lag_s": 420},
        )
        for n in range(6):
            add(
                window.ago(35 - n * 2),
                "metric-log",
                inc,
                "http.server.error.count",
                "PaymentGatewayTimeout: *",
                ids[n % len(ids)],
                0.91,
                {"log_count": 380 + 7 * n},
            )
            add(
                window.ago(34 - n * 2),
                "log-trace",
                story["incident_downstream"],
                "http.server.duration",
                "PaymentGatewayTimeout: *",
                ids[(n + 1) % len(ids)],
                0.88,
                {"span": "POST /payments/authorize"},
            )
    rows.sort(key=lambda row: row[0])
    return rows


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
_THREATS = (
    ("waf", "sql_injection", "medium", "SQL injection attempt blocked", "initial-access", "T1190", "blocked"),
    ("waf", "xss", "low", "Cross-site scripting payload blocked", "initial-access", "T1189", "blocked"),
    ("ids", "port_scan", "low", "Horizontal port scan detected", "reconnaissance", "T1046", "alerted"),
    (
        "ids",
        "policy_violation",
        "info",
        "Plain-text protocol on internal network",
        "defense-evasion",
        "T1071",
        "alerted",
    ),
    ("edr", "malware", "high", "Suspicious binary quarantined on build host", "execution", "T1204", "quarantined"),
    (
        "cloudtrail",
        "privilege_escalation",
        "medium",
        "IAM policy widened outside change window",
        "privilege-escalation",
        "T1098",
        "alerted",
    ),
)


def _security_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    ws = plan.workspaces[0]
    users = _users(plan)
    nodes = {n["name"]: n for n in _network_nodes(plan)}
    firewall = nodes[plan.profile["network"]["firewall"]]
    lbs = [n for n in nodes.values() if n["type"] == "load_balancer"] or [firewall]
    prefix = plan.profile["public_ip_prefix"]
    rows = []

    def add(
        moment: datetime,
        threat: tuple[str, ...],
        src: str,
        target: dict[str, Any],
        user_id: str = "",
        status: str = "resolved",
        score: float | None = None,
        title: str | None = None,
        description: str = "",
    ) -> None:
        source, category, severity, default_title, tactic, technique, action = threat
        rows.append(
            (
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
        )

    for moment in _every(window, 25, offset=rng.random() * 25):
        threat = rng.choice(_THREATS)
        add(moment, threat, f"{prefix}.{rng.randint(100, 250)}", rng.choice(lbs))
    add(window.ago(12 + plan.index), _THREATS[2], f"{prefix}.{231 + plan.index}", firewall, status="open")
    if plan.incident:
        story = plan.story
        victim = next(u for u in users if f"{u['first']} {u['last']}" == story["targeted_user"])
        brute = (
            "auth",
            "brute_force",
            "critical",
            "Credential stuffing against the storefront login",
            "credential-access",
            "T1110.004",
            "blocked",
        )
        add(
            window.ago(FAILED_LOGINS_MIN[0] - 2),
            brute,
            story["attacker_ip"],
            lbs[0],
            user_id=victim["id"],
            status="investigating",
            score=92.0,
            description=f"{story['failed_logins']} failed logins for {victim['email']} from {story['attacker_ip']} "
            "in 6 minutes; source IP now blocked at the edge",
        )
        add(
            window.ago(FAILED_LOGINS_MIN[0] + 3),
            _THREATS[2],
            story["attacker_ip"],
            firewall,
            status="investigating",
            score=64.0,
        )
    rows.sort(key=lambda row: row[0])
    return rows


DNS_COLUMNS = [
    "timestamp",
    "node_id",
    "resolver",
    "client_ip",
    "client_name",
    "query_name",
    "query_type",
    "response_code",
    "latency_ms",
    "answer_count",
    "cached",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _dns_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    profile = plan.profile
    net = profile["network"]
    nodes = {n["name"]: n for n in _network_nodes(plan)}
    resolver = nodes[net["dns"]]
    clients = [n for n in nodes.values() if n["type"] in ("host", "database")]
    internal = [f"{s.name}.{s.namespace}.svc.{net['internal_domain']}" for s in plan.services]
    external = list(net["external_domains"])
    ws = plan.workspaces[-1]
    incident = (window.ago(INCIDENT_MIN[0]), window.ago(INCIDENT_MIN[1])) if plan.incident else None
    rows = []
    for moment in _every(window, 0.25):
        client = rng.choice(clients)
        name = rng.choice(external) if rng.random() < 0.3 else rng.choice(internal)
        roll = rng.random()
        in_incident = incident is not None and incident[0] <= moment < incident[1] and name == external[0]
        if in_incident and roll < 0.4:
            code = "SERVFAIL"
        elif roll < 0.03:
            code, name = "NXDOMAIN", f"legacy-{rng.choice(internal)}"
        elif roll < 0.035:
            code = "TIMEOUT"
        else:
            code = "NOERROR"
        cached = int(code == "NOERROR" and rng.random() < 0.6)
        latency = 0.2 if cached else (2000.0 if code == "TIMEOUT" else round(rng.lognormvariate(1.6, 0.6), 3))
        rows.append(
            (
                moment + timedelta(milliseconds=rng.randint(0, 14000)),
                resolver["id"],
                resolver["name"],
                client["ip"],
                client["name"],
                name,
                "A" if rng.random() < 0.8 else "AAAA",
                code,
                latency,
                0 if code != "NOERROR" else rng.randint(1, 4),
                cached,
                plan.id,
                ws["id"],
                ws["tenant_id"],
            )
        )
    return rows


FIREWALL_COLUMNS = [
    "timestamp",
    "node_id",
    "firewall_name",
    "rule_id",
    "rule_name",
    "action",
    "direction",
    "protocol",
    "src_ip",
    "src_port",
    "dst_ip",
    "dst_port",
    "bytes",
    "packets",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _firewall_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    net = plan.profile["network"]
    nodes = {n["name"]: n for n in _network_nodes(plan)}
    firewall = nodes[net["firewall"]]
    targets = [n for n in nodes.values() if n["type"] in ("load_balancer", "host", "database")]
    prefix = plan.profile["public_ip_prefix"]
    ws = plan.workspaces[-1]
    rules = (
        ("allow-https-in", "allow", 443),
        ("allow-ssh-bastion", "allow", 22),
        ("deny-all-in", "deny", 0),
        ("drop-known-bad", "drop", 0),
    )
    rows = []

    def add(moment: datetime, rule: tuple[str, str, int], src: str, dst: dict[str, Any], port: int) -> None:
        name, action, _ = rule
        rows.append(
            (
                moment,
                firewall["id"],
                firewall["name"],
                plan.uid("fwrule", name),
                name,
                action,
                "inbound",
                "tcp",
                src,
                rng.randint(1024, 65535),
                dst["ip"],
                port,
                rng.randint(60, 90000) if action == "allow" else 60,
                rng.randint(1, 80) if action == "allow" else 1,
                plan.id,
                ws["id"],
                ws["tenant_id"],
            )
        )

    for moment in _every(window, 0.25):
        roll = rng.random()
        src = f"{prefix}.{rng.randint(1, 250)}"
        if roll < 0.85:
            add(moment, rules[0], src, rng.choice(targets), 443)
        elif roll < 0.9:
            add(moment, rules[1], src, targets[0], 22)
        elif roll < 0.97:
            add(moment, rules[2], src, rng.choice(targets), rng.choice((23, 3389, 5900, 6379, 9200)))
        else:
            add(moment, rules[3], src, rng.choice(targets), rng.choice((445, 1433)))
    if plan.incident:
        attacker = plan.story["attacker_ip"]
        start = window.ago(FAILED_LOGINS_MIN[0] + 4)
        for n in range(120):
            add(start + timedelta(seconds=n * 4), rules[2], attacker, rng.choice(targets), 1 + (n * 37) % 1024)
        for n in range(30):
            add(window.ago(FAILED_LOGINS_MIN[1] - 1) + timedelta(seconds=n * 10), rules[3], attacker, targets[0], 443)
    rows.sort(key=lambda row: row[0])
    return rows


COST_COLUMNS = [
    "timestamp",
    "organization_id",
    "workspace_id",
    "tenant_id",
    "provider",
    "account_id",
    "region",
    "service_name",
    "category",
    "resource_id",
    "resource_type",
    "usage_quantity",
    "usage_unit",
    "cost_usd",
    "tags",
]


def _cost_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    profile = plan.profile
    cloud = profile["cloud"]
    region = profile["region"]["code"]
    account = str(int(plan.uid("account").replace("-", "")[:12], 16))[:12]
    rows = []
    hour0 = window.start.replace(minute=0)
    hours = []
    moment = hour0
    while moment < window.now:
        hours.append(moment)
        moment += timedelta(hours=1)
    for moment in hours:
        for service in plan.services:
            ws = next(w for w in plan.workspaces if w["id"] == service.workspace_id)
            vcpu_hours = plan.instances * (0.5 + service.rps / 60)
            rows.append(
                (
                    moment,
                    plan.id,
                    ws["id"],
                    ws["tenant_id"],
                    cloud,
                    account,
                    region,
                    service.name,
                    "compute",
                    plan.uid("workload", service.name),
                    "kubernetes-workload",
                    round(vcpu_hours, 3),
                    "vCPU-hours",
                    round(vcpu_hours * 0.048 * rng.uniform(0.95, 1.05), 4),
                    {"team": service.namespace},
                )
            )
            if service.store_system:
                rows.append(
                    (
                        moment,
                        plan.id,
                        ws["id"],
                        ws["tenant_id"],
                        cloud,
                        account,
                        region,
                        service.name,
                        "storage",
                        plan.uid("volume", service.name),
                        "block-storage",
                        250.0,
                        "GB-hours",
                        round(0.0137 * rng.uniform(0.98, 1.02), 4),
                        {"team": service.namespace},
                    )
                )
        ws = plan.workspaces[-1]
        for db in plan.profile["databases"]:
            provider = {"azure": "azure", "atlas": "mongodb-atlas", "aws": "aws", "gcp": "gcp"}.get(
                db["provider"], cloud
            )
            rows.append(
                (
                    moment,
                    plan.id,
                    ws["id"],
                    ws["tenant_id"],
                    provider,
                    account,
                    region,
                    db["name"],
                    "database",
                    plan.uid("database", db["name"]),
                    db["type"],
                    1.0,
                    "instance-hours",
                    round(rng.uniform(0.35, 1.9), 4),
                    {"engine": db["type"]},
                )
            )
        for host in plan.profile["hosts"]:
            rows.append(
                (
                    moment,
                    plan.id,
                    ws["id"],
                    ws["tenant_id"],
                    cloud,
                    account,
                    region,
                    host["name"],
                    "compute",
                    plan.uid("agent", host["name"]),
                    "virtual-machine",
                    float(host["cores"]),
                    "vCPU-hours",
                    round(host["cores"] * 0.041 * rng.uniform(0.97, 1.03), 4),
                    {"role": host["role"]},
                )
            )
        rows.append(
            (
                moment,
                plan.id,
                ws["id"],
                ws["tenant_id"],
                cloud,
                account,
                region,
                "network-egress",
                "network",
                plan.uid("egress"),
                "data-transfer",
                round(rng.uniform(40, 90), 2),
                "GB",
                round(rng.uniform(3.6, 8.1), 4),
                {},
            )
        )
    return rows


LLM_COLUMNS = [
    "id",
    "created_at",
    "timestamp",
    "message_id",
    "conversation_id",
    "provider_id",
    "provider_type",
    "model_id",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "latency_ms",
    "time_to_first_token_ms",
    "prompt_cost_micros",
    "completion_cost_micros",
    "total_cost_micros",
    "role",
    "context_type",
    "context_id",
    "is_streaming",
    "status",
    "error_type",
    "error_message",
    "organization_id",
    "workspace_id",
    "user_id",
    "tenant_id",
]


def _llm_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    llm = plan.profile["llm"]
    users = _users(plan)
    ws = plan.workspaces[0]
    provider_id = plan.uid("llm_provider", llm["name"])
    rows = []
    for moment in _every(window, 11, offset=rng.random() * 11):
        user = rng.choice(users)
        prompt, completion = rng.randint(900, 9000), rng.randint(120, 1400)
        failed = rng.random() < 0.03
        prompt_cost, completion_cost = prompt * 3, completion * 15
        rows.append(
            (
                plan.uid("llm_usage", moment.isoformat()),
                moment,
                moment,
                plan.uid("llm_message", moment.isoformat()),
                plan.uid("conversation", user["email"], moment.hour),
                provider_id,
                llm["provider_type"],
                llm["model_id"],
                prompt,
                completion,
                prompt + completion,
                rng.randint(800, 9000),
                rng.randint(250, 1500),
                prompt_cost,
                completion_cost,
                prompt_cost + completion_cost,
                "assistant",
                rng.choice(("traces", "logs", "metrics", "alert", "kubernetes-pods", "errors")),
                "",
                int(rng.random() < 0.7),
                "error" if failed else "success",
                "rate_limit" if failed else "",
                "429 from provider" if failed else "",
                plan.id,
                ws["id"],
                user["id"],
                ws["tenant_id"],
            )
        )
    return rows


# --------------------------------------------------------------------------- ClickHouse: database monitoring rows

_MYSQL_DIGESTS = (
    ("SELECT * FROM orders WHERE id = ?", "shop", 0.6, 1, 1),
    ("UPDATE stock_levels SET reserved = reserved + ? WHERE sku = ?", "shop", 1.8, 1, 1),
    ("INSERT INTO orders ( customer_id , total , currency ) VALUES (...)", "shop", 2.2, 0, 1),
    ("SELECT sku , qty FROM stock_levels WHERE warehouse_id = ? AND sku IN (...)", "shop", 3.5, 40, 1),
    ("SELECT COUNT ( * ) FROM order_items WHERE order_id = ?", "shop", 0.9, 1, 1),
    ("DELETE FROM cart_sessions WHERE updated_at < ?", "shop", 45.0, 0, 1),
    ("SELECT * FROM customers WHERE id = ?", "shop", 0.5, 1, 1),
    ("UPDATE orders SET status = ? WHERE id = ?", "shop", 1.4, 1, 1),
    ("SELECT * FROM promotions WHERE active = ? AND starts_at < NOW ( )", "shop", 12.0, 30, 0),
    ("SELECT session_data FROM sessions WHERE token = ?", "sessions", 0.4, 1, 1),
)
_PG_STATEMENTS = (
    ("SELECT * FROM products WHERE id = $1", 0.4, 1),
    (
        "SELECT p.* FROM products p JOIN product_tags t ON t.product_id = p.id WHERE t.tag = ANY($1) ORDER BY p.popularity DESC LIMIT $2",
        38.0,
        24,
    ),
    ("UPDATE products SET stock_hint = $1 WHERE id = $2", 1.1, 1),
    ("INSERT INTO product_views (product_id, viewed_at) VALUES ($1, $2)", 0.7, 1),
    ("SELECT count(*) FROM reviews WHERE product_id = $1", 2.8, 1),
    ("SELECT * FROM shipments WHERE tracking_number = $1", 0.5, 1),
    ("UPDATE assignments SET driver_id = $1 WHERE id = $2", 1.3, 1),
    ("SELECT * FROM scans WHERE parcel_id = $1 ORDER BY scanned_at DESC", 4.2, 12),
    ("VACUUM ANALYZE product_views", 5200.0, 0),
)


def _db_tenancy(plan: OrgPlan) -> tuple[str, str, str]:
    ws = plan.workspaces[-1]
    return plan.id, ws["id"], ws["tenant_id"]


def _mysql_query_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    slow = plan.story.get("slow_query", {}) if plan.incident else {}
    rows = []
    for db in _databases(plan, "mysql", "mariadb", "percona"):
        digests = list(_MYSQL_DIGESTS)
        if db["name"] == slow.get("instance"):
            digests.append((slow["text"], "shop", 2400.0, 25, 0))
        instance = plan.uid("database", db["name"])
        for moment in _every(window, 5):
            for text, schema, avg_ms, rows_sent, indexed in digests:
                calls = max(1, int(rng.gauss(300, 60) * (0.3 if avg_ms > 100 else 1)))
                avg_us = int(avg_ms * 1000 * rng.uniform(0.85, 1.2))
                examined = rows_sent * (400000 if not indexed else 3)
                rows.append(
                    (
                        moment,
                        instance,
                        hashlib.sha256(text.encode()).hexdigest()[:32],
                        text,
                        schema,
                        calls,
                        avg_us * calls,
                        avg_us,
                        int(avg_us * rng.uniform(1.5, 4)),
                        rows_sent * calls,
                        examined * calls,
                        calls if text.startswith(("UPDATE", "INSERT", "DELETE")) else 0,
                        calls // 20 if avg_ms > 10 else 0,
                        calls // 50 if avg_ms > 1000 else 0,
                        0 if indexed else calls,
                        *_db_tenancy(plan),
                    )
                )
    return rows


MYSQL_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "digest",
    "digest_text",
    "schema_name",
    "calls",
    "total_time_us",
    "avg_time_us",
    "max_time_us",
    "rows_sent",
    "rows_examined",
    "rows_affected",
    "tmp_tables",
    "tmp_disk_tables",
    "no_index_used",
    "organization_id",
    "workspace_id",
    "tenant_id",
]
PG_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "queryid",
    "fingerprint",
    "database_name",
    "user_name",
    "calls",
    "total_duration_ms",
    "avg_duration_ms",
    "max_duration_ms",
    "rows",
    "shared_blks_hit",
    "shared_blks_read",
    "temp_blks_written",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _pg_query_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    rows = []
    slow_db = next((d["name"] for d in _databases(plan, "postgresql")), None)
    for db in _databases(plan, "postgresql"):
        instance = plan.uid("database", db["name"])
        for moment in _every(window, 5):
            for text, avg_ms, rows_per_call in _PG_STATEMENTS:
                factor = 45.0 if (plan.incident and db["name"] == slow_db and "popularity" in text) else 1.0
                calls = max(1, int(rng.gauss(250, 50) / (20 if avg_ms > 100 else 1)))
                avg = round(avg_ms * factor * rng.uniform(0.85, 1.2), 3)
                rows.append(
                    (
                        moment,
                        instance,
                        str(int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)),
                        text,
                        db["name"].replace("-", "_"),
                        "app",
                        calls,
                        round(avg * calls, 3),
                        avg,
                        round(avg * rng.uniform(1.5, 5), 3),
                        rows_per_call * calls,
                        calls * 40,
                        calls * (30 if factor > 1 else 2),
                        calls * 8 if factor > 1 else 0,
                        *_db_tenancy(plan),
                    )
                )
    return rows


CH_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "normalized_query_hash",
    "fingerprint",
    "database_name",
    "user_name",
    "calls",
    "total_duration_ms",
    "avg_duration_ms",
    "max_duration_ms",
    "read_rows",
    "read_bytes",
    "memory_usage",
    "organization_id",
    "workspace_id",
    "tenant_id",
]
MONGO_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "query_hash",
    "fingerprint",
    "database_name",
    "collection",
    "operation",
    "calls",
    "total_duration_ms",
    "avg_duration_ms",
    "max_duration_ms",
    "docs_examined",
    "keys_examined",
    "docs_returned",
    "plan_summary",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _other_query_rows(plan: OrgPlan, window: Window, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    ch_rows, mongo_rows = [], []
    ch_statements = (
        ("SELECT toStartOfHour(ts), count() FROM events WHERE ts > ? GROUP BY 1", 180.0, 4e7),
        ("INSERT INTO events FORMAT Native", 35.0, 0.0),
        ("SELECT uniqExact(user_id) FROM events WHERE day = ?", 950.0, 2.5e8),
    )
    mongo_shapes = (
        ("reviews", "find", "{ product_id: ? }", 2.1, "IXSCAN { product_id: 1 }", 1.0),
        ("reviews", "aggregate", "[{ $match: { rating: ? } }, { $group: ... }]", 340.0, "COLLSCAN", 900.0),
        ("declarations", "insert", "{ ... }", 1.4, "", 0.0),
        ("declarations", "find", "{ status: ?, country: ? }", 88.0, "COLLSCAN", 400.0),
    )
    for db in _databases(plan, "clickhouse"):
        instance = plan.uid("database", db["name"])
        for moment in _every(window, 15):
            for text, avg_ms, read_rows in ch_statements:
                calls = rng.randint(20, 90)
                avg = round(avg_ms * rng.uniform(0.8, 1.3), 3)
                ch_rows.append(
                    (
                        moment,
                        instance,
                        hashlib.sha256(text.encode()).hexdigest()[:16],
                        text,
                        "analytics",
                        "etl",
                        calls,
                        round(avg * calls, 3),
                        avg,
                        round(avg * 3, 3),
                        int(read_rows * calls),
                        int(read_rows * calls * 60),
                        int(2e8 * rng.random()),
                        *_db_tenancy(plan),
                    )
                )
    for db in _databases(plan, "mongodb"):
        instance = plan.uid("database", db["name"])
        for moment in _every(window, 15):
            for collection, op, shape, avg_ms, plan_summary, examined in mongo_shapes:
                calls = rng.randint(40, 400)
                avg = round(avg_ms * rng.uniform(0.8, 1.3), 3)
                fingerprint = f"db.{collection}.{op}({shape})"
                mongo_rows.append(
                    (
                        moment,
                        instance,
                        hashlib.sha256(fingerprint.encode()).hexdigest()[:16],
                        fingerprint,
                        db["name"].replace("-", "_"),
                        collection,
                        op,
                        calls,
                        round(avg * calls, 3),
                        avg,
                        round(avg * 4, 3),
                        int(examined * calls),
                        int(calls if "IXSCAN" in plan_summary else 0),
                        calls,
                        plan_summary,
                        *_db_tenancy(plan),
                    )
                )
    return {"db_clickhouse_queries": ch_rows, "db_mongodb_queries": mongo_rows}


MSSQL_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "query_hash",
    "sql_text",
    "database_name",
    "execution_count",
    "total_worker_time_us",
    "total_elapsed_time_us",
    "total_logical_reads",
    "organization_id",
    "workspace_id",
    "tenant_id",
]
MSSQL_WAIT_COLUMNS = [
    "timestamp",
    "instance_id",
    "wait_type",
    "wait_category",
    "wait_time_ms",
    "waiting_tasks_count",
    "signal_wait_time_ms",
    "organization_id",
    "workspace_id",
    "tenant_id",
]
_MSSQL_STATEMENTS = (
    ("SELECT * FROM dbo.ledger_entries WHERE account_id = @p1 ORDER BY posted_at DESC", 6.0, 220),
    ("UPDATE dbo.ledger_balances SET amount = amount + @p1 WHERE account_id = @p2", 2.5, 40),
    ("INSERT INTO dbo.invoices (customer_id, total, due_at) VALUES (@p1, @p2, @p3)", 1.8, 12),
    ("EXEC dbo.usp_month_end_close @period = @p1", 8200.0, 2_000_000),
    ("SELECT SUM(amount) FROM dbo.ledger_entries WHERE posted_at BETWEEN @p1 AND @p2", 650.0, 900_000),
)
_MSSQL_WAITS = (
    ("LCK_M_X", "Lock", 900),
    ("LCK_M_S", "Lock", 300),
    ("PAGEIOLATCH_SH", "Buffer IO", 1400),
    ("CXPACKET", "Parallelism", 2100),
    ("SOS_SCHEDULER_YIELD", "CPU", 1800),
    ("ASYNC_NETWORK_IO", "Network IO", 700),
    ("WRITELOG", "Tran Log IO", 500),
    ("RESOURCE_SEMAPHORE", "Memory", 60),
)


def _mssql_rows(plan: OrgPlan, window: Window, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    queries, waits = [], []
    for db in _databases(plan, "mssql"):
        instance = plan.uid("database", db["name"])
        for moment in _every(window, 5):
            for text, avg_ms, reads in _MSSQL_STATEMENTS:
                calls = max(1, int(rng.gauss(120, 30) / (200 if avg_ms > 1000 else 1)))
                elapsed = int(avg_ms * 1000 * calls * rng.uniform(0.85, 1.2))
                queries.append(
                    (
                        moment,
                        instance,
                        "0x" + hashlib.sha256(text.encode()).hexdigest()[:16].upper(),
                        text,
                        "Ledger",
                        calls,
                        int(elapsed * 0.8),
                        elapsed,
                        reads * calls,
                        *_db_tenancy(plan),
                    )
                )
            for wait_type, category, base in _MSSQL_WAITS:
                wait = int(base * rng.uniform(0.6, 1.5))
                waits.append(
                    (moment, instance, wait_type, category, wait, max(1, wait // 40), wait // 12, *_db_tenancy(plan))
                )
    return {"db_mssql_queries": queries, "db_mssql_waits": waits}


AURORA_QUERY_COLUMNS = [
    "timestamp",
    "cluster_identifier",
    "instance_identifier",
    "sql_digest",
    "sql_text",
    "load_aas",
    "avg_latency_ms",
    "calls",
    "rows_examined",
    "organization_id",
    "workspace_id",
    "tenant_id",
]
AURORA_EVENT_COLUMNS = [
    "timestamp",
    "cluster_identifier",
    "source_identifier",
    "event_type",
    "severity",
    "message",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _aurora_rows(plan: OrgPlan, window: Window, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    queries, events = [], []
    statements = (
        ("SELECT * FROM tracking_events WHERE parcel_id = ?", 0.35, 0.9),
        ("INSERT INTO tracking_events (...) VALUES (...)", 0.6, 1.2),
        ("UPDATE parcels SET status = ? WHERE id = ?", 0.25, 2.1),
        ("SELECT * FROM orders WHERE created_at > ? ORDER BY created_at", 1.4, 140.0),
    )
    for db in _databases(plan, "aurora-mysql", "aurora-postgresql"):
        writer = _aurora_instances(plan, db)[0][0]
        for moment in _every(window, 5):
            for text, aas, latency in statements:
                calls = rng.randint(2000, 9000)
                queries.append(
                    (
                        moment,
                        db["name"],
                        writer,
                        hashlib.sha256(text.encode()).hexdigest()[:20],
                        text,
                        round(aas * rng.uniform(0.8, 1.3), 3),
                        round(latency * rng.uniform(0.85, 1.2), 3),
                        calls,
                        calls * 3,
                        *_db_tenancy(plan),
                    )
                )
        for moment, kind, severity, message in (
            (window.ago(600), "backup", "info", "Automated cluster snapshot completed"),
            (window.ago(190), "configuration change", "info", "DB cluster parameter group updated"),
            (window.ago(22 + plan.index), "notification", "warning", "Serverless capacity scaled to 16 ACUs"),
        ):
            events.append((window.clamp(moment), db["name"], writer, kind, severity, message, *_db_tenancy(plan)))
    return {"db_aurora_queries": queries, "db_aurora_events": events}


TABLE_STAT_COLUMNS = [
    "timestamp",
    "instance_id",
    "engine",
    "database_name",
    "schema_name",
    "table_name",
    "row_count",
    "total_bytes",
    "data_bytes",
    "index_bytes",
    "seq_scans",
    "index_scans",
    "rows_inserted",
    "rows_updated",
    "rows_deleted",
    "dead_rows",
    "bloat_ratio",
    "last_vacuum_at",
    "last_analyze_at",
    "organization_id",
    "workspace_id",
    "tenant_id",
]
INDEX_STAT_COLUMNS = [
    "timestamp",
    "instance_id",
    "engine",
    "database_name",
    "schema_name",
    "table_name",
    "index_name",
    "index_type",
    "columns",
    "is_unique",
    "is_primary",
    "size_bytes",
    "scans",
    "tuples_read",
    "tuples_fetched",
    "bloat_ratio",
    "organization_id",
    "workspace_id",
    "tenant_id",
]
#: table -> (rows, row bytes, [(index, columns, unique, primary, scans per interval)])
_TABLES: dict[str, tuple[int, int, list[tuple[str, list[str], int, int, int]]]] = {
    "orders": (
        48_000_000,
        310,
        [
            ("PRIMARY", ["id"], 1, 1, 90000),
            ("idx_orders_customer_id", ["customer_id"], 0, 0, 21000),
            ("idx_orders_legacy_status", ["legacy_status"], 0, 0, 0),
        ],
    ),
    "order_items": (
        160_000_000,
        120,
        [("PRIMARY", ["id"], 1, 1, 60000), ("idx_order_items_order_id", ["order_id"], 0, 0, 52000)],
    ),
    "customers": (9_500_000, 520, [("PRIMARY", ["id"], 1, 1, 40000), ("uq_customers_email", ["email"], 1, 0, 8000)]),
    "stock_levels": (2_100_000, 90, [("PRIMARY", ["sku", "warehouse_id"], 1, 1, 77000)]),
    "products": (
        1_400_000,
        2100,
        [("products_pkey", ["id"], 1, 1, 120000), ("idx_products_popularity", ["popularity"], 0, 0, 300)],
    ),
    "product_views": (
        890_000_000,
        48,
        [("product_views_pkey", ["id"], 1, 1, 10), ("idx_product_views_product", ["product_id"], 0, 0, 9000)],
    ),
    "shipments": (
        31_000_000,
        260,
        [("shipments_pkey", ["id"], 1, 1, 70000), ("idx_shipments_tracking", ["tracking_number"], 1, 0, 65000)],
    ),
    "ledger_entries": (
        220_000_000,
        140,
        [
            ("PK_ledger_entries", ["id"], 1, 1, 30000),
            ("IX_ledger_entries_account", ["account_id", "posted_at"], 0, 0, 44000),
        ],
    ),
}
_ENGINE_TABLES = {
    "mysql": ["orders", "order_items", "customers", "stock_levels"],
    "mariadb": ["customers"],
    "percona": ["orders", "customers"],
    "postgresql": ["products", "product_views", "shipments"],
    "mssql": ["ledger_entries"],
}


def _table_stat_rows(plan: OrgPlan, window: Window, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    tables, indexes = [], []
    for db in plan.profile["databases"]:
        names = _ENGINE_TABLES.get(db["type"])
        if not names:
            continue
        instance = plan.uid("database", db["name"])
        database = db["name"].replace("-", "_")
        schema = "public" if db["type"] == "postgresql" else ("dbo" if db["type"] == "mssql" else database)
        for moment in _every(window, 15):
            hours = (moment - window.start).total_seconds() / 3600
            for name in names:
                row_count, row_bytes, table_indexes = _TABLES[name]
                count = int(row_count * (1 + 0.001 * hours))
                data = count * row_bytes
                index_bytes = int(data * 0.35)
                bloat = 1.9 if name == "product_views" else round(1.05 + 0.1 * rng.random(), 3)
                seq = 4200 if name == "orders" and plan.incident else rng.randint(0, 40)
                tables.append(
                    (
                        moment,
                        instance,
                        db["type"],
                        database,
                        schema,
                        name,
                        count,
                        data + index_bytes,
                        data,
                        index_bytes,
                        seq,
                        rng.randint(20000, 200000),
                        rng.randint(100, 9000),
                        rng.randint(50, 4000),
                        rng.randint(0, 300),
                        int(count * (bloat - 1) * 0.1),
                        bloat,
                        window.start - timedelta(hours=30) if name == "product_views" else moment - timedelta(hours=2),
                        moment - timedelta(hours=1),
                        *_db_tenancy(plan),
                    )
                )
                for index, columns, unique, primary, scans in table_indexes:
                    indexes.append(
                        (
                            moment,
                            instance,
                            db["type"],
                            database,
                            schema,
                            name,
                            index,
                            "BTREE" if db["type"] != "postgresql" else "btree",
                            columns,
                            unique,
                            primary,
                            int(index_bytes / len(table_indexes)),
                            scans and int(scans * rng.uniform(0.8, 1.2)),
                            scans * 3,
                            scans * 2,
                            1.45 if name == "product_views" else 1.1,
                            *_db_tenancy(plan),
                        )
                    )
    return {"db_table_stats": tables, "db_index_stats": indexes}


SQLITE_INTEGRITY_COLUMNS = [
    "timestamp",
    "instance_id",
    "metric_name",
    "value_float",
    "labels",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def _sqlite_integrity_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    import json

    rows = []
    for db in _databases(plan, "sqlite3"):
        instance = plan.uid("database", db["name"])
        for n, moment in enumerate(_every(window, 60, offset=30)):
            status = "FAIL" if n % 9 == 4 else "OK"
            labels = json.dumps({"check_type": "quick_check", "status": status, "instance": db["name"]})
            rows.append(
                (
                    moment,
                    instance,
                    "db.sqlite3.integrity.duration_ms",
                    round(rng.uniform(80, 240), 2),
                    labels,
                    *_db_tenancy(plan),
                )
            )
    return rows


# --------------------------------------------------------------------------- PostgreSQL rows


class _Json:
    """Marks a value for a jsonb column (wrapped with psycopg's Jsonb at insert time)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


_ROLES = {
    "admin": "Full administrative access to the organization",
    "sre": "Operate services: alerts, deployments, runbooks",
    "developer": "Read telemetry, manage own services' dashboards",
    "viewer": "Read-only access to dashboards and telemetry",
    "security-analyst": "Audit logs, security events, data masking",
    "billing-admin": "Subscription, invoices and cost reports",
}
_PERMISSIONS = {
    "telemetry:read": ("telemetry", "read"),
    "dashboards:write": ("dashboards", "write"),
    "alerts:manage": ("alerts", "manage"),
    "deployments:manage": ("deployments", "manage"),
    "audit:read": ("audit", "read"),
    "users:manage": ("users", "manage"),
    "api_keys:manage": ("api_keys", "manage"),
    "billing:manage": ("billing", "manage"),
    "data_masking:manage": ("data_masking", "manage"),
    "settings:manage": ("settings", "manage"),
}
_ROLE_PERMISSIONS = {
    "admin": list(_PERMISSIONS),
    "sre": ["telemetry:read", "dashboards:write", "alerts:manage", "deployments:manage"],
    "developer": ["telemetry:read", "dashboards:write"],
    "viewer": ["telemetry:read"],
    "security-analyst": ["telemetry:read", "audit:read", "data_masking:manage"],
    "billing-admin": ["billing:manage"],
}
_PLANS = (
    ("Free", "free", 0, 0, ["metrics", "logs"], {"retention_days": 3, "hosts": 5}),
    ("Starter", "starter", 14, 49, ["metrics", "logs", "traces", "alerts"], {"retention_days": 14, "hosts": 25}),
    (
        "Growth",
        "growth",
        14,
        399,
        ["metrics", "logs", "traces", "alerts", "uptime", "kubernetes", "ai-insights"],
        {"retention_days": 30, "hosts": 200},
    ),
    (
        "Enterprise",
        "enterprise",
        30,
        2400,
        [
            "metrics",
            "logs",
            "traces",
            "alerts",
            "uptime",
            "kubernetes",
            "ai-insights",
            "sso",
            "audit",
            "data-masking",
            "db-monitoring",
        ],
        {"retention_days": 90, "hosts": 2000},
    ),
)
_RETENTION_DEFAULTS = {
    "metrics": 90,
    "logs": 30,
    "traces": 30,
    "exemplars": 30,
    "alerts": 180,
    "uptime": 90,
    "audit_logs": 365,
    "kubernetes_metrics": 90,
    "llm_usage_raw": 90,
    "network_map_connection_metrics": 90,
    "network_map_traffic": 90,
    "service_map_metrics": 90,
    "signal_correlations": 90,
    "vm_metrics": 90,
}


def _global_pg_rows(plans: list[OrgPlan], now: datetime) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """Platform-wide rows (regions, plans, roles, permissions, default retention): (table, unique key, rows)."""
    regions = {}
    for plan in plans:
        region = plan.profile["region"]
        regions[region["code"]] = {
            "id": _uid("region", region["code"]),
            "code": region["code"],
            "name": region["name"],
            "description": f"Data residency region {region['code']}",
            "is_active": True,
        }
    roles = [
        {"id": _uid("role", name), "name": name, "description": text, "is_system": True, "is_active": True}
        for name, text in _ROLES.items()
    ]
    for plan in plans:
        for name in plan.profile.get("custom_roles", []):
            roles.append(
                {
                    "id": _uid("role", name),
                    "name": name,
                    "description": f"Custom role of {plan.name}",
                    "is_system": False,
                    "is_active": True,
                }
            )
    permissions = [
        {
            "id": _uid("permission", name),
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
            "id": _uid("plan", kind),
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
            "id": _uid("retention-default", kind),
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
    users = _users(plan)
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
                    "region_id": _uid("region", profile["region"]["code"]),
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
                    "plan_id": _uid("plan", plan_type),
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
                "role_id": _uid("role", user["role"]),
                "tenant_id": ws0["tenant_id"],
                "assigned_by": users[0]["id"],
                "assigned_at": now - timedelta(days=200),
            }
        )
        if user["role"] == "sre" and custom:
            assignments.append(
                {
                    "user_id": user["id"],
                    "role_id": _uid("role", custom[0]),
                    "tenant_id": ws0["tenant_id"],
                    "assigned_by": users[0]["id"],
                    "assigned_at": now - timedelta(days=20),
                    "expires_at": now + timedelta(days=10),
                }
            )
    grants.append(
        {
            "user_id": users[1]["id"],
            "permission_id": _uid("permission", "billing:manage"),
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
                    "default_role_id": _uid("role", "viewer"),
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
    for n, moment in enumerate(_every(window, 170, offset=40)):
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
                "id": _monitor_id(plan, monitor["name"]),
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
            "monitor_id": _monitor_id(plan, profile["monitors"][1]["name"]),
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
    extras = _extra_workloads(plan)
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
            name = _node_name(cluster, n)
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
        system_pods = [(f"coredns-{_k8s_suffix(rng, 10)}-{_k8s_suffix(rng, 5)}", "coredns") for _ in range(2)]
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
    incident_names = _incident_services(plan)
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
    net_nodes = _network_nodes(plan)
    net_conns = _network_connections(plan, net_nodes)
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
            members = _aurora_instances(plan, db)
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


_VULNERABILITIES = (
    (
        "CVE-2024-6387",
        "OpenSSH regreSSHion race condition",
        "critical",
        8.1,
        "openssh-server",
        "1:8.9p1-3ubuntu0.6",
        "1:8.9p1-3ubuntu0.10",
        "host",
        True,
    ),
    (
        "CVE-2023-44487",
        "HTTP/2 rapid reset denial of service",
        "high",
        7.5,
        "golang.org/x/net",
        "0.14.0",
        "0.17.0",
        "container_image",
        True,
    ),
    (
        "CVE-2024-21626",
        "runc working-directory container breakout",
        "high",
        8.6,
        "runc",
        "1.1.9",
        "1.1.12",
        "host",
        True,
    ),
    ("CVE-2023-38545", "curl SOCKS5 heap overflow", "high", 7.5, "curl", "8.2.1", "8.4.0", "container_image", False),
    (
        "CVE-2023-4863",
        "libwebp heap buffer overflow",
        "high",
        8.8,
        "libwebp",
        "1.3.1",
        "1.3.2",
        "container_image",
        True,
    ),
    (
        "CVE-2024-22243",
        "Spring Framework open redirect",
        "medium",
        6.1,
        "spring-web",
        "6.1.3",
        "6.1.4",
        "dependency",
        False,
    ),
    ("CVE-2023-5678", "OpenSSL DH excessive time", "low", 3.7, "openssl", "3.0.11", "3.0.13", "container_image", False),
    (
        "CVE-2021-44228",
        "Log4Shell JNDI lookup remote code execution",
        "critical",
        10.0,
        "log4j-core",
        "2.14.1",
        "2.17.1",
        "dependency",
        True,
    ),
)


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
                "description": f"{story['failed_logins']} failed logins for {victim['email']} from {story['attacker_ip']}",
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
    max_services = min(len(p["services"]) for p in _estate()["orgs"])
    if not 1 <= services <= max_services:
        raise ValueError(f"services must be between 1 and {max_services} (the estate file defines {max_services})")
    if not 1 <= hours <= MAX_HOURS:
        raise ValueError(f"hours must be between 1 and {MAX_HOURS}")
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between 1 and {MAX_SCALE}")
    from tfo_mcp import clickhouse, postgres

    if not await _modern_clickhouse():
        raise ValueError("the demo data needs ClickHouse 20 or newer (DateTime64, Map); this server is older")
    current = _floor_minute(now)
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
    logger.info("demo seed: slowest steps {}", ", ".join(f"{name} {secs:.1f} s" for name, secs in slowest))
    ch_seconds = time.perf_counter() - started
    if postgres.is_configured():
        counts.update(await _seed_postgres(plans, window, seed))
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
    for name, builder, salt in (
        ("vm_metrics", _host_series, 101),
        ("kubernetes_metrics", _k8s_series, 102),
        ("cache_metrics", _cache_series, 103),
        ("queue_metrics", _queue_series, 104),
        ("load_balancer_metrics", _lb_series, 105),
        ("db_mysql_metrics", _mysql_series, 106),
        ("db_mssql_metrics", _mssql_series, 107),
        ("db_timescaledb_metrics", _timescale_series, 108),
        ("db_sqlite3_metrics", _sqlite_series, 109),
        ("db_aurora_metrics", _aurora_series, 110),
        ("metrics", _engine_metric_series, 111),
    ):
        await _gen_series(writer, name, plan, builder(plan, window), salt)
    await _gen_uptime(writer, plan)
    await _gen_network(writer, plan)

    def rng(table: str) -> random.Random:
        return random.Random(f"{seed}/{table}/{plan.index}")

    trace_ids: list[str] = []
    if plan.incident:
        result = await writer.backend.query(
            "SELECT trace_id FROM traces_errors WHERE organization_id = %(org)s AND service_name = %(svc)s "
            "AND timestamp >= %(start)s AND timestamp < %(end)s ORDER BY timestamp, trace_id LIMIT 6",
            {
                "org": plan.id,
                "svc": plan.story["incident_service"],
                "start": _naive(window.ago(INCIDENT_MIN[0])),
                "end": _naive(window.ago(INCIDENT_MIN[1])),
            },
            max_rows=6,
        )
        trace_ids = [str(row[0]) for row in result.rows]
    tables: list[tuple[str, list[str], list[tuple[Any, ...]]]] = [
        ("audit_logs", AUDIT_COLUMNS, _audit_rows(plan, window, rng("audit_logs"))),
        ("kubernetes_events", K8S_EVENT_COLUMNS, _k8s_event_rows(plan, window, rng("kubernetes_events"))),
        ("change_events", CHANGE_COLUMNS, _change_rows(plan, window, rng("change_events"))),
        ("anomaly_events", ANOMALY_COLUMNS, _anomaly_rows(plan, window, rng("anomaly_events"))),
        ("predictions", PREDICTION_COLUMNS, _prediction_rows(plan, window, rng("predictions"))),
        ("signal_correlations", SIGNAL_COLUMNS, _signal_rows(plan, window, rng("signal_correlations"), trace_ids)),
        ("security_events", SECURITY_COLUMNS, _security_rows(plan, window, rng("security_events"))),
        ("network_dns_queries", DNS_COLUMNS, _dns_rows(plan, window, rng("network_dns_queries"))),
        ("network_firewall_events", FIREWALL_COLUMNS, _firewall_rows(plan, window, rng("network_firewall_events"))),
        ("cost_data", COST_COLUMNS, _cost_rows(plan, window, rng("cost_data"))),
        ("llm_usage_raw", LLM_COLUMNS, _llm_rows(plan, window, rng("llm_usage_raw"))),
        ("db_mysql_queries", MYSQL_QUERY_COLUMNS, _mysql_query_rows(plan, window, rng("db_mysql_queries"))),
        ("db_postgresql_queries", PG_QUERY_COLUMNS, _pg_query_rows(plan, window, rng("db_postgresql_queries"))),
        ("db_sqlite3_integrity", SQLITE_INTEGRITY_COLUMNS, _sqlite_integrity_rows(plan, window, rng("sqlite"))),
    ]
    columns = {
        "db_clickhouse_queries": CH_QUERY_COLUMNS,
        "db_mongodb_queries": MONGO_QUERY_COLUMNS,
        "db_mssql_queries": MSSQL_QUERY_COLUMNS,
        "db_mssql_waits": MSSQL_WAIT_COLUMNS,
        "db_aurora_queries": AURORA_QUERY_COLUMNS,
        "db_aurora_events": AURORA_EVENT_COLUMNS,
        "db_table_stats": TABLE_STAT_COLUMNS,
        "db_index_stats": INDEX_STAT_COLUMNS,
    }
    for group in (
        _other_query_rows(plan, window, rng("db_other_queries")),
        _mssql_rows(plan, window, rng("db_mssql")),
        _aurora_rows(plan, window, rng("db_aurora")),
        _table_stat_rows(plan, window, rng("db_table_stats")),
    ):
        tables += [(table, columns[table], rows) for table, rows in group.items()]
    for table, cols, rows in tables:
        await writer.insert(table, cols, rows)
    logger.info("demo seed: ClickHouse rows of {} written in {:.1f} s", plan.name, time.perf_counter() - started)


# --------------------------------------------------------------------------- PostgreSQL writes


async def _seed_postgres(plans: list[OrgPlan], window: Window, seed: int) -> dict[str, int]:
    from tfo_mcp import postgres

    started = time.perf_counter()
    ids = [p.id for p in plans]
    for table in _PG_DELETE_ORDER:
        await postgres.execute(f"DELETE FROM {table} WHERE organization_id = ANY(%s::uuid[])", [ids])
    await postgres.execute(
        "DELETE FROM tenants WHERE workspace_id IN (SELECT workspace_id FROM workspaces WHERE organization_id = ANY(%s::uuid[]))",
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
            "id": _uid("role_permission", role, permission),
            "role_id": _uid("role", role),
            "permission_id": _uid("permission", permission),
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
        wrong = [r["k"] for r in rows if str(r["id"]) != _uid(kind, r["k"])]
        if wrong:
            raise ValueError(f"PostgreSQL already has {table} {', '.join(wrong)} with other ids: use an empty database")


PG_MAX_PARAMS = 30_000
#: table -> columns whose default is now() (filled by _seed_postgres from the catalog).
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
