"""ClickHouse on the embedded chDB engine: backend, migrations, the ch_* tools and hostile SQL."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError

from tests.support.fixtures_clickhouse import clickhouse_settings
from tfo_mcp import toolsets
from tfo_mcp.errors import StoreUnavailable
from tfo_mcp.server import mcp
from tfo_mcp.stores import clickhouse, migrations, sql_guard
from tfo_mcp.stores.sql_guard import QueryError, QueryRefused, QueryTimeout
from tfo_mcp.tokens import count_tokens

pytestmark = pytest.mark.usefixtures("chdb_store")

TOOL_COLUMNS = [
    "timestamp", "server_id", "session_id", "tool_name", "success", "duration_ms", "input_size", "output_size",
    "error_type", "error_message",
]  # fmt: skip


async def tool(name: str, arguments: dict) -> dict:
    async with Client(mcp) as client:
        result = await client.call_tool(name, arguments)
    return result.structured_content


async def tool_error(name: str, arguments: dict) -> str:
    async with Client(mcp) as client:
        with pytest.raises(ToolError) as info:
            await client.call_tool(name, arguments)
    return str(info.value)


@pytest.fixture
async def canary() -> str:
    """A table with three known rows, to prove hostile queries changed nothing."""
    backend = clickhouse.get_clickhouse()
    await backend.execute("CREATE TABLE IF NOT EXISTS canary (id UInt32, v String) ENGINE = MergeTree ORDER BY id")
    await backend.execute("TRUNCATE TABLE canary")
    await backend.insert("canary", ["id", "v"], [(1, "a"), (2, "b"), (3, "c")])
    return "canary"


async def store_snapshot() -> tuple[list, list]:
    backend = clickhouse.get_clickhouse()
    tables = await backend.query("SELECT database, name FROM system.tables WHERE database != 'system' ORDER BY 1, 2")
    rows = await backend.query("SELECT id, v FROM canary ORDER BY id")
    return tables.rows, rows.rows


# --------------------------------------------------------------------------- backend


async def test_backend_kind_and_json_safe_values() -> None:
    backend = clickhouse.get_clickhouse()
    assert backend.kind == "chdb" and backend.database == "default"
    result = await backend.query(
        "SELECT toUInt64(18446744073709551615) AS big, toDecimal64(1.25, 4) AS dec, nan AS n, "
        "toDateTime64('2024-01-02 03:04:05.678', 3, 'UTC') AS ts, toDate('2024-01-02') AS d, "
        "toUUID('00000000-0000-0000-0000-000000000001') AS u, [1, 2] AS arr, map('k', 1) AS m, NULL AS nothing, "
        "'tab\\there' AS s",
        max_rows=10,
    )
    assert result.columns == ["big", "dec", "n", "ts", "d", "u", "arr", "m", "nothing", "s"]
    assert result.types[:4] == ["UInt64", "Decimal(18, 4)", "Float64", "DateTime64(3, 'UTC')"]
    assert result.rows == [
        (
            18446744073709551615, 1.25, None, "2024-01-02 03:04:05.678", "2024-01-02",
            "00000000-0000-0000-0000-000000000001", [1, 2], {"k": 1}, None, "tab\there",
        )
    ]  # fmt: skip
    json.dumps(result.rows)  # JSON-safe as is
    assert not result.truncated and result.elapsed_ms > 0


async def test_row_cap_reports_truncation_and_exact_fit_does_not() -> None:
    backend = clickhouse.get_clickhouse()
    capped = await backend.query("SELECT number FROM numbers(1000000)", max_rows=10)
    assert [row[0] for row in capped.rows] == list(range(10)) and capped.truncated
    exact = await backend.query("SELECT number FROM numbers(10)", max_rows=10)
    assert len(exact.rows) == 10 and not exact.truncated


async def test_byte_cap_reports_truncation(chdb_dir: Path) -> None:
    await clickhouse.reset()
    with clickhouse_settings(f"chdb://{chdb_dir}", TELEMETRYFLOW_MCP_CLICKHOUSE_MAX_RESULT_BYTES="2048"):
        result = await clickhouse.get_clickhouse().query("SELECT repeat('x', 100) FROM numbers(1000)", max_rows=1000)
        assert result.truncated and 0 < len(result.rows) < 25
        assert sum(len(json.dumps(row)) for row in result.rows) <= 2048
        await clickhouse.reset()


async def test_query_stopped_at_max_execution_time() -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="max_execution_time of 1 s"):
        await clickhouse.get_clickhouse().query("SELECT count() FROM system.numbers", timeout=1)
    assert time.monotonic() - started < 10


async def test_memory_hungry_query_is_stopped(chdb_dir: Path) -> None:
    await clickhouse.reset()
    with clickhouse_settings(f"chdb://{chdb_dir}", TELEMETRYFLOW_MCP_CLICKHOUSE_MAX_MEMORY_USAGE=str(64 * 1024 * 1024)):
        with pytest.raises(QueryError, match=r"more memory than clickhouse\.max_memory_usage"):
            await clickhouse.get_clickhouse().query("SELECT groupArray(number) FROM numbers(100000000)", max_rows=1)
        await clickhouse.reset()


async def test_parallel_queries_run_on_several_threads() -> None:
    backend = clickhouse.get_clickhouse()
    import asyncio

    started = time.monotonic()
    results = await asyncio.gather(*(backend.query("SELECT sleep(0.5)") for _ in range(4)))
    assert len(results) == 4 and time.monotonic() - started < 1.8  # 4 x 0.5 s serially would be 2 s


async def test_insert_round_trips_every_kind_of_value() -> None:
    backend = clickhouse.get_clickhouse()
    await backend.execute(
        "CREATE TABLE IF NOT EXISTS insert_types (ts DateTime64(3, 'UTC'), t DateTime('UTC'), d Date, "
        "s String, n Nullable(Int32), f Float64, b Bool, a Array(String), m Map(String, UInt8), "
        "e Enum8('x' = 1, 'y' = 2), u UUID) ENGINE = MergeTree ORDER BY ts"
    )
    await backend.execute("TRUNCATE TABLE insert_types")
    when = dt.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=dt.UTC)
    rows = [
        (
            when,
            when,
            when.date(),
            "tab\tnew\nline\\ 'q'",
            None,
            1.5,
            True,
            ["a'b", "c\\d"],
            {"k": 1},
            "y",
            uuid.UUID(int=7),
        ),
        (when, when, when.date(), "", -5, float("inf"), False, [], {}, "x", uuid.UUID(int=8)),
    ]
    columns = ["ts", "t", "d", "s", "n", "f", "b", "a", "m", "e", "u"]
    assert await backend.insert("insert_types", columns, rows) == 2
    result = await backend.query("SELECT * FROM insert_types ORDER BY u")
    assert result.rows[0] == (
        "2024-05-06 07:08:09.123", "2024-05-06 07:08:09", "2024-05-06", "tab\tnew\nline\\ 'q'", None, 1.5, True,
        ["a'b", "c\\d"], {"k": 1}, "y", "00000000-0000-0000-0000-000000000007",
    )  # fmt: skip
    assert result.rows[1][4:7] == (-5, None, False)  # inf comes back as JSON null


async def test_insert_refuses_unknown_columns_and_tables() -> None:
    backend = clickhouse.get_clickhouse()
    with pytest.raises(QueryError, match="no column"):
        await backend.insert("tool_calls", ["nope"], [(1,)])
    with pytest.raises(QueryError, match="does not exist"):
        await backend.insert("no_such_table", ["a"], [(1,)])
    with pytest.raises(ValueError, match="identifier"):
        await backend.insert("tool_calls; DROP TABLE canary", ["a"], [(1,)])


async def test_execute_and_query_errors_are_short_and_clean() -> None:
    backend = clickhouse.get_clickhouse()
    with pytest.raises(QueryError) as info:
        await backend.query("SELECT * FROM no_such_table")
    message = str(info.value)
    assert message.startswith("ClickHouse error 60:") and "version" not in message and "Stack" not in message
    with pytest.raises(QueryError, match="ClickHouse error 62"):
        await backend.query("SELEKT 1")


# --------------------------------------------------------------------------- migrations


async def test_migrations_are_idempotent_and_recorded() -> None:
    assert await clickhouse.migrate("server") == []
    backend = clickhouse.get_clickhouse()
    versions = await backend.query("SELECT version, name FROM schema_migrations FINAL WHERE kind = 'server' ORDER BY 1")
    assert versions.rows == [
        (1, "001_analytics_raw"),
        (2, "002_analytics_rollups"),
        (3, "003_audit"),
        (4, "004_record_ids"),
    ]
    engines = dict(
        (await backend.query("SELECT name, engine FROM system.tables WHERE database = currentDatabase()")).rows
    )
    for table in ("tool_calls", "api_usage", "session_analytics", "error_analytics", "resource_access", "prompt_usage"):
        assert engines[table].endswith("MergeTree")
    assert engines["tool_calls_hourly"] == "AggregatingMergeTree"
    assert engines["api_usage_daily"] == "SummingMergeTree"
    assert engines["tool_calls_hourly_mv"] == "MaterializedView"


async def test_migration_runner_is_generic(tmp_path: Path) -> None:
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "001_first.sql").write_text(
        "-- two statements\nCREATE TABLE IF NOT EXISTS mig_a (x UInt8) ENGINE = Memory;\n"
        "CREATE TABLE IF NOT EXISTS mig_b (x UInt8) ENGINE = Memory;\n"
    )
    (folder / "002_second.sql").write_text("INSERT INTO mig_a VALUES (1);\n-- only a comment;\n")
    backend = clickhouse.get_clickhouse()
    await backend.execute("DROP TABLE IF EXISTS mig_a")
    await backend.execute("DROP TABLE IF EXISTS mig_b")
    await backend.execute("DELETE FROM schema_migrations WHERE kind = 'extra'")
    assert await clickhouse.migrate("extra", directory=folder) == ["001_first", "002_second"]
    assert await clickhouse.migrate("extra", directory=folder) == []
    assert (await backend.query("SELECT count() FROM mig_a")).rows == [(1,)]


@pytest.mark.parametrize("kind", ["queries", "runner", "../server", "nope", "Server"])
async def test_unknown_migration_kinds_are_refused(kind: str) -> None:
    with pytest.raises(ValueError, match="unknown ClickHouse migration kind"):
        await clickhouse.migrate(kind)


def test_split_statements() -> None:
    text = "-- header\nCREATE TABLE a (x String DEFAULT ';');\n\nSELECT 1 ; \n-- trailing only;\n"
    assert migrations.split_statements(text) == ["-- header\nCREATE TABLE a (x String DEFAULT ';')", "SELECT 1"]


# --------------------------------------------------------------------------- configuration


async def test_unconfigured_without_chdb_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    await clickhouse.reset()
    monkeypatch.setattr(clickhouse, "chdb_available", lambda: False)
    with clickhouse_settings(""):
        with pytest.raises(StoreUnavailable, match="TELEMETRYFLOW_MCP_CLICKHOUSE_URL") as info:
            clickhouse.get_clickhouse()
        assert "tfo-mcp[embedded]" in str(info.value)
        message = await tool_error("ch_query", {"query": "SELECT 1"})
        assert "TELEMETRYFLOW_MCP_CLICKHOUSE_URL" in message
        health = await clickhouse.clickhouse_health()
        assert health.configured is False and "TELEMETRYFLOW_MCP_CLICKHOUSE_URL" in health.detail


async def test_default_store_lives_in_the_xdg_data_dir(tmp_path: Path) -> None:
    assert clickhouse.default_chdb_path().parts[-2:] == ("tfo-mcp", "clickhouse")
    with clickhouse_settings(""):
        assert clickhouse.is_embedded() and clickhouse.auto_migrate_enabled()


async def test_bad_scheme_names_the_setting_without_the_password() -> None:
    await clickhouse.reset()
    with clickhouse_settings("mysql://root:hunter2@db:3306/x"), pytest.raises(StoreUnavailable) as info:
        clickhouse.get_clickhouse()
    assert "TELEMETRYFLOW_MCP_CLICKHOUSE_URL" in str(info.value) and "hunter2" not in str(info.value)


async def test_store_locked_by_another_process_is_a_clear_error(tmp_path: Path, chdb_dir: Path) -> None:
    other = tmp_path / "other-store"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import chdb, sys, time; c = chdb.connect({str(other)!r}); print('ok', flush=True); "
         "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"ok"
        await clickhouse.reset()
        with clickhouse_settings(f"chdb://{other}"):
            with pytest.raises(StoreUnavailable, match="in use by another process"):
                await clickhouse.get_clickhouse().ping()
            await clickhouse.reset()
    finally:
        holder.communicate(b"", timeout=30)
    # this process can use its own store again afterwards
    with clickhouse_settings(f"chdb://{chdb_dir}"):
        assert await clickhouse.get_clickhouse().ping() >= 0
        await clickhouse.reset()


async def test_health_reports_kind_and_reachability() -> None:
    health = await clickhouse.clickhouse_health()
    assert health.configured and health.reachable and health.detail.startswith("chdb chdb://")
    async with Client(mcp) as client:
        body = json.loads((await client.read_resource("status://health"))[0].text)
    component = next(c for c in body["components"] if c["name"] == "clickhouse")
    assert component["reachable"] is True
    assert {"queued", "written", "dropped", "last_error"} <= set(body["analytics"])


# --------------------------------------------------------------------------- ch_query tool


async def test_ch_query_tool_returns_rows_types_and_truncation() -> None:
    out = await tool("ch_query", {"query": "SELECT number AS n, toString(number) AS s FROM numbers(5)", "max_rows": 3})
    assert out["columns"] == ["n", "s"] and out["types"] == ["UInt64", "String"]
    assert out["rows"] == [[0, "0"], [1, "1"], [2, "2"]]
    assert out["row_count"] == 3 and out["truncated"] is True and out["backend"] == "chdb"


async def test_ch_query_capped_big_result_is_small_and_fast() -> None:
    started = time.monotonic()
    out = await tool("ch_query", {"query": "SELECT number, toString(number) FROM numbers(3000000)", "max_rows": 1000})
    assert out["row_count"] == 1000 and out["truncated"] is True
    assert len(json.dumps(out)) < 100_000 and time.monotonic() - started < 5


async def test_ch_query_cut_to_its_token_budget_keeps_the_rows_that_fit() -> None:
    # the first rows are short and the later ones wordy, so an estimate from the first rows alone would keep too few
    query = "SELECT number, if(number < 40, 'x', repeat('word ', 20)) AS text FROM numbers(3000)"
    out = await tool("ch_query", {"query": query, "max_rows": 3000, "max_tokens": 2000})
    tokens = count_tokens(json.dumps(out, separators=(",", ":")))
    assert 1600 < tokens <= 2000, f"{tokens} tokens: cut to the budget, not far below it"
    assert out["rows"][0] == [0, "x"] and out["row_count"] == len(out["rows"]) > 40
    assert out["truncated"] is True and out["truncated_reason"] == "max_tokens"
    (cut,) = out["cut"]
    assert cut["limit"] == "tokens" and cut["removed"] == {"rows": 3000 - out["row_count"]}
    assert "max_tokens" in cut["rest"]


@pytest.mark.parametrize("max_rows", [0, -1, 10_001])
async def test_ch_query_max_rows_bounds(max_rows: int) -> None:
    async with Client(mcp) as client:
        with pytest.raises(Exception, match="max_rows"):
            await client.call_tool("ch_query", {"query": "SELECT 1", "max_rows": max_rows})


HOSTILE = [
    ("INSERT INTO canary VALUES (9, 'x')", "INSERT statements"),
    ("INSERT INTO canary SELECT 9, 'x'", "INSERT statements"),
    ("ALTER TABLE canary DELETE WHERE 1", "ALTER statements"),
    ("ALTER TABLE canary ADD COLUMN z UInt8", "ALTER statements"),
    ("DROP TABLE canary", "DROP statements"),
    ("TRUNCATE TABLE canary", "TRUNCATE statements"),
    ("SYSTEM FLUSH LOGS", "SYSTEM statements"),
    ("KILL QUERY WHERE 1", "KILL statements"),
    ("SET readonly = 0", "SET statements"),
    ("OPTIMIZE TABLE canary FINAL", "OPTIMIZE statements"),
    ("CREATE TABLE evil (x UInt8) ENGINE = Memory", "CREATE statements"),
    ("RENAME TABLE canary TO canary2", "RENAME statements"),
    ("DELETE FROM canary WHERE 1", "DELETE statements"),
    ("DETACH TABLE canary", "DETACH statements"),
    ("USE system", "USE statements"),
    ("/* looks harmless */ DROP TABLE canary", "DROP statements"),
    ("-- comment\nTRUNCATE TABLE canary", "TRUNCATE statements"),
    ("SELECT 1; DROP TABLE canary", "one statement"),
    ("SELECT 1;\nINSERT INTO canary VALUES (9, 'x')", "one statement"),
    ("SELECT * FROM canary SETTINGS readonly = 0", "'readonly' is fixed"),
    ("SELECT * FROM canary SETTINGS max_result_rows = 0, result_overflow_mode = 'throw'", "is fixed"),
    ("SELECT * FROM canary SETTINGS max_execution_time = 0", "is fixed"),
    ("SELECT * FROM canary INTO OUTFILE '{outfile}'", "INTO OUTFILE"),
    ("SELECT * FROM canary FORMAT CSV", "FORMAT clause"),
]


@pytest.mark.parametrize(("sql", "reason"), HOSTILE)
async def test_hostile_sql_fails_clearly_and_changes_nothing(
    canary: str, tmp_path: Path, sql: str, reason: str
) -> None:
    outfile = tmp_path / "leak.csv"
    before = await store_snapshot()
    message = await tool_error("ch_query", {"query": sql.format(outfile=outfile)})
    assert reason in message
    assert await store_snapshot() == before
    assert not outfile.exists()


ENGINE_REFUSES = [
    "INSERT INTO canary VALUES (9, 'x')",
    "ALTER TABLE canary DELETE WHERE 1",
    "DROP TABLE canary",
    "TRUNCATE TABLE canary",
    "SYSTEM FLUSH LOGS",
    "SET max_result_rows = 0",
    "OPTIMIZE TABLE canary FINAL",
    "CREATE TABLE evil (x UInt8) ENGINE = Memory",
    "RENAME TABLE canary TO canary2",
    "SELECT * FROM canary SETTINGS readonly = 0",
    "SELECT * FROM canary SETTINGS max_result_rows = 0",
    "SELECT * FROM canary SETTINGS max_threads = 1",
]


@pytest.mark.parametrize("sql", ENGINE_REFUSES)
async def test_engine_refuses_writes_even_without_the_guard(
    canary: str, monkeypatch: pytest.MonkeyPatch, sql: str
) -> None:
    """Read-only by construction: with the text guard switched off, the engine's readonly=1 still refuses."""
    monkeypatch.setattr(sql_guard, "check_read_query", lambda *a, **k: None)
    before = await store_snapshot()
    with pytest.raises(QueryRefused, match="read-only"):
        await clickhouse.get_clickhouse().query(sql, max_rows=10)
    assert await store_snapshot() == before


TABLE_FUNCTIONS = {
    "file": "file('/etc/passwd', 'LineAsString')",
    "url": "url('http://127.0.0.1:9/x.csv', 'CSV', 'a String')",
    "s3": "s3('http://127.0.0.1:9/bucket/x.csv', 'CSV', 'a String')",
    "hdfs": "hdfs('hdfs://127.0.0.1:9/x', 'TSV', 'a String')",
    "remote": "remote('127.0.0.1:9', system.one)",
    "remoteSecure": "remoteSecure('127.0.0.1:9', system.one)",
    "mysql": "mysql('127.0.0.1:9', 'db', 't', 'u', 'p')",
    "postgresql": "postgresql('127.0.0.1:9', 'db', 't', 'u', 'p')",
    "sqlite": "sqlite('/tmp/x.sqlite', 't')",
    "odbc": "odbc('DSN=x', 'db', 't')",
    "jdbc": "jdbc('jdbc:x', 'db', 't')",
    "mongodb": "mongodb('127.0.0.1:9', 'db', 'c', 'u', 'p', 'a String')",
    "redis": "redis('127.0.0.1:9', 'k', 'k String, v String')",
    "azureBlobStorage": "azureBlobStorage('http://127.0.0.1:9', 'c', 'x.csv')",
    "gcs": "gcs('http://127.0.0.1:9/bucket/x.csv', 'CSV', 'a String')",
    "iceberg": "iceberg('http://127.0.0.1:9/x')",
    "deltaLake": "deltaLake('http://127.0.0.1:9/x')",
    "hudi": "hudi('http://127.0.0.1:9/x')",
    "input": "input('a String')",
    "executable": "executable('x.sh', 'TSV', 'a String')",
    "python": "python('settings')",
    "cluster": "cluster('default', system.one)",
    "clusterAllReplicas": "clusterAllReplicas('default', system.one)",
    "s3Cluster": "s3Cluster('default', 'http://127.0.0.1:9/x.csv')",
    "urlCluster": "urlCluster('default', 'http://127.0.0.1:9/x.csv')",
    "fileCluster": "fileCluster('default', '/etc/passwd')",
    "filesystem": "filesystem('/')",
    "dictionary": "dictionary('d')",
    "timeSeriesData": "timeSeriesData(system.one)",
}


@pytest.mark.parametrize("name", sorted(TABLE_FUNCTIONS))
async def test_table_functions_that_reach_out_are_refused(name: str, canary: str) -> None:
    before = await store_snapshot()
    message = await tool_error("ch_query", {"query": f"SELECT * FROM {TABLE_FUNCTIONS[name]}"})
    assert f"{name}() is not allowed" in message
    assert await store_snapshot() == before


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT file('/etc/hostname')",
        "SELECT \"\\x66ile\"('/etc/hostname')",
        "SELECT `file`('/etc/hostname')",
        "SELECT file /* gap */ ('/etc/hostname')",
        "SELECT $$'$$, file('/etc/hostname') --'",
        "SELECT * FROM (SELECT * FROM url('http://127.0.0.1:9/x', 'CSV', 'a String'))",
        "DESCRIBE TABLE file('/etc/passwd', 'LineAsString')",
        "WITH t AS (SELECT * FROM s3('http://127.0.0.1:9/x.csv')) SELECT * FROM t",
    ],
)
async def test_file_and_network_access_cannot_be_disguised(sql: str) -> None:
    message = await tool_error("ch_query", {"query": sql})
    assert "is not allowed" in message


async def test_safe_table_functions_still_work() -> None:
    out = await tool(
        "ch_query",
        {
            "query": "SELECT (SELECT count() FROM numbers(10)), "
            "(SELECT count() FROM (SELECT * FROM generateRandom('a UInt8') LIMIT 5))"
        },
    )
    assert out["rows"] == [[10, 5]]
    out = await tool("ch_query", {"query": "SELECT * FROM values('a UInt8', 1, 2)"})
    assert out["rows"] == [[1], [2]]


async def test_network_table_functions_are_also_refused_by_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sql_guard, "check_read_query", lambda *a, **k: None)
    for name in ("file", "url", "s3", "remote", "mysql", "postgresql", "executable"):
        with pytest.raises(QueryRefused, match="read-only"):
            await clickhouse.get_clickhouse().query(f"SELECT * FROM {TABLE_FUNCTIONS[name]}", max_rows=10)


# --------------------------------------------------------------------------- analytics tools


async def seed_tool_calls(server: str, name: str) -> None:
    now = dt.datetime.now(dt.UTC)
    rows = [
        (now, server, "s1", name, 1, 10.0, 100, 1000, "", ""),
        (now, server, "s1", name, 1, 20.0, 100, 2000, "", ""),
        (now, server, "s2", name, 0, 30.0, 100, 0, "ToolError", "boom"),
        (now - dt.timedelta(days=3), server, "s3", name, 1, 40.0, 100, 4000, "", ""),
    ]
    await clickhouse.get_clickhouse().insert("tool_calls", TOOL_COLUMNS, rows)


async def test_ch_tool_analytics_reads_the_hourly_and_daily_rollups() -> None:
    name = f"tool-{uuid.uuid4().hex[:8]}"
    await seed_tool_calls("srv-a", name)
    out = await tool("ch_tool_analytics", {"tool_name": name, "hours": 24})
    assert out["source"] == "tool_calls_hourly"
    [stats] = out["tools"]
    assert (stats["calls"], stats["errors"], stats["avg_duration_ms"], stats["max_duration_ms"]) == (3, 1, 20.0, 30.0)
    assert stats["input_bytes"] == 300 and stats["output_bytes"] == 3000 and stats["error_rate"] == 0.3333
    assert 10.0 <= stats["p50_duration_ms"] <= stats["p95_duration_ms"] <= 30.0
    out = await tool("ch_tool_analytics", {"tool_name": name, "hours": 24 * 40})
    assert out["source"] == "tool_calls_daily" and out["tools"][0]["calls"] == 4
    everything = await tool("ch_tool_analytics", {"hours": 24, "limit": 1000})
    assert name in {t["tool_name"] for t in everything["tools"]}


async def test_rollups_keep_servers_apart_but_tools_sum_them() -> None:
    name = f"tool-{uuid.uuid4().hex[:8]}"
    await seed_tool_calls("srv-a", name)
    await seed_tool_calls("srv-b", name)
    backend = clickhouse.get_clickhouse()
    per_server = await backend.query(
        "SELECT server_id, sum(calls) FROM tool_calls_hourly WHERE tool_name = %(n)s GROUP BY server_id ORDER BY 1",
        {"n": name},
    )
    assert per_server.rows == [("srv-a", 4), ("srv-b", 4)]  # one row three days ago, in its own hour
    out = await tool("ch_tool_analytics", {"tool_name": name})
    assert out["tools"][0]["calls"] == 6


async def test_ch_api_usage_sums_tokens_and_cost_per_model() -> None:
    model = f"model-{uuid.uuid4().hex[:8]}"
    now = dt.datetime.now(dt.UTC)
    columns = ["timestamp", "server_id", "session_id", "provider", "model", "input_tokens", "output_tokens",
               "total_tokens", "cost_usd", "duration_ms", "success", "error_type"]  # fmt: skip
    rows = [
        (now, "srv", "s", "anthropic", model, 100, 50, 150, 0.01, 200.0, 1, ""),
        (now, "srv", "s", "anthropic", model, 10, 5, 15, 0.001, 400.0, 0, "RateLimit"),
    ]
    await clickhouse.get_clickhouse().insert("api_usage", columns, rows)
    out = await tool("ch_api_usage", {"model": model})
    assert out["source"] == "api_usage_hourly"
    [usage] = out["models"]
    assert (usage["provider"], usage["requests"], usage["errors"], usage["total_tokens"]) == ("anthropic", 2, 1, 165)
    assert usage["cost_usd"] == pytest.approx(0.011) and usage["avg_duration_ms"] == 300.0
    assert usage["p95_duration_ms"] is not None and usage["last_request"]
    daily = await tool("ch_api_usage", {"model": model, "hours": 2000})
    assert daily["source"] == "api_usage_daily" and daily["models"][0]["total_tokens"] == 165
    assert daily["models"][0]["cost_usd"] == pytest.approx(0.011)
    assert daily["models"][0]["p95_duration_ms"] is None


async def test_ch_api_usage_reports_unknown_cost_as_null_not_zero() -> None:
    model = f"unpriced-{uuid.uuid4().hex[:8]}"
    now = dt.datetime.now(dt.UTC)
    columns = ["timestamp", "server_id", "session_id", "provider", "model", "total_tokens", "cost_usd", "success"]
    rows = [(now, "srv", "s", "ollama", model, 10, None, 1), (now, "srv", "s", "ollama", model, 20, None, 1)]
    await clickhouse.get_clickhouse().insert("api_usage", columns, rows)
    for hours in (24, 2000):
        out = await tool("ch_api_usage", {"model": model, "hours": hours})
        [usage] = out["models"]
        assert usage["cost_usd"] is None and usage["unpriced_requests"] == 2
        assert out["total_cost_usd"] is None


async def test_ch_error_analytics_groups_by_type_and_code() -> None:
    error_type = f"Err{uuid.uuid4().hex[:8]}"
    now = dt.datetime.now(dt.UTC)
    columns = ["timestamp", "server_id", "session_id", "source", "name", "error_type", "error_code", "error_message"]
    rows = [
        (now - dt.timedelta(minutes=2), "srv", "s1", "tool", "t", error_type, -32602, "older"),
        (now, "srv", "s2", "tool", "t", error_type, -32602, "newest"),
        (now, "srv", "s2", "tool", "t", error_type, 7, "other code"),
    ]
    await clickhouse.get_clickhouse().insert("error_analytics", columns, rows)
    out = await tool("ch_error_analytics", {"hours": 72, "limit": 1000})
    mine = {(g["error_code"]): g for g in out["errors"] if g["error_type"] == error_type}
    assert mine[-32602]["count"] == 2 and mine[-32602]["sessions"] == 2 and mine[-32602]["last_message"] == "newest"
    assert mine[7]["count"] == 1 and out["source"] == "error_analytics_hourly"


async def test_ch_session_analytics_lists_latest_state_per_session() -> None:
    client_name = f"client-{uuid.uuid4().hex[:8]}"
    started = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    columns = ["session_id", "server_id", "state", "client_name", "client_version", "protocol_version", "started_at",
               "closed_at", "duration_seconds", "tool_calls", "errors", "updated_at"]  # fmt: skip
    rows = [
        ("sess-1", "srv", "initializing", client_name, "1.0", "2025-06-18", started, None, 0.0, 0, 0, started),
        ("sess-1", "srv", "closed", client_name, "1.0", "2025-06-18", started, started, 300.0, 7, 1,
         started + dt.timedelta(minutes=5)),
        ("sess-2", "srv", "ready", client_name, "1.0", "2025-06-18", started, None, 10.0, 2, 0, started),
    ]  # fmt: skip
    await clickhouse.get_clickhouse().insert("session_analytics", columns, rows)
    out = await tool("ch_session_analytics", {"hours": 1, "limit": 1000})
    summary = next(c for c in out["by_client"] if c["client_name"] == client_name)
    assert (summary["sessions"], summary["open_sessions"], summary["tool_calls"], summary["errors"]) == (2, 1, 9, 1)
    mine = {s["session_id"]: s for s in out["sessions"] if s["client_name"] == client_name}
    assert mine["sess-1"]["state"] == "closed" and mine["sess-1"]["tool_calls"] == 7
    assert mine["sess-2"]["state"] == "ready"


INJECTIONS = [
    "x' OR 1=1 --",
    "x') OR ('1'='1",
    "'; DROP TABLE canary; --",
    "\\' OR 1=1 --",
    "%(hours)s",
    "100%",
    "x' UNION ALL SELECT name, 1, 1, 1, [1.0], 1, 1, 1, now() FROM system.tables --",
    "\x00\n\t",
]


@pytest.mark.parametrize("value", INJECTIONS)
async def test_analytics_parameters_are_literals(value: str, canary: str) -> None:
    name = f"tool-{uuid.uuid4().hex[:8]}"
    await seed_tool_calls("srv", name)
    before = await store_snapshot()
    out = await tool("ch_tool_analytics", {"tool_name": value, "hours": 24})
    assert out["tools"] == []
    out = await tool("ch_api_usage", {"model": value, "hours": 24})
    assert out["models"] == []
    assert await store_snapshot() == before


async def test_analytics_parameter_with_quotes_matches_exactly() -> None:
    name = f"it's a \\ %(odd)s tool {uuid.uuid4().hex[:6]}"
    await seed_tool_calls("srv", name)
    out = await tool("ch_tool_analytics", {"tool_name": name})
    assert [t["tool_name"] for t in out["tools"]] == [name]


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("ch_tool_analytics", {"hours": 0}),
        ("ch_tool_analytics", {"hours": 8761}),
        ("ch_tool_analytics", {"limit": 0}),
        ("ch_tool_analytics", {"limit": 1001}),
        ("ch_tool_analytics", {"hours": "24; DROP TABLE canary"}),
        ("ch_session_analytics", {"hours": -1}),
        ("ch_error_analytics", {"limit": 100000}),
        ("ch_api_usage", {"hours": 1.5}),
        ("ch_api_usage", {"model": "m" * 201}),
    ],
)
async def test_analytics_bounds_are_validated(name: str, arguments: dict) -> None:
    async with Client(mcp) as client:
        with pytest.raises(Exception, match="Invalid arguments"):
            await client.call_tool(name, arguments)


async def test_tools_are_annotated_read_only_with_output_schemas() -> None:
    async with Client(mcp) as client:
        tools = {t.name: t for t in await client.list_tools()}
    for name in ("ch_query", "ch_tool_analytics", "ch_session_analytics", "ch_error_analytics", "ch_api_usage"):
        annotations = tools[name].annotations
        assert annotations is not None
        assert annotations.readOnlyHint is True and annotations.destructiveHint is False
        assert annotations.idempotentHint is not None and annotations.openWorldHint is False
        assert (tools[name].outputSchema is not None) is toolsets.entry(name).output_schema and tools[name].description
        for spec in tools[name].inputSchema["properties"].values():
            assert spec.get("description")
