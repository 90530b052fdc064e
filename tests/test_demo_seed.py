"""The demo estate: deterministic, two distinct organizations, the incident story, data everywhere for org A.

Most tests read the session dataset (tests/support/fixtures_demo.py: chDB + PostgreSQL, seeded once with a fixed
``now``); the determinism and edge-case tests seed small estates into databases of their own.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.support.fixtures_demo import DemoDataset
from tfo_mcp import config, demo

#: Time column of each table the seed writes (anything else is ``timestamp``).
TIME_COLUMN = {"uptime_checks": "checked_at"}
#: ClickHouse rollups and the bucket column each is filtered on.
ROLLUPS = {
    "metrics_5m": "five_minutes",
    "metrics_15m": "fifteen_minutes",
    "metrics_1h": "hour",
    "metrics_1d": "day",
    "logs_5m": "five_minutes",
    "logs_15m": "fifteen_minutes",
    "logs_1h": "hour",
    "logs_1d": "day",
    "traces_5m": "five_minutes",
    "traces_15m": "fifteen_minutes",
    "traces_1h": "hour",
    "traces_1d": "day",
    "service_latency_percentiles_5m": "five_minutes",
    "service_latency_percentiles_15m": "fifteen_minutes",
    "service_latency_percentiles_1h": "hour",
    "service_latency_percentiles_1d": "day",
    "service_error_rates_5m": "five_minutes",
    "service_error_rates_15m": "fifteen_minutes",
    "service_error_rates_1h": "hour",
    "service_error_rates_1d": "day",
    "exemplars_1h": "hour",
    "uptime_checks_5m": "five_minutes",
    "uptime_checks_15m": "fifteen_minutes",
    "uptime_checks_1h": "hour",
    "uptime_checks_1d": "day",
    "audit_logs_5m": "five_minutes",
    "audit_logs_15m": "fifteen_minutes",
    "audit_logs_1h": "hour",
    "vm_metrics_5m": "five_minutes",
    "vm_metrics_1h": "hour",
    "vm_metrics_1d": "day",
    "kubernetes_metrics_5m": "five_minutes",
    "kubernetes_metrics_1h": "hour",
    "kubernetes_metrics_1d": "day",
    "cache_metrics_1h": "hour",
    "queue_metrics_1h": "hour",
    "load_balancer_metrics_1h": "hour",
    "service_map_metrics_5m": "five_minutes",
    "service_map_metrics_1h": "hour",
    "service_map_metrics_1d": "day",
    "network_map_traffic_5m": "five_minutes",
    "network_map_traffic_1h": "hour",
    "network_map_traffic_1d": "day",
    "network_map_connection_metrics_5m": "five_minutes",
    "network_map_connection_metrics_1h": "hour",
    "network_map_connection_metrics_1d": "day",
    "signal_correlations_5m": "five_minutes",
    "signal_correlations_1h": "hour",
    "cost_data_daily_mv": "day",
    "llm_usage_hourly_mv": "hour",
    "db_aurora_metrics_1m": "timestamp_1m",
    "logs_errors": "timestamp",
    "traces_errors": "timestamp",
}
#: PostgreSQL tables without an organization_id column (scoped through a parent, or global).
PG_CHILD_TABLES = {
    "tenants": "SELECT count(*) FROM tenants t JOIN workspaces w USING (workspace_id) WHERE w.organization_id = %s",
    "user_sessions": "SELECT count(*) FROM user_sessions s JOIN users u ON u.id = s.user_id "
    "WHERE u.organization_id = %s",
    "user_roles": "SELECT count(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.organization_id = %s",
    "user_permissions": "SELECT count(*) FROM user_permissions p JOIN users u ON u.id = p.user_id "
    "WHERE u.organization_id = %s",
    "database_instance_tags": "SELECT count(*) FROM database_instance_tags t JOIN database_instances d "
    "ON d.id = t.instance_id WHERE d.organization_id = %s",
    "aurora_instance_status": "SELECT count(*) FROM aurora_instance_status s JOIN aurora_cluster_topology c "
    "ON c.id = s.cluster_topology_id WHERE c.organization_id = %s",
}
PG_GLOBAL_TABLES = {"regions", "plans", "roles", "permissions", "role_permissions"}


async def ch(sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    from tfo_mcp.stores import clickhouse

    result = await clickhouse.get_clickhouse().query(sql, params or {}, max_rows=100_000)
    return [tuple(row) for row in result.rows]


async def pg(sql: str, params: Any = None) -> list[dict[str, Any]]:
    from tfo_mcp.stores import postgres

    return await postgres.fetch_all(sql, params)


def naive(moment: datetime | str) -> datetime:
    """A naive UTC datetime from a datetime or a ClickHouse timestamp string."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=None)


# --------------------------------------------------------------------------- volumes and coverage


async def test_seed_writes_every_table_and_reaches_its_volumes(demo_store: DemoDataset) -> None:
    counts = demo_store.counts
    assert {f"clickhouse.{t}" for t in demo.SEEDED_CLICKHOUSE_TABLES} <= set(counts)
    assert [name for name, rows in counts.items() if rows == 0] == []
    assert counts["clickhouse.metrics"] >= 1_000_000
    assert counts["clickhouse.traces"] >= 480_000
    assert counts["clickhouse.logs"] >= 480_000
    assert counts["postgres.organizations"] == 2


async def test_every_clickhouse_table_has_org_a_data_in_the_last_hour(demo_store: DemoDataset) -> None:
    since = naive(demo_store.now - timedelta(hours=1))
    empty = []
    for table in demo.SEEDED_CLICKHOUSE_TABLES:
        column = TIME_COLUMN.get(table, "timestamp")
        rows = await ch(
            f"SELECT count() FROM {table} WHERE organization_id = %(org)s AND {column} >= %(since)s",
            {"org": demo_store.org_a, "since": since},
        )
        if rows[0][0] == 0:
            empty.append(table)
    for table, bucket in ROLLUPS.items():
        start = {
            "five_minutes": "toStartOfFiveMinute",
            "fifteen_minutes": "toStartOfFifteenMinutes",
            "hour": "toStartOfHour",
            "day": "toDate",
        }.get(bucket, "")
        bound = f"{start}(toDateTime(%(since)s))" if start else "%(since)s"
        rows = await ch(
            f"SELECT count() FROM {table} WHERE organization_id = %(org)s AND {bucket} >= {bound}",
            {"org": demo_store.org_a, "since": since},
        )
        if rows[0][0] == 0:
            empty.append(table)
    assert empty == []


async def test_every_postgres_table_has_org_a_rows(demo_store: DemoDataset) -> None:
    tables = await pg("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    names = {row["table_name"] for row in tables} - {"schema_migrations"}
    columns = await pg(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND column_name = 'organization_id'"
    )
    with_org = {row["table_name"] for row in columns}
    empty = []
    for table in sorted(names):
        if table in with_org:
            rows = await pg(f"SELECT count(*) AS n FROM {table} WHERE organization_id = %s", [demo_store.org_a])
        elif table in PG_CHILD_TABLES:
            rows = await pg(PG_CHILD_TABLES[table].replace("count(*)", "count(*) AS n"), [demo_store.org_a])
        elif table in PG_GLOBAL_TABLES:
            rows = await pg(f"SELECT count(*) AS n FROM {table}")
        else:
            continue
        if rows[0]["n"] == 0:
            empty.append(table)
    assert empty == []
    recent = await pg(
        "SELECT (SELECT count(*) FROM alert_instances WHERE organization_id = %(o)s AND status = 'firing' "
        "AND starts_at >= %(since)s) AS alerts, (SELECT count(*) FROM report_executions WHERE organization_id = %(o)s "
        "AND started_at >= %(since)s) AS reports",
        {"o": demo_store.org_a, "since": demo_store.now - timedelta(hours=1)},
    )
    assert recent[0]["alerts"] >= 2 and recent[0]["reports"] >= 1


# --------------------------------------------------------------------------- two distinct organizations


async def test_organizations_have_distinct_names_and_values(demo_store: DemoDataset) -> None:
    a_values, b_values = set(demo_store.org_values(0)), set(demo_store.org_values(1))
    assert a_values.isdisjoint(b_values)
    orgs = await pg("SELECT organization_id::text AS id, name, domain FROM organizations ORDER BY name")
    assert [o["name"] for o in orgs] == ["Acme Retail", "Northwind Freight"]
    assert {o["id"] for o in orgs} == {demo_store.org_a, demo_store.org_b}
    services = await ch("SELECT organization_id, groupUniqArray(service_name) FROM traces GROUP BY organization_id")
    by_org = {org: set(names) for org, names in services}
    assert by_org[demo_store.org_a].isdisjoint(by_org[demo_store.org_b])
    assert "checkout" in by_org[demo_store.org_a] and "shipment-tracker" in by_org[demo_store.org_b]
    leaks = await ch(
        "SELECT count() FROM logs WHERE organization_id = %(b)s AND multiSearchAny(body, %(a)s)",
        {"b": demo_store.org_b, "a": sorted(a_values)},
    )
    assert leaks == [(0,)]
    emails = await pg(
        "SELECT organization_id::text AS org, array_agg(email) AS emails FROM users GROUP BY organization_id"
    )
    for row in emails:
        domain = "acme-retail.example" if row["org"] == demo_store.org_a else "northwind-freight.example"
        assert all(email.endswith("@" + domain) for email in row["emails"])


# --------------------------------------------------------------------------- the story


async def test_error_burst_follows_the_deploy(demo_store: DemoDataset) -> None:
    story = demo_store.story
    org, service = demo_store.org_a, story["incident_service"]
    deploys = await ch(
        "SELECT timestamp, version, previous_version FROM change_events WHERE organization_id = %(o)s "
        "AND change_type = 'deployment' AND service_name = %(s)s AND version = %(v)s",
        {"o": org, "s": service, "v": story["deploy_version"]},
    )
    assert len(deploys) == 1 and naive(story["deploy_at"]) == naive(deploys[0][0])
    assert deploys[0][2] == story["previous_version"]
    window = {
        "o": org,
        "s": service,
        "a": naive(story["incident_start"]),
        "b": naive(story["incident_end"]),
        "d": naive(story["deploy_at"]),
    }
    rates = await ch(
        "SELECT countIf(timestamp >= %(a)s AND timestamp < %(b)s AND status_code = 'ERROR') / "
        "countIf(timestamp >= %(a)s AND timestamp < %(b)s), countIf(timestamp < %(d)s AND status_code = 'ERROR') / "
        "countIf(timestamp < %(d)s), minIf(timestamp, status_code = 'ERROR' AND timestamp >= %(d)s) "
        "FROM traces WHERE organization_id = %(o)s AND service_name = %(s)s AND span_kind = 'SERVER'",
        window,
    )
    during, before, first_error = rates[0]
    assert during >= 0.2 and before < 0.02
    assert naive(first_error) >= naive(story["incident_start"]) > naive(story["deploy_at"])
    messages = await ch(
        "SELECT count() FROM traces WHERE organization_id = %(o)s AND service_name = %(s)s AND status_code = 'ERROR' "
        "AND timestamp >= %(a)s AND timestamp < %(b)s AND status_message = %(m)s",
        {**window, "m": story["incident_message"]},
    )
    assert messages[0][0] > 10
    logs = await ch(
        "SELECT sumIf(count, five_minutes >= %(a)s AND five_minutes < %(b)s), "
        "sumIf(count, five_minutes < %(d)s AND five_minutes >= %(d)s - INTERVAL 3 HOUR) FROM logs_5m "
        "WHERE organization_id = %(o)s AND service_name = %(s)s AND severity_text = 'ERROR'",
        window,
    )
    spike, before_logs = logs[0]
    assert spike > 10 * max(before_logs, 1) / 9  # per-minute error logs x10 (18 min vs 3 h)
    rollout = await pg(
        "SELECT d.revision, d.last_rollout_at, d.image FROM kubernetes_deployments d "
        "JOIN kubernetes_clusters c ON c.id = d.cluster_id WHERE c.organization_id = %s AND d.name = %s",
        [org, service],
    )
    assert rollout[0]["revision"] == story["deploy_revision"] and rollout[0]["last_rollout_at"] == story["deploy_at"]
    assert rollout[0]["image"].endswith(":" + story["deploy_version"])
    events = await ch(
        "SELECT count() FROM kubernetes_events WHERE organization_id = %(o)s AND reason = 'ScalingReplicaSet' "
        "AND involved_name = %(s)s AND timestamp >= %(d)s",
        window,
    )
    assert events[0][0] >= 2
    alerts = await pg(
        "SELECT title, severity FROM alert_instances WHERE organization_id = %s AND status = 'firing' "
        "AND starts_at > %s",
        [org, story["deploy_at"]],
    )
    assert set(story["alert_titles"]) <= {a["title"] for a in alerts}
    anomalies = await ch(
        "SELECT count() FROM anomaly_events WHERE organization_id = %(o)s AND severity = 'critical' "
        "AND timestamp >= %(d)s",
        window,
    )
    assert anomalies[0][0] >= 3


async def test_crash_looping_pod(demo_store: DemoDataset) -> None:
    story = demo_store.story
    pods = await pg(
        "SELECT p.name, p.status, p.phase, p.restart_count FROM kubernetes_pods p "
        "JOIN kubernetes_clusters c ON c.id = p.cluster_id WHERE c.organization_id = %s "
        "AND (p.restart_count > 5 OR p.phase IN ('Failed', 'Unknown'))",
        [demo_store.org_a],
    )
    crash = [p for p in pods if p["name"].startswith(story["crashloop_deployment"] + "-")]
    assert crash and crash[0]["status"] == "CrashLoopBackOff" and crash[0]["restart_count"] > 5
    assert any(p["phase"] == "Failed" for p in pods)
    other = await pg(
        "SELECT count(*) AS n FROM kubernetes_pods WHERE organization_id = %s AND restart_count > 5",
        [demo_store.org_b],
    )
    assert other[0]["n"] == 0
    backoff = await ch(
        "SELECT max(count), count() FROM kubernetes_events WHERE organization_id = %(o)s AND reason = 'BackOff' "
        "AND involved_name = %(p)s AND timestamp >= %(since)s",
        {"o": demo_store.org_a, "p": crash[0]["name"], "since": naive(demo_store.now - timedelta(hours=1))},
    )
    assert backoff[0][1] >= 10 and backoff[0][0] >= 30
    restarts = await ch(
        "SELECT max(value) FROM kubernetes_metrics WHERE organization_id = %(o)s AND resource_name = %(p)s "
        "AND metric_name = 'k8s.pod.restarts'",
        {"o": demo_store.org_a, "p": crash[0]["name"]},
    )
    assert restarts[0][0] > 5


async def test_saturated_disk_and_its_prediction(demo_store: DemoDataset) -> None:
    host = demo_store.story["saturated_host"]
    agents = await pg(
        "SELECT id::text AS id, status FROM agents WHERE organization_id = %s AND name = %s", [demo_store.org_a, host]
    )
    assert agents[0]["status"] == "degraded"
    disk = await ch(
        "SELECT argMax(value, timestamp), max(value) FROM vm_metrics WHERE organization_id = %(o)s "
        "AND vm_id = toUUID(%(id)s) AND metric_name = 'system.disk.used_percent'",
        {"o": demo_store.org_a, "id": agents[0]["id"]},
    )
    assert disk[0][0] > 90
    others = await ch(
        "SELECT max(value) FROM vm_metrics WHERE organization_id = %(o)s AND metric_name = 'system.disk.used_percent' "
        "AND vm_id != toUUID(%(id)s)",
        {"o": demo_store.org_a, "id": agents[0]["id"]},
    )
    assert others[0][0] < 90
    risky = await ch(
        "SELECT horizon, failure_probability FROM predictions WHERE organization_id = %(o)s "
        "AND resource_identifier = %(h)s AND timestamp >= %(since)s AND failure_probability > 0.7",
        {"o": demo_store.org_a, "h": host, "since": naive(demo_store.now - timedelta(hours=1))},
    )
    assert {"24h", "7d"} <= {row[0] for row in risky}


async def test_uptime_outage(demo_store: DemoDataset) -> None:
    story = demo_store.story
    rows = await ch(
        "SELECT region, countIf(status != 'success' AND checked_at >= %(a)s AND checked_at < %(b)s), "
        "countIf(status != 'success' AND (checked_at < %(a)s OR checked_at >= %(b)s)), countIf(checked_at >= %(a)s "
        "AND checked_at < %(b)s) FROM uptime_checks WHERE organization_id = %(o)s AND monitor_name = %(m)s "
        "GROUP BY region ORDER BY region",
        {
            "o": demo_store.org_a,
            "m": story["outage_monitor"],
            "a": naive(story["outage_start"]),
            "b": naive(story["outage_end"]),
        },
    )
    assert len(rows) == 3
    for _region, failed_in, failed_out, checks_in in rows:
        assert failed_in == checks_in > 0 and failed_out <= 5
    ssl = await ch(
        "SELECT min(ssl_days_remaining) FROM uptime_checks WHERE organization_id = %(o)s AND monitor_name = %(m)s",
        {"o": demo_store.org_a, "m": story["expiring_certificate_monitor"]},
    )
    assert 0 < ssl[0][0] <= 14


async def test_failed_logins_and_security_events(demo_store: DemoDataset) -> None:
    story = demo_store.story
    failures = await ch(
        "SELECT count(), uniqExact(user_email) FROM audit_logs WHERE organization_id = %(o)s AND event_type = 'AUTH' "
        "AND action = 'login' AND result = 'FAILURE' AND ip_address = %(ip)s AND timestamp >= %(a)s "
        "AND timestamp < %(b)s",
        {
            "o": demo_store.org_a,
            "ip": story["attacker_ip"],
            "a": naive(story["failed_logins_start"]),
            "b": naive(story["failed_logins_end"]),
        },
    )
    assert failures[0] == (story["failed_login_count"], 1)
    brute = await ch(
        "SELECT severity, status FROM security_events WHERE organization_id = %(o)s AND category = 'brute_force' "
        "AND src_ip = %(ip)s",
        {"o": demo_store.org_a, "ip": story["attacker_ip"]},
    )
    assert brute == [("critical", "investigating")]
    locked = await pg(
        'SELECT "failedLoginAttempts", "lockedUntil" FROM users WHERE organization_id = %s '
        'AND "firstName" || \' \' || "lastName" = %s',
        [demo_store.org_a, story["targeted_user"]],
    )
    assert locked[0]["failedLoginAttempts"] == story["failed_login_count"] and locked[0]["lockedUntil"] is not None


async def test_slow_queries(demo_store: DemoDataset) -> None:
    story = demo_store.story
    slow = await ch(
        "SELECT digest_text, max(avg_time_us), sum(no_index_used) > 0 FROM db_mysql_queries "
        "WHERE organization_id = %(o)s AND timestamp >= %(since)s GROUP BY digest_text ORDER BY 2 DESC LIMIT 1",
        {"o": demo_store.org_a, "since": naive(demo_store.now - timedelta(hours=1))},
    )
    assert slow[0][0] == story["slow_query_digest_text"] and slow[0][1] >= 2_000_000 and slow[0][2]
    qan = await ch(
        "SELECT max(avg_duration_ms) FROM db_mysql_queries WHERE organization_id = %(o)s",
        {"o": demo_store.org_a},
    )
    assert qan[0][0] >= 2000  # the QAN alias the TFO collector reads


# --------------------------------------------------------------------------- determinism and edges


async def _fingerprint(org: str) -> dict[str, Any]:
    """Order-independent fingerprints of a few tables plus some ordered sample values."""
    checks = {
        "metrics": "groupBitXor(cityHash64(timestamp, metric_name, value, service_name, resource_attributes))",
        "traces": "groupBitXor(cityHash64(timestamp, trace_id, span_id, duration_ns, status_code, status_message))",
        "logs": "groupBitXor(cityHash64(timestamp, body, severity_text))",
        "audit_logs": "groupBitXor(cityHash64(id, timestamp, action, result, ip_address))",
        "predictions": "groupBitXor(cityHash64(timestamp, resource_identifier, horizon, failure_probability))",
        "vm_metrics": "groupBitXor(cityHash64(timestamp, vm_id, metric_name, value))",
    }
    out: dict[str, Any] = {}
    for table, expr in checks.items():
        out[table] = (await ch(f"SELECT count(), {expr} FROM {table} WHERE organization_id = %(o)s", {"o": org}))[0]
    out["sample"] = await ch(
        "SELECT timestamp, service_name, metric_name, value FROM metrics WHERE organization_id = %(o)s "
        "ORDER BY timestamp, service_name, metric_name, value LIMIT 5",
        {"o": org},
    )
    for table in ("users", "kubernetes_pods", "alert_instances", "api_keys"):
        rows = await pg(
            f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS h FROM {table} t WHERE organization_id = %s",
            [org],
        )
        out[f"pg.{table}"] = rows[0]["h"]
    return out


@pytest_asyncio.fixture
async def small_store(chdb_dir: Path, pg_db: Any) -> AsyncIterator[dict[str, str]]:
    """A fresh chDB database plus the module's PostgreSQL database, platform schema applied."""
    from tfo_mcp.stores import clickhouse, postgres

    database = f"tfo_demo_small_{secrets.token_hex(3)}"
    env = {
        "TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{chdb_dir}?database={database}",
        "TELEMETRYFLOW_MCP_POSTGRES_URL": pg_db.app_url,
    }
    previous = config._current
    await clickhouse.reset()
    await postgres.reset()
    config.set_settings(config.load_settings(environ=env))
    await demo.migrate_platform()
    try:
        yield env
    finally:
        await clickhouse.get_clickhouse().execute(f"DROP DATABASE IF EXISTS {database}")
        await clickhouse.reset()
        await postgres.reset()
        config._current = previous


SMALL = {"orgs": 2, "services": 4, "hours": 2, "scale": 1}


async def test_same_seed_same_data(small_store: dict[str, str], demo_dataset: DemoDataset) -> None:
    now = demo_dataset.now
    first = await demo.seed(seed=7, now=now, **SMALL)
    snapshot = await _fingerprint(demo.org_id(0))
    second = await demo.seed(seed=7, now=now, **SMALL)  # replaces the first run's rows
    assert second == first
    assert await _fingerprint(demo.org_id(0)) == snapshot
    assert 0 < snapshot["metrics"][0] < first["clickhouse.metrics"]
    await demo.seed(seed=8, now=now, **SMALL)
    other = await _fingerprint(demo.org_id(0))
    assert other["traces"] != snapshot["traces"] and other["sample"] != snapshot["sample"]


async def test_series_split_over_statements_keep_their_values(
    small_store: dict[str, str], demo_dataset: DemoDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large --scale multiplies the series past what one statement can carry (scale 20 used to fail with
    "Max query size exceeded"); splitting them must not change the data."""
    await demo.seed(seed=7, now=demo_dataset.now, **SMALL)
    whole = await _fingerprint(demo.org_id(0))
    monkeypatch.setattr(demo.series, "SERIES_PER_STATEMENT", 7)
    await demo.seed(seed=7, now=demo_dataset.now, **SMALL)
    assert await _fingerprint(demo.org_id(0)) == whole


async def test_rows_written_a_day_at_a_time_keep_their_values(
    small_store: dict[str, str], demo_dataset: DemoDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk rows of a window across midnight go in one UTC day at a time (chunks cut at midnight, spans and
    log lines kept by day); every row is written once, with the values of an unsplit seed. At scale 10 the log
    lines' second chunk holds midnight (a chunk that does not start on a whole second)."""
    from tfo_mcp.demo import plan

    now = demo_dataset.now.replace(hour=0, minute=2)  # the window starts the day before
    args = {**SMALL, "scale": 10}
    split = await demo.seed(seed=7, now=now, **args)
    org = demo.org_id(0)
    by_day = await _fingerprint(org)
    days = await ch("SELECT uniqExact(toDate(timestamp)) FROM logs WHERE organization_id = %(o)s", {"o": org})
    assert days == [(2,)]
    monkeypatch.setattr(plan, "utc_days", lambda first, last: [(first - timedelta(days=1), last + timedelta(days=1))])
    assert await demo.seed(seed=7, now=now, **args) == split
    assert await _fingerprint(org) == by_day


async def test_progress_rises_to_100(small_store: dict[str, str], demo_dataset: DemoDataset) -> None:
    seen: list[tuple[float, str]] = []
    await demo.seed(now=demo_dataset.now, progress=lambda percent, step: seen.append((percent, step)), **SMALL)
    percents = [percent for percent, _ in seen]
    assert percents == sorted(percents) and 0 < percents[0] < 50 and percents[-1] == 100.0
    assert {"ClickHouse traces", "PostgreSQL platform rows", "done"} <= {step for _, step in seen}


async def test_uptime_checks_grow_with_scale(small_store: dict[str, str], demo_dataset: DemoDataset) -> None:
    """scale=N runs N staggered probes per monitor and region (a check every 60/N s): N times the raw rows, all
    inside the window, while the rollups keep one row per monitor, region and bucket."""
    now, org = demo_dataset.now, demo.org_id(0)
    sql = (
        "SELECT count(), uniqExact(monitor_id, region), min(checked_at) >= %(start)s AND max(checked_at) < %(now)s, "
        "(SELECT count() FROM uptime_checks_15m FINAL WHERE organization_id = %(o)s) "
        "FROM uptime_checks WHERE organization_id = %(o)s"
    )
    params = {"o": org, "start": naive(now - timedelta(hours=SMALL["hours"])), "now": naive(now)}
    sizes = {}
    for scale in (1, 4):
        counts = await demo.seed(now=now, **{**SMALL, "scale": scale})
        sizes[scale] = (await ch(sql, params))[0]
        assert counts["clickhouse.uptime_checks"] > 0
    (rows_1, series, inside_1, rollup_1), (rows_4, series_4, inside_4, rollup_4) = sizes[1], sizes[4]
    assert rows_1 == series * SMALL["hours"] * 60  # one check a minute per monitor and region at scale 1
    assert rows_4 == 4 * rows_1 and series_4 == series
    assert inside_1 and inside_4
    assert rollup_4 == rollup_1 <= series * (SMALL["hours"] * 4 + 1)


async def test_is_seeded(small_store: dict[str, str], demo_dataset: DemoDataset) -> None:
    assert await demo.is_seeded() is False
    await demo.seed(now=demo_dataset.now, **SMALL)
    assert await demo.is_seeded() is True


async def test_postgres_is_skipped_with_a_warning_when_not_configured(
    small_store: dict[str, str], demo_dataset: DemoDataset
) -> None:
    from loguru import logger

    from tfo_mcp.stores import postgres

    await postgres.reset()
    config.set_settings(
        config.load_settings(
            environ={"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": small_store["TELEMETRYFLOW_MCP_CLICKHOUSE_URL"]}
        )
    )
    messages: list[str] = []
    sink = logger.add(lambda message: messages.append(str(message)), level="WARNING")
    try:
        counts = await demo.seed(now=demo_dataset.now, **SMALL)
    finally:
        logger.remove(sink)
    assert counts and all(name.startswith("clickhouse.") for name in counts)
    assert any("PostgreSQL is not configured" in m for m in messages)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"services": 0}, "services"),
        ({"services": 99}, "services"),
        ({"hours": 0}, "hours"),
        ({"hours": 100_000}, "hours"),
        ({"scale": 0}, "scale"),
        ({"scale": 10_000}, "scale"),
        ({"orgs": 0}, "orgs"),
    ],
)
async def test_seed_rejects_bad_arguments_before_writing(chdb_dir: Path, args: dict[str, int], message: str) -> None:
    from tfo_mcp.stores import clickhouse

    database = "tfo_demo_untouched"
    previous = config._current
    await clickhouse.reset()
    config.set_settings(
        config.load_settings(environ={"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{chdb_dir}?database={database}"})
    )
    try:
        with pytest.raises(ValueError, match=message):
            await demo.seed(**args)
        assert await ch("SELECT count() FROM system.tables WHERE database = %(d)s", {"d": database}) == [(0,)]
        assert await demo.is_seeded() is False
    finally:
        await clickhouse.reset()
        config._current = previous


async def test_seed_refuses_an_old_native_server(native_url: str) -> None:
    from tfo_mcp.stores import clickhouse

    previous = config._current
    await clickhouse.reset()
    config.set_settings(config.load_settings(environ={"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": native_url}))
    try:
        with pytest.raises(ValueError, match="ClickHouse 20 or newer"):
            await demo.seed(orgs=2, services=2, hours=1)
    finally:
        await clickhouse.reset()
        config._current = previous


def test_story_matches_the_estate_file() -> None:
    now = datetime(2025, 6, 1, 12, 0, 30)
    story = demo.story(now)
    assert story["now"].second == 0 and story["now"].tzinfo is not None
    assert story["deploy_at"] < story["incident_start"] < story["incident_end"] < story["now"]
    assert story["failed_logins_start"] < story["failed_logins_end"] < story["deploy_at"]
    assert story["incident_service"] in demo.distinctive_values(0)
    assert story["organization_id"] == demo.org_id(0) != demo.org_id(1)


async def test_native_copy_of_the_dataset_answers_like_the_embedded_one(native_demo: str, demo_dataset: Any) -> None:
    """The legacy schema on clickhouse-server 18.16 holds the same recent core data and fills its rollups."""
    from tfo_mcp.stores import clickhouse

    since = naive(demo_dataset.now - timedelta(hours=1))
    sql = (
        "SELECT service_name, sum(total_requests), sum(error_count) FROM service_error_rates_5m "
        "WHERE organization_id = %(o)s AND five_minutes >= %(since)s GROUP BY service_name ORDER BY service_name"
    )
    params = {"o": demo_dataset.org_a, "since": since}
    previous = config._current
    try:
        await clickhouse.reset()
        config.set_settings(config.load_settings(environ=demo_dataset.environ()))
        embedded = await ch(sql, params)
        await clickhouse.reset()
        config.set_settings(config.load_settings(environ={"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": native_demo}))
        native = await ch(sql, params)
        failures = await ch(
            "SELECT count() FROM uptime_checks WHERE organization_id = %(o)s AND status != 'success' "
            "AND checked_at >= %(since)s",
            params,
        )
    finally:
        await clickhouse.reset()
        config._current = previous
    assert native == embedded and any(row[2] > 0 for row in native)
    assert failures[0][0] >= 27  # the outage, 3 regions x 9 minutes
