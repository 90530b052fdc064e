"""Anomalies found in the data itself, and TFO's ``anomaly_events`` rows, as findings (:mod:`tfo_mcp.context.change`).

The detector reads per-bucket series from the rollups and summary tables, in one tier for the window and its history:

* per service, from entry spans (``service_request_stats_*``): the request rate (a drop is bad), the error rate
  and the p95 (a rise is bad);
* per service, the error log lines (``logs_*``);
* per service and metric, every gauge (``metrics_*``; a move either way counts).

The history is the baseline window plus the window's hours a day earlier (seasonality, where the store keeps
them) and the preceding window, whichever of those differ. For each series ClickHouse computes the history's
median and MAD and, per whole bucket of the window, a robust z = (value - median) / spread, the spread being the
largest of 1.4826 x MAD, the signal's floor / 3 and the counting noise (Poisson for rates and line counts, binomial
for error rates). A bucket is a hit when its z is at least ``Z_BUCKET``, it moved at least the signal's minimum
relative change (change_signals.tsv) and it lies beyond every history value. A series is anomalous with
``MIN_HITS`` hits, or one hit of z at least ``Z_SINGLE``; it becomes a finding through
:func:`~tfo_mcp.context.change.compare` (``source="detector"``, before = the history's median, after = the median
of the hit buckets, ``since`` = the first hit). Steady noise and chronic conditions have no hits.

Cost: three queries (one per family), each returning at most ``SERIES_LIMIT`` series with their history arrays.
The detector does not run on servers older than 20.x (platform_legacy schema).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from tfo_mcp.context._shaping import as_float, as_int, optional
from tfo_mcp.context.change import (
    CHRONIC_DISCOUNT,
    Finding,
    baseline_window,
    compare,
    point_in_time,
    signal,
)
from tfo_mcp.context.signals import ERROR_SEVERITY_LIST
from tfo_mcp.context.sources import (
    ROLLUP_FAMILIES,
    Failed,
    RollupChoice,
    _legacy_tables,
    ch,
    failures,
    gather_sources,
    has_table,
    partial,
    split_windows,
)
from tfo_mcp.context.types import TimeRange
from tfo_mcp.stores.clickhouse import get_clickhouse

if TYPE_CHECKING:
    from tfo_mcp.context.collector import CollectRequest

__all__ = ["Anomalies", "Detection", "anomalies", "detect", "service_of", "tfo_findings"]

#: |robust z| a window bucket needs to count as a hit.
Z_BUCKET = 3.5
#: A series is anomalous with MIN_HITS hits, or with one hit that stands Z_SINGLE out and moved SINGLE_CHANGE times
#: the signal's minimum relative change (one bucket alone is more often noise: a quantized p95, a stray burst).
MIN_HITS = 2
Z_SINGLE = 6.0
SINGLE_CHANGE = 2.0
#: History buckets a series needs before it is judged (fewer: its usual range is unknown).
MIN_HISTORY = 6
#: The finest tier that splits the window into at most this many buckets is read (a 1 h window: 5-minute buckets).
MAX_BUCKETS = 48
#: Series each family query returns at most (strongest first).
SERIES_LIMIT = 20
#: The p95 is judged only on buckets with at least this many requests (it rests on the slowest 5 %: 3 requests).
MIN_REQUESTS = 60
#: An error-rate bucket is a hit only with at least this many failed requests (one failure in a quiet bucket is
#: a high rate, not an incident).
MIN_ERRORS = 5
#: A gauge has no traffic share: its findings weigh as half the traffic.
GAUGE_IMPACT = 0.5
#: A move of this many times the baseline (or past the signal's condition level) makes a finding critical.
CRITICAL_FACTOR = 10.0
#: The seasonal history: the window's hours this long before.
SEASON = timedelta(days=1)
Severity = Literal["critical", "warning", "info"]
_NO_RANGE = (datetime(1970, 1, 1, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC))
#: family -> (SQL file, rollup family); the order of Detection.sources.
_FAMILIES = {
    "requests": ("detect_requests", "service_request_stats"),
    "log_errors": ("detect_log_errors", "logs"),
    "gauges": ("detect_gauges", "metrics"),
}


@dataclass(frozen=True)
class Detection:
    """What the detector found: findings (new or worsened only), the series it examined and the tables it read."""

    findings: list[Finding] = field(default_factory=list)
    series: int = 0
    sources: list[str] = field(default_factory=list)
    #: family -> reason, for the families that could not be read
    failed: dict[str, str] = field(default_factory=dict)
    #: why the detector did not run at all (None when it ran)
    skipped: str | None = None


# --------------------------------------------------------------------------- windows


def tier(family: str, window: TimeRange) -> RollupChoice:
    """The finest rollup of ``family`` that splits ``window`` into at most MAX_BUCKETS buckets, else the coarsest."""
    rollups = ROLLUP_FAMILIES[family].rollups
    seconds = window.duration.total_seconds()
    chosen = next((entry for entry in rollups if seconds / entry[0] <= MAX_BUCKETS), rollups[-1])
    interval, table, bucket = chosen
    return RollupChoice(family, table, bucket, "rollup", interval)


def _whole_buckets(window: TimeRange, step: int) -> tuple[datetime, datetime]:
    """[first bucket start at or after ``start``, last bucket end at or before ``end``)."""
    first = math.ceil(window.start.timestamp() / step) * step
    last = math.floor(window.end.timestamp() / step) * step
    return datetime.fromtimestamp(first, UTC), datetime.fromtimestamp(last, UTC)


def history_windows(req: CollectRequest) -> list[TimeRange]:
    """The baseline window, the window a SEASON earlier and the preceding window, without repeats (at most 3)."""
    window = req.time_range
    season = TimeRange(start=window.start - SEASON, end=window.end - SEASON)
    out: list[TimeRange] = []
    for candidate in (baseline_window(window, req.baseline), season, baseline_window(window, "previous")):
        if candidate.end <= window.start and all(candidate != kept for kept in out):
            out.append(candidate)
    return out


def _range_params(req: CollectRequest, step: int) -> dict[str, Any] | None:
    """``recent_from`` / ``recent_to`` and ``history_<i>_from`` / ``_to`` (whole buckets), None when the window holds
    no whole bucket."""
    recent_from, recent_to = _whole_buckets(req.time_range, step)
    if recent_from >= recent_to:
        return None
    params: dict[str, Any] = {"recent_from": recent_from, "recent_to": recent_to, "step": step}
    ranges = [_whole_buckets(window, step) for window in history_windows(req)]
    for index in range(3):
        start, end = ranges[index] if index < len(ranges) else _NO_RANGE
        params[f"history_{index + 1}_from"], params[f"history_{index + 1}_to"] = start, end
    return params


# --------------------------------------------------------------------------- the detector


def _thresholds(name: str) -> dict[str, float]:
    spec = signal(name)
    return {"floor": spec.floor, "min_change": spec.min_change}


def _family_params(family: str) -> dict[str, Any]:
    common: dict[str, Any] = {"z_bucket": Z_BUCKET, "min_history": MIN_HISTORY, "limit": SERIES_LIMIT}
    if family == "requests":
        for key, name in (("requests", "requests_per_min"), ("errors", "error_percent"), ("p95", "p95_ms")):
            spec = signal(name)
            common[f"floor_{key}"], common[f"change_{key}"] = spec.floor, spec.min_change
        return {**common, "min_requests": MIN_REQUESTS, "min_errors": MIN_ERRORS}
    if family == "log_errors":
        return {**common, **_thresholds("log_errors"), "error_severities": ERROR_SEVERITY_LIST}
    return {**common, **_thresholds("value")}


async def _family_rows(req: CollectRequest, family: str, service: str) -> tuple[list[dict[str, Any]], str] | None:
    """The family's strongest series and the table read; None when the server lacks the table or the window holds
    no whole bucket."""
    sql_name, rollup_family = _FAMILIES[family]
    choice = tier(rollup_family, req.time_range)
    ranges = _range_params(req, choice.interval_seconds)
    if ranges is None or not await has_table(choice.table):
        return None
    rows = await ch(req, sql_name, rollup=choice, service=service, **ranges, **_family_params(family))
    return rows, choice.table


def service_of(entity: str) -> str:
    """The service of a detector or TFO finding's entity (``service`` or ``service metric``)."""
    return entity.split(" ", 1)[0]


def _entity(service: str, metric: str) -> str:
    return f"{service} {metric}".strip() if service else metric


def _anomalous(row: dict[str, Any]) -> bool:
    hits = as_int(row.get("hits"))
    if hits >= MIN_HITS:
        return True
    if hits < 1 or as_float(row.get("max_z")) < Z_SINGLE:
        return False
    spec = signal(str(row["signal"]))
    before = as_float(row["median_value"])
    moved = abs(as_float(row["hit_value"]) - before) / max(abs(before), spec.floor)
    return moved >= SINGLE_CHANGE * spec.min_change


def _severity(name: str, before: float, after: float) -> Severity:
    """Critical when the figure crossed its signal's condition level or moved CRITICAL_FACTOR times, else warning."""
    spec = signal(name)
    level = spec.condition
    crossed = level is not None and (after <= level if spec.worse == "down" else after >= level)
    low, high = sorted((max(abs(before), spec.floor), max(abs(after), spec.floor)))
    return "critical" if crossed or high / low >= CRITICAL_FACTOR else "warning"


def _finding(req: CollectRequest, family: str, row: dict[str, Any]) -> Finding | None:
    """A detector row as a finding (new or worsened), None when the series is not anomalous."""
    if not _anomalous(row):
        return None
    name = str(row["signal"])
    before, after = as_float(row["median_value"]), as_float(row["hit_value"])
    impact = GAUGE_IMPACT if family == "gauges" else as_float(row.get("share"))
    finding = compare(
        req.context_type.value,
        _entity(str(row["service_name"]), str(row.get("metric_name") or "")),
        name,
        before,
        after,
        impact=impact,
        severity=_severity(name, before, after),
        baseline_points=[float(value) for value in row["history"]],
        since=point_in_time(row.get("first_hit")),
        window=req.time_range,
        baseline=baseline_window(req.time_range, req.baseline),
        source="detector",
    )
    return finding if finding is not None and finding.status in ("new", "worsened") else None


async def detect(req: CollectRequest, service: str = "") -> Detection:
    """Run the detector for ``req``'s window (``service`` = '' for every service); families that fail are listed
    in ``failed``, the others still count. Skipped on servers older than 20.x."""
    if await _legacy_tables(get_clickhouse()) is not None:
        return Detection(skipped="the detector needs ClickHouse 20 or newer")
    families = list(_FAMILIES)
    results = await gather_sources(
        *(optional(req, f"detector {family}", _family_rows(req, family, service)) for family in families)
    )
    findings: list[Finding] = []
    series, sources, failed = 0, [], {}
    for family, result in zip(families, results, strict=True):
        if isinstance(result, Failed):
            failed[result.source] = result.reason
            continue
        if result is None:
            continue
        rows, table = result
        sources.append(table)
        series += max((as_int(row.get("series")) for row in rows), default=0)
        findings += [f for f in (_finding(req, family, row) for row in rows) if f is not None]
    return Detection(findings=findings, series=series, sources=sources, failed=failed)


# --------------------------------------------------------------------------- TFO's anomaly_events


async def tfo_anomaly_groups(
    req: CollectRequest, service: str = ""
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """TFO's anomalies per service and metric in the window and in its baseline window (one query reads both)."""
    base = baseline_window(req.time_range, req.baseline)
    rows = await ch(req, "detect_tfo_anomalies", service=service, base_start=base.start, base_end=base.end)
    return split_windows(rows)


def tfo_findings(
    req: CollectRequest, groups: Sequence[dict[str, Any]], baseline_groups: Sequence[dict[str, Any]]
) -> list[Finding]:
    """TFO's anomalies as findings (``source="tfo"``): per service and metric, the strongest event's observed value
    against TFO's expected value, new (TFO labelled it; any move counts). When the same service and metric was
    anomalous in the baseline window too, the finding is chronic unless the observed value clearly grew
    (``worsened``); a chronic one keeps CHRONIC_DISCOUNT of its score."""
    before_by_key = {(row["service_name"], row["metric_name"]): row for row in baseline_groups}
    out = []
    for row in groups:
        entity = _entity(str(row["service_name"]), str(row["metric_name"]))
        level = str(row["level"])
        observed = as_float(row["observed"])
        finding = compare(
            req.context_type.value,
            entity,
            "tfo_anomaly",
            as_float(row["expected"]),
            observed,
            impact=as_float(row["score"]),
            severity=level if level in ("critical", "warning", "info") else "warning",  # type: ignore[arg-type]
            since=point_in_time(row["first_seen"]),
            window=req.time_range,
            baseline=baseline_window(req.time_range, req.baseline),
            source="tfo",
        )
        if finding is None:
            continue
        earlier = before_by_key.get((row["service_name"], row["metric_name"]))
        if earlier is not None:
            grew = compare(req.context_type.value, entity, "value", as_float(earlier["observed"]), observed)
            status = "worsened" if grew is not None and grew.status == "new" else "chronic"
            score = finding.score if status == "worsened" else finding.score * CHRONIC_DISCOUNT
            finding = replace(finding, status=status, score=score)  # type: ignore[arg-type]
        out.append(finding)
    return out


# --------------------------------------------------------------------------- both, for the anomaly contexts


@dataclass(frozen=True)
class Anomalies:
    """TFO's anomalies and the detector's, as findings, for one window."""

    tfo: list[Finding]
    detection: Detection
    #: source -> reason, for what could not be read (anomaly_events, the detector or one of its families)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def findings(self) -> list[Finding]:
        """TFO's findings and the detector's, unranked (``available`` ranks them)."""
        return [*self.tfo, *self.detection.findings]

    @property
    def examined(self) -> bool:
        """Whether there was anything to judge: TFO rows, or series the detector examined."""
        return bool(self.tfo) or self.detection.series > 0

    def services(self) -> set[str]:
        return {service_of(finding.entity) for finding in self.findings}

    def detector_clause(self) -> str:
        """What the detector did, for a lead: the series it found anomalous of those examined, or why it judged none
        (did not run; no series had MIN_HISTORY buckets of history before the window, e.g. a window at the start of
        the data)."""
        if self.detection.skipped is not None:
            return f"the detector did not run ({self.detection.skipped})"
        if self.detection.series == 0:
            return f"no series the detector could judge (none has {MIN_HISTORY} buckets of history before the window)"
        return f"{len(self.detection.findings)} series anomalous in the data (of {self.detection.series} examined)"

    def lead(self, tfo_total: int, tfo_critical: int) -> str:
        """The sentence that counts both sources."""
        tfo = f"{tfo_total} {'anomaly' if tfo_total == 1 else 'anomalies'} labelled by TFO ({tfo_critical} critical)"
        services = len(self.services())
        where = f", in {services} {'service' if services == 1 else 'services'}" if services else ""
        return f"{tfo} and {self.detector_clause()}{where}."

    def data(self, limit: int) -> dict[str, Any]:
        """``detector`` (series examined, tables, why it did not run) and ``detected`` (its findings, strongest
        first)."""
        from tfo_mcp.context.change import rank

        return {
            "detector": {
                "series": self.detection.series,
                "sources": self.detection.sources,
                "skipped": self.detection.skipped,
            },
            "detected": [finding.to_dict() for finding in rank(self.detection.findings)[:limit]],
        }


async def anomalies(req: CollectRequest, service: str = "") -> Anomalies:
    """TFO's anomalies (window and baseline) and the detector's, read concurrently; a source that fails is listed
    in ``failed`` and the other still counts."""
    groups, detection = await gather_sources(
        partial("anomaly_events", tfo_anomaly_groups(req, service)),
        partial("detector", detect(req, service)),
    )
    failed = failures(groups, detection)
    window_groups, baseline_groups = ([], []) if isinstance(groups, Failed) else groups
    found = Detection() if isinstance(detection, Failed) else detection
    return Anomalies(tfo_findings(req, window_groups, baseline_groups), found, {**failed, **found.failed})
