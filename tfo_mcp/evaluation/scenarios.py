"""Incident scenarios for the offline evaluation: a seeded, deterministic generator and the store writer.

:func:`generate` returns :data:`INCIDENT_COUNTS` incidents (one per class variant) and :data:`QUIET_WINDOWS`
windows with no fault, each in an organization of its own, each among the chronic noise of
:mod:`tfo_mcp.evaluation.estate`. A scenario carries its truth: the context that should find it, the culprit
(terms that must all be named), the figure with its tolerance, and the window. The figures are measured on the
rows written, not taken from the fault's parameters. :func:`write` puts every scenario's rows into the platform
tables of the configured ClickHouse store (the rollups and summary tables fill from them).

Rows cover two hours before each window (the default baseline is the preceding window of equal length), and
for the daily cost windows the two days before.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tfo_mcp.evaluation import estate as est
from tfo_mcp.evaluation.estate import Estate, Observed, Rows
from tfo_mcp.stores import clickhouse, sql_guard

#: Incidents per class (variants differ in organization, services, magnitudes and timing).
INCIDENT_COUNTS: dict[str, int] = {
    "latency_after_deploy": 3,
    "error_rate_jump": 2,
    "throughput_drop": 2,
    "new_log_pattern": 3,
    "gauge_spike": 2,
    "edge_errors": 2,
    "edge_latency": 2,
    "cost_jump": 2,
    "pod_oom": 2,
    "uptime_region": 2,
    "failed_logins": 2,
}
#: No-fault windows and the contexts each must keep quiet in.
QUIET_WINDOWS: tuple[tuple[str, ...], ...] = (
    ("service-health", "logs"),
    ("uptime", "kubernetes-pods"),
    ("service-map-errors", "anomalies"),
    ("audit", "change-events"),
    ("throughput", "latency"),
    ("service-map-latency", "errors"),
)
WINDOW = timedelta(hours=1)
HISTORY = timedelta(hours=2)
DAY = timedelta(days=1)
#: Billing lines go back this far before a window's end (a day's window and the day before it, plus slack).
COST_HISTORY = timedelta(hours=50)


@dataclass(frozen=True)
class Truth:
    """What the right context must report: every culprit term named, the figure within a relative tolerance."""

    context: str
    culprit: tuple[str, ...]
    figure: float
    unit: str
    tolerance: float
    signal: str

    def to_dict(self) -> dict[str, Any]:
        return {"context": self.context, "culprit": list(self.culprit), "figure": round(self.figure, 3),
                "unit": self.unit, "tolerance": self.tolerance, "signal": self.signal}  # fmt: skip


@dataclass
class Scenario:
    """One organization's window: an incident with its truth, or a quiet window with the contexts to check."""

    name: str
    kind: str
    organization_id: str
    start: datetime
    end: datetime
    estate: Estate
    truth: Truth | None = None
    quiet_contexts: tuple[str, ...] = ()
    baseline: str = "previous"
    rows: Rows = field(default_factory=dict, repr=False)

    @property
    def incident(self) -> bool:
        return self.truth is not None

    def row_count(self) -> int:
        return sum(len(rows) for _cols, rows in self.rows.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "organization_id": self.organization_id,
            "window": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "baseline": self.baseline,
            "truth": self.truth.to_dict() if self.truth else None,
            "quiet_contexts": list(self.quiet_contexts),
        }


# --------------------------------------------------------------------------- figures measured on the rows


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _requests(obs: Observed, service: str, start: datetime, end: datetime) -> list[tuple[float, bool]]:
    return [(ms, failed) for name, at, ms, failed in obs.requests if name == service and start <= at < end]


def _calls(obs: Observed, edge: tuple[str, str], start: datetime, end: datetime) -> list[tuple[float, bool]]:
    return [(ms, failed) for a, b, at, ms, failed in obs.calls if (a, b) == edge and start <= at < end]


def _percent(flags: list[bool]) -> float:
    return 100.0 * sum(flags) / len(flags) if flags else 0.0


# --------------------------------------------------------------------------- the classes


@dataclass
class _Plan:
    """What a class builder decides before the rows exist: faults set on the estate, and the truth to measure."""

    context: str
    culprit: tuple[str, ...]
    unit: str
    tolerance: float
    signal: str
    measure: Callable[[Observed], float]


def _pick_service(estate: Estate, rng: random.Random, *, exclude: tuple[str, ...] = ()) -> str:
    """A non-gateway service that carries no chronic noise."""
    skip = {estate.chronic_service, estate.noisy_log_service, *exclude}
    return rng.choice([s.name for s in estate.services[1:] if s.name not in skip])


def _latency_after_deploy(e: Estate, rng: random.Random, start: datetime, end: datetime) -> _Plan:
    name = rng.choice([s.name for s in e.entries() if s.name != e.chronic_service])
    at = start + timedelta(minutes=rng.randint(4, 9))
    service = e.service(name)
    major, minor, _patch = service.version[1:].split(".")
    version = f"v{major}.{int(minor) + 1}.0"
    e.faults.deploys.append((name, at, version, rng.choice(e.users)["email"]))
    e.faults.latency[name] = (at, rng.uniform(5.0, 9.0))
    return _Plan("change-events", (name,), "ms", 0.25, "p95_ms",
                 lambda o: p95([ms for ms, _ in _requests(o, name, at, end)]))  # fmt: skip


def _error_rate_jump(e: Estate, rng: random.Random, start: datetime, end: datetime) -> _Plan:
    name = _pick_service(e, rng)
    since = start + timedelta(minutes=rng.randint(2, 6))
    message = rng.choice((
        "io.grpc.StatusRuntimeException: UNAVAILABLE: upstream connect error",
        "org.postgresql.util.PSQLException: FATAL: remaining connection slots are reserved",
        "java.lang.NullPointerException: Cannot invoke \"Cart.items()\" because \"cart\" is null",
    ))  # fmt: skip
    e.faults.errors[name] = (since, rng.uniform(0.12, 0.3), message)
    return _Plan("service-health", (name,), "%", 0.25, "error_percent",
                 lambda o: _percent([f for _, f in _requests(o, name, start, end)]))  # fmt: skip


def _throughput_drop(e: Estate, rng: random.Random, start: datetime, end: datetime) -> _Plan:
    name = rng.choice([s.name for s in e.entries() if s.name not in (e.chronic_service,)])
    since = start + timedelta(minutes=rng.randint(1, 4))
    e.faults.traffic[name] = (since, rng.uniform(0.15, 0.35))
    minutes = (end - start).total_seconds() / 60
    return _Plan("throughput", (name,), "req/min", 0.25, "requests_per_min",
                 lambda o: len(_requests(o, name, start, end)) / minutes)  # fmt: skip


PATTERNS = (
    ("x509: certificate has expired or is not yet valid: current time {id} is after 2026-11-30T23:59:59Z",
     ("certificate has expired",)),
    ("javax.persistence.OptimisticLockException: Row was updated or deleted by another transaction "
     "(order_id={n})", ("OptimisticLockException",)),
    ("kafka: Failed to produce message to topic order-events: Local: Queue full (queued={n})",
     ("Queue full",)),
)  # fmt: skip


def _new_log_pattern(e: Estate, rng: random.Random, start: datetime, end: datetime, variant: int) -> _Plan:
    name = _pick_service(e, rng)
    since = start + timedelta(minutes=rng.randint(15, 30))
    template, words = PATTERNS[variant % len(PATTERNS)]
    e.faults.log_patterns.append((name, since, rng.uniform(2.0, 4.0), template))
    marker = template.split("{", 1)[0][:30]

    def count(o: Observed) -> float:
        return float(sum(1 for body, _s, at in o.error_lines if body.startswith(marker) and start <= at < end))

    return _Plan("logs", words, "lines", 0.15, "pattern_count", count)


def _gauge_spike(e: Estate, rng: random.Random, start: datetime, end: datetime) -> _Plan:
    candidates = [s.name for s in e.services if s.db in ("postgresql", "mongodb") and s.name != e.chronic_service]
    name = rng.choice(candidates)
    metric = "db.client.connections.pending_requests"
    since = start + timedelta(minutes=rng.randint(20, 35))
    until = since + timedelta(minutes=rng.randint(12, 20))
    e.faults.gauge_spikes.append((name, metric, since, until, rng.uniform(25, 60)))

    def peak(o: Observed) -> float:
        return max(v for s, m, at, v in o.gauges if s == name and m == metric and start <= at < end)

    return _Plan("anomalies", (name, metric), "", 0.35, "value", peak)


def _shared_callee_edge(e: Estate, rng: random.Random) -> tuple[str, str]:
    """An edge caller -> callee whose callee also serves another caller (so the callee itself stays healthy)."""
    shared = next(s.name for s in e.services if len(e.callers_of(s.name)) > 1)
    return rng.choice(e.callers_of(shared)), shared


def _edge_errors(e: Estate, rng: random.Random, start: datetime, end: datetime) -> _Plan:
    edge = _shared_callee_edge(e, rng)
    since = start + timedelta(minutes=30)
    e.faults.edge_errors[edge] = (since, rng.uniform(0.25, 0.45))
    return _Plan("service-map-errors", edge, "%", 0.5, "error_percent",
                 lambda o: _percent([f for _, f in _calls(o, edge, since, end)]))  # fmt: skip


def _edge_latency(e: Estate, rng: random.Random, start: datetime, end: datetime) -> _Plan:
    edge = _shared_callee_edge(e, rng)
    since = start + timedelta(minutes=30)
    e.faults.edge_latency[edge] = (since, rng.uniform(350, 700))
    return _Plan("service-map-latency", edge, "ms", 0.5, "p95_ms",
                 lambda o: p95([ms for ms, _ in _calls(o, edge, since, end)]))  # fmt: skip


def _cost_jump(e: Estate, rng: random.Random, start: datetime, end: datetime) -> _Plan:
    name = _pick_service(e, rng)
    e.faults.cost.append((name, start, rng.uniform(2.5, 4.0)))
    return _Plan("platform-cost", (name,), "USD", 0.1, "cost_usd",
                 lambda o: sum(usd for s, at, usd in o.costs if s == name and start <= at < end))  # fmt: skip


def _pod_oom(e: Estate, rng: random.Random, start: datetime, end: datetime) -> _Plan:
    service = e.service(_pick_service(e, rng))
    pod = next(p for p in service.pods if p != e.restarting_pod)
    since = start + timedelta(minutes=rng.randint(10, 25))
    e.faults.oom_pods.append((pod, since, rng.randint(5, 8)))

    def restarts(o: Observed) -> float:
        samples = [(at, n) for p, at, n in o.restarts if p == pod and start <= at < end]
        before = [n for p, at, n in o.restarts if p == pod and at < start]
        first = before[-1] if before else samples[0][1]
        return float(samples[-1][1] - first)

    return _Plan("kubernetes-pods", (pod,), "restarts", 0.2, "restarts", restarts)


def _uptime_region(e: Estate, rng: random.Random, start: datetime, end: datetime) -> _Plan:
    _id, monitor, _url = e.monitors[rng.randrange(2)]
    region = rng.choice(("ap-southeast-1", "eu-west-1", "sa-east-1"))
    since = start + timedelta(minutes=rng.randint(3, 8))
    e.faults.monitor_outages.append((monitor, region, since, rng.uniform(0.55, 0.85)))
    return _Plan("uptime", (monitor, region), "%", 0.25, "success_percent",
                 lambda o: 100.0 * statistics.mean(ok for m, r, at, ok in o.checks if m == monitor and r == region
                                                   and start <= at < end))  # fmt: skip


def _failed_logins(e: Estate, rng: random.Random, start: datetime, end: datetime) -> _Plan:
    ip = f"{rng.choice(('185.220.101', '45.155.205', '193.32.162'))}.{rng.randint(2, 250)}"
    since = start + timedelta(minutes=rng.randint(10, 35))
    e.faults.login_bursts.append((ip, since, since + timedelta(minutes=rng.randint(8, 15)), rng.randint(90, 160)))

    def failures(o: Observed) -> float:
        return float(sum(1 for i, at, r in o.logins if i == ip and r == "FAILURE" and start <= at < end))

    return _Plan("audit", (ip,), "logins", 0.15, "failed_logins", failures)


BUILDERS: dict[str, Callable[..., _Plan]] = {
    "latency_after_deploy": _latency_after_deploy,
    "error_rate_jump": _error_rate_jump,
    "throughput_drop": _throughput_drop,
    "new_log_pattern": _new_log_pattern,
    "gauge_spike": _gauge_spike,
    "edge_errors": _edge_errors,
    "edge_latency": _edge_latency,
    "cost_jump": _cost_jump,
    "pod_oom": _pod_oom,
    "uptime_region": _uptime_region,
    "failed_logins": _failed_logins,
}
#: Classes whose window is a whole day (compared with the day before).
DAILY = frozenset({"cost_jump"})


# --------------------------------------------------------------------------- the generator


def anchor(now: datetime | None = None) -> datetime:
    """The end of the newest window: the start of the current day (UTC), so that a seed gives the same windows at
    every hour (the estate's traffic follows the time of day) and the same alignment with every rollup tier."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def organization_id(seed: int, name: str) -> str:
    return est.uid("organization", seed, name)


def _window(kind: str, index: int, end_anchor: datetime) -> tuple[datetime, datetime]:
    """Windows end at different hours of the last day (different points of the diurnal curve)."""
    if kind in DAILY:
        return end_anchor - DAY, end_anchor
    end = end_anchor - timedelta(minutes=(index * 47) % (18 * 60))
    return end - WINDOW, end


def generate(
    seed: int = 7, now: datetime | None = None, *, rows: bool = True, only: Collection[str] | None = None
) -> list[Scenario]:
    """Every scenario (incidents first, then the quiet windows), with their rows and measured truths.

    The same ``seed`` and ``now`` give the same scenarios and rows. ``rows=False`` skips building the rows
    (the truths' figures are then 0); ``only`` keeps the scenarios of those names (the others are not built)."""
    end_anchor = anchor(now)
    scenarios: list[Scenario] = []
    index = 0
    for kind, count in INCIDENT_COUNTS.items():
        for variant in range(count):
            name = f"{kind}-{variant + 1}"
            if only is None or name in only:
                scenarios.append(_incident(seed, name, kind, variant, index, end_anchor, rows))
            index += 1
    for n, contexts in enumerate(QUIET_WINDOWS):
        name = f"quiet-{n + 1}"
        if only is not None and name not in only:
            index += 1
            continue
        org = organization_id(seed, name)
        rng = random.Random(f"{seed}/{name}")
        estate = est.make_estate(org, rng)
        start, end = _window("quiet", index, end_anchor)
        index += 1
        if "change-events" in contexts:  # a routine deploy that changes nothing
            service = estate.entries()[1]
            estate.faults.deploys.append((service.name, start + timedelta(minutes=12), service.version + "-r1",
                                          estate.users[0]["email"]))  # fmt: skip
        scenario = Scenario(name, "quiet", org, start, end, estate, quiet_contexts=contexts)
        if rows:
            scenario.rows, _ = est.build_rows(estate, start - HISTORY, end, end - COST_HISTORY, seed)
        scenarios.append(scenario)
    return scenarios


def _incident(seed: int, name: str, kind: str, variant: int, index: int, end_anchor: datetime, rows: bool) -> Scenario:
    org = organization_id(seed, name)
    rng = random.Random(f"{seed}/{name}")
    estate = est.make_estate(org, rng)
    start, end = _window(kind, index, end_anchor)
    builder = BUILDERS[kind]
    plan = builder(estate, rng, start, end, variant) if kind == "new_log_pattern" else builder(estate, rng, start, end)
    figure = 0.0
    scenario = Scenario(name, kind, org, start, end, estate)
    if rows:
        history_start = (end - HISTORY - WINDOW) if kind in DAILY else start - HISTORY
        scenario.rows, observed = est.build_rows(estate, history_start, end, end - COST_HISTORY, seed)
        figure = float(plan.measure(observed))
    scenario.truth = Truth(plan.context, plan.culprit, figure, plan.unit, plan.tolerance, plan.signal)
    return scenario


# --------------------------------------------------------------------------- writing


async def write(scenarios: list[Scenario]) -> dict[str, int]:
    """Insert every scenario's rows into the configured ClickHouse store; rows written per table.

    The platform schema must exist (``tfo_mcp.demo.migrate_platform()``); earlier rows of these organizations
    are removed first. Tables with Map columns go through a staging table that holds each map as JSON text
    (formatting a Map literal per value in Python costs more than the engine's insert); one INSERT ... SELECT
    then writes the rows, so the rollups and summary tables see a single block per table."""
    backend = clickhouse.get_clickhouse()
    await _clear(backend, [s.organization_id for s in scenarios])
    tables = sorted({table for s in scenarios for table in s.rows})

    async def one(table: str) -> tuple[str, int]:
        columns = next(s.rows[table][0] for s in scenarios if table in s.rows)
        batch = [row for s in scenarios if table in s.rows for row in s.rows[table][1]]
        return table, (await _insert(backend, table, columns, batch) if batch else 0)

    # tables in parallel: formatting one table's rows (Python) overlaps the engine's work on another's
    return dict(await asyncio.gather(*(one(table) for table in tables)))


async def _insert(backend: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> int:
    result = await backend.query(
        "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = %(table)s",
        {"table": table},
        max_rows=1000,
    )
    types = {str(name): str(kind) for name, kind in result.rows}
    maps = [n for n, name in enumerate(columns) if types[name].startswith("Map(")]
    if not maps:
        return await backend.insert(table, columns, rows)
    stage = f"evaluation_stage_{table}"
    quoted = [sql_guard.quote_identifier(name) for name in columns]
    pairs = list(enumerate(zip(quoted, columns, strict=True)))
    ddl = ", ".join(f"{q} {'String' if n in maps else types[c]}" for n, (q, c) in pairs)
    await backend.execute(f"DROP TABLE IF EXISTS {stage}")
    await backend.execute(f"CREATE TABLE {stage} ({ddl}) ENGINE = Memory")
    texts: dict[tuple[tuple[str, str], ...], str] = {}

    def as_json(value: dict[str, str]) -> str:
        key = tuple(value.items())
        text = texts.get(key)
        if text is None:
            text = texts[key] = json.dumps(value, ensure_ascii=False)
        return text

    staged = [tuple(as_json(v) if n in maps else v for n, v in enumerate(row)) for row in rows]
    try:
        written = await backend.insert(stage, columns, staged)
        select = ", ".join(
            f"CAST(JSONExtractKeysAndValues({q}, 'String') AS {types[c]})" if n in maps else q for n, (q, c) in pairs
        )
        await backend.execute(f"INSERT INTO {sql_guard.quote_identifier(table)} ({', '.join(quoted)}) "
                              f"SELECT {select} FROM {stage}")  # fmt: skip
    finally:
        await backend.execute(f"DROP TABLE IF EXISTS {stage}")
    return written


async def _clear(backend: Any, ids: list[str]) -> None:
    result = await backend.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%%MergeTree' "
        "AND name IN (SELECT table FROM system.columns WHERE database = currentDatabase() "
        "AND name = 'organization_id')",
        {},
        max_rows=10_000,
    )
    for (table,) in result.rows:
        name = sql_guard.quote_identifier(str(table))
        found = await backend.query(
            f"SELECT count() FROM {name} WHERE organization_id IN %(ids)s", {"ids": ids}, max_rows=1
        )
        if int(found.rows[0][0]):
            await backend.execute(
                f"ALTER TABLE {name} DELETE WHERE organization_id IN %(ids)s SETTINGS mutations_sync = 2", {"ids": ids}
            )
