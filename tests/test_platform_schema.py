"""The TFO platform schema: migrations are idempotent, rollups fill from raw rows, tenants never merge.

Runs on the embedded engine (chDB, the ``platform`` schema), on the native clickhouse-server 18.16 (the
``platform_legacy`` schema) and on a real PostgreSQL (the ``platform`` tables).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import pytest_asyncio

from tfo_mcp import config

CH_SQL = Path(__file__).resolve().parent.parent / "tfo_mcp" / "sql" / "clickhouse"
PG_SQL = Path(__file__).resolve().parent.parent / "tfo_mcp" / "sql" / "postgres" / "platform"
ORG_1, ORG_2 = "org-one", "org-two"
NOW = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)
DIMENSION_TYPES = ("String", "LowCardinality", "Enum8", "DateTime", "Date", "UUID", "Array")

#: Rollup targets a TFO reader queries by name (the feed views fill them).
EXPECTED_ROLLUPS = {
    "metrics_5m",
    "metrics_15m",
    "metrics_1h",
    "metrics_1d",
    "logs_5m",
    "logs_15m",
    "logs_1h",
    "logs_1d",
    "traces_5m",
    "traces_15m",
    "traces_1h",
    "traces_1d",
    "service_latency_percentiles_5m",
    "service_latency_percentiles_15m",
    "service_latency_percentiles_1h",
    "service_latency_percentiles_1d",
    "service_error_rates_5m",
    "service_error_rates_15m",
    "service_error_rates_1h",
    "service_error_rates_1d",
    "exemplars_1h",
    "uptime_checks_5m",
    "uptime_checks_15m",
    "uptime_checks_1h",
    "uptime_checks_1d",
    "audit_logs_5m",
    "audit_logs_15m",
    "audit_logs_1h",
    "llm_usage_hourly_mv",
    "vm_metrics_5m",
    "vm_metrics_1h",
    "vm_metrics_1d",
    "kubernetes_metrics_5m",
    "kubernetes_metrics_1h",
    "kubernetes_metrics_1d",
    "cache_metrics_1h",
    "queue_metrics_1h",
    "load_balancer_metrics_1h",
    "service_map_metrics_5m",
    "service_map_metrics_1h",
    "service_map_metrics_1d",
    "network_map_traffic_5m",
    "network_map_traffic_1h",
    "network_map_traffic_1d",
    "network_map_connection_metrics_5m",
    "network_map_connection_metrics_1h",
    "network_map_connection_metrics_1d",
    "signal_correlations_5m",
    "signal_correlations_1h",
    "cost_data_daily_mv",
    "db_aurora_metrics_1m",
}
EXPECTED_LEGACY_ROLLUPS = {
    "metrics_5m",
    "metrics_15m",
    "metrics_1h",
    "logs_5m",
    "logs_15m",
    "logs_1h",
    "traces_15m",
    "traces_1h",
    "service_latency_percentiles_5m",
    "service_latency_percentiles_15m",
    "service_latency_percentiles_1h",
    "service_error_rates_5m",
    "service_error_rates_15m",
    "service_error_rates_1h",
    "uptime_checks_15m",
    "uptime_checks_1h",
    "audit_logs_15m",
    "audit_logs_1h",
}
EXPECTED_PG_TABLES = {
    "organizations",
    "workspaces",
    "tenants",
    "regions",
    "plans",
    "subscriptions",
    "users",
    "roles",
    "permissions",
    "role_permissions",
    "user_roles",
    "user_permissions",
    "user_sessions",
    "api_keys",
    "sso_providers",
    "data_masking_policies",
    "retention_policies",
    "llm_providers",
    "alert_rules",
    "alert_instances",
    "notification_channels",
    "report_definitions",
    "report_executions",
    "slo_definitions",
    "uptime_monitors",
    "remediation_plans",
    "kubernetes_clusters",
    "kubernetes_namespaces",
    "kubernetes_nodes",
    "kubernetes_pods",
    "kubernetes_deployments",
    "kubernetes_persistent_volumes",
    "kubernetes_persistent_volume_claims",
    "kubernetes_services",
    "kubernetes_configmaps",
    "kubernetes_secrets",
    "kubernetes_hpas",
    "agents",
    "service_map_services",
    "service_map_dependencies",
    "network_map_nodes",
    "network_map_connections",
    "database_instances",
    "database_monitoring_rules",
    "database_instance_tags",
    "aurora_cluster_topology",
    "aurora_instance_status",
    "mssql_instances",
    "security_vulnerabilities",
    "security_incidents",
    "compliance_controls",
}


def _with_database(url: str, database: str) -> str:
    if url.startswith("chdb:"):
        return url.split("?", 1)[0] + f"?database={database}"
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


async def _use(url: str) -> config.LoadedSettings | None:
    from tfo_mcp.stores import clickhouse

    previous = config._current
    await clickhouse.reset()
    config.set_settings(config.load_settings(environ={"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": url}))
    return previous


async def _drop_database(url: str, database: str) -> None:
    from tfo_mcp.stores import clickhouse

    await _use(_with_database(url, "default"))
    await clickhouse.get_clickhouse().execute(f"DROP DATABASE IF EXISTS {database}")
    await clickhouse.reset()


@pytest_asyncio.fixture(scope="module")
async def chdb_platform(chdb_dir: Path) -> AsyncIterator[str]:
    """A fresh chDB database with the platform schema applied once; yields its URL."""
    from tfo_mcp import demo

    database = f"tfo_schema_{secrets.token_hex(3)}"
    url = f"chdb://{chdb_dir}?database={database}"
    previous = await _use(url)
    applied = await demo.migrate_platform()
    assert applied["clickhouse"] == sorted(p.stem for p in (CH_SQL / "platform").glob("[0-9]*.sql"))
    try:
        yield url
    finally:
        await _drop_database(url, database)
        config._current = previous


@pytest_asyncio.fixture(scope="module")
async def native_platform(native_url: str) -> AsyncIterator[str]:
    """A fresh database on the native clickhouse-server (18.16) with the platform schema applied once."""
    from tfo_mcp import demo

    database = f"tfo_legacy_{secrets.token_hex(3)}"
    url = _with_database(native_url, database)
    previous = await _use(url)
    applied = await demo.migrate_platform()
    legacy_files = sorted(p.stem for p in (CH_SQL / "platform_legacy").glob("[0-9]*.sql"))
    assert applied["clickhouse"] == legacy_files == ["001_core", "002_fifteen_minute_rollups"], (
        "an 18.x server must get the platform_legacy schema"
    )
    try:
        yield url
    finally:
        await _drop_database(native_url, database)
        config._current = previous


async def _backend(url: str) -> Any:
    from tfo_mcp.stores import clickhouse

    await _use(url)
    return clickhouse.get_clickhouse()


async def _rows(backend: Any, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    result = await backend.query(sql, params or {}, max_rows=100_000)
    return [tuple(row) for row in result.rows]


async def _tables(backend: Any) -> dict[str, tuple[str, str]]:
    rows = await _rows(
        backend, "SELECT name, engine, sorting_key FROM system.tables WHERE database = currentDatabase()"
    )
    return {name: (engine, key) for name, engine, key in rows}


# --------------------------------------------------------------------------- migrations


async def test_clickhouse_platform_migration_is_idempotent(chdb_platform: str) -> None:
    from tfo_mcp import demo
    from tfo_mcp.stores import migrations

    backend = await _backend(chdb_platform)
    before = await _tables(backend)
    assert (await demo.migrate_platform())["clickhouse"] == []  # recorded: nothing applied again
    for path in sorted((CH_SQL / "platform").glob("[0-9]*.sql")):  # and every statement is IF NOT EXISTS
        for statement in migrations.split_statements(path.read_text()):
            await backend.execute(statement)
    assert await _tables(backend) == before
    assert set(before) >= EXPECTED_ROLLUPS
    assert {f"{name}_feed" for name in EXPECTED_ROLLUPS} <= set(before)


async def test_legacy_platform_migration_is_idempotent(native_platform: str) -> None:
    from tfo_mcp import demo
    from tfo_mcp.stores import migrations

    backend = await _backend(native_platform)
    before = await _tables(backend)
    assert (await demo.migrate_platform())["clickhouse"] == []
    for path in sorted((CH_SQL / "platform_legacy").glob("[0-9]*.sql")):
        for statement in migrations.split_statements(path.read_text()):
            await backend.execute(statement)
    assert await _tables(backend) == before
    assert set(before) >= EXPECTED_LEGACY_ROLLUPS


async def test_legacy_tables_have_the_modern_names_and_columns(chdb_platform: str, native_platform: str) -> None:
    """Every legacy column exists in the modern schema under the same name (Nested maps excepted)."""
    query = "SELECT table, name FROM system.columns WHERE database = currentDatabase()"
    legacy = await _rows(await _backend(native_platform), query)
    modern = set(await _rows(await _backend(chdb_platform), query))
    missing = [
        (table, name)
        for table, name in legacy
        if table != "schema_migrations"
        and not table.endswith("_feed")
        and "." not in name
        and (table, name) not in modern
    ]
    assert missing == []
    nested = {(table, name.split(".")[0]) for table, name in legacy if "." in name}
    assert nested <= modern  # resource_attributes.key/.value <-> resource_attributes Map


async def test_postgres_platform_migration_is_idempotent(pg: Any) -> None:
    import psycopg

    from tfo_mcp.stores import postgres

    first = await postgres.migrate("platform")
    assert first == [f"platform/{p.stem}" for p in sorted(PG_SQL.glob("[0-9]*.sql"))]
    assert await postgres.migrate("platform") == []
    conn = await psycopg.AsyncConnection.connect(pg.app_url, autocommit=True)
    async with conn:
        for path in sorted(PG_SQL.glob("[0-9]*.sql")):  # every statement is IF NOT EXISTS
            await conn.execute(path.read_text())
        cur = await conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        tables = {row[0] for row in await cur.fetchall()}
    assert tables >= EXPECTED_PG_TABLES


async def test_postgres_org_tables_are_indexed_by_organization(pg: Any) -> None:
    """Every PostgreSQL table with an organization_id column has an index starting with it (or it is the PK)."""
    from tfo_mcp.stores import postgres

    await postgres.migrate("platform")
    rows = await postgres.fetch_all(
        "SELECT c.table_name, EXISTS (SELECT 1 FROM pg_indexes i WHERE i.tablename = c.table_name "
        "AND i.indexdef ~ ('\\(' || 'organization_id')) AS indexed "
        "FROM information_schema.columns c WHERE c.table_schema = 'public' AND c.column_name = 'organization_id'"
    )
    assert rows, "no table has organization_id"
    assert [r["table_name"] for r in rows if not r["indexed"]] == []


# --------------------------------------------------------------------------- sort keys


#: Platform migrations that fill new tables from the raw rows of a store migrated before them.
BACKFILLED = ["008_summary_tables", "009_metrics_one_minute", "014_latency_histograms", "015_operation_stats"]


async def test_new_tables_are_backfilled_once_on_an_existing_store(chdb_dir: Path, tmp_path: Path) -> None:
    """A store migrated before the summary tables, metrics_1m, the latency histograms and the operation summary
    existed gets them filled from its raw rows, exactly once."""
    from tfo_mcp.stores import clickhouse, migrations

    base = f"chdb://{chdb_dir}"
    database = f"tfo_summary_{secrets.token_hex(3)}"
    previous = await _use(_with_database(base, database))
    older = tmp_path / "platform"
    older.mkdir()
    for path in (CH_SQL / "platform").glob("[0-9]*.sql"):
        if path.stem not in BACKFILLED:
            (older / path.name).write_text(path.read_text())
    try:
        await clickhouse.migrate("platform", directory=older)
        backend = clickhouse.get_clickhouse()
        await _insert_core(backend, legacy=False)
        assert "service_request_stats_1h" not in await backend.table_names()
        assert await clickhouse.migrate("platform") == BACKFILLED
        assert "service_request_stats_1h" in await backend.table_names()  # migrate forgets the cached list
        for name in BACKFILLED:
            for statement in migrations.split_statements((CH_SQL / "platform" / f"{name}.sql").read_text()):
                await backend.execute(statement)  # a second run backfills nothing
        by_org = "GROUP BY organization_id ORDER BY organization_id"
        checks = {
            "metrics_1m": (
                "SELECT organization_id, countMerge(count), round(sumMerge(sum_value), 6), minMerge(min_value), "
                f"maxMerge(max_value) FROM metrics_1m {by_org}",
                f"SELECT organization_id, count(), round(sum(value), 6), min(value), max(value) FROM metrics {by_org}",
            ),
            "requests": (
                f"SELECT organization_id, sum(request_count), sum(error_count) FROM service_request_stats_1h {by_org}",
                "SELECT organization_id, count(), countIf(status_code = 'ERROR') FROM traces "
                f"WHERE span_kind IN ('SERVER', 'CONSUMER') {by_org}",
            ),
            "uptime": (
                "SELECT organization_id, sum(check_count), sum(success_count), sum(failure_count), "
                f"argMaxMerge(last_status_code) FROM uptime_monitor_stats_15m {by_org}",
                "SELECT organization_id, count(), countIf(status = 'success'), countIf(status != 'success'), "
                f"argMaxIf(status_code, checked_at, status != 'success') FROM uptime_checks {by_org}",
            ),
            **{
                f"latency histogram {tier}": (
                    "SELECT organization_id, sum(request_count), sumMap(duration_ms_counts) AS h, "
                    "arrayMap(t -> arraySum((k, c) -> if(k <= t, c, 0), h.1, h.2), [1, 20, 100, 60000]) "
                    f"FROM service_latency_histogram_{tier} {by_org}",
                    "SELECT organization_id, count(), sumMap([toUInt16(least(intDiv(duration_ns + 999999, 1000000), "
                    "60001))], [toUInt64(1)]), [countIf(duration_ns <= 1e6), countIf(duration_ns <= 20e6), "
                    "countIf(duration_ns <= 100e6), countIf(duration_ns <= 60000e6)] FROM traces "
                    f"WHERE span_kind IN ('SERVER', 'CONSUMER') {by_org}",
                )
                for tier in ("1m", "15m", "1h", "1d")
            },
            **{
                f"operations {tier}": (
                    "SELECT organization_id, span_name, sum(span_count), sum(duration_sum_ns), max(duration_max_ns) "
                    f"FROM service_operation_stats_{tier} GROUP BY organization_id, span_name "
                    "ORDER BY organization_id, span_name",
                    "SELECT organization_id, span_name, count(), sum(duration_ns), max(duration_ns) FROM traces "
                    "GROUP BY organization_id, span_name ORDER BY organization_id, span_name",
                )
                for tier in ("1m", "1d")
            },
            "patterns": (
                "SELECT organization_id, pattern, sum(occurrences) FROM log_error_patterns_1d "
                "GROUP BY organization_id, pattern ORDER BY organization_id, pattern",
                "SELECT organization_id, body, count() FROM logs WHERE severity_number >= 17 "
                "GROUP BY organization_id, body ORDER BY organization_id, body",
            ),
        }
        for name, (summary_sql, raw_sql) in checks.items():
            summary, raw = await _rows(backend, summary_sql), await _rows(backend, raw_sql)
            assert summary == raw and raw, name
    finally:
        await _drop_database(base, database)
        config._current = previous


@pytest.mark.parametrize("store", ["chdb", "native"])
async def test_every_table_and_rollup_leads_with_organization_id(
    store: str, chdb_platform: str, native_platform: str
) -> None:
    """organization_id leads every sort key; every grouped dimension of a rollup is in its sort key."""
    url = chdb_platform if store == "chdb" else native_platform
    backend = await _backend(url)
    tables = await _tables(backend)
    columns = await _rows(
        backend,
        "SELECT table, name, type, default_kind FROM system.columns WHERE database = currentDatabase()",
    )
    by_table: dict[str, list[tuple[str, str, str]]] = {}
    for table, name, type_, default_kind in columns:
        by_table.setdefault(table, []).append((name, type_, default_kind))
    checked = 0
    for table, (engine, key) in tables.items():
        names = [n for n, _, _ in by_table.get(table, [])]
        if "organization_id" not in names or not engine.endswith("MergeTree"):
            continue
        key_columns = [part.strip() for part in key.split(",")]
        assert key_columns[0] == "organization_id", f"{table}: sort key {key} does not start with organization_id"
        if engine in ("AggregatingMergeTree", "SummingMergeTree"):
            dimensions = [
                name
                for name, type_, default_kind in by_table[table]
                if default_kind != "ALIAS" and type_.startswith(DIMENSION_TYPES) and "Aggregate" not in type_
            ]
            missing = [d for d in dimensions if d not in key_columns]
            assert missing == [], f"{table}: grouped dimensions {missing} not in its sort key {key}"
            checked += 1
    assert checked >= (len(EXPECTED_ROLLUPS) if store == "chdb" else len(EXPECTED_LEGACY_ROLLUPS))
    for view, (engine, _) in tables.items():
        if engine == "MaterializedView":
            assert view.endswith("_feed") and view.removesuffix("_feed") in tables, f"{view}: no target table"


# --------------------------------------------------------------------------- rollups fill, orgs stay apart


def _metric_rows(legacy: bool) -> tuple[list[str], list[tuple[Any, ...]]]:
    ts = NOW.replace(tzinfo=None) if legacy else NOW
    attrs_cols = ["resource_attributes.key", "resource_attributes.value"] if legacy else ["resource_attributes"]
    attrs = (["host.name"], ["h1"]) if legacy else ({"host.name": "h1"},)
    columns = [
        "timestamp",
        "metric_name",
        "metric_type",
        "value",
        "service_name",
        "organization_id",
        "workspace_id",
        "tenant_id",
        *attrs_cols,
    ]
    rows = []
    for org, values, metric_type in (
        (ORG_1, (10.0, 20.0, 30.0), "gauge"),
        (ORG_2, (1000.0,), "gauge"),
        (ORG_1, (5.0,), "counter"),
    ):
        for n, value in enumerate(values):
            rows.append((ts + timedelta(seconds=n), "cpu", metric_type, value, "checkout", org, "ws-1", "t-1", *attrs))
    return columns, rows


def _trace_rows(legacy: bool) -> tuple[list[str], list[tuple[Any, ...]]]:
    ts = NOW.replace(tzinfo=None) if legacy else NOW
    columns = [
        "timestamp",
        "trace_id",
        "span_id",
        "parent_span_id",
        "span_name",
        "span_kind",
        "service_name",
        "status_code",
        "status_message",
        "duration_ns",
        "organization_id",
        "workspace_id",
        "tenant_id",
    ]
    rows = []
    for org, durations, errors in ((ORG_1, (10, 20, 30, 40), 1), (ORG_2, (5000,), 1)):
        for n, duration in enumerate(durations):
            status = "ERROR" if n < errors else "OK"
            rows.append(
                (
                    ts,
                    f"t{n}",
                    f"s{n}",
                    "",
                    "GET /cart",
                    "SERVER",
                    "checkout",
                    status,
                    "",
                    duration * 10**6,
                    org,
                    "ws-1",
                    "t-1",
                )
            )
        rows.append((ts, "tc", "sc", "s0", "SELECT cart", "CLIENT", "checkout", "UNSET", "", 10**6, org, "ws-1", "t-1"))
    return columns, rows


async def _insert_core(backend: Any, legacy: bool) -> None:
    ts = NOW.replace(tzinfo=None) if legacy else NOW
    await backend.insert("metrics", *_metric_rows(legacy))
    await backend.insert("traces", *_trace_rows(legacy))
    log_cols = [
        "timestamp",
        "trace_id",
        "span_id",
        "trace_flags",
        "severity_text",
        "severity_number",
        "service_name",
        "organization_id",
        "workspace_id",
        "tenant_id",
        "body",
    ]
    logs = [(ts, "", "", 0, "ERROR", 17, "checkout", ORG_1, "ws-1", "t-1", "boom")] * 3
    logs += [(ts, "", "", 0, "ERROR", 17, "checkout", ORG_2, "ws-1", "t-1", "other boom")]
    logs += [(ts, "", "", 0, "INFO", 9, "checkout", ORG_1, "ws-2", "t-1", "fine")]
    await backend.insert("logs", log_cols, logs)
    up_cols = [
        "checked_at",
        "monitor_id",
        "monitor_name",
        "status",
        "status_code",
        "response_time",
        "region",
        "ssl_days_remaining",
        "organization_id",
    ]
    checks = [
        (ts, "m1", "API", "success", 200, 100, "eu", 30, ORG_1),
        (ts, "m1", "API", "failure", 503, 300, "eu", 30, ORG_1),
    ]
    checks += [(ts, "m1", "API", "success", 200, 900, "eu", 5, ORG_2)]
    await backend.insert("uptime_checks", up_cols, checks)
    audit_cols = [
        "timestamp",
        "user_id",
        "event_type",
        "action",
        "resource",
        "result",
        "organization_id",
        "tenant_id",
        "workspace_id",
        "region_id",
    ]
    audit = [(ts, "u1", "AUTH", "login", "session", "FAILURE", ORG_1, "t", "w", "r")] * 2
    audit += [(ts, "u9", "AUTH", "login", "session", "FAILURE", ORG_2, "t", "w", "r")]
    await backend.insert("audit_logs", audit_cols, audit)


async def _optimize(backend: Any, tables: list[str]) -> None:
    for table in tables:
        await backend.execute(f"OPTIMIZE TABLE {table} FINAL")


#: The 15-minute tier's migration per schema kind, and the tables it backfills (checked against the raw rows).
FIFTEEN = {"platform": "007_fifteen_minute_rollups", "platform_legacy": "002_fifteen_minute_rollups"}


@pytest.mark.parametrize("store", ["chdb", "native"])
async def test_fifteen_minute_tier_is_backfilled_once_on_an_existing_store(
    store: str, chdb_dir: Path, native_url: str, tmp_path: Path
) -> None:
    """A store migrated before the 15-minute tier existed gets it with its history (from the 5-minute rollups on
    the modern schema, from raw rows on 18.16), exactly once: re-running the migration adds nothing."""
    from tfo_mcp.stores import clickhouse, migrations

    kind = "platform" if store == "chdb" else "platform_legacy"
    base = f"chdb://{chdb_dir}" if store == "chdb" else native_url
    database = f"tfo_fifteen_{secrets.token_hex(3)}"
    url = _with_database(base, database)
    previous = await _use(url)
    older = tmp_path / kind
    older.mkdir()
    for path in (CH_SQL / kind).glob("[0-9]*.sql"):
        if path.stem != FIFTEEN[kind]:
            (older / path.name).write_text(path.read_text())
    try:
        await clickhouse.migrate(kind, directory=older)
        backend = clickhouse.get_clickhouse()
        await _insert_core(backend, legacy=store == "native")
        assert await _rows(backend, "EXISTS TABLE metrics_15m") == [(0,)]
        assert await clickhouse.migrate(kind) == [FIFTEEN[kind]]
        fifteen = (CH_SQL / kind / f"{FIFTEEN[kind]}.sql").read_text()
        for statement in migrations.split_statements(fifteen):  # a second run backfills nothing
            await backend.execute(statement)
        checks = {
            "metrics_15m": "SELECT organization_id, countMerge(count), sumMerge(sum_value), "
            "quantileMerge(0.5)(p50_value) FROM metrics_15m GROUP BY organization_id ORDER BY organization_id",
            "metrics": "SELECT organization_id, count(), sum(value), quantile(0.5)(value) FROM metrics "
            "GROUP BY organization_id ORDER BY organization_id",
            "service_error_rates_15m": "SELECT organization_id, sum(total_requests), sum(error_count) "
            "FROM service_error_rates_15m GROUP BY organization_id ORDER BY organization_id",
            "traces": "SELECT organization_id, count(), countIf(status_code = 'ERROR') FROM traces "
            "WHERE span_kind IN ('SERVER', 'CONSUMER') GROUP BY organization_id ORDER BY organization_id",
            "logs_15m": "SELECT organization_id, sum(count) FROM logs_15m GROUP BY organization_id "
            "ORDER BY organization_id",
            "logs": "SELECT organization_id, count() FROM logs GROUP BY organization_id ORDER BY organization_id",
            "uptime_checks_15m": "SELECT organization_id, countMerge(total_checks), countIfMerge(success_count) "
            "FROM uptime_checks_15m GROUP BY organization_id ORDER BY organization_id",
            "uptime_checks": "SELECT organization_id, count(), countIf(status = 'success') FROM uptime_checks "
            "GROUP BY organization_id ORDER BY organization_id",
        }
        got = {name: await _rows(backend, sql) for name, sql in checks.items()}
        assert got["metrics_15m"] == got["metrics"] and got["metrics"]
        assert got["service_error_rates_15m"] == got["traces"] and got["traces"]
        assert got["logs_15m"] == got["logs"] and got["logs"]
        assert got["uptime_checks_15m"] == got["uptime_checks"] and got["uptime_checks"]
    finally:
        await _drop_database(base, database)
        config._current = previous


@pytest.mark.parametrize("store", ["chdb", "native"])
async def test_rollups_fill_from_raw_rows_and_never_merge_tenants(
    store: str, chdb_platform: str, native_platform: str
) -> None:
    backend = await _backend(chdb_platform if store == "chdb" else native_platform)
    legacy = store == "native"
    await _insert_core(backend, legacy)
    await _optimize(
        backend,
        [
            "metrics_5m",
            "metrics_1h",
            "service_latency_percentiles_1h",
            "service_error_rates_1h",
            "logs_1h",
            "uptime_checks_1h",
            "audit_logs_1h",
        ],
    )
    metrics = await _rows(
        backend,
        "SELECT organization_id, toString(metric_type), countMerge(count), avgMerge(avg_value), maxMerge(max_value), "
        "quantileMerge(0.5)(p50_value) FROM metrics_1h WHERE service_name = 'checkout' "
        "GROUP BY organization_id, metric_type ORDER BY organization_id, metric_type",
    )
    assert metrics == [
        (ORG_1, "gauge", 3, 20.0, 30.0, 20.0),
        (ORG_1, "counter", 1, 5.0, 5.0, 5.0),
        (ORG_2, "gauge", 1, 1000.0, 1000.0, 1000.0),
    ]
    five = await _rows(
        backend,
        "SELECT organization_id, countMerge(count), avgMerge(avg_value) FROM metrics_5m WHERE metric_type = 'gauge' "
        "GROUP BY organization_id ORDER BY organization_id",
    )
    assert five == [(ORG_1, 3, 20.0), (ORG_2, 1, 1000.0)]
    p95 = await _rows(
        backend,
        "SELECT quantileMerge(0.95)(p95_value) FROM metrics_5m WHERE organization_id = %(o)s AND metric_type = 'gauge'",
        {"o": ORG_1},
    )
    assert 28.0 <= p95[0][0] <= 30.0
    latency = await _rows(
        backend,
        "SELECT organization_id, countMerge(request_count), avgMerge(avg_duration_ns) / 1e6, "
        "quantileMerge(0.99)(p99_duration_ns) / 1e6 FROM service_latency_percentiles_1h "
        "GROUP BY organization_id ORDER BY organization_id",
    )
    assert [row[:3] for row in latency] == [(ORG_1, 4, 25.0), (ORG_2, 1, 5000.0)]  # CLIENT span not a request
    assert 39 <= latency[0][3] <= 40
    errors = await _rows(
        backend,
        "SELECT organization_id, sum(total_requests), sum(error_count), round(avg(error_rate), 3) "
        "FROM service_error_rates_1h GROUP BY organization_id ORDER BY organization_id",
    )
    assert errors == [(ORG_1, 4, 1, 0.25), (ORG_2, 1, 1, 1.0)]
    logs = await _rows(
        backend,
        "SELECT organization_id, workspace_id, severity_text, sum(count) FROM logs_1h "
        "GROUP BY organization_id, workspace_id, severity_text ORDER BY organization_id, workspace_id",
    )
    assert logs == [(ORG_1, "ws-1", "ERROR", 3), (ORG_1, "ws-2", "INFO", 1), (ORG_2, "ws-1", "ERROR", 1)]
    uptime = await _rows(
        backend,
        "SELECT organization_id, countMerge(total_checks), countIfMerge(failure_count), avgMerge(avg_response_time), "
        "minMerge(min_ssl_days_remaining) FROM uptime_checks_1h GROUP BY organization_id ORDER BY organization_id",
    )
    assert uptime == [(ORG_1, 2, 1, 200.0, 30), (ORG_2, 1, 0, 900.0, 5)]
    audit = await _rows(
        backend,
        "SELECT organization_id, toString(result), sum(count) FROM audit_logs_1h GROUP BY organization_id, result "
        "ORDER BY organization_id",
    )
    assert audit == [(ORG_1, "FAILURE", 2), (ORG_2, "FAILURE", 1)]
    copies = await _rows(
        backend, "SELECT organization_id, count() FROM logs_errors GROUP BY organization_id ORDER BY organization_id"
    )
    assert copies == [(ORG_1, 3), (ORG_2, 1)]
    failed = await _rows(
        backend, "SELECT organization_id, count() FROM traces_errors GROUP BY organization_id ORDER BY organization_id"
    )
    assert failed == [(ORG_1, 1), (ORG_2, 1)]


async def test_modern_rollups_keep_averages_and_dimensions_apart(chdb_platform: str) -> None:
    """Rollups that TFO reads as plain averages are sums + counts underneath: merging never sums an average."""
    backend = await _backend(chdb_platform)
    sm_cols = [
        "timestamp",
        "service_id",
        "service_name",
        "error_rate",
        "avg_latency",
        "health_score",
        "uptime",
        "request_rate",
        "organization_id",
    ]
    for batch in (
        [(NOW, "s1", "checkout", 1.0, 100.0, 90.0, 100.0, 5.0, ORG_1)],
        [(NOW, "s1", "checkout", 3.0, 300.0, 70.0, 99.0, 7.0, ORG_1)],
        [(NOW, "s1", "checkout", 50.0, 9000.0, 10.0, 50.0, 1.0, ORG_2)],
    ):
        await backend.insert("service_map_metrics", sm_cols, batch)  # separate inserts = separate parts
    await _optimize(backend, ["service_map_metrics_1h"])
    service_map = await _rows(
        backend,
        "SELECT organization_id, avg(avg_health_score), avg(avg_latency), max(max_latency), "
        "sum(sum_error_rate) / sum(sample_count) FROM service_map_metrics_1h GROUP BY organization_id ORDER BY 1",
    )
    assert service_map == [(ORG_1, 80.0, 200.0, 300.0, 2.0), (ORG_2, 10.0, 9000.0, 9000.0, 50.0)]
    k8s_cols = [
        "timestamp",
        "cluster_id",
        "resource_type",
        "resource_name",
        "namespace",
        "metric_name",
        "value",
        "organization_id",
    ]
    await backend.insert(
        "kubernetes_metrics",
        k8s_cols,
        [
            (NOW, "cluster-a", "node", "node-1", "", "k8s.node.cpu.utilization", 10.0, ORG_1),
            (NOW, "cluster-b", "node", "node-1", "", "k8s.node.cpu.utilization", 90.0, ORG_1),
            (NOW, "cluster-a", "node", "node-1", "", "k8s.node.cpu.utilization", 50.0, ORG_2),
        ],
    )
    await _optimize(backend, ["kubernetes_metrics_1h"])
    nodes = await _rows(
        backend,
        "SELECT organization_id, cluster_id, avgMerge(avg_value) FROM kubernetes_metrics_1h "
        "GROUP BY organization_id, cluster_id ORDER BY 1, 2",
    )
    assert nodes == [(ORG_1, "cluster-a", 10.0), (ORG_1, "cluster-b", 90.0), (ORG_2, "cluster-a", 50.0)]
    cost_cols = ["timestamp", "organization_id", "provider", "service_name", "category", "cost_usd", "usage_quantity"]
    await backend.insert(
        "cost_data",
        cost_cols,
        [
            (NOW, ORG_1, "aws", "checkout", "compute", 1.25, 1.0),
            (NOW, ORG_1, "aws", "checkout", "compute", 0.75, 1.0),
            (NOW, ORG_2, "aws", "checkout", "compute", 9.0, 1.0),
        ],
    )
    cost = await _rows(
        backend, "SELECT organization_id, sum(total_cost_usd) FROM cost_data_daily_mv GROUP BY 1 ORDER BY 1"
    )
    assert cost == [(ORG_1, 2.0), (ORG_2, 9.0)]
    mysql_cols = ["timestamp", "instance_id", "metric_name", "metric_value", "labels", "organization_id"]
    await backend.insert(
        "db_mysql_metrics", mysql_cols, [(NOW, "i1", "db.mysql.qcache.hit_ratio", 71.5, '{"flavor":"mariadb"}', ORG_1)]
    )
    aliases = await _rows(
        backend, "SELECT value_float, metric_value FROM db_mysql_metrics WHERE organization_id = %(o)s", {"o": ORG_1}
    )
    assert aliases == [(71.5, 71.5)]


def test_rollup_sql_uses_no_summed_averages() -> None:
    """No feed view computes avg()/quantile() into a Summing or plain column: averages are states or sum/count."""
    offenders = []
    for path in sorted((CH_SQL / "platform").glob("[0-9]*.sql")) + sorted((CH_SQL / "platform_legacy").glob("*.sql")):
        for statement in re.split(r";\s*$", path.read_text(), flags=re.MULTILINE):
            if "MATERIALIZED VIEW" not in statement:
                continue
            for match in re.finditer(r"\b(avg|quantile[s]?)\s*\(", statement):
                offenders.append(f"{path.name}: {statement[match.start() : match.start() + 40]!r}")
    assert offenders == []
