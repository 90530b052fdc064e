"""Platform, AI/ops and custom contexts on the demo dataset.

The platform and AI types are collected once per module for organization A (the one with the incident),
organization B and an organization without data. The custom type runs callers' queries: read-only on both stores,
the organization placeholder required and bound (an organization id cannot inject SQL), rows capped.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.collect_helpers import EMPTY_ORG, ch_rows, collect_for_orgs, collect_many, leaked, pg_rows, window
from tests.support.fixtures_demo import DemoDataset, _install, _restore
from tfo_mcp import demo
from tfo_mcp.context.collector import collect_context
from tfo_mcp.context.types import ContextType as T

TYPES = [
    T.PLATFORM_HEALTH,
    T.PLATFORM_CAPACITY,
    T.PLATFORM_COST,
    T.PLATFORM_PERFORMANCE,
    T.REPORT_SUMMARY,
    T.AI_INSIGHTS,
    T.AI_RECOMMENDATIONS,
    T.AI_ANOMALIES,
    T.AI_PREDICTIONS,
    T.AI_ROOT_CAUSE,
    T.AI_PATTERNS,
]
SPANS_BY_SERVICE = (
    "ch:SELECT service_name, count() AS spans FROM traces WHERE organization_id = {org} "
    "AND timestamp >= {start} AND timestamp < {end} GROUP BY service_name ORDER BY spans DESC"
)
AGENTS = "pg:SELECT name, status FROM agents WHERE organization_id = {org} ORDER BY name"


@pytest.fixture(scope="module")
async def collected(demo_dataset: DemoDataset) -> dict[str, dict[T, Any]]:
    return await collect_for_orgs(demo_dataset, TYPES)


@pytest.fixture
def store(demo_store: DemoDataset) -> DemoDataset:
    """Settings pointing at the dataset for hand-computed SQL and direct collection (the shared fixture)."""
    return demo_store


def _profile() -> dict[str, Any]:
    return demo.org_profiles(2)[0]


async def _custom(dataset: DemoDataset, query: str, org: str | None = None, **options: Any) -> Any:
    start, end = window(dataset)
    return await collect_context(
        T.CUSTOM, org or dataset.org_a, time_from=start, time_to=end, context_id=query, **{"budget": 30, **options}
    )


# --------------------------------------------------------------------------- every type


@pytest.mark.parametrize("kind", TYPES, ids=lambda k: k.value)
def test_available_for_org_a_with_figures(collected: dict[str, dict[T, Any]], kind: T) -> None:
    context = collected["a"][kind]
    assert context.status == "available", context.summary
    assert context.type is kind
    assert not context.summary.startswith("[SYSTEM]")
    assert isinstance(context.data, dict) and context.data
    assert context.data["highlights"], "the incident estate should cross at least one threshold"
    assert not context.data.get("unavailable_sources"), context.data.get("unavailable_sources")


@pytest.mark.parametrize("kind", TYPES, ids=lambda k: k.value)
def test_org_b_never_appears_in_org_a(collected: dict[str, dict[T, Any]], demo_dataset: DemoDataset, kind: T) -> None:
    assert leaked(collected["a"][kind], demo_dataset.org_values(1)) == []
    assert leaked(collected["b"][kind], demo_dataset.org_values(0)) == []


@pytest.mark.parametrize("kind", TYPES, ids=lambda k: k.value)
def test_empty_for_an_organization_without_data(collected: dict[str, dict[T, Any]], kind: T) -> None:
    context = collected["empty"][kind]
    assert context.status == "empty", context.summary
    assert context.summary.startswith("[SYSTEM] No ")


def test_the_leak_check_sees_own_names(collected: dict[str, dict[T, Any]], demo_dataset: DemoDataset) -> None:
    own = demo_dataset.org_values(0)
    assert _profile()["story"]["saturated_host"] in leaked(collected["a"][T.PLATFORM_CAPACITY], own)
    assert "checkout" in leaked(collected["a"][T.AI_ROOT_CAUSE], own)


# --------------------------------------------------------------------------- platform


async def test_platform_health_sees_the_outage(collected: dict[str, dict[T, Any]], store: DemoDataset) -> None:
    data = collected["a"][T.PLATFORM_HEALTH].data
    assert data["verdict"] == "critical"
    worst = data["uptime"]["worst"][0]
    assert worst["monitor"] == store.story["outage_monitor"]
    start, end = window(store)
    raw = await ch_rows(
        "SELECT 100 * countIf(status = 'success') / count() AS availability FROM uptime_checks "
        "WHERE organization_id = %(org)s AND monitor_name = %(m)s AND checked_at >= %(s)s AND checked_at < %(e)s",
        {"org": store.org_a, "m": worst["monitor"], "s": start, "e": end},
    )
    assert worst["availability_pct"] == pytest.approx(raw[0]["availability"], abs=0.001)
    assert worst["availability_pct"] < 99
    titles = {alert["title"] for alert in data["alerts"]["instances"]}
    assert set(store.story["alert_titles"]) <= titles
    assert data["alerts"]["by_severity"].get("critical", 0) >= 1


def test_platform_capacity_forecasts_the_saturated_disk(collected: dict[str, dict[T, Any]]) -> None:
    data = collected["a"][T.PLATFORM_CAPACITY].data
    host = _profile()["story"]["saturated_host"]
    forecast = next(f for f in data["forecasts"] if f["resource"] == host and f["horizon"] == "24h")
    assert forecast["failure_probability"] > 0.7
    usage = next(h for h in data["hosts"] if h["host"] == host)
    assert usage["disk_used"] > 90 and usage["hours_until_disk_full"] is not None
    assert data["kubernetes_nodes"]


async def test_platform_cost_matches_billing_lines(collected: dict[str, dict[T, Any]], store: DemoDataset) -> None:
    data = collected["a"][T.PLATFORM_COST].data
    assert data["source"] == "cost_data" and data["trend_granularity"] == "hour"
    start, end = window(store)
    raw = await ch_rows(
        "SELECT sum(cost_usd) AS total FROM cost_data WHERE organization_id = %(org)s "
        "AND timestamp >= %(s)s AND timestamp < %(e)s",
        {"org": store.org_a, "s": start, "e": end},
    )
    assert data["total_cost_usd"] == pytest.approx(raw[0]["total"], abs=0.01)
    assert sum(p["share_percent"] for p in data["by_provider"]) == pytest.approx(100, abs=0.5)


async def test_platform_cost_over_days_reads_the_daily_rollup(store: DemoDataset) -> None:
    result = await collect_many(store, [T.PLATFORM_COST], store.org_a, hours=72)
    data = result[T.PLATFORM_COST].data
    assert data["source"] == "cost_data_daily_mv" and data["trend_granularity"] == "day"
    raw = await ch_rows(
        "SELECT sum(cost_usd) AS total FROM cost_data WHERE organization_id = %(org)s", {"org": store.org_a}
    )
    assert data["total_cost_usd"] == pytest.approx(raw[0]["total"], abs=0.01)


async def test_platform_performance_matches_raw_spans(collected: dict[str, dict[T, Any]], store: DemoDataset) -> None:
    data = collected["a"][T.PLATFORM_PERFORMANCE].data
    start, end = window(store)
    raw = await ch_rows(
        "SELECT count() AS n, countIf(status_code = 'ERROR') AS failed FROM traces WHERE organization_id = %(org)s "
        "AND service_name = %(svc)s AND span_kind IN ('SERVER', 'CONSUMER') "
        "AND timestamp >= %(s)s AND timestamp < %(e)s",
        {"org": store.org_a, "svc": store.story["incident_service"], "s": start, "e": end},
    )
    checkout = next(s for s in data["services"] if s["service"] == store.story["incident_service"])
    assert checkout["requests"] == int(raw[0]["n"])
    assert checkout["error_percent"] == pytest.approx(100 * int(raw[0]["failed"]) / int(raw[0]["n"]), abs=0.001)
    assert checkout["error_percent"] > 5
    p95 = [s["p95_ms"] for s in data["services"]]
    assert p95 == sorted(p95, reverse=True)


async def test_platform_performance_from_a_rollup_counts_every_request(store: DemoDataset) -> None:
    result = await collect_many(store, [T.PLATFORM_PERFORMANCE], store.org_a, hours=24)
    data = result[T.PLATFORM_PERFORMANCE].data
    assert data["latency_source"] == "service_latency_percentiles_15m"  # 24 h: the 15-minute tier
    start, end = window(store, 24)
    raw = await ch_rows(
        "SELECT count() AS n FROM traces WHERE organization_id = %(org)s AND span_kind IN ('SERVER', 'CONSUMER') "
        "AND timestamp >= %(s)s AND timestamp < %(e)s",
        {"org": store.org_a, "s": start, "e": end},
    )
    assert data["total_requests"] == int(raw[0]["n"])


def test_report_summary(collected: dict[str, dict[T, Any]]) -> None:
    data = collected["a"][T.REPORT_SUMMARY].data
    assert data["total_definitions"] > 0
    assert data["runs_in_window"] == len(data["executions"]) > 0
    assert all(run["report"] for run in data["executions"])


# --------------------------------------------------------------------------- AI / ops


async def test_ai_anomalies_match_the_detector_output(collected: dict[str, dict[T, Any]], store: DemoDataset) -> None:
    data = collected["a"][T.AI_ANOMALIES].data
    start, end = window(store)
    raw = await ch_rows(
        "SELECT count() AS n, countIf(severity = 'critical') AS crit FROM anomaly_events "
        "WHERE organization_id = %(org)s AND timestamp >= %(s)s AND timestamp < %(e)s",
        {"org": store.org_a, "s": start, "e": end},
    )
    assert data["total"] == int(raw[0]["n"]) and data["critical"] == int(raw[0]["crit"]) > 0
    top = data["anomalies"][0]
    assert top["service"] == store.story["incident_service"] and top["severity"] == "critical"
    assert store.story["deploy_version"] in top["description"]


async def test_ai_predictions_are_the_newest_forecasts(collected: dict[str, dict[T, Any]], store: DemoDataset) -> None:
    data = collected["a"][T.AI_PREDICTIONS].data
    host = store.story["saturated_host"]
    forecast = next(p for p in data["predictions"] if p["resource"] == host and p["horizon"] == "24h")
    start, end = window(store)
    raw = await ch_rows(
        "SELECT failure_probability AS p FROM predictions WHERE organization_id = %(org)s "
        "AND resource_identifier = %(h)s AND horizon = '24h' AND timestamp >= %(s)s AND timestamp < %(e)s "
        "ORDER BY timestamp DESC LIMIT 1",
        {"org": store.org_a, "h": host, "s": start, "e": end},
    )
    assert forecast["failure_probability"] == pytest.approx(raw[0]["p"], abs=0.001)
    assert data["high_risk"] >= 1 and any(host in note for note in data["highlights"])


def test_ai_root_cause_points_at_the_deploy(collected: dict[str, dict[T, Any]], demo_dataset: DemoDataset) -> None:
    story = demo_dataset.story
    data = collected["a"][T.AI_ROOT_CAUSE].data
    cause = data["candidates"][0]
    assert cause["cause"] == f"Deploy {story['incident_service']} {story['deploy_version']}"
    assert cause["kind"] == "deployment" and cause["previous_version"] == story["previous_version"]
    assert cause["minutes_before_anomaly"] == pytest.approx(8, abs=1)
    kinds = [item["kind"] for item in data["timeline"]]
    assert kinds.index("change:deployment") < kinds.index("anomaly:critical")
    assert any(plan["status"] == "proposed" for plan in data["remediation_plans"])


def test_ai_patterns_insights_recommendations(collected: dict[str, dict[T, Any]], demo_dataset: DemoDataset) -> None:
    story = demo_dataset.story
    patterns = collected["a"][T.AI_PATTERNS].data
    assert any("PaymentGatewayTimeout" in p["log_pattern"] for p in patterns["recurring_patterns"])
    assert patterns["correlations_by_type"].get("deploy-error") == 1
    insights = collected["a"][T.AI_INSIGHTS].data
    assert {name for name, item in insights["signals"].items() if item["status"] == "available"} == {
        "metrics",
        "logs",
        "traces",
    }
    assert insights["insights"][0]["priority"] == "high"
    assert any(story["incident_service"] in item["insight"] for item in insights["insights"])
    recommendations = collected["a"][T.AI_RECOMMENDATIONS].data["recommendations"]
    titles = [item["title"] for item in recommendations]
    assert f"Roll back {story['incident_service']} to {story['previous_version']}" in titles
    assert any(story["saturated_host"] in title for title in titles)
    ranks = [{"high": 0, "medium": 1, "low": 2}[item["priority"]] for item in recommendations]
    assert ranks == sorted(ranks)


async def test_ai_root_cause_degrades_when_postgresql_is_down(demo_dataset: DemoDataset) -> None:
    environ = demo_dataset.environ(
        TELEMETRYFLOW_MCP_POSTGRES_URL="postgresql://nobody:secret-pw@127.0.0.1:9/nothing",
        TELEMETRYFLOW_MCP_POSTGRES__CONNECT_TIMEOUT="1",
    )
    previous = await _install(environ)
    try:
        result = await collect_many(demo_dataset, [T.AI_ROOT_CAUSE, T.PLATFORM_HEALTH], demo_dataset.org_a, budget=5)
    finally:
        await _restore(previous)
    for kind, failed in ((T.AI_ROOT_CAUSE, {"remediation_plans"}), (T.PLATFORM_HEALTH, {"agents", "alert_instances"})):
        context = result[kind]
        assert context.status == "available", context.summary
        assert set(context.data["unavailable_sources"]) == failed
        assert "secret-pw" not in context.to_json()
    assert result[T.AI_ROOT_CAUSE].data["candidates"]


# --------------------------------------------------------------------------- custom


async def test_custom_clickhouse_query_is_scoped_and_bound(store: DemoDataset) -> None:
    context = await _custom(store, SPANS_BY_SERVICE)
    assert context.status == "available", context.summary
    data = context.data
    assert data["store"] == "clickhouse" and data["placeholders"] == ["org", "start", "end"]
    start, end = window(store)
    raw = await ch_rows(
        "SELECT service_name, count() AS spans FROM traces WHERE organization_id = %(org)s "
        "AND timestamp >= %(s)s AND timestamp < %(e)s GROUP BY service_name",
        {"org": store.org_a, "s": start, "e": end},
    )
    expected = {row["service_name"]: int(row["spans"]) for row in raw}
    assert {row["service_name"]: int(row["spans"]) for row in data["rows"]} == expected
    assert leaked(context, store.org_values(1)) == []


async def test_custom_accepts_a_long_multi_line_query(store: DemoDataset) -> None:
    padding = "\n".join(f"-- note {i}: padding a long, commented query" for i in range(20))
    query = (
        f"ch:{padding}\nSELECT service_name, count() AS spans\nFROM traces\nWHERE organization_id = {{org}}\n"
        "GROUP BY service_name"
    )
    assert len(query) > 500
    context = await _custom(store, query)
    assert context.status == "available", context.summary
    assert context.data["rows"]


async def test_custom_postgresql_query_is_scoped(store: DemoDataset) -> None:
    context = await _custom(store, AGENTS)
    assert context.status == "available", context.summary
    raw = await pg_rows(store, "SELECT name FROM agents WHERE organization_id = %s ORDER BY name", (store.org_a,))
    assert [row["name"] for row in context.data["rows"]] == [row["name"] for row in raw]
    assert context.data["store"] == "postgresql"
    assert leaked(context, store.org_values(1)) == []
    other = await _custom(store, AGENTS, org=store.org_b)
    assert leaked(other, store.org_values(0)) == []


@pytest.mark.parametrize(
    "query",
    [
        "SELECT count() FROM logs",
        "SELECT count() FROM logs WHERE organization_id = '{org}'",
        "SELECT count() FROM logs /* {org} */",
        "SELECT count() FROM logs -- WHERE organization_id = {org}",
        "pg:SELECT count(*) FROM agents WHERE name = $${org}$$",
        "pg:",
        "",
    ],
    ids=["no-placeholder", "in-string", "in-block-comment", "in-line-comment", "in-dollar-quote", "pg-empty", "empty"],
)
async def test_custom_query_without_the_org_placeholder_is_refused(store: DemoDataset, query: str) -> None:
    context = await _custom(store, query)
    assert context.status == "unavailable"
    assert context.data["refused"] is True
    assert "{org}" in context.data["reason"] or "needs a query" in context.data["reason"]
    assert "not a connectivity problem" in context.summary


@pytest.mark.parametrize(
    "query",
    [
        "ch:INSERT INTO agents_probe SELECT {org}",
        "ch:ALTER TABLE logs DELETE WHERE organization_id = {org}",
        "ch:DROP TABLE logs",
        "ch:SELECT count() FROM logs WHERE organization_id = {org}; DROP TABLE logs",
        "ch:SELECT * FROM file('/etc/passwd') WHERE {org} != ''",
        "ch:SELECT * FROM url('http://127.0.0.1:9/x', CSV) WHERE {org} != ''",
        "ch:SELECT count() FROM logs WHERE organization_id = {org} SETTINGS readonly = 0",
        "pg:DELETE FROM agents WHERE organization_id = {org}",
        "pg:UPDATE agents SET status = 'offline' WHERE organization_id = {org}",
        "pg:SELECT 1 WHERE {org} IS NOT NULL; COMMIT; DROP TABLE agents",
        "pg:CREATE TABLE probe AS SELECT * FROM agents WHERE organization_id = {org}",
        "pg:WITH gone AS (DELETE FROM agents WHERE organization_id = {org} RETURNING 1) SELECT count(*) FROM gone",
    ],
)
async def test_custom_writes_and_extra_statements_are_refused(store: DemoDataset, query: str) -> None:
    agents_before = await pg_rows(
        store, "SELECT count(*) AS n, count(*) FILTER (WHERE status = 'offline') AS off FROM agents"
    )
    logs_before = await ch_rows("SELECT count() AS n FROM logs", {})
    context = await _custom(store, query)
    assert context.status == "unavailable", context.summary
    assert context.data["refused"] is True and context.data["reason"]
    assert (
        await pg_rows(store, "SELECT count(*) AS n, count(*) FILTER (WHERE status = 'offline') AS off FROM agents")
        == agents_before
    )
    assert await ch_rows("SELECT count() AS n FROM logs", {}) == logs_before
    tables = await pg_rows(store, "SELECT count(*) AS n FROM pg_tables WHERE tablename = 'probe'")
    assert tables[0]["n"] == 0


@pytest.mark.parametrize("org", ["x' OR '1'='1", "' OR 1=1 --", "x\\' OR 1=1 --", "%(org)s", "{org}"])
async def test_custom_organization_id_is_a_literal(store: DemoDataset, org: str) -> None:
    ch_context = await _custom(store, "ch:SELECT count() AS n FROM traces WHERE organization_id = {org}", org=org)
    assert ch_context.status == "available", ch_context.summary
    assert [int(row["n"]) for row in ch_context.data["rows"]] == [0]
    pg_context = await _custom(
        store, "pg:SELECT count(*) AS n FROM agents WHERE organization_id::text = {org}", org=org
    )
    assert pg_context.status == "available", pg_context.summary
    assert [row["n"] for row in pg_context.data["rows"]] == [0]


async def test_custom_rows_are_capped_at_max_items(store: DemoDataset) -> None:
    context = await _custom(store, SPANS_BY_SERVICE, max_items=3)
    assert context.data["row_count"] == 3 and context.data["truncated"] is True
    assert "cut at max_items" in context.summary
    pg_context = await _custom(store, AGENTS, max_items=2)
    assert len(pg_context.data["rows"]) == 2 and pg_context.data["truncated"] is True
    everything = await _custom(store, AGENTS, max_items=500)
    assert everything.data["truncated"] is False


async def test_custom_percent_signs_and_empty_results(store: DemoDataset) -> None:
    context = await _custom(
        store, "SELECT count() AS n FROM logs WHERE organization_id = {org} AND body LIKE '%failed%'"
    )
    assert context.status == "available" and int(context.data["rows"][0]["n"]) > 0
    nothing = await _custom(
        store, "SELECT service_name FROM traces WHERE organization_id = {org} LIMIT 5", org=EMPTY_ORG
    )
    assert nothing.status == "empty"


async def test_custom_postgresql_is_refused_while_writes_are_enabled(demo_dataset: DemoDataset) -> None:
    previous = await _install(demo_dataset.environ(TELEMETRYFLOW_MCP_POSTGRES__ALLOW_WRITE="true"))
    try:
        context = await _custom(demo_dataset, "pg:DELETE FROM agents WHERE organization_id = {org}")
        assert context.status == "unavailable" and "allow_write" in context.data["reason"]
        assert (
            await pg_rows(
                demo_dataset, "SELECT count(*) AS n FROM agents WHERE organization_id = %s", (demo_dataset.org_a,)
            )
        )[0]["n"] > 0
    finally:
        await _restore(previous)


async def test_custom_slow_query_is_stopped_within_the_budget(store: DemoDataset) -> None:
    started = time.monotonic()
    context = await _custom(
        store, "ch:SELECT count() FROM numbers(100000000000) WHERE {org} != '' AND sipHash64(number) = 1", budget=1
    )
    elapsed = time.monotonic() - started
    assert context.status == "unavailable" and "timed out" in context.summary
    # stopped, not run to the end (minutes of work): a loaded machine may add seconds to the 1 s budget
    assert elapsed < 20
