"""Context type catalog, TimeRange validation and the TelemetryContext result helpers."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from tfo_mcp.context import (
    ContextType,
    InsightType,
    TelemetryContext,
    TimeRange,
    available_context_types,
    empty_context,
    unavailable_context,
)
from tfo_mcp.context.types import MAX_SPAN, _load_catalog

#: The 78 spec context types, in spec order (tfo-platform reference, section 3.3).
EXPECTED_TYPES = [
    "metrics",
    "logs",
    "traces",
    "exemplars",
    "uptime",
    "audit",
    "errors",
    "latency",
    "throughput",
    "saturation",
    "service-health",
    "dependencies",
    "topology",
    "anomalies",
    "slo",
    "sli",
    "error-budget",
    "change-events",
    "deployment",
    "alert",
    "infra-hosts",
    "infra-containers",
    "infra-network",
    "infra-storage",
    "infra-compute",
    "infra-database",
    "infra-cache",
    "infra-queue",
    "infra-load-balancer",
    "infra-dns",
    "kubernetes-clusters",
    "kubernetes-namespaces",
    "kubernetes-deployments",
    "kubernetes-pods",
    "kubernetes-services",
    "kubernetes-nodes",
    "kubernetes-configmaps",
    "kubernetes-secrets",
    "kubernetes-hpa",
    "kubernetes-events",
    "service-map",
    "service-map-traffic",
    "service-map-errors",
    "service-map-latency",
    "service-map-dependencies",
    "service-map-topology",
    "network-map",
    "network-map-traffic",
    "network-map-connections",
    "network-map-dns",
    "network-map-firewall",
    "network-map-security",
    "db-overview",
    "db-queries",
    "db-slow-queries",
    "db-connections",
    "db-tables",
    "db-indexes",
    "db-replication",
    "db-locks",
    "security-events",
    "security-vulnerabilities",
    "security-compliance",
    "security-access",
    "security-threats",
    "security-incidents",
    "platform-health",
    "platform-capacity",
    "platform-cost",
    "platform-performance",
    "ai-insights",
    "ai-recommendations",
    "ai-anomalies",
    "ai-predictions",
    "ai-root-cause",
    "ai-patterns",
    "report-summary",
    "custom",
]

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def window(hours: float = 1) -> TimeRange:
    return TimeRange(start=T0, end=T0 + timedelta(hours=hours))


# --- the catalog -------------------------------------------------------------------------------------------------


def test_context_types_are_exactly_the_78_spec_values_in_order() -> None:
    assert len(EXPECTED_TYPES) == 78
    assert [member.value for member in ContextType] == EXPECTED_TYPES


def test_available_context_types_lists_every_type_with_category_and_description() -> None:
    listed = available_context_types()
    assert [row["value"] for row in listed] == EXPECTED_TYPES
    assert all(set(row) == {"value", "category", "description"} for row in listed)
    assert all(row["description"].strip() and row["category"].strip() for row in listed)
    assert len({row["description"] for row in listed}) == 78, "each type deserves its own description"
    categories = {row["category"] for row in listed}
    assert 8 <= len(categories) <= 12
    assert ContextType.KUBERNETES_PODS.category == "kubernetes"
    assert ContextType.DB_LOCKS.category == "database"
    assert "deadlock" in ContextType.DB_LOCKS.description.lower()


def test_catalog_file_errors_are_caught_at_load(tmp_path: Path) -> None:
    good = (Path(__file__).parent.parent / "tfo_mcp" / "data" / "context_types.tsv").read_text(encoding="utf-8")
    lines = good.splitlines()

    missing = tmp_path / "missing.tsv"
    missing.write_text("\n".join(line for line in lines if not line.startswith("db-locks\t")), encoding="utf-8")
    with pytest.raises(RuntimeError, match="db-locks"):
        _load_catalog(missing)

    unknown = tmp_path / "unknown.tsv"
    unknown.write_text(good + "db-teleport\tdatabase\tnot a real type\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="db-teleport"):
        _load_catalog(unknown)

    duplicate = tmp_path / "duplicate.tsv"
    duplicate.write_text(good + lines[1] + "\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="twice"):
        _load_catalog(duplicate)

    short = tmp_path / "short.tsv"
    short.write_text(good + "metrics only-two-fields\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="3 tab-separated"):
        _load_catalog(short)


def test_context_type_parse_is_forgiving_about_case_and_suggests_close_names() -> None:
    assert ContextType.parse(" Service_Health ") is ContextType.SERVICE_HEALTH
    assert ContextType.parse(ContextType.LOGS) is ContextType.LOGS
    with pytest.raises(ValueError, match="Did you mean: metrics"):
        ContextType.parse("metric")


@pytest.mark.parametrize("hostile", ["../system/instructions", "metrics; DROP TABLE logs", "", "x" * 10_000, "\x00"])
def test_context_type_parse_refuses_hostile_input_with_a_short_message(hostile: str) -> None:
    with pytest.raises(ValueError) as raised:
        ContextType.parse(hostile)
    assert len(str(raised.value)) < 300


def test_insight_types_and_their_error_lists_the_valid_ones() -> None:
    assert [member.value for member in InsightType] == [
        "chronology",
        "prediction",
        "recommendation",
        "root-cause",
        "pattern",
    ]
    assert InsightType.parse("ROOT_CAUSE") is InsightType.ROOT_CAUSE
    with pytest.raises(ValueError, match="chronology, prediction, recommendation, root-cause, pattern"):
        InsightType.parse("summary")


# --- TimeRange ---------------------------------------------------------------------------------------------------


def test_time_range_accepts_iso_strings_and_normalises_to_utc() -> None:
    span = TimeRange(start="2025-03-01T12:00:00Z", end="2025-03-01T15:30:00+02:00")
    assert span.start == T0
    assert span.end == datetime(2025, 3, 1, 13, 30, tzinfo=UTC)
    assert span.start.tzinfo is UTC and span.end.tzinfo is UTC
    assert span.to_dict() == {"start": "2025-03-01T12:00:00Z", "end": "2025-03-01T13:30:00Z"}
    assert str(span) == "2025-03-01T12:00:00Z to 2025-03-01T13:30:00Z"


def test_time_range_accepts_from_to_names() -> None:
    span = TimeRange.model_validate({"from": "2025-03-01T12:00:00Z", "to": "2025-03-01T13:00:00Z"})
    assert span == window(1)
    span = TimeRange.model_validate({"time_from": T0, "time_to": T0 + timedelta(hours=1)})
    assert span == window(1)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (datetime(2025, 3, 1, 12), T0 + timedelta(hours=1), "no timezone"),
        ("2025-03-01T12:00:00", "2025-03-01T13:00:00Z", "no timezone"),
        (T0, "2025-03-01T13:00:00", "no timezone"),
        (T0, T0, "must be before"),
        (T0 + timedelta(hours=1), T0, "must be before"),
        (T0, T0 + MAX_SPAN + timedelta(seconds=1), "at most 31 days"),
        ("yesterday", T0, "not an ISO-8601"),
        ("2025-13-45T99:00:00Z", T0, "not an ISO-8601"),
        (1_700_000_000, T0, "ISO-8601 string or a datetime"),
        (None, T0, "ISO-8601 string or a datetime"),
    ],
)
def test_time_range_refuses_invalid_windows(start: object, end: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TimeRange(start=start, end=end)


def test_time_range_allows_exactly_31_days_and_is_frozen() -> None:
    span = TimeRange(start=T0, end=T0 + MAX_SPAN)
    assert span.duration == timedelta(days=31)
    with pytest.raises(ValidationError):
        span.start = T0 - timedelta(days=1)  # type: ignore[misc]
    assert hash(span) == hash(TimeRange(start=T0, end=T0 + MAX_SPAN))


def test_time_range_last_and_resolve() -> None:
    before = datetime.now(UTC)
    recent = TimeRange.last(hours=2, minutes=30)
    after = datetime.now(UTC)
    assert recent.duration == timedelta(hours=2, minutes=30)
    assert before <= recent.end <= after

    fixed = TimeRange.last(minutes=15, end="2025-03-01T12:15:00Z")
    assert fixed == TimeRange(start=T0, end=T0 + timedelta(minutes=15))
    with pytest.raises(ValueError, match="positive"):
        TimeRange.last(hours=0)
    with pytest.raises(ValueError, match="at most 31 days"):
        TimeRange.last(hours=24 * 40)

    default = TimeRange.resolve()
    assert default.duration == timedelta(hours=1)
    assert TimeRange.resolve(end="2025-03-01T13:00:00Z") == window(1)
    assert TimeRange.resolve(start=T0, end=T0 + timedelta(hours=6)) == window(6)
    with pytest.raises(ValueError, match="no timezone"):
        TimeRange.resolve(end="2025-03-01T13:00:00")


@pytest.mark.parametrize(
    ("span", "step"),
    [
        (timedelta(minutes=5), 60),
        (timedelta(hours=1), 60),
        (timedelta(hours=1, seconds=1), 300),
        (timedelta(hours=6), 300),
        (timedelta(hours=6, seconds=1), 900),
        (timedelta(hours=24), 900),
        (timedelta(days=1, seconds=1), 3600),
        (timedelta(days=7), 3600),
        (timedelta(days=7, seconds=1), 21600),
        (timedelta(days=30), 21600),
        (timedelta(days=30, seconds=1), 86400),
        (timedelta(days=31), 86400),
    ],
)
def test_step_seconds_follows_the_tfo_window_table(span: timedelta, step: int) -> None:
    assert TimeRange(start=T0, end=T0 + span).step_seconds() == step


# --- TelemetryContext and the [SYSTEM] results -------------------------------------------------------------------


def test_telemetry_context_to_json_converts_non_json_values() -> None:
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    context = TelemetryContext(
        type="metrics",
        time_range=window(),
        summary="2 services reporting",
        data={
            "when": datetime(2025, 3, 1, 12, 5, tzinfo=timezone(timedelta(hours=2))),
            "day": date(2025, 3, 1),
            "cost": Decimal("12.50"),
            "count": Decimal("7"),
            "id": ident,
            "tags": ("a", "b"),
            "kind": ContextType.LOGS,
            "raw": b"bytes\xff",
            "ratio": float("nan"),
            3: "int key",
        },
    )
    assert context.type is ContextType.METRICS
    assert context.status == "available"
    decoded = json.loads(context.to_json())
    assert decoded["type"] == "metrics"
    assert decoded["time_range"] == {"start": "2025-03-01T12:00:00Z", "end": "2025-03-01T13:00:00Z"}
    assert decoded["data"] == {
        "when": "2025-03-01T12:05:00+02:00",
        "day": "2025-03-01",
        "cost": 12.5,
        "count": 7,
        "id": str(ident),
        "tags": ["a", "b"],
        "kind": "logs",
        "raw": "bytes\ufffd",
        "ratio": "nan",
        "3": "int key",
    }


def test_telemetry_context_survives_self_referencing_data() -> None:
    loop: list[object] = []
    loop.append(loop)
    context = TelemetryContext(type="custom", time_range=window(), summary="odd", data=loop)
    assert json.loads(context.to_json())  # no RecursionError: the nesting is cut off


def test_telemetry_context_rejects_unknown_status_and_type() -> None:
    with pytest.raises(ValidationError):
        TelemetryContext(type="metrics", time_range=window(), summary="", status="maybe")
    with pytest.raises(ValidationError):
        TelemetryContext(type="not-a-type", time_range=window(), summary="")


def test_empty_context_has_a_system_summary_naming_source_and_period() -> None:
    context = empty_context("uptime", window(), "ClickHouse table uptime_checks")
    assert context.status == "empty"
    assert context.type is ContextType.UPTIME
    assert context.summary.startswith("[SYSTEM]")
    assert "ClickHouse table uptime_checks" in context.summary
    assert "2025-03-01T12:00:00Z" in context.summary and "2025-03-01T13:00:00Z" in context.summary
    assert "time range" in context.summary
    assert context.data == {"available": False, "row_count": 0, "source": "ClickHouse table uptime_checks"}


def test_unavailable_context_has_a_system_summary_with_a_clean_short_reason() -> None:
    context = unavailable_context(ContextType.LOGS, window(), "ClickHouse timed out after 5 s")
    assert context.status == "unavailable"
    assert context.summary.startswith("[SYSTEM]")
    assert "logs" in context.summary and "ClickHouse timed out after 5 s" in context.summary
    assert "do not ask them to supply the data" in context.summary
    assert context.data == {"available": False, "reason": "ClickHouse timed out after 5 s"}


def test_unavailable_context_scrubs_secrets_and_caps_the_reason() -> None:
    reason = "connect to postgresql://tfo:hunter2@db:5432/tfo failed\n  password=hunter2 " + "x" * 5000
    context = unavailable_context("alert", window(), reason)
    assert "hunter2" not in context.to_json()
    assert "\n" not in context.summary
    assert len(context.data["reason"]) <= 503
    assert len(context.summary) < 1000


def test_result_helpers_refuse_unknown_types() -> None:
    with pytest.raises(ValueError, match="unknown context type"):
        empty_context("nope", window(), "x")
