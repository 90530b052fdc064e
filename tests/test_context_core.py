"""The core context types on the seeded demo estate: available with figures that match the raw tables,
organization isolation, the story's highlights, and the core SQL on a native clickhouse-server 18.16.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tfo_mcp.context.collector import collect_context
from tfo_mcp.context.sources import load_sql
from tfo_mcp.context.types import ContextType

#: The core context types (signals, SRE, infrastructure, Kubernetes).
CORE_TYPES = [
    ContextType(value)
    for value in (
        "metrics", "logs", "traces", "exemplars", "uptime", "audit", "errors", "latency", "throughput", "saturation",
        "service-health", "anomalies", "slo", "sli", "error-budget", "change-events", "deployment", "alert",
        "infra-hosts", "infra-containers", "infra-network", "infra-storage", "infra-compute", "infra-database",
        "infra-cache", "infra-queue", "infra-load-balancer", "infra-dns", "kubernetes-clusters",
        "kubernetes-namespaces", "kubernetes-deployments", "kubernetes-pods", "kubernetes-services",
        "kubernetes-nodes", "kubernetes-configmaps", "kubernetes-secrets", "kubernetes-hpa", "kubernetes-events",
    )
]  # fmt: skip
ERROR_SEVERITIES = ("ERROR", "FATAL", "CRITICAL", "EMERGENCY", "ALERT")


def _aligned(moment: datetime, minutes: int = 5) -> datetime:
    return moment.replace(minute=moment.minute - moment.minute % minutes, second=0, microsecond=0)


def _windows(now: datetime) -> dict[str, tuple[datetime, datetime]]:
    """The last hour (raw tables; metrics_1m for metrics), a 6-hour window aligned to 5 minutes (the 5-minute
    rollups) and a 24-hour window aligned to 15 minutes (the 15-minute rollups)."""
    end, quarter = _aligned(now), _aligned(now, 15)
    return {
        "raw": (now - timedelta(hours=1), now),
        "rollup": (end - timedelta(hours=6), end),
        "day": (quarter - timedelta(hours=24), quarter),
    }


#: The table suffix each window of _windows() reads.
SUFFIX = {"raw": "", "rollup": "_5m", "day": "_15m"}
PATHS = list(SUFFIX)


#: The p95 of a group's durations as two sorted values one rank either side of where p95 definitions fall
#: (0.95 (n - 1) to 0.95 n), in ms: estimators differ in the rank they take, and in a sparse tail (an hour of 50
#: requests) neighbouring ranks can be 30 % apart.
P95_RANKS = (
    "arraySort(groupArray(duration_ns)) AS sorted_ns, length(sorted_ns) AS spans, "
    "sorted_ns[greatest(1, toUInt32(floor(0.95 * (spans - 1))))] / 1e6 AS low, "
    "sorted_ns[least(spans, toUInt32(ceil(0.95 * spans)) + 1)] / 1e6 AS high"
)


def _near_p95(value: float, bounds: tuple[float, float], tolerance: float) -> bool:
    """``value`` lies within ``tolerance`` (relative) of the exact p95's rank window ``bounds``."""
    low, high = bounds
    return low * (1 - tolerance) <= value <= high * (1 + tolerance)


async def _raw(sql: str, **params: Any) -> list[dict[str, Any]]:
    from tfo_mcp.stores.clickhouse import get_clickhouse

    return (await get_clickhouse().query(sql, params, readonly=True)).as_dicts()


def _error_pattern(body: str) -> str:
    """The error pattern of a log line, as platform migration 008 masks it (computed here with Python's re)."""
    text = re.sub(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "<uuid>", body[:300])
    text = re.sub(r"[0-9]+", "<n>", re.sub(r"\b[0-9a-fA-F]{8,}\b", "<id>", text))
    return text[:160]


def _close(a: float | None, b: float | None, rel: float = 1e-6, abs_tol: float = 1e-6) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=abs_tol)


# --------------------------------------------------------------------------- every type is available


async def test_every_core_type_is_available_for_org_a(demo_store: Any) -> None:
    problems = {}
    for kind in CORE_TYPES:
        result = await collect_context(kind, demo_store.org_a, time_to=demo_store.now)
        if result.status != "available":
            problems[kind.value] = f"{result.status}: {result.summary[:200]}"
            continue
        assert result.type is kind
        assert result.summary and not result.summary.startswith("[SYSTEM]")
        assert isinstance(result.data, dict) and isinstance(result.data["highlights"], list)
        assert "unavailable_sources" not in result.data, (kind, result.data["unavailable_sources"])
        json.loads(result.to_json())
    assert not problems, problems


# --------------------------------------------------------------------------- figures match the raw tables


@pytest.mark.parametrize("path", PATHS)
async def test_metrics_match_the_raw_table(demo_store: Any, path: str) -> None:
    start, end = _windows(demo_store.now)[path]
    result = await collect_context("metrics", demo_store.org_a, time_from=start, time_to=end, max_items=500)
    assert result.data["source"] == f"metrics{SUFFIX[path] or '_1m'}"
    expected = await _raw(
        "SELECT service_name, metric_name, toString(metric_type) AS kind, avg(value) AS a, min(value) AS lo, "
        "max(value) AS hi, count() AS n FROM metrics WHERE organization_id = %(org)s AND timestamp >= %(s)s "
        "AND timestamp < %(e)s GROUP BY service_name, metric_name, kind",
        org=demo_store.org_a,
        s=start,
        e=end,
    )
    by_series = {(r["service_name"], r["metric_name"], r["kind"]): r for r in expected}
    assert result.data["total_series"] == len(expected) == len(result.data["metrics"])
    assert result.data["total_samples"] == sum(r["n"] for r in expected)
    for row in result.data["metrics"]:
        raw = by_series[(row["service_name"], row["metric_name"], row["metric_type"])]
        assert row["samples"] == raw["n"]
        assert _close(row["min"], round(raw["lo"], 4)) and _close(row["max"], round(raw["hi"], 4))
        # the context rounds to 4 decimals; the raw average, summed in another order, may sit on the other
        # side of a rounding boundary, so compare with the unrounded value within half a unit of the 4th decimal
        assert _close(row["avg"], raw["a"], rel=1e-4, abs_tol=5.1e-5)
    spiking = sum(1 for r in expected if r["a"] > 0 and r["hi"] > 3 * r["a"])
    assert result.data["spiking_series"] == spiking and spiking > 0
    if result.data.get("baseline_empty"):  # the 24 h window: the seed holds no day before it to compare with
        assert result.data["highlights"] and "spiked to" in result.data["highlights"][0]
    else:  # against the baseline, the series that moved are findings (the incident's), not spike highlights
        assert result.data["findings"] and not result.data["highlights"]
        incident = {demo_store.story["incident_service"], demo_store.story["incident_downstream"]}
        assert result.data["findings"][0]["entity"].split()[0] in incident, result.data["findings"][:3]
    # spiking series come first, so a short list still shows them
    short = await collect_context("metrics", demo_store.org_a, time_from=start, time_to=end, max_items=3)
    assert all(r["max"] > 3 * r["avg"] for r in short.data["metrics"])


@pytest.mark.parametrize("path", PATHS)
async def test_logs_match_the_raw_table(demo_store: Any, path: str) -> None:
    start, end = _windows(demo_store.now)[path]
    result = await collect_context("logs", demo_store.org_a, time_from=start, time_to=end, max_items=500)
    assert result.data["source"] == f"logs{SUFFIX[path]}"
    expected = await _raw(
        "SELECT severity_text, count() AS n FROM logs WHERE organization_id = %(org)s AND timestamp >= %(s)s "
        "AND timestamp < %(e)s GROUP BY severity_text",
        org=demo_store.org_a,
        s=start,
        e=end,
    )
    assert result.data["severity_distribution"] == {r["severity_text"]: r["n"] for r in expected}
    assert result.data["total_logs"] == sum(r["n"] for r in expected)
    assert result.data["error_logs"] == sum(r["n"] for r in expected if r["severity_text"] in ERROR_SEVERITIES)
    newest = await _raw(
        "SELECT max(timestamp) AS t FROM logs WHERE organization_id = %(org)s AND severity_number >= 17 "
        "AND timestamp >= %(s)s AND timestamp < %(e)s",
        org=demo_store.org_a,
        s=start,
        e=end,
    )
    assert result.data["recent_errors"][0]["timestamp"] == newest[0]["t"]
    lines = await _raw(
        "SELECT service_name, body FROM logs WHERE organization_id = %(org)s AND severity_number >= 17 "
        "AND timestamp >= %(s)s AND timestamp < %(e)s",
        org=demo_store.org_a,
        s=start,
        e=end,
    )
    patterns = Counter((row["service_name"], _error_pattern(row["body"])) for row in lines)
    top = result.data["top_error_patterns"]
    assert len(top) == 10 and sum(row["occurrences"] for row in top) > 0
    for row in top:
        assert row["occurrences"] == patterns[(row["service_name"], row["pattern"])], row
        assert _error_pattern(row["example"]) == row["pattern"] and "<n>" in row["pattern"]
    assert [row["occurrences"] for row in top] == sorted(patterns.values(), reverse=True)[:10]
    # the root-cause context groups error lines with the same masking
    cause = await collect_context("ai-root-cause", demo_store.org_a, time_from=start, time_to=end, max_items=500)
    shapes = cause.data["error_log_patterns"]
    assert shapes and all(_error_pattern(row["example"]) == row["pattern"] for row in shapes)
    assert {(row["service_name"], row["pattern"]): row["occurrences"] for row in shapes}.items() <= patterns.items()
    checkout = await collect_context("logs", demo_store.org_a, time_from=start, time_to=end, context_id="checkout")
    assert {row["service_name"] for row in checkout.data["services"]} == {"checkout"}


@pytest.mark.parametrize("path", PATHS)
async def test_traces_match_the_raw_table(demo_store: Any, path: str) -> None:
    start, end = _windows(demo_store.now)[path]
    result = await collect_context("traces", demo_store.org_a, time_from=start, time_to=end, max_items=500)
    suffix = SUFFIX[path] or "_1m"  # the request summary has the one-minute tier TFO's rule picks for 1 h
    assert result.data["sources"] == [f"service_request_stats{suffix}"]
    expected = await _raw(
        f"SELECT service_name, count() AS n, countIf(status_code = 'ERROR') AS failed, {P95_RANKS} "
        "FROM traces WHERE organization_id = %(org)s "
        "AND timestamp >= %(s)s AND timestamp < %(e)s AND span_kind IN ('SERVER', 'CONSUMER') GROUP BY service_name",
        org=demo_store.org_a,
        s=start,
        e=end,
    )
    raw = {r["service_name"]: r for r in expected}
    errors = {r["service_name"]: r for r in result.data["service_error_rates"]}
    latencies = {r["service_name"]: r for r in result.data["service_latencies"]}
    assert set(errors) == set(latencies) == set(raw)
    assert result.data["total_requests"] == sum(r["n"] for r in expected)
    assert result.data["failed_requests"] == sum(r["failed"] for r in expected)
    for name, row in raw.items():
        assert errors[name]["requests"] == latencies[name]["requests"] == row["n"]
        assert errors[name]["errors"] == row["failed"]
        # the exact p95: DDSketch (2 % relative accuracy) on the summary; on raw rows ClickHouse's quantile is exact
        # below 8,192 values, as here
        assert _near_p95(latencies[name]["p95_ms"], (row["low"], row["high"]), 0.03), (name, latencies[name], row)


async def _exact_p95(org: str, start: datetime, end: datetime) -> dict[str, tuple[float, float]]:
    """The p95 rank window (P95_RANKS) of each service's entry spans in [start, end)."""
    rows = await _raw(
        f"SELECT service_name, {P95_RANKS} FROM traces "
        "WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s "
        "AND span_kind IN ('SERVER', 'CONSUMER') GROUP BY service_name",
        org=org, start=start, end=end,
    )  # fmt: skip
    return {row["service_name"]: (row["low"], row["high"]) for row in rows}


async def _exact_hourly_p95(org: str, start: datetime, end: datetime) -> dict[str, dict[str, tuple[float, float]]]:
    """Per service, the p95 rank window (P95_RANKS) of each whole hour from ``start``'s next hour on (hours with
    >= 20 requests), keyed by the hour as text: what the latency context's peaks read at 24 h."""
    rows = await _raw(
        f"SELECT service_name, toString(toStartOfHour(timestamp)) AS hour, {P95_RANKS} "
        "FROM traces WHERE organization_id = %(org)s "
        "AND timestamp >= toStartOfHour(%(start)s + INTERVAL 3599 SECOND) AND toStartOfHour(timestamp) < %(end)s "
        "AND span_kind IN ('SERVER', 'CONSUMER') GROUP BY service_name, hour HAVING spans >= 20",
        org=org, start=start, end=end,
    )  # fmt: skip
    hours: dict[str, dict[str, tuple[float, float]]] = {}
    for row in rows:
        hours.setdefault(row["service_name"], {})[row["hour"]] = (row["low"], row["high"])
    return hours


async def _assert_peaks(
    org: str, start: datetime, end: datetime, peaks: list[dict[str, Any]], tolerance: float
) -> None:
    """Each service's reported peak is its worst hour: between the exact worst hour's bounds (within
    ``tolerance``), and the hour named has a p95 that close too."""
    hours = await _exact_hourly_p95(org, start, end)
    assert peaks and {row["service_name"] for row in peaks} == set(hours)
    for row in peaks:
        exact, peak = hours[row["service_name"]], row["peak_p95_ms"]
        worst_low, worst_high = max(low for low, _ in exact.values()), max(high for _, high in exact.values())
        assert worst_low * (1 - tolerance) <= peak <= worst_high * (1 + tolerance), (row, exact)
        assert _near_p95(peak, exact[row["peak_at"]], tolerance), (row, exact)


async def test_latency_peaks_are_each_services_worst_hour(demo_store: Any) -> None:
    """At 24 h the latency context reads hourly buckets of the request summary (DDSketch) for each service's
    worst hour."""
    start, end = _windows(demo_store.now)["day"]
    result = await collect_context("latency", demo_store.org_a, time_from=start, time_to=end, max_items=500)
    assert "service_request_stats_1h" in result.data["sources"]
    await _assert_peaks(demo_store.org_a, start, end, result.data["latency_peaks"], 0.03)


@pytest.mark.parametrize("path", PATHS)
async def test_uptime_matches_the_raw_table(demo_store: Any, path: str) -> None:
    start, end = _windows(demo_store.now)[path]
    result = await collect_context("uptime", demo_store.org_a, time_from=start, time_to=end, max_items=500)
    assert result.data["source"] == (f"uptime_monitor_stats{SUFFIX[path]}" if SUFFIX[path] else "uptime_checks")
    expected = await _raw(
        "SELECT monitor_name, count() AS n, countIf(status = 'success') AS ok, max(response_time) AS worst "
        "FROM uptime_checks WHERE organization_id = %(org)s AND checked_at >= %(s)s AND checked_at < %(e)s "
        "GROUP BY monitor_name",
        org=demo_store.org_a,
        s=start,
        e=end,
    )
    monitors = {m["monitor_name"]: m for m in result.data["monitors"]}
    assert set(monitors) == {r["monitor_name"] for r in expected}
    for row in expected:
        monitor = monitors[row["monitor_name"]]
        assert (monitor["checks"], monitor["successes"], monitor["max_ms"]) == (row["n"], row["ok"], row["worst"])
        assert monitor["availability_percent"] == round(100 * row["ok"] / row["n"], 2)
    total, ok = sum(r["n"] for r in expected), sum(r["ok"] for r in expected)
    assert result.data["overall_availability_percent"] == round(100 * ok / total, 2)
    failed = await _raw(
        "SELECT monitor_name, count() AS n, uniqExact(region) AS regions, toString(min(checked_at)) AS first, "
        "toString(max(checked_at)) AS last, argMax(error_message, checked_at) AS error FROM uptime_checks "
        "WHERE organization_id = %(org)s AND checked_at >= %(s)s AND checked_at < %(e)s AND status != 'success' "
        "GROUP BY monitor_name",
        org=demo_store.org_a,
        s=start,
        e=end,
    )
    failures = {row["monitor_name"]: row for row in result.data["failures"]}
    assert failed and set(failures) == {row["monitor_name"] for row in failed}
    for row in failed:
        got = failures[row["monitor_name"]]
        assert (got["failures"], got["regions"], got["last_error"]) == (row["n"], row["regions"], row["error"])
        assert (got["first_failure"], got["last_failure"]) == (row["first"], row["last"])


@pytest.mark.parametrize("path", PATHS)
async def test_raw_tables_give_the_same_answer_as_the_rollups(demo_store: Any, path: str) -> None:
    """sources.raw_tables() (benchmarks, cross-checks) runs the same collectors on raw rows: same counts, for the
    1-minute metrics rollup (1 h window), the 5-minute (6 h window) and the 15-minute (24 h window) rollups."""
    from tfo_mcp.context.sources import raw_tables

    start, end = _windows(demo_store.now)[path]
    kinds = ("metrics", "logs", "traces", "uptime") if SUFFIX[path] else ("metrics",)
    for kind in kinds:
        rolled = await collect_context(kind, demo_store.org_a, time_from=start, time_to=end, max_items=500)
        with raw_tables():
            raw = await collect_context(kind, demo_store.org_a, time_from=start, time_to=end, max_items=500)
        assert (SUFFIX[path] or "_1m") in str(rolled.data.get("source") or rolled.data.get("sources"))
        assert "_" not in str(raw.data.get("source") or raw.data.get("sources")).replace("uptime_checks", "")
        assert _figures(kind, raw.data) == _figures(kind, rolled.data), kind


@pytest.mark.parametrize("path", PATHS)
async def test_latency_slo_attainment_from_the_histogram_is_the_raw_count(demo_store: Any, path: str) -> None:
    """A latency SLO's good and total events, counted from the latency histogram (migration 014: 1m, 15m), are
    the entry spans at or under its threshold and all of them, exactly as counted from the raw spans."""
    from tfo_mcp.context.sources import raw_tables

    start, end = _windows(demo_store.now)[path]
    if path == "raw":
        start = start.replace(second=0, microsecond=0)  # whole minutes: the 1-minute tier's buckets

    def latency_slos(data: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
        return {
            item["name"]: (item["good_events"], item["total_events"], item["attained_percent"])
            for item in data["slos"]
            if item["sli_type"] == "latency"
        }

    rolled = await collect_context("slo", demo_store.org_a, time_from=start, time_to=end)
    with raw_tables():
        raw = await collect_context("slo", demo_store.org_a, time_from=start, time_to=end)
    assert "service_latency_histogram" in str(rolled.data["sources"])
    assert "service_latency_histogram" not in str(raw.data["sources"])
    counted = latency_slos(rolled.data)
    assert counted == latency_slos(raw.data) and len(counted) == 5
    assert all(total > 0 for _, total, _ in counted.values())
    assert any(good < total for good, total, _ in counted.values())  # the incident's slow requests


@pytest.mark.parametrize("path", ["raw", "day"])
async def test_slowest_operations_from_the_operation_summary(demo_store: Any, path: str) -> None:
    """The latency context's slowest operations come from the operation summary (migration 015: the 1-minute tier
    for the last hour, the 15-minute one for a day): exact span counts, averages and maxima, the p95 within the
    sketch's 2 % of the raw spans' p95; without the summary, from TFO's traces rollup (or the raw spans)."""
    start, end = _windows(demo_store.now)[path]
    if path == "raw":
        start = start.replace(second=0, microsecond=0)
    org = demo_store.org_a
    latency = await collect_context("latency", org, time_from=start, time_to=end, max_items=500)
    assert f"service_operation_stats{SUFFIX[path] or '_1m'}" in latency.data["sources"]
    operations = latency.data["slowest_operations"]
    exact = {
        (row["service_name"], row["span_name"]): row
        for row in await _raw(
            f"SELECT service_name, span_name, count() AS n, avg(duration_ns) / 1e6 AS avg_ms, "
            f"max(duration_ns) / 1e6 AS max_ms, {P95_RANKS} FROM traces WHERE organization_id = %(org)s "
            "AND timestamp >= %(start)s AND timestamp < %(end)s GROUP BY service_name, span_name",
            org=org, start=start, end=end,
        )
    }  # fmt: skip
    assert len(operations) == len(exact) > 5
    for row in operations:
        want = exact[(row["service_name"], row["span_name"])]
        assert row["spans"] == want["n"] and _close(row["max_ms"], want["max_ms"], abs_tol=0.01), row
        assert _close(row["avg_ms"], want["avg_ms"], abs_tol=0.01), row
        assert _near_p95(row["p95_ms"], (want["low"], want["high"]), 0.03), (row, want)
    assert [row["p95_ms"] for row in operations] == sorted((row["p95_ms"] for row in operations), reverse=True)
    async with _hidden([f"service_operation_stats_{tier}" for tier in ("1m", "15m", "1h", "1d")]):
        tfo = await collect_context("latency", org, time_from=start, time_to=end, max_items=500)
    assert (f"traces{SUFFIX[path]}" if SUFFIX[path] else "traces") in tfo.data["sources"]
    assert {(r["service_name"], r["span_name"]) for r in tfo.data["slowest_operations"]} == set(exact)


#: The summary tables of platform migration 008 (a TFO deployment has none of them).
SUMMARY_TABLES = [
    f"{family}_{tier}"
    for family in ("service_request_stats", "uptime_monitor_stats", "log_error_patterns")
    for tier in ("5m", "15m", "1h", "1d")
]


#: The 15-minute summary tables and the context SQL that reads each.
SUMMARY_READS = {
    "service_request_stats_15m": "signals_trace_stats",
    "uptime_monitor_stats_15m": "signals_uptime_stats",
    "log_error_patterns_15m": "signals_logs_error_patterns",
}


@contextlib.asynccontextmanager
async def _hidden(tables: list[str]) -> AsyncIterator[None]:
    """The ``tables`` renamed away (as on a server without them) for the block, then back."""
    from tfo_mcp.stores.clickhouse import get_clickhouse

    backend = get_clickhouse()
    await backend.execute("RENAME TABLE " + ", ".join(f"{name} TO {name}_hidden" for name in tables))
    backend.forget_table_names()
    try:
        yield
    finally:
        await backend.execute("RENAME TABLE " + ", ".join(f"{name}_hidden TO {name}" for name in tables))
        backend.forget_table_names()


async def test_without_the_summary_tables_the_collectors_read_tfo_tables(demo_store: Any) -> None:
    """On a server without this schema's summary tables (a TFO deployment), traces, uptime and logs read TFO's
    rollups, the failed raw checks and logs_errors instead, and report the same figures."""
    windows = {path: _windows(demo_store.now)[path] for path in ("rollup", "day")}
    kinds = ("traces", "uptime", "logs")
    day = windows["day"]
    org = demo_store.org_a
    summary = {
        (kind, path): (await collect_context(kind, org, time_from=start, time_to=end, max_items=500)).data
        for kind in kinds
        for path, (start, end) in windows.items()
    }
    async with _hidden(SUMMARY_TABLES):
        for path, (start, end) in windows.items():
            suffix = SUFFIX[path]
            for kind in kinds:
                data = (await collect_context(kind, org, time_from=start, time_to=end, max_items=500)).data
                before = summary[(kind, path)]
                assert _figures(kind, data) == _figures(kind, before), (kind, path)
                if kind == "traces":
                    assert data["sources"] == [f"service_latency_percentiles{suffix}", f"service_error_rates{suffix}"]
                    exact = await _exact_p95(org, start, end)
                    for row in data["service_latencies"]:  # TFO's reservoir samples (see the 18.16 test)
                        assert _near_p95(row["p95_ms"], exact[row["service_name"]], 0.10), (path, row)
                elif kind == "uptime":
                    assert data["source"] == f"uptime_checks{suffix}"
                    assert data["failures"] == before["failures"] and data["failures"]
                else:
                    assert data["top_error_patterns"] == before["top_error_patterns"]
        latency = await collect_context("latency", org, time_from=day[0], time_to=day[1], max_items=500)
        assert latency.data["sources"][-1] == "service_latency_percentiles_1h"
        await _assert_peaks(org, *day, latency.data["latency_peaks"], 0.10)  # TFO's reservoir samples


async def test_a_summary_read_skips_other_organizations_rows(demo_store: Any) -> None:
    """The summary tables keep small granules (ClickHouse reads and decodes whole granules, sketches included):
    a day of one organization's rows is read without most of the other organization's."""
    start, end = _windows(demo_store.now)["day"]
    for table, sql_name in SUMMARY_READS.items():
        text = load_sql(sql_name).replace("{table}", table).replace("{time}", "fifteen_minutes")
        params = {"org": demo_store.org_a, "bucket_from": start, "bucket_to": end, "service": ""}
        estimate = (await _raw("EXPLAIN ESTIMATE " + text, **params))[0]
        mine, total = (
            await _raw(f"SELECT countIf(organization_id = %(org)s) AS mine, count() AS total FROM {table}", **params)
        )[0].values()
        assert mine and total > mine, table
        assert estimate["rows"] < mine + (total - mine) / 2, (table, estimate, mine, total)


async def test_change_impacts_read_raw_spans_where_the_five_minute_error_rollup_is_missing(demo_store: Any) -> None:
    """TFO publishes service_error_rates_1h only: without the 5-minute rollup the before/after error rates of a
    change come from the raw spans, with the same figures."""
    day = {"time_from": demo_store.now - timedelta(hours=24), "time_to": demo_store.now}
    rolled = (await collect_context("change-events", demo_store.org_a, **day)).data["impact"]
    assert rolled and any(item["requests_after"] for item in rolled)
    async with _hidden(["service_error_rates_5m"]):
        assert (await collect_context("change-events", demo_store.org_a, **day)).data["impact"] == rolled


# --------------------------------------------------------------------------- isolation


async def test_no_value_of_one_organization_appears_in_the_other(demo_store: Any) -> None:
    leaks = {}
    for own, other in ((0, 1), (1, 0)):
        org = (demo_store.org_a, demo_store.org_b)[own]
        foreign = demo_store.org_values(other)
        assert len(foreign) > 30
        for kind in CORE_TYPES:
            for window in ({"time_to": demo_store.now}, {"time_from": demo_store.now - timedelta(hours=24)}):
                text = (await collect_context(kind, org, max_items=500, **window)).to_json()
                found = [value for value in foreign if value in text]
                if found:
                    leaks[f"{kind.value} of org {own}"] = found[:5]
    assert not leaks, leaks


# --------------------------------------------------------------------------- the story's highlights


async def _highlights(dataset: Any, kind: str, **kwargs: Any) -> str:
    result = await collect_context(kind, dataset.org_a, time_to=dataset.now, **kwargs)
    assert result.status == "available", result.summary
    return " | ".join(result.data["highlights"])


async def test_the_incident_shows_up_in_the_highlights(demo_store: Any) -> None:
    story = demo_store.story
    service = story["incident_service"]

    logs = await _highlights(demo_store, "logs")
    assert f"Error burst in {service}" in logs
    errors = await _highlights(demo_store, "errors")
    assert f"{service} fails" in errors and "Error burst" in errors
    assert f"{service} is slow: p95" in await _highlights(demo_store, "traces")

    pods = await _highlights(demo_store, "kubernetes-pods")
    assert story["crashloop_deployment"] in pods and "CrashLoopBackOff" in pods
    assert f"{story['crashloop_restarts']} restarts" in pods
    events = await _highlights(demo_store, "kubernetes-events")
    assert "BackOff" in events and story["crashloop_deployment"] in events

    for kind in ("infra-storage", "infra-hosts", "saturation"):
        text = await _highlights(demo_store, kind)
        assert f"{story['saturated_host']}: system.disk.used_percent" in text and "above 90%" in text, kind
    assert "failure probability" in await _highlights(demo_store, "infra-storage")

    uptime = await _highlights(demo_store, "uptime")
    assert f"{story['outage_monitor']} availability" in uptime and "below the 99% SLA" in uptime
    assert f"{story['expiring_certificate_monitor']}: TLS certificate expires" in uptime

    audit = await _highlights(demo_store, "audit")
    assert story["attacker_ip"] in audit and f"{story['failed_login_count']} failure" in audit

    changes = await _highlights(demo_store, "change-events")
    assert story["deploy_version"] in changes and f"error rate of {service} rose" in changes
    deployment = await _highlights(demo_store, "deployment")
    assert f"revision {story['deploy_revision']}" in deployment

    alerts = await _highlights(demo_store, "alert")
    assert all(title in alerts for title in story["alert_titles"])
    assert f"Critical anomaly in {service}" in await _highlights(demo_store, "anomalies")
    slo = await collect_context("slo", demo_store.org_a, time_to=demo_store.now)
    assert any(item["status"] == "breached" and item["service_name"] == service for item in slo.data["slos"])
    budget = await _highlights(demo_store, "error-budget")
    assert "fast burn" in budget
    assert "pinned at its maximum" in await _highlights(demo_store, "kubernetes-hpa")
    assert "expires in 9 days" in await _highlights(demo_store, "kubernetes-secrets")


async def test_quiet_organization_has_no_incident_highlights(demo_store: Any) -> None:
    """Org B has the same kinds of data without the incident: no outage, burst or crash loop is reported."""
    for kind, phrase in (("uptime", "below the 99% SLA"), ("logs", "Error burst"), ("kubernetes-pods", "CrashLoop")):
        result = await collect_context(kind, demo_store.org_b, time_to=demo_store.now)
        assert result.status == "available"
        assert phrase not in " ".join(result.data["highlights"]), kind


async def test_max_items_caps_every_list(demo_store: Any) -> None:
    for kind in CORE_TYPES:
        result = await collect_context(kind, demo_store.org_a, time_to=demo_store.now, max_items=2)
        for key, value in result.data.items():
            if isinstance(value, list) and key not in ("highlights", "sources", "by_type_and_status"):
                assert len(value) <= 10, (kind.value, key, len(value))


# --------------------------------------------------------------------------- native clickhouse-server 18.16

CORE_COPY = {
    "metrics": ("timestamp", "metric_name", "metric_type", "value", "service_name", "organization_id",
                "workspace_id", "tenant_id", "unit"),
    "logs": ("timestamp", "trace_id", "span_id", "trace_flags", "severity_text", "severity_number", "service_name",
             "organization_id", "workspace_id", "tenant_id", "body", "scope_name", "scope_version"),
    "traces": ("timestamp", "trace_id", "span_id", "parent_span_id", "span_name", "span_kind", "service_name",
               "status_code", "status_message", "duration_ns", "organization_id", "workspace_id", "tenant_id"),
    "uptime_checks": ("checked_at", "monitor_id", "monitor_name", "status", "status_code", "response_time",
                      "ip_address", "region", "error_message", "ssl_days_remaining", "organization_id",
                      "workspace_id", "tenant_id"),
}  # fmt: skip
NATIVE_TYPES = ("metrics", "logs", "traces", "uptime")


def _figures(kind: str, data: dict[str, Any]) -> Any:
    """The exact figures of a core context (counts and sums; percentiles are compared separately)."""
    if kind == "metrics":
        return sorted((r["service_name"], r["metric_name"], r["metric_type"], r["samples"], r["min"], r["max"])
                      for r in data["metrics"])  # fmt: skip
    if kind == "logs":
        bursts = sorted((r["service_name"], r["errors"], r["peak"]) for r in data["error_bursts"])
        return data["severity_distribution"], data["error_logs"], bursts
    if kind == "traces":
        return sorted((r["service_name"], r["requests"], r["errors"]) for r in data["service_error_rates"])
    return sorted((m["monitor_name"], m["checks"], m["successes"], m["max_ms"]) for m in data["monitors"])


async def test_core_sql_runs_on_a_native_clickhouse_18(demo_store: Any, native_server: Any) -> None:
    """metrics, logs, traces and uptime on the platform_legacy schema of clickhouse-server 18.16 give the same
    figures as on chDB, for the raw path (1 h) and the rollup paths (6 h: 5-minute, 24 h: 15-minute rollups;
    where 18.16 lacks the rollup the collector falls back to the next smaller one or the raw table)."""
    from tfo_mcp import config
    from tfo_mcp.stores import clickhouse

    windows = _windows(demo_store.now)
    orgs = (demo_store.org_a, demo_store.org_b)
    embedded: dict[tuple[str, str], Any] = {}
    for path, (start, end) in windows.items():
        for kind in NATIVE_TYPES:
            result = await collect_context(kind, orgs[0], time_from=start, time_to=end, max_items=500)
            embedded[(kind, path)] = result.data
    exact_p95 = {path: await _exact_p95(orgs[0], *window) for path, window in windows.items()}
    start = min(start for start, _ in windows.values())
    copies = {}
    for table, columns in CORE_COPY.items():
        time_column = columns[0]
        listed = ", ".join(f"toDateTime({c}) AS {c}" if c == time_column else c for c in columns)
        copies[table] = (
            await clickhouse.get_clickhouse().query(
                f"SELECT {listed} FROM {table} WHERE organization_id IN %(orgs)s AND {time_column} >= %(s)s",
                {"orgs": orgs, "s": start},
                readonly=True,
            )
        ).rows

    database = f"tfo_ctx_{uuid.uuid4().hex[:8]}"
    await clickhouse.reset()
    url = native_server.url(database=database)
    config.set_settings(config.load_settings(environ={"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": url}))
    await clickhouse.migrate("platform_legacy")  # creates the database too
    backend = clickhouse.get_clickhouse()
    assert (await backend.query("SELECT version()")).rows[0][0].startswith("18.")
    for table, columns in CORE_COPY.items():
        rows = [(datetime.fromisoformat(row[0]), *row[1:]) for row in copies[table]]
        assert rows, table
        await backend.insert(table, list(columns), rows)

    for path, (start_at, end_at) in windows.items():
        for kind in NATIVE_TYPES:
            result = await collect_context(kind, orgs[0], time_from=start_at, time_to=end_at, max_items=500)
            assert result.status == "available", (kind, path, result.summary)
            assert _figures(kind, result.data) == _figures(kind, embedded[(kind, path)]), (kind, path)
            if kind == "traces":
                # Percentiles are estimates, so each engine is held to the exact p95 of the raw spans: chDB's
                # DDSketch summary within its 2 % accuracy, 18.16's reservoir samples (TFO's rollups) looser.
                engines = (("chdb", embedded[(kind, path)], 0.03), ("18.16", result.data, 0.10))
                for engine, data, tolerance in engines:
                    for row in data["service_latencies"]:
                        exact = exact_p95[path][row["service_name"]]
                        assert _near_p95(row["p95_ms"], exact, tolerance), (engine, path, row, exact)
            text = result.to_json()
            assert not [value for value in demo_store.org_values(1) if value in text]
    await clickhouse.reset()
