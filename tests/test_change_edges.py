"""Caller -> callee edges from the spans, compared with the baseline window, on real chDB.

Each organization runs the same shop (frontend -> checkout -> payments / inventory / orders-db / notifications,
frontend -> recommendations) as OpenTelemetry instrumentations record it: HTTP CLIENT spans naming their peer
(``peer.service``, ``server.address``), a database CLIENT span naming only ``server.address``, a gRPC CLIENT span
naming nothing (the edge shows only as parent/child) and a Kafka PRODUCER -> CONSUMER pair. Two hours of spans: the
baseline hour and the window hour. ``frontend -> recommendations`` fails about 8 % of calls in both (chronic). One
organization's checkout -> payments calls start failing 30 minutes into the window, another's checkout -> inventory
calls get 8x slower then, a third has no fault. No PostgreSQL is configured: the contexts work from the spans alone.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.support.fixtures_demo import _install, _restore
from tfo_mcp import config

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
NOW = NOW - timedelta(minutes=NOW.minute % 5)
WINDOW_START = NOW - timedelta(hours=1)
ONSET = NOW - timedelta(minutes=30)
ERRORS_ORG, SLOW_ORG, CALM_ORG = "org-edge-errors", "org-edge-slow", "org-edge-calm"
CASCADE_ORG, STOPPED_ORG, EBB_ORG = "org-edge-cascade", "org-edge-stopped", "org-edge-ebb"
#: Chronic noise every organization has: recommendations fails this share of calls in both windows.
CHRONIC_ERRORS = {"fe>rec": 0.08, "rec": 0.08}
FAULT_ERROR_RATE = 0.25
SLOW_FACTOR = 8.0
HTTP = {"http.request.method": "POST", "network.protocol.version": "1.1"}

#: One checkout request: (name, parent (1-based index, 0 = root), service, kind, span name, attributes, typical ms)
ROUTE: list[tuple[str, int, str, str, str, dict[str, str], float]] = [
    ("fe", 0, "frontend", "SERVER", "POST /checkout", {"http.route": "/checkout", **HTTP}, 180.0),
    ("fe>co", 1, "frontend", "CLIENT", "POST", {"peer.service": "checkout", "server.port": "8080", **HTTP}, 150.0),
    ("co", 2, "checkout", "SERVER", "POST /api/checkout", {"http.route": "/api/checkout", **HTTP}, 140.0),
    ("co>pay", 3, "checkout", "CLIENT", "POST", {"server.address": "payments.shop.svc.cluster.local", **HTTP}, 60.0),
    ("pay", 4, "payments", "SERVER", "POST /v1/charges", {"http.route": "/v1/charges", **HTTP}, 50.0),
    (
        "co>db",
        3,
        "checkout",
        "CLIENT",
        "SELECT orders",
        {"db.system": "postgresql", "db.name": "orders", "server.address": "orders-db", "server.port": "5432"},
        8.0,
    ),
    ("co>inv", 3, "checkout", "CLIENT", "inventory.Stock/Reserve", {"rpc.system": "grpc"}, 30.0),
    ("inv", 7, "inventory", "SERVER", "inventory.Stock/Reserve", {"rpc.system": "grpc"}, 25.0),
    ("co>q", 3, "checkout", "PRODUCER", "orders publish", {"messaging.destination.name": "orders"}, 2.0),
    ("notif", 9, "notifications", "CONSUMER", "orders process", {"messaging.system": "kafka"}, 20.0),
    ("fe>rec", 1, "frontend", "CLIENT", "GET", {"peer.service": "recommendations", **HTTP}, 40.0),
    ("rec", 11, "recommendations", "SERVER", "GET /recommendations", {"http.route": "/recommendations"}, 35.0),
]


@dataclass
class Fault:
    """From ``start`` on, the spans named in ``spans`` fail ``error_rate`` more often and take ``slow`` x longer."""

    start: datetime
    spans: tuple[str, ...]
    error_rate: float = 0.0
    slow: float = 1.0
    #: share of the traces whose spans in ``spans`` are not written (1.0: those calls stop)
    drop: float = 0.0


@dataclass
class Scenario:
    org: str
    faults: list[Fault] = field(default_factory=list)
    traces_per_minute: int = 120
    start: datetime = NOW - timedelta(hours=2)
    end: datetime = NOW


SCENARIOS = [
    Scenario(ERRORS_ORG, [Fault(ONSET, ("co>pay", "pay"), error_rate=FAULT_ERROR_RATE)]),
    Scenario(SLOW_ORG, [Fault(ONSET, ("co>inv", "inv"), slow=SLOW_FACTOR)]),
    Scenario(CALM_ORG),
    # payments fails and checkout passes the failure on to frontend
    # frontend stops calling recommendations
    Scenario(STOPPED_ORG, [Fault(ONSET, ("fe>rec", "rec"), drop=1.0)]),
    # 60 % fewer requests reach the shop (every edge carries fewer calls)
    Scenario(EBB_ORG, [Fault(ONSET, tuple(span[0] for span in ROUTE), drop=0.6)]),
    Scenario(CASCADE_ORG, [Fault(ONSET, ("co>pay", "pay", "co", "fe>co", "fe"), error_rate=FAULT_ERROR_RATE)]),
]

#: Spans of every trace slot, generated inside ClickHouse: ids are hashes of (org, slot, span), durations
#: log-normal around the span's typical time, errors drawn per span.
INSERT_SPANS = """
INSERT INTO traces (timestamp, trace_id, span_id, parent_span_id, span_name, span_kind, service_name, status_code,
                    status_message, duration_ns, organization_id, resource_attributes, span_attributes)
SELECT addMicroseconds(t0, toInt64(sp * 400)), trace_id, lower(hex(cityHash64(%(org)s, n, sp))),
       if(%(parents)s[sp] = 0, '', lower(hex(cityHash64(%(org)s, n, %(parents)s[sp])))),
       %(span_names)s[sp], %(kinds)s[sp], %(services)s[sp],
       if(failed, 'ERROR', if(%(kinds)s[sp] IN ('SERVER', 'CONSUMER'), 'OK', 'UNSET')),
       if(failed, 'upstream request failed', ''),
       toUInt64(%(base_ms)s[sp] * slow * exp(0.3 * sqrt(-2 * log(greatest(u1, 1e-12))) * cos(2 * pi() * u2)) * 1e6),
       %(org)s,
       map('service.name', %(services)s[sp], 'telemetry.sdk.language', 'java'),
       mapFromArrays(%(attr_keys)s[sp], %(attr_values)s[sp])
FROM
(
    SELECT n, sp, t0, trace_id,
           cityHash64(%(org)s, n, sp, 1) / 18446744073709551616.0 AS u_err,
           cityHash64(%(org)s, n, sp, 2) / 18446744073709551616.0 AS u1,
           cityHash64(%(org)s, n, sp, 3) / 18446744073709551616.0 AS u2,
           arrayMap(i -> t0 >= toDateTime64(%(f_start)s[i], 9, 'UTC') AND %(f_mask)s[i][sp] = 1,
                    arrayEnumerate(%(f_err)s)) AS hit,
           u_err < %(base_err)s[sp] + arraySum(arrayMap((h, e) -> if(h, e, 0), hit, %(f_err)s)) AS failed,
           arrayProduct(arrayMap((h, f) -> if(h, f, 1), hit, %(f_slow)s)) AS slow,
           arrayExists((h, d) -> h AND u_drop < d, hit, %(f_drop)s) AS dropped
    FROM
    (
        SELECT number AS n,
               toDateTime64(addMicroseconds(toDateTime64(%(start)s, 6, 'UTC'), toInt64(n * %(us_per_trace)s)), 9,
                            'UTC') AS t0,
               concat(lower(hex(cityHash64(%(org)s, n, 't'))), lower(hex(cityHash64(%(org)s, n, 'u')))) AS trace_id,
               cityHash64(%(org)s, n, 'drop') / 18446744073709551616.0 AS u_drop
        FROM numbers(%(rows)s)
    )
    ARRAY JOIN arrayEnumerate(%(names)s) AS sp
)
WHERE NOT dropped
"""


def _insert_params(scenario: Scenario) -> dict[str, Any]:
    names = [span[0] for span in ROUTE]
    faults = scenario.faults or [Fault(scenario.end, ())]
    minutes = int((scenario.end - scenario.start).total_seconds() // 60)
    return {
        "org": scenario.org,
        "start": scenario.start.replace(tzinfo=None),
        "rows": minutes * scenario.traces_per_minute,
        "us_per_trace": 60_000_000 / scenario.traces_per_minute,
        "names": names,
        "parents": [span[1] for span in ROUTE],
        "services": [span[2] for span in ROUTE],
        "kinds": [span[3] for span in ROUTE],
        "span_names": [span[4] for span in ROUTE],
        "attr_keys": [list(span[5]) for span in ROUTE],
        "attr_values": [list(span[5].values()) for span in ROUTE],
        "base_ms": [span[6] for span in ROUTE],
        "base_err": [CHRONIC_ERRORS.get(name, 0.002) for name in names],
        "f_start": [fault.start.replace(tzinfo=None) for fault in faults],
        "f_mask": [[int(name in fault.spans) for name in names] for fault in faults],
        "f_err": [fault.error_rate for fault in faults],
        "f_slow": [fault.slow for fault in faults],
        "f_drop": [fault.drop for fault in faults],
    }


async def _drop(chdb_dir: Path, database: str, previous: config.LoadedSettings | None) -> None:
    from tfo_mcp.stores import clickhouse

    await _install({"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{chdb_dir}?database=default"})
    await clickhouse.get_clickhouse().execute(f"DROP DATABASE IF EXISTS {database}")
    await _restore(previous)


@pytest_asyncio.fixture(scope="module")
async def edge_store(chdb_dir: Path) -> AsyncIterator[str]:
    """A chDB database of its own with the platform schema and the three organizations' spans; ClickHouse only."""
    from tfo_mcp.stores import clickhouse

    database = f"tfo_edges_{secrets.token_hex(3)}"
    url = f"chdb://{chdb_dir}?database={database}"
    previous = await _install({"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": url})
    try:
        await clickhouse.migrate("platform")
        backend = clickhouse.get_clickhouse()
        for scenario in SCENARIOS:
            await backend.execute(INSERT_SPANS, _insert_params(scenario))
        yield url
    finally:
        await _drop(chdb_dir, database, previous)


def _request(org: str, start: datetime = WINDOW_START, end: datetime = NOW, kind: str = "dependencies") -> Any:
    import time

    from tfo_mcp.context.collector import CollectRequest
    from tfo_mcp.context.types import ContextType, TimeRange

    return CollectRequest(
        context_type=ContextType.parse(kind),
        organization_id=org,
        time_range=TimeRange(start=start, end=end),
        max_items=50,
        deadline=time.monotonic() + 120,
    )


async def _rows(sql: str, **params: Any) -> list[dict[str, Any]]:
    from tfo_mcp.stores.clickhouse import get_clickhouse

    return (await get_clickhouse().query(sql, params, readonly=True)).as_dicts()


#: Every edge as plain SQL over the raw spans: named peers of CLIENT / PRODUCER spans, and SERVER / CONSUMER spans
#: under another service's span whose parent names no peer.
RAW_EDGES = """
SELECT caller, callee, count() AS requests, countIf(failed) AS errors
FROM
(
    SELECT service_name AS caller,
           multiIf(span_attributes['peer.service'] != '', span_attributes['peer.service'],
                   span_attributes['server.address'] != '', span_attributes['server.address'],
                   span_attributes['net.peer.name']) AS callee,
           status_code = 'ERROR' AS failed
    FROM traces
    WHERE organization_id = %(org)s AND timestamp >= %(start)s AND timestamp < %(end)s
      AND span_kind IN ('CLIENT', 'PRODUCER') AND callee != ''
    UNION ALL
    SELECT p.service_name AS caller, c.service_name AS callee, c.status_code = 'ERROR' AS failed
    FROM traces AS c
    INNER JOIN traces AS p ON c.trace_id = p.trace_id AND c.parent_span_id = p.span_id
    WHERE c.organization_id = %(org)s AND p.organization_id = %(org)s
      AND c.timestamp >= %(start)s AND c.timestamp < %(end)s AND c.span_kind IN ('SERVER', 'CONSUMER')
      AND p.service_name != c.service_name
      AND NOT (p.span_kind IN ('CLIENT', 'PRODUCER') AND (p.span_attributes['peer.service'] != ''
               OR p.span_attributes['server.address'] != '' OR p.span_attributes['net.peer.name'] != ''))
)
GROUP BY caller, callee
"""


def _edge(rows: list[dict[str, Any]], caller: str, callee: str) -> dict[str, Any]:
    return next(row for row in rows if (row["caller"], row["callee"]) == (caller, callee))


# --------------------------------------------------------------------------- the edges themselves


@pytest.mark.parametrize(("hours", "raw"), [(1, True), (1, False), (2, False)], ids=["raw", "summary-1m", "summary-5m"])
async def test_edges_count_every_call_as_plain_sql_over_the_spans_does(
    edge_store: str, hours: int, raw: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 1 h window reads the service_edges_1m summary, a 2 h window service_edges_5m, and the raw spans when
    forced: each gives every edge with the calls and errors counted straight from the spans (an address naming a
    service is that service), with every parent/child link joined."""
    from tfo_mcp.context import edges
    from tfo_mcp.context.edges import edge_stats
    from tfo_mcp.context.sources import raw_tables

    monkeypatch.setattr(edges, "MAX_JOINED_LINKS", 10**9)
    start = NOW - timedelta(hours=hours)
    with raw_tables() if raw else contextlib.nullcontext():
        got = await edge_stats(_request(ERRORS_ORG, start))
    raw = await _rows(RAW_EDGES, org=ERRORS_ORG, start=start, end=NOW)
    expected = {(row["caller"], row["callee"].split(".")[0]): row for row in raw}
    assert (
        {(row["caller"], row["callee"]) for row in got}
        == set(expected)
        == {
            ("frontend", "checkout"),
            ("checkout", "payments"),
            ("checkout", "orders-db"),
            ("checkout", "inventory"),
            ("checkout", "notifications"),
            ("frontend", "recommendations"),
        }
    )
    for row in got:
        want = expected[(row["caller"], row["callee"])]
        assert (row["requests"], row["errors"]) == (int(want["requests"]), int(want["errors"])), row
        assert row["error_percent"] == pytest.approx(100 * int(want["errors"]) / int(want["requests"]), abs=0.01)
    payments = _edge(got, "checkout", "payments")
    assert 40 < payments["avg_ms"] < 90 and payments["p95_ms"] > payments["avg_ms"]


async def test_past_the_join_limit_a_sample_of_the_links_gives_the_parent_child_counts(
    edge_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With more child links than the join reads, a sample of the span_links shards is joined and scaled up: the
    parent/child edges keep their calls and error rate within sampling error, the named edges stay exact."""
    from tfo_mcp.context import edges

    monkeypatch.setattr(edges, "MAX_JOINED_LINKS", 10**9)
    exact = {(row["caller"], row["callee"]): row for row in await edges.edge_stats(_request(ERRORS_ORG))}
    monkeypatch.setattr(edges, "MAX_JOINED_LINKS", 9_000)  # about 1 in 8 of the two hours' 72,000 links
    sampled = {(row["caller"], row["callee"]): row for row in await edges.edge_stats(_request(ERRORS_ORG))}
    assert set(sampled) == set(exact)
    parent_child = (("checkout", "inventory"), ("checkout", "notifications"))
    for key in parent_child:
        assert sampled[key]["requests"] == pytest.approx(exact[key]["requests"], rel=0.12), key
    assert any(sampled[key]["requests"] != exact[key]["requests"] for key in parent_child)  # a sample was read
    for key in (("frontend", "checkout"), ("checkout", "payments"), ("frontend", "recommendations")):  # named
        assert sampled[key]["requests"] == exact[key]["requests"], key


async def test_edges_of_one_service_are_those_it_calls_or_is_called_by(edge_store: str) -> None:
    from tfo_mcp.context.edges import edge_stats

    for hours in (1, 2):
        rows = await edge_stats(_request(ERRORS_ORG, NOW - timedelta(hours=hours)), "checkout")
        assert {(r["caller"], r["callee"]) for r in rows} == {
            ("frontend", "checkout"),
            ("checkout", "payments"),
            ("checkout", "orders-db"),
            ("checkout", "inventory"),
            ("checkout", "notifications"),
        }
        assert {(r["caller"], r["callee"]) for r in await edge_stats(_request(ERRORS_ORG), "inventory")} == {
            ("checkout", "inventory")
        }


async def test_an_organization_sees_only_its_own_edges(edge_store: str) -> None:
    from tfo_mcp.context.edges import edge_stats

    assert await edge_stats(_request("org-edge-nobody", NOW - timedelta(hours=2))) == []
    calm = await edge_stats(_request(CALM_ORG))
    assert all(row["errors"] < 0.02 * row["requests"] for row in calm if row["callee"] != "recommendations")


# --------------------------------------------------------------------------- what changed


async def _collect(kind: str, org: str, **options: Any) -> Any:
    from tfo_mcp.context.collector import collect_context

    return await collect_context(kind, org, time_from=WINDOW_START, time_to=NOW, budget=120, **options)


async def test_an_edge_that_starts_failing_late_in_the_window_is_ranked_first(edge_store: str) -> None:
    """checkout -> payments fails 25 % of calls from 30 minutes into the window: the finding names the edge, its
    error rate since then (not the window's half-diluted average) and the time it began; the chronic
    recommendations edge stays below it, stated as chronic."""
    for kind in ("dependencies", "service-map-dependencies", "service-map", "service-map-errors"):
        context = await _collect(kind, ERRORS_ORG)
        assert context.status == "available", context.summary
        first = context.data["findings"][0]
        assert (first["entity"], first["signal"], first["status"]) == ("checkout -> payments", "error_percent", "new")
        assert 21 <= first["after"] <= 30, first
        assert first["before"] < 1
        assert first["since"][11:16] == ONSET.strftime("%H:%M")
        assert "checkout -> payments error rate rose from" in context.summary, context.summary
        chronic = [f for f in context.data["findings"] if f["entity"] == "frontend -> recommendations"]
        assert [f["status"] for f in chronic if f["signal"] == "error_percent"] == ["chronic"]
        assert "Chronic: frontend -> recommendations error rate has stayed at about 8" in context.summary
        assert not [f for f in context.data["findings"] if f["status"] == "new" and f["entity"] != first["entity"]]
    edges = (await _collect("dependencies", ERRORS_ORG)).data["dependencies"]
    assert (edges[0]["source"], edges[0]["target"]) == ("checkout", "payments")
    assert edges[0]["from"] == "spans" and edges[0]["baseline"]["error_rate"] < 1


async def test_an_edge_seen_only_as_parent_and_child_that_slows_is_named(edge_store: str) -> None:
    """checkout's gRPC calls to inventory name no peer; they get 8x slower from 30 minutes into the window."""
    context = await _collect("service-map-latency", SLOW_ORG)
    first = context.data["findings"][0]
    assert (first["entity"], first["signal"], first["status"]) == ("checkout -> inventory", "p95_ms", "new")
    assert first["after"] == pytest.approx(SLOW_FACTOR * first["before"], rel=0.2)
    assert first["since"][11:16] == ONSET.strftime("%H:%M")
    assert "checkout -> inventory p95 latency rose from" in context.summary
    dependencies = await _collect("dependencies", SLOW_ORG)
    assert dependencies.data["findings"][0]["entity"] == "checkout -> inventory"
    errors = await _collect("service-map-errors", SLOW_ORG)
    assert "Nothing changed measurably" in errors.summary, errors.summary


async def test_a_failure_passed_upstream_ranks_the_edge_nearest_its_cause_first(edge_store: str) -> None:
    """payments fails and frontend -> checkout fails as often, because checkout passes the failure on: the
    deeper edge ranks first, and the upstream one says what lies below it."""
    context = await _collect("service-map-errors", CASCADE_ORG)
    findings = context.data["findings"]
    assert [f["entity"] for f in findings[:2]] == ["checkout -> payments", "frontend -> checkout"]
    assert all(f["status"] == "new" for f in findings[:2])
    assert findings[1]["text"].endswith("with checkout -> payments downstream")
    summary = context.summary
    assert summary.index("checkout -> payments error rate rose") < summary.index("frontend -> checkout error rate")


async def test_an_edge_whose_calls_stop_is_named_and_fewer_calls_everywhere_is_no_edge_change(
    edge_store: str,
) -> None:
    """frontend stops calling recommendations 30 minutes into the window: its throughput falls to nothing since
    then. In another organization 60 % fewer requests reach the shop: every edge carries fewer calls, so no edge
    changed (the baseline is scaled by all edges' change, and the note says so)."""
    stopped = await _collect("service-map-traffic", STOPPED_ORG)
    first = stopped.data["findings"][0]
    assert (first["entity"], first["signal"]) == ("frontend -> recommendations", "requests_per_min")
    assert first["status"] == "new"
    assert first["after"] == 0 and first["since"][11:16] == ONSET.strftime("%H:%M")
    assert "frontend -> recommendations throughput fell from" in stopped.summary
    ebb = await _collect("service-map-traffic", EBB_ORG)
    assert "Nothing changed measurably" in ebb.summary, ebb.summary
    assert not [f for f in ebb.data["findings"] if f["status"] in ("new", "worsened")]
    edges = {(e["source"], e["target"]): e for e in ebb.data["dependencies"]}
    assert edges[("checkout", "payments")]["requests"] < 0.8 * edges[("checkout", "payments")]["baseline"]["requests"]


@pytest.mark.parametrize(
    "kind",
    [
        "dependencies",
        "service-map-dependencies",
        "service-map",
        "service-map-traffic",
        "service-map-errors",
        "service-map-latency",
    ],
)
async def test_a_window_without_a_fault_says_nothing_changed(edge_store: str, kind: str) -> None:
    context = await _collect(kind, CALM_ORG)
    assert context.status == "available", context.summary
    assert "Nothing changed measurably against the preceding window." in context.summary, context.summary
    assert not [f for f in context.data["findings"] if f["status"] in ("new", "worsened")]
    if kind in ("dependencies", "service-map", "service-map-errors"):
        assert "Chronic: frontend -> recommendations error rate" in context.summary


async def test_without_the_inventory_the_edges_come_from_the_spans(edge_store: str) -> None:
    """No PostgreSQL is configured here: the contexts answer from the spans and name the missing inventory."""
    context = await _collect("dependencies", CALM_ORG)
    data = context.data
    assert data["edges_source"] == "spans"
    assert data["total_dependencies"] == 6
    assert "service_map_dependencies" in data["unavailable_sources"]
    assert {"name": "checkout", "count": 1} in data["most_called"]
    service_map = (await _collect("service-map", CALM_ORG)).data
    names = {row["name"] for row in service_map["services"]}
    assert {"frontend", "checkout", "payments", "inventory", "notifications", "orders-db"} <= names
    checkout = next(row for row in service_map["services"] if row["name"] == "checkout")
    assert (checkout["calls"], checkout["called_by"]) == (4, 1)


async def test_a_filtered_dependencies_context_keeps_the_service_edges(edge_store: str) -> None:
    context = await _collect("dependencies", ERRORS_ORG, context_id="payments")
    edges = context.data["dependencies"]
    assert [(e["source"], e["target"]) for e in edges] == [("checkout", "payments")]
    assert context.data["findings"][0]["entity"] == "checkout -> payments"


# --------------------------------------------------------------------------- the summary table


async def test_the_summaries_and_the_links_are_backfilled_once_on_a_store_migrated_before_them(
    chdb_dir: Path, tmp_path: Path
) -> None:
    """A store with spans from before migrations 010 to 012 gets service_edges and span_links filled from them,
    exactly once."""
    from tfo_mcp.stores import clickhouse, migrations

    folder = Path(migrations.CLICKHOUSE_SQL_DIR) / "platform"
    older = tmp_path / "platform"
    older.mkdir()
    for path in folder.glob("[0-9]*.sql"):
        if int(path.name[:3]) < 10 or int(path.name[:3]) > 12:
            (older / path.name).write_text(path.read_text())
    database = f"tfo_edges_fill_{secrets.token_hex(3)}"
    previous = await _install({"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{chdb_dir}?database={database}"})
    try:
        await clickhouse.migrate("platform", directory=older)
        backend = clickhouse.get_clickhouse()
        await backend.execute(INSERT_SPANS, _insert_params(Scenario(CALM_ORG, traces_per_minute=20)))
        added = ["010_service_edges", "011_service_edges_one_minute", "012_span_links"]
        assert await clickhouse.migrate("platform") == added
        for name in added:
            for statement in migrations.split_statements((folder / f"{name}.sql").read_text()):
                await backend.execute(statement)  # a second run adds nothing
        for table in [f"service_edges_{tier}" for tier in ("1m", "5m", "15m", "1h", "1d")]:
            summary = await _rows(
                f"SELECT caller, callee, sum(request_count) AS n, sum(error_count) AS e FROM {table} "
                "GROUP BY caller, callee ORDER BY caller, callee"
            )
            raw = await _rows(
                "SELECT service_name AS caller, multiIf(span_attributes['peer.service'] != '', "
                "span_attributes['peer.service'], span_attributes['server.address']) AS callee, count() AS n, "
                "countIf(status_code = 'ERROR') AS e FROM traces WHERE span_kind IN ('CLIENT', 'PRODUCER') "
                "AND callee != '' GROUP BY caller, callee ORDER BY caller, callee"
            )
            assert summary == raw and len(raw) == 4, table
        links = await _rows(
            "SELECT role, service_name, count() AS n, sum(failed) AS e, sum(duration_ns) AS d FROM span_links "
            "GROUP BY role, service_name ORDER BY role, service_name"
        )
        spans = await _rows(
            "SELECT * FROM (SELECT 'parent' AS role, service_name, count() AS n, 0 AS e, 0 AS d FROM traces "
            "WHERE NOT (span_kind IN ('CLIENT', 'PRODUCER') AND (span_attributes['peer.service'] != '' "
            "OR span_attributes['server.address'] != '')) GROUP BY service_name "
            "UNION ALL SELECT 'child', service_name, count(), countIf(status_code = 'ERROR'), sum(duration_ns) "
            "FROM traces WHERE span_kind IN ('SERVER', 'CONSUMER') AND parent_span_id != '' GROUP BY service_name) "
            "ORDER BY role DESC, service_name"
        )
        assert [tuple(map(str, row.values())) for row in links] == [tuple(map(str, row.values())) for row in spans]
        assert {row["role"] for row in links} == {"parent", "child"}
    finally:
        await _drop(chdb_dir, database, previous)


async def test_without_the_summary_there_are_no_edges_from_spans(chdb_dir: Path) -> None:
    """A store without migration 010 (as clickhouse-server 18.16's platform_legacy schema) has no edges from spans;
    the contexts then use the inventory alone."""
    from tfo_mcp.context.edges import edge_stats
    from tfo_mcp.stores import clickhouse

    database = f"tfo_edges_none_{secrets.token_hex(3)}"
    previous = await _install({"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{chdb_dir}?database={database}"})
    try:
        await clickhouse.get_clickhouse().execute(f"CREATE DATABASE IF NOT EXISTS {database}")
        assert await edge_stats(_request(CALM_ORG)) == []
    finally:
        await _drop(chdb_dir, database, previous)


# --------------------------------------------------------------------------- the demo estate


async def test_the_demo_service_map_comes_from_its_spans(demo_store: Any) -> None:
    """The demo's spans give its edges (service calls as parent/child, datastore calls by their peer.service), and
    the inventory adds their type and status."""
    from tfo_mcp.context.collector import collect_context

    context = await collect_context(
        "dependencies",
        demo_store.org_a,
        time_from=demo_store.now - timedelta(hours=1),
        time_to=demo_store.now,
        budget=120,
    )
    data = context.data
    assert data["edges_source"] == "spans+inventory"
    from_spans = [edge for edge in data["dependencies"] if edge["from"] == "spans"]
    assert len(from_spans) >= 5
    payments = next(e for e in from_spans if (e["source"], e["target"]) == ("checkout", "payments"))
    assert payments["type"] == "http" and payments["requests"] > 0 and payments["error_rate"] > 5
    stores = [e for e in from_spans if e["type"] in ("database", "cache")]
    assert stores and all(e["requests"] > 0 for e in stores)
