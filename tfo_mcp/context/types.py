"""Context types, insight types, the validated time window and the `TelemetryContext` result.

The 78 context types are fixed by the spec; their category and one-line description live in
`tfo_mcp/data/context_types.tsv` and are loaded (and checked against the enum) at import.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from tfo_mcp.logs import scrub_secrets

#: Longest window a context may cover. TFO's step table ends at 30 days; one extra day lets "the last month" through.
MAX_SPAN = timedelta(days=31)
#: Window used when the caller gives no start.
DEFAULT_WINDOW = timedelta(hours=1)
#: Longest reason text kept in an "unavailable" result (error text is capped, never passed through unbounded).
MAX_REASON_CHARS = 500
#: Nesting depth after which `jsonable` stops descending (guards against cycles and pathological data).
_MAX_JSON_DEPTH = 64

#: TFO's window -> step rule: (largest window, step seconds), first match wins; longer windows use a day.
_STEP_TABLE: tuple[tuple[timedelta, int], ...] = (
    (timedelta(hours=1), 60),
    (timedelta(hours=6), 300),
    (timedelta(hours=24), 900),
    (timedelta(days=7), 3600),
    (timedelta(days=30), 21600),
)
_LONGEST_STEP = 86400

_CATALOG_PATH = Path(__file__).resolve().parent.parent / "data" / "context_types.tsv"

ContextStatus = Literal["available", "empty", "unavailable"]


class ContextType(StrEnum):
    """The 78 kinds of telemetry context an assistant can ask for (values as in the spec, in spec order)."""

    METRICS = "metrics"
    LOGS = "logs"
    TRACES = "traces"
    EXEMPLARS = "exemplars"
    UPTIME = "uptime"
    AUDIT = "audit"
    ERRORS = "errors"
    LATENCY = "latency"
    THROUGHPUT = "throughput"
    SATURATION = "saturation"
    SERVICE_HEALTH = "service-health"
    DEPENDENCIES = "dependencies"
    TOPOLOGY = "topology"
    ANOMALIES = "anomalies"
    SLO = "slo"
    SLI = "sli"
    ERROR_BUDGET = "error-budget"
    CHANGE_EVENTS = "change-events"
    DEPLOYMENT = "deployment"
    ALERT = "alert"
    INFRA_HOSTS = "infra-hosts"
    INFRA_CONTAINERS = "infra-containers"
    INFRA_NETWORK = "infra-network"
    INFRA_STORAGE = "infra-storage"
    INFRA_COMPUTE = "infra-compute"
    INFRA_DATABASE = "infra-database"
    INFRA_CACHE = "infra-cache"
    INFRA_QUEUE = "infra-queue"
    INFRA_LOAD_BALANCER = "infra-load-balancer"
    INFRA_DNS = "infra-dns"
    KUBERNETES_CLUSTERS = "kubernetes-clusters"
    KUBERNETES_NAMESPACES = "kubernetes-namespaces"
    KUBERNETES_DEPLOYMENTS = "kubernetes-deployments"
    KUBERNETES_PODS = "kubernetes-pods"
    KUBERNETES_SERVICES = "kubernetes-services"
    KUBERNETES_NODES = "kubernetes-nodes"
    KUBERNETES_CONFIGMAPS = "kubernetes-configmaps"
    KUBERNETES_SECRETS = "kubernetes-secrets"
    KUBERNETES_HPA = "kubernetes-hpa"
    KUBERNETES_EVENTS = "kubernetes-events"
    SERVICE_MAP = "service-map"
    SERVICE_MAP_TRAFFIC = "service-map-traffic"
    SERVICE_MAP_ERRORS = "service-map-errors"
    SERVICE_MAP_LATENCY = "service-map-latency"
    SERVICE_MAP_DEPENDENCIES = "service-map-dependencies"
    SERVICE_MAP_TOPOLOGY = "service-map-topology"
    NETWORK_MAP = "network-map"
    NETWORK_MAP_TRAFFIC = "network-map-traffic"
    NETWORK_MAP_CONNECTIONS = "network-map-connections"
    NETWORK_MAP_DNS = "network-map-dns"
    NETWORK_MAP_FIREWALL = "network-map-firewall"
    NETWORK_MAP_SECURITY = "network-map-security"
    DB_OVERVIEW = "db-overview"
    DB_QUERIES = "db-queries"
    DB_SLOW_QUERIES = "db-slow-queries"
    DB_CONNECTIONS = "db-connections"
    DB_TABLES = "db-tables"
    DB_INDEXES = "db-indexes"
    DB_REPLICATION = "db-replication"
    DB_LOCKS = "db-locks"
    SECURITY_EVENTS = "security-events"
    SECURITY_VULNERABILITIES = "security-vulnerabilities"
    SECURITY_COMPLIANCE = "security-compliance"
    SECURITY_ACCESS = "security-access"
    SECURITY_THREATS = "security-threats"
    SECURITY_INCIDENTS = "security-incidents"
    PLATFORM_HEALTH = "platform-health"
    PLATFORM_CAPACITY = "platform-capacity"
    PLATFORM_COST = "platform-cost"
    PLATFORM_PERFORMANCE = "platform-performance"
    AI_INSIGHTS = "ai-insights"
    AI_RECOMMENDATIONS = "ai-recommendations"
    AI_ANOMALIES = "ai-anomalies"
    AI_PREDICTIONS = "ai-predictions"
    AI_ROOT_CAUSE = "ai-root-cause"
    AI_PATTERNS = "ai-patterns"
    REPORT_SUMMARY = "report-summary"
    CUSTOM = "custom"

    @property
    def category(self) -> str:
        """Group this type belongs to (signals, sre, infrastructure, kubernetes, ...)."""
        return _CATALOG[self].category

    @property
    def description(self) -> str:
        """One-line description of what this context contains."""
        return _CATALOG[self].description

    @classmethod
    def parse(cls, value: ContextType | str) -> ContextType:
        """The member for `value` (case and surrounding space ignored); ValueError naming close matches otherwise."""
        if isinstance(value, cls):
            return value
        text = str(value).strip().lower().replace("_", "-")
        try:
            return cls(text)
        except ValueError:
            close = difflib.get_close_matches(text, [member.value for member in cls], n=3, cutoff=0.6)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            shown = str(value)[:80]
            raise ValueError(
                f"unknown context type {shown!r}.{hint} "
                f"There are {len(cls)} valid types; list_context_types shows them."
            ) from None


class InsightType(StrEnum):
    """The kinds of analysis an insight prompt can ask for."""

    CHRONOLOGY = "chronology"
    PREDICTION = "prediction"
    RECOMMENDATION = "recommendation"
    ROOT_CAUSE = "root-cause"
    PATTERN = "pattern"

    @classmethod
    def parse(cls, value: InsightType | str) -> InsightType:
        """The member for `value` (case, spaces and `_` for `-` tolerated); ValueError listing the valid ones."""
        if isinstance(value, cls):
            return value
        text = str(value).strip().lower().replace("_", "-")
        try:
            return cls(text)
        except ValueError:
            valid = ", ".join(member.value for member in cls)
            raise ValueError(f"unknown insight type {str(value)[:80]!r}; valid types: {valid}") from None


@dataclass(frozen=True, slots=True)
class ContextTypeInfo:
    """Catalog row of one context type."""

    category: str
    description: str


def _load_catalog(path: Path = _CATALOG_PATH) -> dict[ContextType, ContextTypeInfo]:
    """Read the TSV catalog and check it names every context type exactly once."""
    catalog: dict[ContextType, ContextTypeInfo] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise RuntimeError(f"{path.name} line {number}: expected 3 tab-separated fields, got {len(fields)}")
        value, category, description = (field.strip() for field in fields)
        try:
            member = ContextType(value)
        except ValueError:
            raise RuntimeError(f"{path.name} line {number}: {value!r} is not a context type") from None
        if member in catalog:
            raise RuntimeError(f"{path.name} line {number}: {value!r} is listed twice")
        catalog[member] = ContextTypeInfo(category=category, description=description)
    missing = [member.value for member in ContextType if member not in catalog]
    if missing:
        raise RuntimeError(f"{path.name} has no row for: {', '.join(missing)}")
    return catalog


_CATALOG = _load_catalog()


def available_context_types() -> list[dict[str, str]]:
    """Every context type, in spec order, as `{"value", "category", "description"}`."""
    return [
        {"value": member.value, "category": _CATALOG[member].category, "description": _CATALOG[member].description}
        for member in ContextType
    ]


def iso(instant: datetime) -> str:
    """ISO-8601 text of an aware datetime, UTC written as `Z`."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _aware_utc(value: object, label: str) -> datetime:
    """A timezone-aware UTC datetime from a datetime or an ISO-8601 string; naive or unparsable input is refused."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{label} {text[:60]!r} is not an ISO-8601 date-time (example: 2025-01-31T14:00:00Z)"
            ) from None
    if not isinstance(value, datetime):
        raise ValueError(f"{label} must be an ISO-8601 string or a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{label} {value.isoformat()} has no timezone; add one, e.g. a trailing Z for UTC")
    return value.astimezone(UTC)


class TimeRange(BaseModel):
    """A validated, immutable window [start, end): timezone-aware (stored in UTC), start < end, span <= 31 days.

    Accepts datetimes or ISO-8601 strings; `from`/`to` and `time_from`/`time_to` work as input names too.
    """

    model_config = ConfigDict(frozen=True)

    start: datetime = Field(
        validation_alias=AliasChoices("start", "from", "time_from"), description="Start of the window (inclusive, UTC)"
    )
    end: datetime = Field(
        validation_alias=AliasChoices("end", "to", "time_to"), description="End of the window (exclusive, UTC)"
    )

    @field_validator("start", "end", mode="before")
    @classmethod
    def _check_instant(cls, value: object, info: Any) -> datetime:
        return _aware_utc(value, info.field_name)

    @model_validator(mode="after")
    def _check_window(self) -> TimeRange:
        if self.start >= self.end:
            raise ValueError(f"start {iso(self.start)} must be before end {iso(self.end)}")
        if self.end - self.start > MAX_SPAN:
            raise ValueError(
                f"the window {iso(self.start)} .. {iso(self.end)} spans {self.end - self.start}; "
                f"at most {MAX_SPAN.days} days are allowed"
            )
        return self

    @classmethod
    def last(cls, *, hours: float = 0, minutes: float = 0, end: datetime | str | None = None) -> TimeRange:
        """The window of the last `hours` + `minutes` ending at `end` (default: now)."""
        length = timedelta(hours=hours, minutes=minutes)
        if length <= timedelta(0):
            raise ValueError("the window length must be positive")
        until = _aware_utc(end, "end") if end is not None else datetime.now(UTC)
        return cls(start=until - length, end=until)

    @classmethod
    def resolve(
        cls,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        default: timedelta = DEFAULT_WINDOW,
    ) -> TimeRange:
        """The window for optional caller bounds: `end` defaults to now, `start` to `end - default` (one hour)."""
        until = _aware_utc(end, "end") if end is not None else datetime.now(UTC)
        since = _aware_utc(start, "start") if start is not None else until - default
        return cls(start=since, end=until)

    @property
    def duration(self) -> timedelta:
        """Length of the window."""
        return self.end - self.start

    def step_seconds(self) -> int:
        """Bucket width TFO uses for this window.

        <=1h: 60 s, <=6h: 300 s, <=24h: 900 s, <=7d: 3600 s, <=30d: 21600 s, longer: 86400 s.
        """
        span = self.duration
        for limit, step in _STEP_TABLE:
            if span <= limit:
                return step
        return _LONGEST_STEP

    def to_dict(self) -> dict[str, str]:
        """`{"start": ISO-8601, "end": ISO-8601}`."""
        return {"start": iso(self.start), "end": iso(self.end)}

    def __str__(self) -> str:
        return f"{iso(self.start)} to {iso(self.end)}"


class TelemetryContext(BaseModel):
    """What a collector returns: the type, the window, a short digest for the model and the structured detail."""

    model_config = ConfigDict(frozen=True)

    type: ContextType = Field(description="The context type collected")
    time_range: TimeRange = Field(description="The window the data covers")
    summary: str = Field(description="Short human-readable digest; starts with [SYSTEM] when empty or unavailable")
    data: Any = Field(default=None, description="Structured detail (JSON-compatible after `jsonable`)")
    status: ContextStatus = Field(default="available", description="available, empty or unavailable")

    def to_dict(self) -> dict[str, Any]:
        """The context as plain JSON-compatible values."""
        return {
            "type": self.type.value,
            "time_range": self.time_range.to_dict(),
            "status": self.status,
            "summary": self.summary,
            "data": jsonable(self.data),
        }

    def to_json(self, indent: int | None = None) -> str:
        """The context as JSON text (non-JSON values converted by `jsonable`)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


def jsonable(value: Any, _depth: int = 0) -> Any:
    """`value` as JSON-compatible data: datetimes as ISO-8601, Decimals as numbers, enums by value,
    mappings with string keys, sequences and sets as lists, non-finite floats and anything else via `str()`."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if _depth >= _MAX_JSON_DEPTH:
        return str(value)[:200]
    if isinstance(value, Enum):
        return jsonable(value.value, _depth + 1)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(jsonable(key, _depth + 1)): jsonable(item, _depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item, _depth + 1) for item in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, BaseModel):
        return jsonable(value.model_dump(), _depth + 1)
    return str(value)


def empty_context(context_type: ContextType | str, time_range: TimeRange, source: str) -> TelemetryContext:
    """An `empty` result: the source answered but held no rows for this organization in the window."""
    kind = ContextType.parse(context_type)
    summary = (
        f"[SYSTEM] No {kind.value} data was found in {source} for the period {time_range}. "
        "Tell the user nothing was recorded in this window, and suggest a wider time range "
        "or checking that this kind of telemetry is being collected for the organization."
    )
    return TelemetryContext(
        type=kind,
        time_range=time_range,
        summary=summary,
        data={"available": False, "row_count": 0, "source": source},
        status="empty",
    )


def unavailable_context(context_type: ContextType | str, time_range: TimeRange, reason: str) -> TelemetryContext:
    """An `unavailable` result: the source could not be reached, timed out or is not configured."""
    kind = ContextType.parse(context_type)
    cleaned = scrub_secrets(" ".join(str(reason).split()))
    if len(cleaned) > MAX_REASON_CHARS:
        cleaned = cleaned[:MAX_REASON_CHARS] + "..."
    sentence = cleaned if cleaned.endswith((".", "!", "?")) else f"{cleaned}."
    summary = (
        f"[SYSTEM] The {kind.value} context is unavailable: its data source could not be reached or is not "
        f"configured. Reason: {sentence} Tell the user this is a connectivity or configuration problem on the "
        "platform side, not an absence of telemetry, and do not ask them to supply the data by hand."
    )
    return TelemetryContext(
        type=kind,
        time_range=time_range,
        summary=summary,
        data={"available": False, "reason": cleaned},
        status="unavailable",
    )


def preparing_summary(subject: str, percent: float, step: str) -> str:
    """The `[SYSTEM]` sentence while the server still prepares its store (the demo estate's first seed)."""
    return (
        f"[SYSTEM] The demo estate is being prepared ({percent:.0f} %, {step}). {subject} answers once it is "
        "ready, within a minute of the first start; status://health shows the progress. Tell the user to try "
        "again shortly; do not treat this as missing telemetry."
    )


def preparing_context(
    context_type: ContextType | str, time_range: TimeRange, percent: float, step: str
) -> TelemetryContext:
    """An `unavailable` result while the server still prepares its store."""
    kind = ContextType.parse(context_type)
    return TelemetryContext(
        type=kind,
        time_range=time_range,
        summary=preparing_summary(f"The {kind.value} context", percent, step),
        data={"available": False, "preparing": {"percent": round(percent), "step": step}},
        status="unavailable",
    )
