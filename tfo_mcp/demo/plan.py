"""The demo estate's plan: organization profiles, ids, services, pods, the story's times, and the lookups and
constants that every table module of the demo package uses.

Everything here is deterministic in (orgs, services, scale, seed, now).
"""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent.parent / "data"
ESTATE_FILE = DATA_DIR / "demo_estate.yaml"
CATALOG_FILE = DATA_DIR / "demo_catalog.yaml"
#: Namespace of every demo UUID (uuid5); organization ids use it without the seed.
ID_NAMESPACE = uuid.UUID("5b0e8f3c-9a4d-4c1e-8f6a-2d7b1c0e9a11")
_NAMESPACE_BYTES = ID_NAMESPACE.bytes
_MICROSECOND = timedelta(microseconds=1)
METRIC_INSTANCES_PER_SCALE = 2
UPTIME_REGIONS = ("eu-west-1", "us-east-1", "ap-southeast-1")
UPTIME_REGION_FACTOR = (1.0, 1.35, 2.1)


# The story: minutes before ``now``.
FAILED_LOGINS_MIN = (52, 46)
DEPLOY_MIN = 45
INCIDENT_MIN = (38, 20)
OUTAGE_MIN = (33, 24)
ALERT_ERRORS_MIN = 36
ALERT_LATENCY_MIN = 35
INCIDENT_LATENCY_FACTOR = 3.5
CRASHLOOP_RESTARTS = 17
SATURATED_DISK_START = 91.0
SATURATED_DISK_TREND_PER_HOUR = 0.15

# Rows generated inside ClickHouse (the statements of sql/clickhouse/demo/).
#: Most rows one generated INSERT ... SELECT writes. Bounds the engine's memory per statement; measured on chDB,
#: 300 k rows was both faster and leaner than 1 M (smaller aggregation blocks in the feed views) and than 150 k
#: (fewer statements to parse: each carries the organization's arrays as literals).
CHUNK_ROWS = 300_000
#: Interval of the generated gauge series, network samples and (at scale 1) uptime checks.
SERIES_STEP_MS = 60_000
DIURNAL_AMPLITUDE = 0.45


# --------------------------------------------------------------------------- ids, profiles, the plan


def org_id(index: int) -> str:
    """The id of demo organization ``index`` (0-based); the same for every seed."""
    return str(uuid.uuid5(ID_NAMESPACE, f"organization/{index}"))


def demo_uid(*parts: Any) -> str:
    """``str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))``, without building UUID objects (the seed makes ~20 k)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + "/".join(map(str, parts)).encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


@cache
def catalog() -> dict[str, Any]:
    """The static catalogs (tfo_mcp/data/demo_catalog.yaml): metric definitions, digests, roles, plans ..."""
    import yaml

    return yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))


@cache
def estate() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(ESTATE_FILE.read_text(encoding="utf-8"))


def prefixed_profile(profile: dict[str, Any], prefix: str, index: int) -> dict[str, Any]:
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
    copy["name"] = f"Demo Org {index + 1}"
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
    base = estate()["orgs"]
    profiles = []
    for index in range(orgs):
        if index < len(base):
            profiles.append(base[index])
        else:
            profiles.append(prefixed_profile(base[index % len(base)], f"o{index + 1}-", index))
    return profiles


def distinctive_values(index: int, orgs: int = 2, services: int = 12) -> list[str]:
    """Names only organization ``index`` has (services, hosts, clusters, users, monitors, ...): for leak tests."""
    profile = org_profiles(orgs)[index]
    values = {profile["name"], profile["code"], profile["domain"], org_id(index)}
    values.update(s["name"] for s in active_services(profile, services, index))
    values.update(h["name"] for h in profile["hosts"])
    values.update(c["name"] for c in profile["clusters"])
    values.update(d["name"] for d in profile["databases"])
    values.update(m["name"] for m in profile["monitors"])
    values.update(c["name"] for c in profile["caches"])
    values.update(b["name"] for b in profile["brokers"])
    values.update(lb["name"] for lb in profile["load_balancers"])
    values.update(user_email(profile, u) for u in profile["users"])
    values.update(f"{u['first']} {u['last']}" for u in profile["users"])
    return sorted(values)


def user_email(profile: dict[str, Any], user: dict[str, Any]) -> str:
    return f"{user['first'].lower()}.{user['last'].lower()}@{profile['domain']}"


def active_services(profile: dict[str, Any], services: int, index: int) -> list[dict[str, Any]]:
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
    now = floor_minute(now)
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


def floor_minute(now: datetime | None) -> datetime:
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(UTC).replace(second=0, microsecond=0)


K8S_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


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

    @property
    def name(self) -> str:
        return self.profile["name"]

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def uid(self, *parts: Any) -> str:
        return demo_uid(self.index, *parts)


def k8s_suffix(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(K8S_ALPHABET) for _ in range(length))


def namespace_for(service: dict[str, Any], namespaces: list[str]) -> str:
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
        workspaces = [
            {
                "id": demo_uid(index, "workspace", ws["code"]),
                "code": ws["code"],
                "name": ws["name"],
                "tenant_id": demo_uid(index, "tenant", ws["tenant"]),
                "tenant_code": ws["tenant"],
            }
            for ws in profile["workspaces"]
        ]
        active = active_services(profile, services, index)
        story_cfg = profile.get("story") or {}
        incident = index == 0 and bool(story_cfg.get("incident_service"))
        plan_services = [
            _plan_service(rng, index, position, raw, active, profile, workspaces, instances, incident)
            for position, raw in enumerate(active, start=1)
        ]
        plans.append(
            OrgPlan(
                index=index,
                id=org_id(index),
                profile=profile,
                workspaces=workspaces,
                services=plan_services,
                instances=instances,
                cluster_ids={c["name"]: demo_uid(index, "cluster", c["name"]) for c in profile["clusters"]},
                story=story_cfg,
                incident=incident,
            )
        )
    return plans


def _plan_service(
    rng: random.Random,
    index: int,
    position: int,
    raw: dict[str, Any],
    active: list[dict[str, Any]],
    profile: dict[str, Any],
    workspaces: list[dict[str, Any]],
    instances: int,
    incident: bool,
) -> Service:
    """Service ``position`` (1-based) of organization ``index``: its version, replica set and pod names."""
    story_cfg = profile.get("story") or {}
    ws = workspaces[0] if raw.get("type") != "worker" or len(workspaces) == 1 else workspaces[1]
    store = raw.get("store", "")
    system, _, statement = store.partition(":")
    replicaset = k8s_suffix(rng, 10)
    version = f"{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"
    if incident and raw["name"] == story_cfg["incident_service"]:
        version = story_cfg["previous_version"]
    return Service(
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
        id=demo_uid(index, "service", raw["name"]),
        workspace_id=ws["id"],
        tenant_id=ws["tenant_id"],
        namespace=namespace_for(raw, profile["namespaces"]),
        version=version,
        replicaset=replicaset,
        pods=[f"{raw['name']}-{replicaset}-{k8s_suffix(rng, 5)}" for _ in range(instances)],
    )


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


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def incident_services(plan: OrgPlan) -> set[str]:
    """Services whose failures carry the incident message: the faulty service, its downstream, the gateway."""
    if not plan.incident:
        return set()
    names = {plan.story["incident_service"], plan.story["incident_downstream"]}
    names.update(s.name for s in plan.services if s.type == "gateway")
    return names


def leaking_service(plan: OrgPlan) -> str:
    candidates = [s.name for s in plan.services if s.type == "api"]
    return candidates[min(len(candidates) - 1, 7)] if candidates else ""


def tenancy(plan: OrgPlan, workspace: int = 0) -> dict[str, str]:
    ws = plan.workspaces[min(workspace, len(plan.workspaces) - 1)]
    return {"ws": ws["id"], "tenant": ws["tenant_id"]}


def incident_window_ms(plan: OrgPlan, window: Window, minutes: tuple[float, float]) -> dict[str, int]:
    if not plan.incident:
        return {}
    return {
        "spike_from_ms": window.offset_ms(window.ago(minutes[0])),
        "spike_to_ms": window.offset_ms(window.ago(minutes[1])),
    }


def node_name(cluster: dict[str, Any], n: int) -> str:
    return f"{cluster['name']}-node-{n + 1:02d}"


def extra_workloads(plan: OrgPlan) -> list[dict[str, Any]]:
    """The story's broken workloads (org A): one crash-looping pod and one failed (OOMKilled) pod."""
    if not plan.incident:
        return []
    rng = random.Random(f"extra/{plan.index}")
    out = []
    for key, kind in (("crashloop", "crashloop"), ("failed_pod", "failed")):
        spec = plan.story[key]
        replicaset = k8s_suffix(rng, 10)
        out.append(
            {
                "kind": kind,
                "deployment": spec["deployment"],
                "namespace": spec["namespace"],
                "pod": f"{spec['deployment']}-{replicaset}-{k8s_suffix(rng, 5)}",
            }
        )
    return out


def org_databases(plan: OrgPlan, *types: str) -> list[dict[str, Any]]:
    return [db for db in plan.profile["databases"] if not types or db["type"] in types]


def db_labels(db: dict[str, Any], flavor: str) -> str:
    import json

    return json.dumps({"flavor": flavor, "instance": db["name"], "version": db["version"]}, separators=(",", ":"))


def aurora_instances(plan: OrgPlan, db: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(instance identifier, role, availability zone) of an Aurora cluster: one writer, two readers."""
    base = db["name"]
    region = plan.profile["region"]["code"]
    return [
        (f"{base}-instance-1", "writer", f"{region}a"),
        (f"{base}-instance-2", "reader", f"{region}b"),
        (f"{base}-instance-3", "reader", f"{region}c"),
    ]


def monitor_id(plan: OrgPlan, name: str) -> str:
    return plan.uid("monitor", name)


# --------------------------------------------------------------------------- shared lookups


def every(window: Window, minutes: float, offset: float = 0.0) -> list[datetime]:
    """Instants every ``minutes`` from the window start (plus ``offset`` minutes) up to ``window.now`` (exclusive)."""
    out, moment = [], window.start + timedelta(minutes=offset)
    step = timedelta(minutes=minutes)
    while moment < window.now:
        out.append(moment)
        moment += step
    return out


def org_users(plan: OrgPlan) -> list[dict[str, Any]]:
    profile = plan.profile
    out = []
    for n, user in enumerate(profile["users"]):
        email = user_email(profile, user)
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


def region_id(plan: OrgPlan) -> str:
    return demo_uid("region", plan.profile["region"]["code"])


class Json:
    """Marks a value for a PostgreSQL jsonb column (wrapped with psycopg's Jsonb when written)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    """(first, count) of each run of at most ``size`` items out of ``total``."""
    for first in range(0, total, size):
        yield first, min(size, total - first)


def utc_days(first: datetime, last: datetime) -> list[tuple[datetime, datetime]]:
    """(start, end) of every UTC day from the one holding ``first`` to the one holding ``last``."""
    day = first.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    days = []
    while day <= last:
        days.append((day, day + timedelta(days=1)))
        day += timedelta(days=1)
    return days


def grid_days(start: datetime, first: int, count: int, step_ms: int) -> Iterator[tuple[int, int, datetime]]:
    """(first, count, day) of each run of the grid points first .. first + count - 1 that lie within one UTC day.

    Point i is at ``start`` + i x ``step_ms`` plus less than ``step_ms`` of jitter, ``start`` is a whole minute and
    ``step_ms`` divides a minute, so each point lies in one day. The seed writes a day's rows apart from the next
    day's: an insert block of one daily partition is written without splitting its Map columns by partition,
    which costs more than writing them."""
    span = timedelta(milliseconds=step_ms)
    for day, end in utc_days(start + first * span, start + (first + count) * span - timedelta(microseconds=1)):
        lo = max(first, math.ceil((day - start) / span))
        hi = min(first + count, math.ceil((end - start) / span))
        if hi > lo:
            yield lo, hi - lo, day


def slot_days(
    chunk_start: datetime, count: int, us_per_slot: float, spread_us: float
) -> Iterator[tuple[int, int, datetime, datetime]]:
    """(first, count, day start, day end) per UTC day of a chunk's slots that may have rows in that day.

    Slot n starts at ``chunk_start`` + (n + u) x ``us_per_slot`` (0 <= u < 1) and its rows lie up to ``spread_us``
    after; the statement keeps only the rows inside the day's bounds, so each row is written once (see
    ``grid_days``). One millisecond of margin covers the engine's rounding."""
    margin_us = spread_us + 1000
    last = chunk_start + timedelta(microseconds=count * us_per_slot + margin_us)
    for day, end in utc_days(chunk_start, last):
        lo = max(0, math.floor(((day - chunk_start) / _MICROSECOND - margin_us) / us_per_slot))
        hi = min(count, math.ceil(((end - chunk_start) / _MICROSECOND + 1000) / us_per_slot))
        if hi > lo:
            yield lo, hi - lo, day, end
