"""One organization's production estate for the evaluation, as TFO's agents and exporters write it.

:class:`Estate` holds the organization (services, their call graph, pods, monitors, users) and the faults
planted in it (:class:`Faults`); :func:`build_rows` turns it into rows of the platform tables over a span of
time: OpenTelemetry spans (a SERVER span per service hop, CLIENT spans carrying ``peer.service`` or
``db.system``), logs with OTel severities, gauge and counter metrics, uptime checks from several regions,
Kubernetes metrics and events (cumulative restart counts, events repeated with their running count), audit
logs, hourly billing lines and change records. Every draw comes from one ``random.Random`` per table, so the
rows are the same for the same seed.

Chronic noise in every estate: one service fails about 2 % of its requests all day, one logs a noisy error
pattern all day, one monitor flaps, one pod is restarted by its liveness probe every hour, traffic follows a
diurnal curve, and every figure jitters.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

#: Entry requests per minute through the gateway at the diurnal mean.
GATEWAY_RPM = 7
#: Relative swing of the diurnal traffic curve (peak at 16:00 UTC).
DIURNAL_AMPLITUDE = 0.35
#: Error share of the chronically failing service, all day.
CHRONIC_ERROR_RATE = 0.02
#: Error lines per minute of the chronic noisy log pattern.
CHRONIC_PATTERN_PER_MIN = 9
#: Failure share of the flapping monitor in every region.
FLAPPING_FAILURE_RATE = 0.15
#: Share of logins that fail in normal use (typos).
ROUTINE_LOGIN_FAILURE = 0.05
UPTIME_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-1", "sa-east-1")
REGION_LATENCY = {"us-east-1": 1.0, "eu-west-1": 1.3, "ap-southeast-1": 2.2, "sa-east-1": 1.8}
SEVERITY_NUMBER = {"DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17, "FATAL": 21}
PODS_PER_SERVICE = 2
NODES = 3
POD_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

TRACE_COLUMNS = [
    "timestamp", "trace_id", "span_id", "parent_span_id", "span_name", "span_kind", "service_name", "status_code",
    "status_message", "duration_ns", "organization_id", "workspace_id", "tenant_id", "resource_attributes",
    "span_attributes",
]  # fmt: skip
LOG_COLUMNS = [
    "timestamp", "observed_timestamp", "trace_id", "span_id", "trace_flags", "severity_text", "severity_number",
    "service_name", "organization_id", "workspace_id", "tenant_id", "body", "resource_attributes", "scope_name",
    "scope_version", "log_attributes",
]  # fmt: skip
METRIC_COLUMNS = [
    "timestamp", "metric_name", "metric_type", "value", "service_name", "organization_id", "workspace_id",
    "tenant_id", "resource_attributes", "metric_attributes", "unit",
]  # fmt: skip
UPTIME_COLUMNS = [
    "checked_at", "monitor_id", "monitor_name", "status", "status_code", "response_time", "ip_address", "region",
    "error_message", "ssl_days_remaining", "organization_id", "workspace_id", "tenant_id",
]  # fmt: skip
K8S_METRIC_COLUMNS = [
    "timestamp", "cluster_id", "resource_type", "resource_name", "namespace", "metric_name", "value", "unit",
    "labels", "organization_id", "workspace_id", "tenant_id", "ingestion_source", "ingestion_time",
]  # fmt: skip
K8S_EVENT_COLUMNS = [
    "timestamp", "cluster_id", "organization_id", "workspace_id", "tenant_id", "namespace", "type", "reason",
    "message", "source", "involved_kind", "involved_name", "count", "first_timestamp", "last_timestamp",
]  # fmt: skip
AUDIT_COLUMNS = [
    "id", "timestamp", "user_id", "user_email", "user_first_name", "user_last_name", "event_type", "action",
    "resource", "resource_id", "result", "error_message", "error_code", "ip_address", "user_agent",
    "request_method", "request_path", "metadata", "tenant_id", "workspace_id", "organization_id", "region_id",
    "session_id", "correlation_id", "duration_ms", "created_at",
]  # fmt: skip
COST_COLUMNS = [
    "timestamp", "organization_id", "workspace_id", "tenant_id", "provider", "account_id", "region", "service_name",
    "category", "resource_id", "resource_type", "usage_quantity", "usage_unit", "cost_usd", "tags",
]  # fmt: skip
SERVICE_MAP_COLUMNS = [
    "timestamp", "service_id", "service_name", "error_rate", "avg_latency", "health_score", "uptime", "request_rate",
    "organization_id", "workspace_id", "tenant_id",
]  # fmt: skip
CHANGE_COLUMNS = [
    "timestamp", "change_id", "change_type", "source", "service_name", "environment", "cluster_id", "namespace",
    "version", "previous_version", "author", "title", "description", "status", "risk", "metadata",
    "organization_id", "workspace_id", "tenant_id",
]  # fmt: skip

USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
)
FIRST_NAMES = ("ana", "ben", "chloe", "dev", "emre", "fatima", "goran", "hana", "ivan", "jun", "kofi", "lena")
LAST_NAMES = ("silva", "okafor", "muller", "tanaka", "novak", "haddad", "larsen", "moreau", "singh", "kowalski")


# --------------------------------------------------------------------------- the estate


@dataclass
class Service:
    """One deployed service: what it calls, its datastore, its latency and the pods that run it."""

    name: str
    namespace: str
    calls: list[str]
    db: str | None
    base_ms: float
    route: str
    version: str
    pods: list[str] = field(default_factory=list)
    weight: float = 1.0


@dataclass
class Faults:
    """What is planted in an estate; times are UTC datetimes (the fault holds from then to the end)."""

    #: service -> (from, latency factor) of its own work
    latency: dict[str, tuple[datetime, float]] = field(default_factory=dict)
    #: service -> (from, error probability, status message)
    errors: dict[str, tuple[datetime, float, str]] = field(default_factory=dict)
    #: entry service -> (from, traffic factor)
    traffic: dict[str, tuple[datetime, float]] = field(default_factory=dict)
    #: (caller, callee) -> (from, failure probability of the call)
    edge_errors: dict[tuple[str, str], tuple[datetime, float]] = field(default_factory=dict)
    #: (caller, callee) -> (from, extra milliseconds on the call)
    edge_latency: dict[tuple[str, str], tuple[datetime, float]] = field(default_factory=dict)
    #: (service, from, lines per minute, body template) of a new error log pattern
    log_patterns: list[tuple[str, datetime, float, str]] = field(default_factory=list)
    #: (service, metric, from, to, value) of a gauge spike
    gauge_spikes: list[tuple[str, str, datetime, datetime, float]] = field(default_factory=list)
    #: (service, at, new version, author) of a deployment
    deploys: list[tuple[str, datetime, str, str]] = field(default_factory=list)
    #: (service, from, cost factor) of a cost jump
    cost: list[tuple[str, datetime, float]] = field(default_factory=list)
    #: (pod, from, restarts) of a pod being OOM-killed
    oom_pods: list[tuple[str, datetime, int]] = field(default_factory=list)
    #: (monitor name, region, from, failure probability)
    monitor_outages: list[tuple[str, str, datetime, float]] = field(default_factory=list)
    #: (ip address, from, to, attempts) of a failed-login burst
    login_bursts: list[tuple[str, datetime, datetime, int]] = field(default_factory=list)


@dataclass
class Estate:
    """One organization: ids, services (gateway first), monitors, users, and the chronic noise's owners."""

    organization_id: str
    workspace_id: str
    tenant_id: str
    domain: str
    cluster_id: str
    services: list[Service]
    monitors: list[tuple[str, str, str]]
    users: list[dict[str, str]]
    chronic_service: str
    noisy_log_service: str
    flapping_monitor: str
    restarting_pod: str
    faults: Faults = field(default_factory=Faults)

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    @property
    def gateway(self) -> Service:
        return self.services[0]

    def entries(self) -> list[Service]:
        return [self.service(name) for name in self.gateway.calls]

    def callers_of(self, name: str) -> list[str]:
        return [s.name for s in self.services if name in s.calls]


def uid(*parts: Any) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "tfo-eval/" + "/".join(str(p) for p in parts)))


def pod_name(service: str, rng: random.Random) -> str:
    replica_set = "".join(rng.choice(POD_ALPHABET) for _ in range(9))
    suffix = "".join(rng.choice(POD_ALPHABET) for _ in range(5))
    return f"{service}-{replica_set}-{suffix}"


GATEWAYS = ("api-gateway", "edge-proxy", "storefront-bff")
SERVICE_POOL = (
    "checkout", "payments", "inventory", "search", "catalog", "orders", "shipping", "accounts", "pricing",
    "recommendations", "ledger", "billing", "reviews", "loyalty", "fulfillment", "notifications",
)  # fmt: skip
DOMAINS = ("shopwave.io", "tradepost.dev", "northwind.app", "kitebay.com", "lumastore.net", "fernmarket.co")


def make_estate(organization_id: str, rng: random.Random) -> Estate:
    """A service graph of a gateway and six services (one callee has two callers), pods, monitors and users."""
    names = rng.sample(SERVICE_POOL, 6)
    a, b, c, d, e, f = names
    gateway = rng.choice(GATEWAYS)
    graph = {gateway: [a, b, c], a: [d, e], b: [d], c: [f], d: [], e: [], f: []}
    dbs = {gateway: None, a: None, b: "postgresql", c: "redis", d: "postgresql", e: "redis", f: "mongodb"}
    services = []
    for index, name in enumerate([gateway, *names]):
        version = f"v{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
        method = "POST" if name in (a, d) else "GET"
        service = Service(
            name=name,
            namespace="edge" if index == 0 else rng.choice(("shop", "core", "platform")),
            calls=graph[name],
            db=dbs[name],
            base_ms=round(rng.uniform(8, 14) if index == 0 else rng.uniform(25, 90), 1),
            route=f"{method} /api/v1/{name}" if index else "GET /",
            version=version,
            weight={a: 0.45, b: 0.3, c: 0.25}.get(name, 1.0),
        )
        service.pods = [pod_name(name, rng) for _ in range(PODS_PER_SERVICE)]
        services.append(service)
    domain = rng.choice(DOMAINS)
    monitors = [
        (uid(organization_id, "monitor", "api"), f"{gateway} health", f"https://api.{domain}/healthz"),
        (uid(organization_id, "monitor", a), f"{a} api", f"https://api.{domain}/api/v1/{a}/ping"),
        (uid(organization_id, "monitor", "legacy"), "legacy portal", f"https://legacy.{domain}/"),
    ]
    users = []
    for n in range(24):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        users.append(
            {
                "id": uid(organization_id, "user", n),
                "email": f"{first}.{last}{n}@{domain}",
                "first": first.capitalize(),
                "last": last.capitalize(),
                "ip": f"10.{rng.randint(0, 40)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            }
        )
    chronic, noisy = rng.sample([c, e, f], 2)
    restarting = rng.choice([s for s in services[1:] if s.name not in (chronic,)]).pods[1]
    return Estate(
        organization_id=organization_id,
        workspace_id=uid(organization_id, "workspace"),
        tenant_id=uid(organization_id, "tenant"),
        domain=domain,
        cluster_id=uid(organization_id, "cluster"),
        services=services,
        monitors=monitors,
        users=users,
        chronic_service=chronic,
        noisy_log_service=noisy,
        flapping_monitor="legacy portal",
        restarting_pod=restarting,
    )


# --------------------------------------------------------------------------- shared helpers


def minutes(start: datetime, end: datetime) -> list[datetime]:
    count = int((end - start).total_seconds() // 60)
    return [start + timedelta(minutes=n) for n in range(count)]


def diurnal(moment: datetime) -> float:
    hour = moment.hour + moment.minute / 60
    return 1 + DIURNAL_AMPLITUDE * math.sin(2 * math.pi * (hour - 10) / 24)


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 40:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def active(fault: tuple[datetime, Any] | tuple[datetime, Any, Any] | None, moment: datetime) -> bool:
    return fault is not None and moment >= fault[0]


def hex_id(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


@dataclass
class Observed:
    """What the generator wrote, for the scenarios' truth figures."""

    #: (service, timestamp, duration ms, failed) of every SERVER span
    requests: list[tuple[str, datetime, float, bool]] = field(default_factory=list)
    #: (caller, callee, timestamp, duration ms, failed) of every CLIENT span to a service
    calls: list[tuple[str, str, datetime, float, bool]] = field(default_factory=list)
    #: (service, metric, minute, mean over pods) of every gauge
    gauges: list[tuple[str, str, datetime, float]] = field(default_factory=list)
    #: (body, service, timestamp) of every ERROR log line
    error_lines: list[tuple[str, str, datetime]] = field(default_factory=list)
    #: (monitor name, region, timestamp, success) of every check
    checks: list[tuple[str, str, datetime, bool]] = field(default_factory=list)
    #: (pod, timestamp, cumulative restarts) samples
    restarts: list[tuple[str, datetime, int]] = field(default_factory=list)
    #: (ip, timestamp, result) of every login
    logins: list[tuple[str, datetime, str]] = field(default_factory=list)
    #: (service, hour, cost USD) of every billing line
    costs: list[tuple[str, datetime, float]] = field(default_factory=list)


Rows = dict[str, tuple[list[str], list[tuple[Any, ...]]]]


def build_rows(
    estate: Estate, start: datetime, end: datetime, cost_start: datetime, seed: int
) -> tuple[Rows, Observed]:
    """Every platform table's rows of ``estate`` for [start, end) (billing lines from ``cost_start``)."""
    observed = Observed()

    def rng(table: str) -> random.Random:
        return random.Random(f"{seed}/{estate.organization_id}/{table}")

    traces, trace_logs = _traces(estate, start, end, rng("traces"), observed)
    rows: Rows = {
        "traces": (TRACE_COLUMNS, traces),
        "logs": (LOG_COLUMNS, trace_logs + _logs(estate, start, end, rng("logs"), observed)),
        "service_map_metrics": (SERVICE_MAP_COLUMNS, _service_map(estate, observed)),
        "metrics": (METRIC_COLUMNS, _metrics(estate, start, end, rng("metrics"), observed)),
        "uptime_checks": (UPTIME_COLUMNS, _uptime(estate, start, end, rng("uptime"), observed)),
        "kubernetes_metrics": (K8S_METRIC_COLUMNS, _k8s_metrics(estate, start, end, rng("k8s"), observed)),
        "kubernetes_events": (K8S_EVENT_COLUMNS, _k8s_events(estate, start, end, rng("k8s_events"))),
        "audit_logs": (AUDIT_COLUMNS, _audit(estate, start, end, rng("audit"), observed)),
        "cost_data": (COST_COLUMNS, _costs(estate, cost_start, end, rng("cost"), observed)),
        "change_events": (CHANGE_COLUMNS, _changes(estate, start, end, rng("changes"))),
    }
    return rows, observed


def _resource(estate: Estate, service: Service, pod: str, version: str) -> dict[str, str]:
    return {
        "service.name": service.name,
        "service.version": version,
        "k8s.pod.name": pod,
        "k8s.namespace.name": service.namespace,
        "deployment.environment": "production",
    }


def _version(estate: Estate, service: Service, moment: datetime) -> str:
    for name, at, version, _author in estate.faults.deploys:
        if name == service.name and moment >= at:
            return version
    return service.version


# --------------------------------------------------------------------------- traces


class _TraceWriter:
    """Builds the spans of one request through the call graph, depth first."""

    def __init__(self, estate: Estate, rng: random.Random, observed: Observed) -> None:
        self.estate = estate
        self.rng = rng
        self.observed = observed
        self.spans: list[tuple[Any, ...]] = []
        self.logs: list[tuple[Any, ...]] = []

    def request(self, moment: datetime) -> None:
        """One request from outside: the gateway, the entry service it routes to, and everything downstream."""
        entry = self._entry(moment)
        if entry is None:
            return  # the request never arrived (the client side of a traffic drop)
        self._entry_service = entry
        self._gateway_route = f"{entry.route.split(' ', 1)[0]} /api/v1/{entry.name}"
        self.serve(self.estate.gateway, moment, hex_id(self.rng, 32), "", None, moment)

    def _span(
        self,
        service: Service,
        moment: datetime,
        trace_id: str,
        span_id: str,
        parent: str,
        name: str,
        kind: str,
        failed: bool,
        message: str,
        duration_ms: float,
        pod: str,
        attributes: dict[str, str],
    ) -> None:
        ok_status = "OK" if kind == "SERVER" else "UNSET"
        e = self.estate
        self.spans.append(
            (moment, trace_id, span_id, parent, name, kind, service.name, "ERROR" if failed else ok_status,
             message if failed else "", int(duration_ms * 1_000_000), e.organization_id, e.workspace_id,
             e.tenant_id, _resource(e, service, pod, _version(e, service, moment)), attributes)
        )  # fmt: skip

    def serve(
        self, service: Service, moment: datetime, trace_id: str, parent: str, caller: str | None, root: datetime
    ) -> tuple[float, bool, str]:
        """The SERVER span of ``service`` (and its calls); returns (duration ms, failed, message)."""
        rng, faults = self.rng, self.estate.faults
        span_id = hex_id(rng, 16)
        pod = rng.choice(service.pods)
        factor = faults.latency[service.name][1] if active(faults.latency.get(service.name), root) else 1.0
        own = service.base_ms * factor * math.exp(rng.gauss(0, 0.35)) * (4 if rng.random() < 0.015 else 1)
        elapsed = own * 0.3
        failed, message = False, ""
        error = faults.errors.get(service.name)
        if active(error, root) and rng.random() < error[1]:  # type: ignore[index]
            failed, message = True, error[2]  # type: ignore[index]
        elif service.name == self.estate.chronic_service and rng.random() < CHRONIC_ERROR_RATE:
            failed, message = True, f"java.lang.IllegalStateException: {service.name} cache entry expired"
        if not failed and service.db:
            elapsed += self._db_call(service, moment + timedelta(milliseconds=elapsed), trace_id, span_id, pod)
        for callee_name in service.calls:
            if failed:
                break
            if service.name == self.estate.gateway.name:
                continue  # the gateway forwards to one entry service, chosen in request()
            if rng.random() > 0.85:
                continue
            took, call_failed, call_message = self._call(
                service, self.estate.service(callee_name), moment + timedelta(milliseconds=elapsed), trace_id,
                span_id, pod, root,
            )  # fmt: skip
            elapsed += took
            if call_failed and rng.random() < 0.9:
                failed, message = True, f"UpstreamError: call to {callee_name} failed: {call_message}"
        if service.name == self.estate.gateway.name and not failed:
            entry = self._entry_service
            took, call_failed, call_message = self._call(
                service, entry, moment + timedelta(milliseconds=elapsed), trace_id, span_id, pod, root
            )
            elapsed += took
            if call_failed:
                failed, message = True, f"502 Bad Gateway: {entry.name}: {call_message}"
        duration = elapsed + own * 0.7
        route = service.route if service.name != self.estate.gateway.name else self._gateway_route
        status = "500" if failed else "200"
        attributes = {"http.route": route.split(" ", 1)[1], "http.request.method": route.split(" ", 1)[0],
                      "http.response.status_code": status}  # fmt: skip
        self._span(service, moment, trace_id, span_id, parent, route, "SERVER", failed, message, duration, pod,
                   attributes)  # fmt: skip
        self.observed.requests.append((service.name, root, duration, failed))
        if failed:
            self._error_log(service, moment + timedelta(milliseconds=duration), trace_id, span_id, route, message, pod)
        return duration, failed, message

    _gateway_route = "GET /"
    _entry_service: Service

    def _entry(self, root: datetime) -> Service | None:
        """The entry service this gateway request goes to (traffic weights, after any traffic fault)."""
        entries = self.estate.entries()
        weights = []
        for entry in entries:
            fault = self.estate.faults.traffic.get(entry.name)
            weights.append(entry.weight * (fault[1] if active(fault, root) else 1.0))
        total = sum(weights)
        pick = self.rng.random() * sum(e.weight for e in entries)
        if pick >= total:
            return None  # the request never reached the gateway's backends (dropped upstream)
        for entry, weight in zip(entries, weights, strict=True):
            pick -= weight
            if pick < 0:
                return entry
        return entries[-1]

    def _call(
        self, caller: Service, callee: Service, moment: datetime, trace_id: str, parent: str, pod: str, root: datetime
    ) -> tuple[float, bool, str]:
        """A CLIENT span of ``caller`` to ``callee`` (peer.service), and the callee's SERVER span when it arrives."""
        rng, faults = self.rng, self.estate.faults
        span_id = hex_id(rng, 16)
        edge = (caller.name, callee.name)
        network = rng.uniform(0.6, 2.5)
        slow = faults.edge_latency.get(edge)
        if active(slow, root):
            network += slow[1] * math.exp(rng.gauss(0, 0.25))  # type: ignore[index]
        broken = faults.edge_errors.get(edge)
        if active(broken, root) and rng.random() < broken[1]:  # type: ignore[index]
            took, failed, message = rng.uniform(1, 4) + network, True, "connection reset by peer"
        else:
            served, failed, message = self.serve(callee, moment + timedelta(milliseconds=network / 2), trace_id,
                                                 span_id, caller.name, root)  # fmt: skip
            took = served + network
        method = callee.route.split(" ", 1)[0]
        attributes = {
            "peer.service": callee.name,
            "server.address": f"{callee.name}.{callee.namespace}.svc.cluster.local",
            "http.request.method": method,
            "http.response.status_code": "503" if failed else "200",
        }
        self._span(caller, moment, trace_id, span_id, parent, f"{method}", "CLIENT", failed, message, took, pod,
                   attributes)  # fmt: skip
        self.observed.calls.append((caller.name, callee.name, root, took, failed))
        return took, failed, message

    def _db_call(self, service: Service, moment: datetime, trace_id: str, parent: str, pod: str) -> float:
        took = (0.8 if service.db == "redis" else 4.0) * math.exp(self.rng.gauss(0, 0.4))
        statement = {"redis": "GET", "mongodb": "find", "postgresql": "SELECT"}[service.db or "postgresql"]
        attributes = {"db.system": service.db or "", "db.operation": statement, "db.name": service.name,
                      "server.address": f"{service.name}-{service.db}.{service.namespace}.svc"}  # fmt: skip
        self._span(service, moment, trace_id, hex_id(self.rng, 16), parent, f"{statement} {service.name}", "CLIENT",
                   False, "", took, pod, attributes)  # fmt: skip
        return took

    def _error_log(
        self, service: Service, moment: datetime, trace_id: str, span_id: str, route: str, message: str, pod: str
    ) -> None:
        e = self.estate
        body = f"{route} failed request_id={hex_id(self.rng, 12)}: {message}"
        self.logs.append(
            (moment, moment + timedelta(milliseconds=30), trace_id, span_id, 1, "ERROR", 17, service.name,
             e.organization_id, e.workspace_id, e.tenant_id, body, _resource(e, service, pod, service.version),
             f"io.opentelemetry.{service.name}", "1.32.0", {"exception.type": message.split(":", 1)[0]})
        )  # fmt: skip
        self.observed.error_lines.append((body, service.name, moment))


def _traces(
    estate: Estate, start: datetime, end: datetime, rng: random.Random, observed: Observed
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    writer = _TraceWriter(estate, rng, observed)
    for minute in minutes(start, end):
        for _ in range(poisson(rng, GATEWAY_RPM * diurnal(minute))):
            writer.request(minute + timedelta(seconds=rng.random() * 60))
    return writer.spans, writer.logs


def _service_map(estate: Estate, observed: Observed) -> list[tuple[Any, ...]]:
    """The service map's per-minute samples, computed from the SERVER spans as the platform does: error rate %,
    average latency ms, request rate per second, a health score and uptime."""
    e = estate
    per_minute: dict[tuple[str, datetime], list[tuple[float, bool]]] = {}
    for name, at, ms, failed in observed.requests:
        per_minute.setdefault((name, at.replace(second=0, microsecond=0)), []).append((ms, failed))
    typical: dict[str, float] = {}
    for service in e.services:
        durations = sorted(ms for name, _at, ms, _f in observed.requests if name == service.name)
        typical[service.name] = durations[len(durations) // 2] if durations else service.base_ms
    rows = []
    for (name, minute), spans in sorted(per_minute.items()):
        error_pct = 100 * sum(f for _, f in spans) / len(spans)
        latency = sum(ms for ms, _ in spans) / len(spans)
        slow = max(0.0, 10 * (latency / typical[name] - 1.5))
        health = max(0.0, 100 - min(60.0, 4 * error_pct) - min(30.0, slow))
        rows.append((minute, uid(e.organization_id, "service", name), name, round(error_pct, 3), round(latency, 3),
                     round(health, 2), round(max(0.0, 100 - error_pct / 2), 3), round(len(spans) / 60, 4),
                     e.organization_id, e.workspace_id, e.tenant_id))  # fmt: skip
    return rows


# --------------------------------------------------------------------------- logs


ROUTINE_LINES = (
    ("INFO", "Handled {route} in {ms} ms"),
    ("INFO", "HikariPool-1 - Pool stats (total={n}, active={a}, idle={i}, waiting=0)"),
    ("DEBUG", "Cache lookup key=session:{id} hit=true"),
    ("WARN", "Slow request {route} took {slow} ms (threshold 500 ms)"),
    ("INFO", "Published event OrderUpdated id={id} partition={a}"),
)


def _logs(estate: Estate, start: datetime, end: datetime, rng: random.Random, observed: Observed) -> list[tuple]:
    """Routine lines of every service, the chronic noisy pattern, and the planted new patterns."""
    e = estate
    rows: list[tuple[Any, ...]] = []

    def line(service: Service, moment: datetime, severity: str, body: str) -> None:
        pod = rng.choice(service.pods)
        rows.append(
            (moment, moment + timedelta(milliseconds=rng.randint(5, 400)), "", "", 0, severity,
             SEVERITY_NUMBER[severity], service.name, e.organization_id, e.workspace_id, e.tenant_id, body,
             _resource(e, service, pod, _version(e, service, moment)), f"io.opentelemetry.{service.name}", "1.32.0",
             {"log.iostream": "stdout", "code.namespace": f"com.{e.domain.split('.')[0]}.{service.name}"})
        )  # fmt: skip
        if severity in ("ERROR", "FATAL"):
            observed.error_lines.append((body, service.name, moment))

    noisy = e.service(e.noisy_log_service)
    for minute in minutes(start, end):
        for service in e.services:
            for _ in range(poisson(rng, 2.0 * diurnal(minute))):
                severity, template = rng.choice(ROUTINE_LINES)
                body = template.format(
                    route=service.route,
                    ms=rng.randint(3, 300),
                    n=10,
                    a=rng.randint(0, 9),
                    i=rng.randint(1, 10),
                    id=hex_id(rng, 10),
                    slow=rng.randint(500, 2400),
                )
                line(service, minute + timedelta(seconds=rng.random() * 60), severity, body)
        for _ in range(poisson(rng, CHRONIC_PATTERN_PER_MIN)):
            body = (
                f"Failed to refresh feature flags from flagd.{noisy.namespace}:8013: rpc error: code = Unavailable "
                f"desc = connection refused (attempt {rng.randint(1, 5)}, backoff {rng.randint(100, 3200)} ms)"
            )
            line(noisy, minute + timedelta(seconds=rng.random() * 60), "ERROR", body)
        for name, since, per_min, template in e.faults.log_patterns:
            if minute >= since:
                for _ in range(poisson(rng, per_min)):
                    body = template.format(id=hex_id(rng, 12), n=rng.randint(1000, 99999), ms=rng.randint(20, 900))
                    line(e.service(name), minute + timedelta(seconds=rng.random() * 60), "ERROR", body)
    return rows


# --------------------------------------------------------------------------- metrics


def _metrics(estate: Estate, start: datetime, end: datetime, rng: random.Random, observed: Observed) -> list[tuple]:
    """Per pod and minute: CPU utilization and DB pool use (gauges), requests served (counter)."""
    e = estate
    rows: list[tuple[Any, ...]] = []
    counters = {pod: rng.randint(10_000, 900_000) for s in e.services for pod in s.pods}
    for minute in minutes(start, end):
        load = diurnal(minute)
        for service in e.services:
            gauges = {
                "process.cpu.utilization": ("1", 0.18 * load * math.exp(rng.gauss(0, 0.1))),
            }
            if service.db in ("postgresql", "mongodb"):
                gauges["db.client.connections.usage"] = ("{connection}", max(1.0, 6 * load + rng.gauss(0, 1.2)))
                gauges["db.client.connections.pending_requests"] = ("{request}", max(0.0, rng.gauss(0.6, 0.5)))
            sums: dict[str, float] = {}
            for pod in service.pods:
                resource = _resource(e, service, pod, _version(e, service, minute))
                for metric, (unit, value) in gauges.items():
                    value = value * (1 + rng.gauss(0, 0.04))
                    for spiked, name, since, until, level in e.faults.gauge_spikes:
                        if spiked == service.name and name == metric and since <= minute < until:
                            value = level * (1 + rng.gauss(0, 0.05))
                    value = round(value, 4)
                    sums[metric] = sums.get(metric, 0.0) + value
                    rows.append((minute, metric, "gauge", value, service.name, e.organization_id, e.workspace_id,
                                 e.tenant_id, resource, {}, unit))  # fmt: skip
                counters[pod] += poisson(rng, GATEWAY_RPM * load / 3)
                rows.append((minute, "http.server.request.count", "counter", float(counters[pod]), service.name,
                             e.organization_id, e.workspace_id, e.tenant_id, resource, {}, "{request}"))  # fmt: skip
            for metric, total in sums.items():
                observed.gauges.append((service.name, metric, minute, total / len(service.pods)))
    return rows


# --------------------------------------------------------------------------- uptime


def _uptime(estate: Estate, start: datetime, end: datetime, rng: random.Random, observed: Observed) -> list[tuple]:
    e = estate
    rows: list[tuple[Any, ...]] = []
    for minute in minutes(start, end):
        for monitor_id, name, _url in e.monitors:
            for region in UPTIME_REGIONS:
                moment = minute + timedelta(seconds=REGION_LATENCY[region] * 7)
                fail_p = FLAPPING_FAILURE_RATE if name == e.flapping_monitor else 0.002
                for m_name, m_region, since, probability in e.faults.monitor_outages:
                    if m_name == name and m_region == region and minute >= since:
                        fail_p = probability
                base = 85 * REGION_LATENCY[region] * math.exp(rng.gauss(0, 0.2))
                if rng.random() < fail_p:
                    if rng.random() < 0.7:
                        status, code, took, error = "timeout", 0, 10_000, "request timed out after 10000 ms"
                    else:
                        status, code, took, error = "failure", 503, int(base * 3), "expected status 200, got 503"
                else:
                    status, code, took, error = "success", 200, int(base), ""
                rows.append((moment, monitor_id, name, status, code, took, f"203.0.113.{10 + len(name)}", region,
                             error, 64, e.organization_id, e.workspace_id, e.tenant_id))  # fmt: skip
                observed.checks.append((name, region, minute, status == "success"))
    return rows


# --------------------------------------------------------------------------- Kubernetes


def _restarts_at(estate: Estate, pod: str, moment: datetime, start: datetime, base: int) -> int:
    """The pod's cumulative container restarts at ``moment``."""
    count = base
    if pod == estate.restarting_pod:
        count += int((moment - start).total_seconds() // 3600)
    for oom_pod, since, restarts in estate.faults.oom_pods:
        if oom_pod == pod and moment >= since:
            # CrashLoopBackOff doubles the wait between restarts: 0, 10 s, 20 s, 40 s ... capped at 5 min
            elapsed = (moment - since).total_seconds()
            done, wait, at = 0, 10.0, 0.0
            while done < restarts and at <= elapsed:
                done += 1
                at += wait
                wait = min(wait * 2, 300.0)
            count += done
    return count


def _k8s_metrics(estate: Estate, start: datetime, end: datetime, rng: random.Random, observed: Observed) -> list:
    """Per pod and minute: CPU, memory working set and the cumulative container restarts."""
    e = estate
    rows: list[tuple[Any, ...]] = []
    bases = {pod: rng.choice((0, 0, 1, 2)) for s in e.services for pod in s.pods}
    bases[e.restarting_pod] = 31
    nodes = [f"ip-10-0-{n}-{rng.randint(10, 250)}.ec2.internal" for n in range(NODES)]
    placement = {pod: nodes[n % NODES] for n, pod in enumerate(bases)}
    oom = {pod: since for pod, since, _ in e.faults.oom_pods}
    for minute in minutes(start, end):
        ingest = minute + timedelta(seconds=3)
        for service in e.services:
            for pod in service.pods:
                labels = {"k8s.deployment.name": service.name, "k8s.node.name": placement[pod],
                          "container": service.name, "app.kubernetes.io/name": service.name}  # fmt: skip
                memory = 512e6 * (1 + rng.gauss(0, 0.03))
                if pod in oom and minute >= oom[pod]:
                    memory = 1_073_741_824 * rng.uniform(0.55, 0.99)  # climbs to the 1 GiB limit, killed, again
                restarts = _restarts_at(e, pod, minute, start, bases[pod])
                observed.restarts.append((pod, minute, restarts))
                for metric, unit, value in (
                    ("k8s.pod.cpu.usage", "m", round(150 * diurnal(minute) * math.exp(rng.gauss(0, 0.15)), 1)),
                    ("k8s.pod.memory.working_set", "By", round(memory)),
                    ("k8s.pod.restarts", "{restart}", float(restarts)),
                ):
                    rows.append((minute, e.cluster_id, "pod", pod, service.namespace, metric, value, unit, labels,
                                 e.organization_id, e.workspace_id, e.tenant_id, "agent", ingest))  # fmt: skip
    return rows


def _k8s_events(estate: Estate, start: datetime, end: datetime, rng: random.Random) -> list[tuple]:
    """The hourly liveness-probe restart, routine scheduling, OOM kills and BackOff (repeated with a running
    count, as the event exporter re-sends an event each time Kubernetes updates it), and rollouts."""
    e = estate
    rows: list[tuple[Any, ...]] = []

    def event(moment: datetime, namespace: str, kind: str, reason: str, message: str, source: str, obj_kind: str,
              obj: str, count: int = 1, first: datetime | None = None) -> None:  # fmt: skip
        rows.append((moment, e.cluster_id, e.organization_id, e.workspace_id, e.tenant_id, namespace, kind, reason,
                     message, source, obj_kind, obj, count, first or moment, moment))  # fmt: skip

    restarting = next(s for s in e.services if e.restarting_pod in s.pods)
    hour = start
    count = 0
    while hour < end:
        moment = hour + timedelta(minutes=17)
        if moment < end:
            count += 1
            event(moment - timedelta(seconds=30), restarting.namespace, "Warning", "Unhealthy",
                  "Liveness probe failed: HTTP probe failed with statuscode: 503", "kubelet", "Pod",
                  e.restarting_pod, count * 3, start)  # fmt: skip
            event(moment, restarting.namespace, "Normal", "Killing",
                  f"Container {restarting.name} failed liveness probe, will be restarted", "kubelet", "Pod",
                  e.restarting_pod, count, start)  # fmt: skip
        hour += timedelta(hours=1)
    for minute in minutes(start, end):
        if rng.random() < 1 / 15:
            service = rng.choice(e.services)
            event(minute + timedelta(seconds=rng.randint(0, 59)), service.namespace, "Normal", "Pulled",
                  f'Container image "registry.{e.domain}/{service.name}:{service.version}" already present on machine',
                  "kubelet", "Pod", rng.choice(service.pods))  # fmt: skip
    for pod, since, _restarts in e.faults.oom_pods:
        service = next(s for s in e.services if pod in s.pods)
        previous = 0
        for minute in minutes(since, end):
            done = _restarts_at(e, pod, minute, start, 0)
            for n in range(previous, done):
                at = minute + timedelta(seconds=n % 50)
                event(at, "", "Warning", "OOMKilling",
                      f"Memory cgroup out of memory: Killed process {4000 + n * 13} (java) total-vm:4823104kB, "
                      f"anon-rss:1046528kB, file-rss:0kB, shmem-rss:0kB", "kernel-monitor", "Node",
                      f"ip-10-0-{n % NODES}-17.ec2.internal")  # fmt: skip
            if done >= 2 and (minute - since).total_seconds() % 300 < 60:
                backoffs = done * 2
                event(minute, service.namespace, "Warning", "BackOff",
                      f"Back-off restarting failed container {service.name} in pod {pod}_{service.namespace}"
                      f"({uid(pod)})", "kubelet", "Pod", pod, backoffs, since)  # fmt: skip
            previous = done
    for name, at, version, _author in e.faults.deploys:
        service = e.service(name)
        replica_set = f"{name}-{hex_id(rng, 9)[:9]}"
        event(at, service.namespace, "Normal", "ScalingReplicaSet",
              f"Scaled up replica set {replica_set} to 1", "deployment-controller", "Deployment", name)  # fmt: skip
        event(at + timedelta(seconds=40), service.namespace, "Normal", "Pulled",
              f'Successfully pulled image "registry.{e.domain}/{name}:{version}" in 2.1s', "kubelet", "Pod",
              f"{replica_set}-{hex_id(rng, 5)}")  # fmt: skip
    rows.sort(key=lambda row: row[0])
    return rows


# --------------------------------------------------------------------------- audit


def _audit(estate: Estate, start: datetime, end: datetime, rng: random.Random, observed: Observed) -> list[tuple]:
    """Logins (a few typos fail), data reads and writes; the planted bursts of failed logins from one address."""
    e = estate
    rows: list[tuple[Any, ...]] = []

    def audit(moment: datetime, user: dict[str, str], event_type: str, action: str, resource: str, result: str,
              method: str, path: str, ip: str, error: str = "", code: str = "") -> None:  # fmt: skip
        rows.append((str(uuid.UUID(int=rng.getrandbits(128))), moment, user.get("id", ""), user["email"],
                     user.get("first", ""), user.get("last", ""), event_type, action, resource,
                     hex_id(rng, 8), result, error, code, ip, rng.choice(USER_AGENTS), method, path, "{}",
                     e.tenant_id, e.workspace_id, e.organization_id, "us-east-1", hex_id(rng, 24),
                     hex_id(rng, 32), rng.randint(4, 300), moment))  # fmt: skip
        if action == "login":
            observed.logins.append((ip, moment, result))

    for minute in minutes(start, end):
        for _ in range(poisson(rng, 1.1 * diurnal(minute))):
            user = rng.choice(e.users)
            moment = minute + timedelta(seconds=rng.random() * 60)
            if rng.random() < ROUTINE_LOGIN_FAILURE:
                audit(moment, user, "AUTH", "login", "session", "FAILURE", "POST", "/api/v1/auth/login", user["ip"],
                      "invalid credentials", "AUTH_INVALID_CREDENTIALS")  # fmt: skip
                moment += timedelta(seconds=rng.randint(5, 40))
            audit(moment, user, "AUTH", "login", "session", "SUCCESS", "POST", "/api/v1/auth/login", user["ip"])
        for _ in range(poisson(rng, 2.0 * diurnal(minute))):
            user = rng.choice(e.users)
            action, method = rng.choice((("dashboard.view", "GET"), ("query.run", "POST"), ("alert.update", "PUT")))
            audit(minute + timedelta(seconds=rng.random() * 60), user, "DATA", action, action.split(".")[0],
                  "SUCCESS", method, f"/api/v1/{action.split('.')[0]}s/{hex_id(rng, 8)}", user["ip"])  # fmt: skip
    for ip, since, until, attempts in e.faults.login_bursts:
        span = (until - since).total_seconds()
        targets = [*rng.sample(e.users, 8), {"email": f"admin@{e.domain}"}, {"email": f"root@{e.domain}"}]
        for n in range(attempts):
            target = targets[n % len(targets)]
            moment = since + timedelta(seconds=span * n / attempts + rng.random())
            audit(moment, target, "AUTH", "login", "session", "FAILURE", "POST", "/api/v1/auth/login", ip,
                  "invalid credentials", "AUTH_INVALID_CREDENTIALS")  # fmt: skip
    rows.sort(key=lambda row: row[1])
    return rows


# --------------------------------------------------------------------------- costs and changes


def _costs(estate: Estate, start: datetime, end: datetime, rng: random.Random, observed: Observed) -> list[tuple]:
    """Hourly billing lines: each service's compute (vCPU-hours) and storage, its database, and the egress."""
    e = estate
    rows: list[tuple[Any, ...]] = []
    hour = start.replace(minute=0, second=0, microsecond=0)
    account = str(rng.randint(10**11, 10**12 - 1))
    while hour < end:
        for service in e.services:
            vcpu = PODS_PER_SERVICE * (0.5 + service.base_ms / 60) * diurnal(hour)
            factor = 1.0
            for name, since, jump in e.faults.cost:
                if name == service.name and hour >= since:
                    factor = jump
            vcpu *= factor
            cost = round(vcpu * 0.0464 * rng.uniform(0.96, 1.04), 5)
            lines = [("compute", uid(e.organization_id, "workload", service.name), "kubernetes-workload",
                      round(vcpu, 3), "vCPU-hours", cost)]  # fmt: skip
            if service.db:
                db_cost = round((0.32 if service.db != "redis" else 0.09) * rng.uniform(0.99, 1.01), 5)
                lines.append(("database", uid(e.organization_id, "db", service.name), f"managed-{service.db}",
                              1.0, "instance-hours", db_cost))  # fmt: skip
            for category, resource_id, resource_type, quantity, unit, usd in lines:
                rows.append((hour, e.organization_id, e.workspace_id, e.tenant_id, "aws", account, "us-east-1",
                             service.name, category, resource_id, resource_type, quantity, unit, usd,
                             {"team": service.namespace, "env": "production"}))  # fmt: skip
                observed.costs.append((service.name, hour, usd))
        egress = round(rng.uniform(0.8, 1.6), 5)
        rows.append((hour, e.organization_id, e.workspace_id, e.tenant_id, "aws", account, "us-east-1",
                     "network-egress", "network", uid(e.organization_id, "egress"), "data-transfer",
                     round(egress / 0.09, 2), "GB", egress, {}))  # fmt: skip
        hour += timedelta(hours=1)
    return rows


def _changes(estate: Estate, start: datetime, end: datetime, rng: random.Random) -> list[tuple]:
    """Routine feature-flag and config changes every hour or two, and the planted deployments."""
    e = estate
    rows: list[tuple[Any, ...]] = []

    def change(moment: datetime, kind: str, source: str, service: Service, version: str, previous: str,
               author: str, title: str, risk: str) -> None:  # fmt: skip
        rows.append((moment, uid(e.organization_id, "change", moment.isoformat(), service.name), kind, source,
                     service.name, "production", e.cluster_id, service.namespace, version, previous, author, title,
                     f"{title} ({source})", "succeeded", risk, {"pipeline": f"{service.name}-cd"},
                     e.organization_id, e.workspace_id, e.tenant_id))  # fmt: skip

    moment = start + timedelta(minutes=rng.randint(10, 50))
    while moment < end:
        service = rng.choice(e.services[1:])
        flag = rng.choice(("new-search-ranking", "async-receipts", "dark-mode", "bulk-export"))
        change(moment, "feature_flag", "launchdarkly", service, "", "", rng.choice(e.users)["email"],
               f"Flag {flag} set to {rng.choice((10, 25, 50))}% for {service.name}", "low")  # fmt: skip
        moment += timedelta(minutes=rng.randint(70, 140))
    for name, at, version, author in e.faults.deploys:
        service = e.service(name)
        change(at, "deployment", "argocd", service, version, service.version, author,
               f"Deploy {name} {version}", "medium")  # fmt: skip
    rows.sort(key=lambda row: row[0])
    return rows


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
