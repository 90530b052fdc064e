"""Topology, service/network map, database and security contexts on the demo dataset.

Each type is collected once per module for organization A (the one with the incident), organization B and an
organization without data; the tests check the figures a user would read, spot-check some of them against plain
SQL on the raw tables, and search org A's whole output for org B's names (and the other way round).
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

from tests.support.collect_helpers import EMPTY_ORG, ch_rows, collect_for_orgs, collect_many, leaked, pg_rows, window
from tests.support.fixtures_demo import DemoDataset, _install, _restore
from tfo_mcp import demo
from tfo_mcp.context.types import ContextType as T

TYPES = [
    T.DEPENDENCIES,
    T.TOPOLOGY,
    T.SERVICE_MAP,
    T.SERVICE_MAP_TRAFFIC,
    T.SERVICE_MAP_ERRORS,
    T.SERVICE_MAP_LATENCY,
    T.SERVICE_MAP_DEPENDENCIES,
    T.SERVICE_MAP_TOPOLOGY,
    T.NETWORK_MAP,
    T.NETWORK_MAP_TRAFFIC,
    T.NETWORK_MAP_CONNECTIONS,
    T.NETWORK_MAP_DNS,
    T.NETWORK_MAP_FIREWALL,
    T.NETWORK_MAP_SECURITY,
    T.DB_OVERVIEW,
    T.DB_QUERIES,
    T.DB_SLOW_QUERIES,
    T.DB_CONNECTIONS,
    T.DB_TABLES,
    T.DB_INDEXES,
    T.DB_REPLICATION,
    T.DB_LOCKS,
    T.SECURITY_EVENTS,
    T.SECURITY_VULNERABILITIES,
    T.SECURITY_COMPLIANCE,
    T.SECURITY_ACCESS,
    T.SECURITY_THREATS,
    T.SECURITY_INCIDENTS,
]


@pytest.fixture(scope="module")
async def collected(demo_dataset: DemoDataset) -> dict[str, dict[T, Any]]:
    return await collect_for_orgs(demo_dataset, TYPES)


@pytest.fixture
def store(demo_store: DemoDataset) -> DemoDataset:
    """Settings pointing at the dataset for hand-computed SQL and direct collection (the shared fixture)."""
    return demo_store


def _profile() -> dict[str, Any]:
    return demo.org_profiles(2)[0]


def _by(rows: list[dict[str, Any]], key: str, value: Any) -> dict[str, Any]:
    return next(row for row in rows if row[key] == value)


# --------------------------------------------------------------------------- every type


@pytest.mark.parametrize("kind", TYPES, ids=lambda k: k.value)
def test_available_for_org_a_with_figures(collected: dict[str, dict[T, Any]], kind: T) -> None:
    context = collected["a"][kind]
    assert context.status == "available", context.summary
    assert context.type is kind
    assert not context.summary.startswith("[SYSTEM]")
    assert isinstance(context.data, dict) and context.data
    assert isinstance(context.data["highlights"], list)
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
    assert context.data["available"] is False


# --------------------------------------------------------------------------- topology and service map


def test_dependencies_show_the_failing_checkout_to_payments_edge(collected: dict[str, dict[T, Any]]) -> None:
    data = collected["a"][T.DEPENDENCIES].data
    edge = next(e for e in data["dependencies"] if (e["source"], e["target"]) == ("checkout", "payments"))
    assert edge["error_rate"] > 5
    assert edge["target_live"]["avg_error_rate"] > 5
    assert any("checkout -> payments" in note for note in data["highlights"])
    assert data["total_dependencies"] >= len(data["dependencies"]) > 0
    assert collected["a"][T.SERVICE_MAP_DEPENDENCIES].data["total_dependencies"] == data["total_dependencies"]


async def test_dependencies_filtered_by_service(store: DemoDataset) -> None:
    result = await collect_many(store, [T.DEPENDENCIES], store.org_a, context_id="payments")
    edges = result[T.DEPENDENCIES].data["dependencies"]
    assert edges and all("payments" in (e["source"], e["target"]) for e in edges)


def test_topology_graph_and_network(collected: dict[str, dict[T, Any]]) -> None:
    data = collected["a"][T.TOPOLOGY].data
    names = {s["name"] for s in data["services"]}
    assert {"checkout", "payments", "api-gateway"} <= names
    assert data["hubs"][0]["count"] >= 3
    assert len(data["longest_chain"]) >= 3
    assert data["network"]["total_nodes"] > 0 and data["network"]["total_connections"] > 0
    assert "network" not in collected["a"][T.SERVICE_MAP_TOPOLOGY].data


def test_service_map_marks_the_incident_services(collected: dict[str, dict[T, Any]]) -> None:
    services = collected["a"][T.SERVICE_MAP].data["services"]
    checkout = _by(services, "name", "checkout")
    assert checkout["avg_error_rate"] > 5
    assert checkout["avg_health_score"] < 80
    assert checkout["status"] == "degraded"
    healths = [s["avg_health_score"] for s in services if s["avg_health_score"] is not None]
    assert healths == sorted(healths)


async def test_service_map_errors_match_raw_samples(collected: dict[str, dict[T, Any]], store: DemoDataset) -> None:
    data = collected["a"][T.SERVICE_MAP_ERRORS].data
    assert data["services"][0]["service_name"] in ("checkout", "payments")
    start, end = window(store)
    raw = await ch_rows(
        "SELECT avg(error_rate) AS e, avg(request_rate) AS r FROM service_map_metrics "
        "WHERE organization_id = %(org)s AND service_name = 'checkout' AND timestamp >= %(s)s AND timestamp < %(e)s",
        {"org": store.org_a, "s": start, "e": end},
    )
    checkout = _by(data["services"], "service_name", "checkout")
    assert checkout["avg_error_rate"] == pytest.approx(raw[0]["e"], abs=0.001)
    traffic = collected["a"][T.SERVICE_MAP_TRAFFIC].data
    rates = [s["avg_request_rate"] for s in traffic["services"]]
    assert rates == sorted(rates, reverse=True)
    assert _by(traffic["services"], "service_name", "checkout")["avg_request_rate"] == pytest.approx(
        raw[0]["r"], abs=0.01
    )
    latency = [s["avg_latency_ms"] for s in collected["a"][T.SERVICE_MAP_LATENCY].data["services"]]
    assert latency == sorted(latency, reverse=True)


async def test_service_map_errors_from_a_rollup_equal_raw(store: DemoDataset) -> None:
    """A 6-hour window reads service_map_metrics_5m; its exact averages equal the raw samples' of those buckets."""
    result = await collect_many(store, [T.SERVICE_MAP_ERRORS], store.org_a, hours=6)
    data = result[T.SERVICE_MAP_ERRORS].data
    assert data["metrics_source"] == "service_map_metrics_5m"
    start, end = window(store, 6)
    raw = await ch_rows(
        "SELECT avg(error_rate) AS e FROM service_map_metrics WHERE organization_id = %(org)s "
        "AND service_name = 'checkout' AND timestamp >= toStartOfFiveMinutes(toDateTime(%(s)s)) AND timestamp < %(e)s",
        {"org": store.org_a, "s": start, "e": end},
    )
    assert _by(data["services"], "service_name", "checkout")["avg_error_rate"] == pytest.approx(raw[0]["e"], abs=0.001)


# --------------------------------------------------------------------------- network map


def test_network_map_finds_the_lossy_link(collected: dict[str, dict[T, Any]]) -> None:
    lossy = tuple(_profile()["story"]["lossy_link"])
    for kind in (T.NETWORK_MAP, T.NETWORK_MAP_CONNECTIONS):
        data = collected["a"][kind].data
        first = data["connections"][0]
        assert (first["source"], first["target"]) == lossy
        assert first["avg_packet_loss"] > 1
        assert any(f"{lossy[0]} -> {lossy[1]}" in note for note in data["highlights"])
    nodes = collected["a"][T.NETWORK_MAP].data["nodes"]
    assert _by(nodes, "name", _profile()["story"]["saturated_host"])["max_disk"] > 85
    traffic = collected["a"][T.NETWORK_MAP_TRAFFIC].data
    assert traffic["total_network_in_bytes_per_s"] > 0 and traffic["nodes"]


async def test_network_connections_from_a_rollup_equal_raw(store: DemoDataset) -> None:
    result = await collect_many(store, [T.NETWORK_MAP_CONNECTIONS], store.org_a, hours=24)
    data = result[T.NETWORK_MAP_CONNECTIONS].data
    assert data["metrics_source"] == "network_map_connection_metrics_5m"
    first = data["connections"][0]
    start, end = window(store, 24)
    raw = await ch_rows(
        "SELECT connection_id, avg(packet_loss) AS loss, sum(bytes_sent) AS sent FROM network_map_connection_metrics "
        "WHERE organization_id = %(org)s AND timestamp >= %(s)s AND timestamp < %(e)s "
        "GROUP BY connection_id ORDER BY loss DESC LIMIT 1",
        {"org": store.org_a, "s": start, "e": end},
    )
    assert first["avg_packet_loss"] == pytest.approx(raw[0]["loss"], abs=0.001)
    assert first["bytes_sent"] == int(raw[0]["sent"])


async def test_dns_totals_match_raw_queries(collected: dict[str, dict[T, Any]], store: DemoDataset) -> None:
    data = collected["a"][T.NETWORK_MAP_DNS].data
    start, end = window(store)
    raw = await ch_rows(
        "SELECT count() AS n, countIf(response_code != 'NOERROR') AS failed FROM network_dns_queries "
        "WHERE organization_id = %(org)s AND timestamp >= %(s)s AND timestamp < %(e)s",
        {"org": store.org_a, "s": start, "e": end},
    )
    assert data["total_queries"] == int(raw[0]["n"]) > 0
    assert data["failed_queries"] == int(raw[0]["failed"])
    assert data["resolvers"][0]["resolver"] == _profile()["network"]["dns"]


def test_firewall_and_network_security_name_the_attacker(collected: dict[str, dict[T, Any]]) -> None:
    attacker = _profile()["story"]["attacker_ip"]
    firewall = collected["a"][T.NETWORK_MAP_FIREWALL].data
    assert firewall["top_blocked_sources"][0]["src_ip"] == attacker
    assert firewall["top_blocked_sources"][0]["distinct_ports"] >= 20
    assert firewall["blocked_events"] < firewall["total_events"]
    security = collected["a"][T.NETWORK_MAP_SECURITY].data
    assert any(t["src_ip"] == attacker and t["severity"] == "critical" for t in security["threats"])
    assert any(attacker in note for note in security["highlights"])


# --------------------------------------------------------------------------- databases


def test_db_overview_lists_the_inventory(collected: dict[str, dict[T, Any]]) -> None:
    data = collected["a"][T.DB_OVERVIEW].data
    names = {db["name"] for db in _profile()["databases"]}
    assert data["total_instances"] == len(names)
    assert {row["name"] for row in data["instances"]} == names
    assert sum(data["status_distribution"].values()) == len(names)
    assert data["monitoring_rules"]["total"] >= data["monitoring_rules"]["enabled"] > 0


async def test_slow_query_matches_raw_digests(collected: dict[str, dict[T, Any]], store: DemoDataset) -> None:
    story = store.story
    slow = collected["a"][T.DB_SLOW_QUERIES].data["statements"]
    averages = [s["avg_ms"] for s in slow]
    assert averages == sorted(averages, reverse=True)
    statement = next(s for s in slow if s["statement"] == story["slow_query_digest_text"])
    assert statement["instance"] == story["slow_query_instance"]
    start, end = window(store)
    raw = await ch_rows(
        "SELECT sum(total_time_us) / sum(calls) / 1000 AS avg_ms, sum(calls) AS n FROM db_mysql_queries "
        "WHERE organization_id = %(org)s AND digest_text = %(text)s AND timestamp >= %(s)s AND timestamp < %(e)s",
        {"org": store.org_a, "text": story["slow_query_digest_text"], "s": start, "e": end},
    )
    assert statement["avg_ms"] == pytest.approx(raw[0]["avg_ms"], rel=1e-4)
    assert statement["calls"] == int(raw[0]["n"])
    assert statement["avg_ms"] > 1000 and statement["calls_without_index"] > 0
    totals = [s["total_ms"] for s in collected["a"][T.DB_QUERIES].data["statements"]]
    assert totals == sorted(totals, reverse=True)


async def test_db_queries_filtered_by_instance_name(store: DemoDataset) -> None:
    name = store.story["slow_query_instance"]
    result = await collect_many(store, [T.DB_QUERIES], store.org_a, context_id=name)
    statements = result[T.DB_QUERIES].data["statements"]
    assert statements and {s["instance"] for s in statements} == {name}


def test_db_connections_locks_replication(collected: dict[str, dict[T, Any]]) -> None:
    connections = collected["a"][T.DB_CONNECTIONS].data["instances"]
    assert connections and all(c.get("active_last") is not None for c in connections if c["type"] != "mysql")
    locks = collected["a"][T.DB_LOCKS].data
    assert locks["lock_metrics"] and locks["sqlserver_lock_waits"]
    assert any(row["metric_name"] == "db.mysql.innodb.deadlocks" for row in locks["lock_metrics"])
    replication = collected["a"][T.DB_REPLICATION].data
    assert {m["role"] for m in replication["aurora_members"]} == {"writer", "reader"}
    assert replication["lag"]
    replica = collected["b"][T.DB_REPLICATION].data["topology"]
    assert any(r["role"] == "replica" and r["replication_source"] for r in replica)


def test_db_tables_and_indexes(collected: dict[str, dict[T, Any]]) -> None:
    tables = collected["a"][T.DB_TABLES].data["tables"]
    sizes = [t["total_bytes"] for t in tables]
    assert sizes == sorted(sizes, reverse=True)
    views = next(t for t in tables if t["table"].endswith(".product_views"))
    assert views["bloat_ratio"] > 1.5 and views["hours_since_vacuum"] > 24
    orders = next(t for t in tables if t["table"].endswith(".orders") and t["instance"] == "acme-orders-mysql")
    assert orders["seq_scans"] >= 1000
    indexes = collected["a"][T.DB_INDEXES].data["indexes"]
    unused = [i for i in indexes if i["unused"]]
    assert [i["index"] for i in unused] == ["idx_orders_legacy_status"]
    assert indexes[0]["unused"]


# --------------------------------------------------------------------------- security


async def test_security_events_count_the_failed_logins(collected: dict[str, dict[T, Any]], store: DemoDataset) -> None:
    story = store.story
    data = collected["a"][T.SECURITY_EVENTS].data
    top = data["failing_sources"][0]
    assert top["ip_address"] == story["attacker_ip"]
    assert top["failures"] == story["failed_login_count"]
    start, end = window(store)
    raw = await ch_rows(
        "SELECT countIf(result = 'FAILURE') AS failed, countIf(result = 'DENIED') AS denied FROM audit_logs "
        "WHERE organization_id = %(org)s AND event_type IN ('AUTH', 'AUTHZ') "
        "AND timestamp >= %(s)s AND timestamp < %(e)s",
        {"org": store.org_a, "s": start, "e": end},
    )
    assert data["outcomes"]["FAILURE"] == int(raw[0]["failed"])
    assert data["outcomes"]["DENIED"] == int(raw[0]["denied"])
    assert any("brute force" in note for note in data["highlights"])


async def test_security_vulnerabilities_match_the_table(collected: dict[str, dict[T, Any]], store: DemoDataset) -> None:
    data = collected["a"][T.SECURITY_VULNERABILITIES].data
    raw = await pg_rows(
        store,
        "SELECT count(*) AS n, count(*) FILTER (WHERE exploit_available) AS exploitable FROM security_vulnerabilities "
        "WHERE organization_id = %s AND deleted_at IS NULL AND status IN ('open', 'in_progress')",
        (store.org_a,),
    )
    assert data["total_unresolved"] == raw[0]["n"] > 0
    assert data["exploitable"] == raw[0]["exploitable"]
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    ranks = [order[f["severity"]] for f in data["findings"]]
    assert ranks == sorted(ranks)


def test_security_compliance_access_threats_incidents(
    collected: dict[str, dict[T, Any]], demo_dataset: DemoDataset
) -> None:
    compliance = collected["a"][T.SECURITY_COMPLIANCE].data
    assert compliance["frameworks"] and compliance["failing_controls"]
    assert compliance["governance"]["active_users"] > 0
    access = collected["a"][T.SECURITY_ACCESS].data
    assert access["total_users"] == len(_profile()["users"])
    target = demo_dataset.story["targeted_user"].lower().replace(" ", ".")
    assert any(u["email"].startswith(target) and u["locked"] for u in access["users"])
    assert all("key_hash" not in key and "key_prefix" not in key for key in access["api_keys"]["keys"])
    threats = collected["a"][T.SECURITY_THREATS].data
    assert threats["top_events"][0]["severity"] == "critical"
    assert threats["authentication_attacks"][0]["ip_address"] == demo_dataset.story["attacker_ip"]
    incidents = collected["a"][T.SECURITY_INCIDENTS].data
    assert incidents["open_incidents"] >= 1
    assert any("Credential stuffing" in i["title"] for i in incidents["incidents"])


# --------------------------------------------------------------------------- degraded stores


def _dead_postgres_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql://nobody:secret-pw@127.0.0.1:{port}/nothing"


async def test_postgresql_down_keeps_the_clickhouse_parts(demo_dataset: DemoDataset) -> None:
    dead = demo_dataset.environ(TELEMETRYFLOW_MCP_POSTGRES_URL=_dead_postgres_url())
    previous = await _install(dead)
    try:
        result = await collect_many(
            demo_dataset, [T.NETWORK_MAP, T.DB_QUERIES, T.SECURITY_VULNERABILITIES], demo_dataset.org_a, budget=5
        )
    finally:
        await _restore(previous)
    network = result[T.NETWORK_MAP]
    assert network.status == "available"
    assert set(network.data["unavailable_sources"]) == {"network_map_nodes", "network_map_connections"}
    assert network.data["nodes"] and "secret-pw" not in str(network.to_dict())
    queries = result[T.DB_QUERIES]
    assert queries.status == "available" and "database_instances" in queries.data["unavailable_sources"]
    vulnerabilities = result[T.SECURITY_VULNERABILITIES]
    assert vulnerabilities.status == "unavailable"
    assert "PostgreSQL" in vulnerabilities.summary and "secret-pw" not in vulnerabilities.summary


def test_empty_org_is_really_unknown() -> None:
    assert EMPTY_ORG not in (demo.org_id(0), demo.org_id(1))


def test_the_leak_check_sees_own_names(collected: dict[str, dict[T, Any]], demo_dataset: DemoDataset) -> None:
    """The search above is not vacuous: org A's own names are found in org A's output."""
    own = demo_dataset.org_values(0)
    assert "checkout" in leaked(collected["a"][T.SERVICE_MAP], own)
    assert any("@" in value for value in leaked(collected["a"][T.SECURITY_ACCESS], own))
    assert _profile()["story"]["saturated_host"] in leaked(collected["a"][T.NETWORK_MAP], own)
