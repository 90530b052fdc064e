"""The offline evaluation: its scenario generator (deterministic, one organization each, rows as TFO writes them)
and the committed score (tfo_mcp/evaluation/score.json), which the collectors must keep within 0.05.

The score test generates every scenario into a database of its own (``tfo_evaluation``) in this process's chDB
directory and runs the scorer on it, as ``bench/evaluate.py`` does.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.support.fixtures_clickhouse import clickhouse_settings
from tfo_mcp.evaluation import estate, scenarios, scorer, store_score

NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
DATABASE = "tfo_evaluation"
#: Two scenarios whose rows the generator tests read (a trace-heavy incident and a quiet window).
SAMPLE = ("edge_errors-1", "quiet-2")


def _columns(scenario: scenarios.Scenario, table: str) -> list[dict[str, Any]]:
    columns, rows = scenario.rows[table]
    return [dict(zip(columns, row, strict=True)) for row in rows]


@pytest.fixture(scope="module")
def sample() -> dict[str, scenarios.Scenario]:
    return {s.name: s for s in scenarios.generate(7, NOW, only=SAMPLE)}


# --------------------------------------------------------------------------- the generator


def test_generator_is_deterministic_for_a_seed(sample: dict[str, scenarios.Scenario]) -> None:
    again = {s.name: s for s in scenarios.generate(7, NOW, only=SAMPLE)}
    other = {s.name: s for s in scenarios.generate(8, NOW, only=SAMPLE)}
    for name in SAMPLE:
        assert again[name].rows == sample[name].rows
        assert again[name].to_dict() == sample[name].to_dict()
        assert other[name].rows["traces"][1] != sample[name].rows["traces"][1]
        assert other[name].organization_id != sample[name].organization_id


def test_scenarios_cover_the_classes_each_in_its_own_organization() -> None:
    planned = scenarios.generate(7, NOW, rows=False)
    incidents = [s for s in planned if s.incident]
    quiet = [s for s in planned if not s.incident]
    assert len(incidents) >= 24 and len(quiet) >= 6
    assert Counter(s.kind for s in incidents) == Counter(scenarios.INCIDENT_COUNTS)
    assert len({s.organization_id for s in planned}) == len(planned)
    for scenario in incidents:
        truth = scenario.truth
        assert truth is not None and truth.culprit and 0 < truth.tolerance <= 0.5
        assert scenario.start < scenario.end <= NOW
    for scenario in quiet:
        assert scenario.quiet_contexts


def test_truth_figures_are_measured_on_the_rows(sample: dict[str, scenarios.Scenario]) -> None:
    scenario = sample["edge_errors-1"]
    caller, callee = scenario.truth.culprit
    since = scenario.start + (scenario.end - scenario.start) / 2
    calls = [
        row
        for row in _columns(scenario, "traces")
        if row["span_kind"] == "CLIENT"
        and row["service_name"] == caller
        and row["span_attributes"].get("peer.service") == callee
        and since <= row["timestamp"] < scenario.end
    ]
    # client spans start a moment after their trace; the truth counts by trace start
    failed = 100 * sum(row["status_code"] == "ERROR" for row in calls) / len(calls)
    assert failed == pytest.approx(scenario.truth.figure, abs=3)
    assert scenario.truth.figure > 20  # the edge fails, and the callee's other caller does not see it
    other = [c for c in scenario.estate.callers_of(callee) if c != caller]
    assert other


def test_spans_are_shaped_like_opentelemetry(sample: dict[str, scenarios.Scenario]) -> None:
    spans = _columns(sample["edge_errors-1"], "traces")
    by_trace: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for span in spans:
        by_trace[span["trace_id"]].append(span)
    services = {s.name for s in sample["edge_errors-1"].estate.services}
    for trace in by_trace.values():
        roots = [s for s in trace if s["parent_span_id"] == ""]
        assert len(roots) == 1 and roots[0]["span_kind"] == "SERVER"
        ids = {s["span_id"] for s in trace}
        assert all(s["parent_span_id"] in ids for s in trace if s is not roots[0])
    for span in spans:
        assert len(span["trace_id"]) == 32 and len(span["span_id"]) == 16
        assert 50_000 <= span["duration_ns"] <= 120 * 10**9
        assert span["status_code"] in ("OK", "ERROR", "UNSET")
        assert (span["status_message"] != "") == (span["status_code"] == "ERROR")
        if span["span_kind"] == "CLIENT":
            attributes = span["span_attributes"]
            assert attributes.get("peer.service") in services or attributes.get("db.system")
            assert span["status_code"] != "OK"  # OpenTelemetry leaves client spans UNSET unless they fail
        assert span["resource_attributes"]["service.name"] == span["service_name"]
    # a CLIENT span and the callee's SERVER span it led to share the trace, parent to child
    kinds = Counter(span["span_kind"] for span in spans)
    assert kinds["SERVER"] > 1000 and kinds["CLIENT"] > kinds["SERVER"] / 2


def test_other_tables_use_tfo_units_and_values(sample: dict[str, scenarios.Scenario]) -> None:
    scenario = sample["quiet-2"]
    for log in _columns(scenario, "logs"):
        assert estate.SEVERITY_NUMBER[log["severity_text"]] == log["severity_number"]
        assert log["observed_timestamp"] >= log["timestamp"]
    metrics = _columns(scenario, "metrics")
    assert {m["metric_type"] for m in metrics} == {"gauge", "counter"}
    cumulative: dict[str, float] = {}
    for metric in metrics:
        if metric["metric_type"] == "counter":
            pod = metric["resource_attributes"]["k8s.pod.name"]
            assert metric["value"] >= cumulative.get(pod, 0)
            cumulative[pod] = metric["value"]
    checks = _columns(scenario, "uptime_checks")
    assert {c["region"] for c in checks} == set(estate.UPTIME_REGIONS)
    assert {c["status"] for c in checks} <= {"success", "failure", "timeout", "error"}
    assert all(isinstance(c["response_time"], int) and c["response_time"] > 0 for c in checks)
    flapping = [c for c in checks if c["monitor_name"] == scenario.estate.flapping_monitor]
    assert 0.05 < sum(c["status"] != "success" for c in flapping) / len(flapping) < 0.3
    audit = _columns(scenario, "audit_logs")
    assert {a["event_type"] for a in audit} <= {"AUTH", "AUTHZ", "DATA", "SYSTEM"}
    assert {a["result"] for a in audit} <= {"SUCCESS", "FAILURE", "DENIED"}
    restarts: dict[str, list[float]] = defaultdict(list)
    for row in _columns(scenario, "kubernetes_metrics"):
        if row["metric_name"] == "k8s.pod.restarts":
            restarts[row["resource_name"]].append(row["value"])
    assert all(values == sorted(values) for values in restarts.values())
    hourly = restarts[scenario.estate.restarting_pod]
    assert hourly[-1] - hourly[0] == 2  # the liveness probe restarts it every hour, in both windows


# --------------------------------------------------------------------------- the committed score


@pytest_asyncio.fixture(scope="module")
async def evaluation_store(chdb_dir: Path) -> AsyncIterator[list[scenarios.Scenario]]:
    """Every scenario written to database ``tfo_evaluation`` of this process's chDB directory."""
    from tfo_mcp import demo
    from tfo_mcp.stores import clickhouse

    await clickhouse.reset()
    with clickhouse_settings(f"chdb://{chdb_dir}?database={DATABASE}"):
        try:
            await demo.migrate_platform()
            generated = scenarios.generate(store_score.committed()["seed"])
            await scenarios.write(generated)
            yield generated
        finally:
            await clickhouse.reset()


async def test_score_holds_the_committed_figure(evaluation_store: list[scenarios.Scenario]) -> None:
    result = await scorer.score(evaluation_store)
    failed = [
        f"{o['scenario']} {o['context']}: {o['checks']} {o.get('summary', '')[:200]}"
        for o in result["outcomes"]
        if not all(o["checks"].values())
    ]
    drops = store_score.drops(result, store_score.committed())
    assert not drops, "\n".join([*drops, scorer.table(result), *failed])
    assert all(s.truth.figure > 0 for s in evaluation_store if s.truth is not None)
