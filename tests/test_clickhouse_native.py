"""ClickHouse through clickhouse-driver against a real clickhouse-server (Debian's 18.16 or TFO_TEST_CLICKHOUSE_URL).

The 18.16 server has no DateTime64/LowCardinality/TTL expressions of the analytics schema, so the analytics
tools are tested on chDB; here: connect, pool, read-only, timeouts, caps, errors, faults, hostile SQL.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError

from tests.support.fixtures_clickhouse import NATIVE_PASSWORD, NativeServer, clickhouse_settings
from tfo_mcp.errors import StoreUnavailable
from tfo_mcp.server import mcp
from tfo_mcp.stores import clickhouse, sql_guard
from tfo_mcp.stores.clickhouse_native import parse_native_url
from tfo_mcp.stores.sql_guard import QueryError, QueryRefused, QueryTimeout

pytestmark = [pytest.mark.native_clickhouse, pytest.mark.usefixtures("native_store")]


@pytest.fixture
async def canary() -> None:
    backend = clickhouse.get_clickhouse()
    await backend.execute("CREATE TABLE IF NOT EXISTS canary (id UInt32, v String) ENGINE = MergeTree ORDER BY id")
    await backend.execute("TRUNCATE TABLE canary")
    await backend.insert("canary", ["id", "v"], [(1, "a"), (2, "b"), (3, "c")])


async def snapshot() -> tuple[list, list]:
    backend = clickhouse.get_clickhouse()
    tables = await backend.query("SELECT database, name FROM system.tables WHERE database != 'system' ORDER BY 1, 2")
    rows = await backend.query("SELECT id, v FROM canary ORDER BY id")
    return tables.rows, rows.rows


async def test_connects_and_returns_json_safe_values() -> None:
    backend = clickhouse.get_clickhouse()
    assert backend.kind == "native"
    result = await backend.query(
        "SELECT toUInt64(18446744073709551615) AS big, toDecimal64(1.25, 4) AS dec, nan AS n, "
        "toDateTime('2024-01-02 03:04:05', 'UTC') AS ts, toDate('2024-01-02') AS d, "
        "toUUID('00000000-0000-0000-0000-000000000001') AS u, [1, 2] AS arr, NULL AS nothing, 'tab\\there' AS s",
        max_rows=10,
    )
    assert result.columns == ["big", "dec", "n", "ts", "d", "u", "arr", "nothing", "s"]
    assert result.types[0] == "UInt64" and result.types[1].startswith("Decimal")
    assert result.rows == [
        (18446744073709551615, 1.25, None, "2024-01-02 03:04:05", "2024-01-02",
         "00000000-0000-0000-0000-000000000001", [1, 2], None, "tab\there")
    ]  # fmt: skip


async def test_pool_runs_pool_size_queries_at_once() -> None:
    backend = clickhouse.get_clickhouse()
    started = time.monotonic()
    await asyncio.gather(*(backend.query("SELECT sleep(1)") for _ in range(4)))
    elapsed = time.monotonic() - started
    assert 1.9 <= elapsed < 3.8, elapsed  # pool of 2: two rounds; serial would be 4 s, unbounded 1 s


async def test_read_only_user_settings_are_refused_by_the_server(canary: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the text guard switched off, the server's readonly=1 still refuses writes and setting changes."""
    monkeypatch.setattr(sql_guard, "check_read_query", lambda *a, **k: None)
    before = await snapshot()
    for sql in (
        "INSERT INTO canary VALUES (9, 'x')",
        "DROP TABLE canary",
        "TRUNCATE TABLE canary",
        "CREATE TABLE evil (x UInt8) ENGINE = Memory",
        "RENAME TABLE canary TO canary2",
        "OPTIMIZE TABLE canary FINAL",
        "SET max_result_rows = 0",
        "SELECT * FROM canary SETTINGS readonly = 0",
        "SELECT * FROM canary SETTINGS max_result_rows = 0",
    ):
        with pytest.raises(QueryRefused, match="read-only"):
            await clickhouse.get_clickhouse().query(sql, max_rows=10)
    assert await snapshot() == before


async def test_max_execution_time_stops_the_query_on_the_server() -> None:
    marker = uuid.uuid4().hex
    backend = clickhouse.get_clickhouse()
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="max_execution_time of 1 s"):
        await backend.query(f"SELECT count() FROM system.numbers WHERE number != 0 /* {marker} */", timeout=1)
    assert time.monotonic() - started < 8
    await asyncio.sleep(0.3)
    running = await backend.query(
        "SELECT count() FROM system.processes WHERE query LIKE %(pattern)s AND query NOT LIKE '%%system.processes%%'",
        {"pattern": f"%{marker}%"},
    )
    assert running.rows == [(0,)]


async def test_memory_hungry_query_is_stopped(native_url: str) -> None:
    await clickhouse.reset()
    with clickhouse_settings(native_url, TELEMETRYFLOW_MCP_CLICKHOUSE_MAX_MEMORY_USAGE=str(64 * 1024 * 1024)):
        with pytest.raises(QueryError, match=r"more memory than clickhouse\.max_memory_usage"):
            await clickhouse.get_clickhouse().query(
                "SELECT groupArray(number) FROM (SELECT number FROM system.numbers LIMIT 100000000)", max_rows=1
            )
        await clickhouse.reset()


async def test_row_cap_sets_truncated_and_exact_fit_does_not() -> None:
    backend = clickhouse.get_clickhouse()
    capped = await backend.query("SELECT number FROM system.numbers LIMIT 1000000", max_rows=10)
    assert [row[0] for row in capped.rows] == list(range(10)) and capped.truncated
    unbounded = await backend.query("SELECT number FROM system.numbers", max_rows=5)  # endless, stopped by the cap
    assert len(unbounded.rows) == 5 and unbounded.truncated
    exact = await backend.query("SELECT number FROM system.numbers LIMIT 10", max_rows=10)
    assert len(exact.rows) == 10 and not exact.truncated


async def test_byte_cap_sets_truncated(native_url: str) -> None:
    await clickhouse.reset()
    with clickhouse_settings(native_url, TELEMETRYFLOW_MCP_CLICKHOUSE_MAX_RESULT_BYTES="2048"):
        result = await clickhouse.get_clickhouse().query(
            "SELECT arrayStringConcat(arrayMap(x -> 'x', range(100))) AS s FROM system.numbers LIMIT 1000",
            max_rows=1000,
        )
        assert result.truncated and 0 < len(result.rows) < 25
        await clickhouse.reset()


async def test_errors_are_mapped_short_and_without_stack_traces() -> None:
    backend = clickhouse.get_clickhouse()
    with pytest.raises(QueryError) as info:
        await backend.query("SELECT * FROM no_such_table_here")
    message = str(info.value)
    assert (
        message.startswith("ClickHouse error 60:") and "Stack trace" not in message and "libclickhouse" not in message
    )
    with pytest.raises(QueryError, match="ClickHouse error 62: Syntax error"):
        await backend.query("SELEKT 1")
    with pytest.raises(QueryError, match="ClickHouse error 47"):
        await backend.query("SELECT no_such_column FROM system.one")


async def test_ch_query_tool_on_the_native_server() -> None:
    async with Client(mcp) as client:
        result = await client.call_tool("ch_query", {"query": "SELECT number FROM system.numbers", "max_rows": 3})
        out = result.structured_content
        assert out["rows"] == [[0], [1], [2]] and out["truncated"] is True and out["backend"] == "native"
        with pytest.raises(ToolError, match="DROP statements are not allowed"):
            await client.call_tool("ch_query", {"query": "DROP TABLE canary"})


HOSTILE = [
    ("INSERT INTO canary VALUES (9, 'x')", "INSERT statements"),
    ("ALTER TABLE canary DELETE WHERE 1", "ALTER statements"),
    ("DROP TABLE canary", "DROP statements"),
    ("TRUNCATE TABLE canary", "TRUNCATE statements"),
    ("SYSTEM DROP DNS CACHE", "SYSTEM statements"),
    ("KILL QUERY WHERE 1", "KILL statements"),
    ("SET readonly = 0", "SET statements"),
    ("OPTIMIZE TABLE canary FINAL", "OPTIMIZE statements"),
    ("CREATE TABLE evil (x UInt8) ENGINE = Memory", "CREATE statements"),
    ("RENAME TABLE canary TO canary2", "RENAME statements"),
    ("USE system", "USE statements"),
    ("/* c */ DROP TABLE canary", "DROP statements"),
    ("SELECT 1; DROP TABLE canary", "one statement"),
    ("SELECT * FROM canary SETTINGS readonly = 0", "'readonly' is fixed"),
    ("SELECT * FROM canary SETTINGS max_execution_time = 0", "is fixed"),
    ("SELECT * FROM remote('127.0.0.1:9', system.one)", "remote() is not allowed"),
    ("SELECT * FROM url('http://127.0.0.1:9/x', 'CSV', 'a String')", "url() is not allowed"),
]


@pytest.mark.parametrize(("sql", "reason"), HOSTILE)
async def test_hostile_sql_fails_clearly_and_changes_nothing(canary: None, sql: str, reason: str) -> None:
    before = await snapshot()
    with pytest.raises(QueryRefused) as info:
        await clickhouse.get_clickhouse().query(sql, max_rows=10)
    assert reason in str(info.value)
    assert await snapshot() == before


async def test_wrong_password_names_the_setting_and_hides_the_password(native_server: NativeServer) -> None:
    await clickhouse.reset()
    url = native_server.url().replace(NATIVE_PASSWORD, "wrong-Pass-123")
    with clickhouse_settings(url):
        with pytest.raises(StoreUnavailable) as info:
            await clickhouse.get_clickhouse().query("SELECT 1")
        health = await clickhouse.clickhouse_health()
        await clickhouse.reset()
    message = str(info.value)
    assert "TELEMETRYFLOW_MCP_CLICKHOUSE_URL" in message and "rejected the user or password" in message
    assert "wrong-Pass-123" not in message and "tfo:***@" in message
    assert health.reachable is False and "wrong-Pass-123" not in health.detail


async def test_unreachable_server_is_a_clear_error() -> None:
    await clickhouse.reset()
    port = _closed_port()
    with clickhouse_settings(
        f"clickhouse://tfo:{NATIVE_PASSWORD}@127.0.0.1:{port}/default", TELEMETRYFLOW_MCP_CLICKHOUSE_CONNECT_TIMEOUT="1"
    ):
        started = time.monotonic()
        async with Client(mcp) as client:
            with pytest.raises(ToolError) as info:
                await client.call_tool("ch_query", {"query": "SELECT 1"})
            echo = await client.call_tool("echo", {"message": "still serving"})
        await clickhouse.reset()
    message = str(info.value)
    assert "unavailable" in message and "TELEMETRYFLOW_MCP_CLICKHOUSE_URL" in message and NATIVE_PASSWORD not in message
    assert echo.structured_content["message"] == "still serving" and time.monotonic() - started < 15


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_server_killed_and_restarted_mid_run(native_server: NativeServer) -> None:
    await clickhouse.reset()
    with clickhouse_settings(native_server.url(), TELEMETRYFLOW_MCP_CLICKHOUSE_POOL_SIZE="2"):
        backend = clickhouse.get_clickhouse()
        await asyncio.gather(*(backend.query("SELECT sleep(0.2)") for _ in range(2)))  # both pooled clients connected
        native_server.kill()
        try:
            with pytest.raises(StoreUnavailable, match="unavailable"):
                await backend.query("SELECT 1")
            health = await clickhouse.clickhouse_health()
            assert health.reachable is False
        finally:
            native_server.start()
        results = await asyncio.gather(*(backend.query("SELECT 42") for _ in range(4)))  # same backend, reconnected
        assert all(result.rows == [(42,)] for result in results)
        assert (await clickhouse.clickhouse_health()).reachable is True
        await clickhouse.reset()


async def test_readonly_2_profile_user_refuses_settings_and_writes(
    native_server: NativeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    await clickhouse.reset()
    with clickhouse_settings(native_server.url(user="ro2")):
        backend = clickhouse.get_clickhouse()
        assert (await backend.query("SELECT 1", max_rows=5)).rows == [(1,)]
        # readonly=2 would let a query change its own limits: every SETTINGS clause and SET is refused
        for sql in ("SELECT 1 SETTINGS max_threads = 1", "SELECT 1 SETTINGS max_result_rows = 0"):
            with pytest.raises(QueryRefused, match="SETTINGS clause is not accepted"):
                await backend.query(sql, max_rows=5)
        with pytest.raises(QueryRefused, match="SET statements"):
            await backend.query("SET max_result_rows = 0", max_rows=5)
        with monkeypatch.context() as patch:  # without the guard, the server still refuses writes
            patch.setattr(sql_guard, "check_read_query", lambda *a, **k: None)
            with pytest.raises(QueryRefused, match="read-only"):
                await backend.query("CREATE TABLE evil (x UInt8) ENGINE = Memory", max_rows=5)
        capped = await backend.query("SELECT number FROM system.numbers", max_rows=5)
        assert len(capped.rows) == 5 and capped.truncated
        with pytest.raises(QueryTimeout):
            await backend.query("SELECT count() FROM system.numbers", timeout=1)
        await clickhouse.reset()


async def test_readonly_1_profile_user_is_refused_with_advice(native_server: NativeServer) -> None:
    await clickhouse.reset()
    with clickhouse_settings(native_server.url(user="ro1")):
        with pytest.raises(QueryRefused, match="readonly=1 in its profile"):
            await clickhouse.get_clickhouse().query("SELECT 1", max_rows=5)
        await clickhouse.reset()


async def test_migrations_and_inserts_on_the_native_server(native_server: NativeServer, tmp_path: Path) -> None:
    database = f"tfo_test_{uuid.uuid4().hex[:8]}"
    folder = tmp_path / "legacy"
    folder.mkdir()
    (folder / "001_events.sql").write_text(
        "CREATE TABLE IF NOT EXISTS events (ts DateTime, name String, n UInt32) ENGINE = MergeTree ORDER BY ts;\n"
    )
    await clickhouse.reset()
    with clickhouse_settings(native_server.url(database=database)):
        assert await clickhouse.migrate("legacy", directory=folder) == ["001_events"]  # creates the database too
        assert await clickhouse.migrate("legacy", directory=folder) == []
        backend = clickhouse.get_clickhouse()
        import datetime as dt

        rows = [(dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=i), f"e{i % 3}", i) for i in range(5000)]
        assert await backend.insert("events", ["ts", "name", "n"], rows) == 5000
        result = await backend.query("SELECT count(), sum(n), uniqExact(name) FROM events")
        assert result.rows == [(5000, sum(range(5000)), 3)]
        await backend.execute(f"DROP DATABASE {database}")
        await clickhouse.reset()


def test_native_url_parsing() -> None:
    target = parse_native_url("clickhouses://user%40x:p%3Ass@db.example:9999/analytics?verify=false&ca_certs=/c.pem")
    assert (target.host, target.port, target.user, target.password) == ("db.example", 9999, "user@x", "p:ss")
    assert (target.database, target.secure, target.verify, target.ca_certs) == ("analytics", True, False, "/c.pem")
    plain = parse_native_url("clickhouse://h")
    assert (plain.port, plain.user, plain.database, plain.secure, plain.verify) == (
        9000,
        "default",
        "default",
        False,
        True,
    )
    assert parse_native_url("clickhouses://h").port == 9440


async def test_inline_insert_values_is_refused_quickly(canary: None) -> None:
    """Old servers wait for data blocks after INSERT ... VALUES (a hang); rows go through insert() instead."""
    backend = clickhouse.get_clickhouse()
    started = time.monotonic()
    with pytest.raises(ValueError, match="use insert"):
        await backend.execute("INSERT INTO canary VALUES (9, 'x')")
    assert time.monotonic() - started < 10  # a hang would never end; a loaded machine adds seconds
    await backend.execute("INSERT INTO canary SELECT 9, 'x'")
    assert (await backend.query("SELECT count() FROM canary")).rows == [(4,)]


async def test_tls_connection_with_clickhouses_url(native_server: NativeServer) -> None:
    if native_server.tls_port is None:
        pytest.fail("openssl is needed to make the test server's TLS certificate", pytrace=False)
    base = f"clickhouses://tfo:{NATIVE_PASSWORD}@127.0.0.1:{native_server.tls_port}/default"
    for url in (f"{base}?ca_certs={native_server.certificate}", f"{base}?verify=false"):
        await clickhouse.reset()
        with clickhouse_settings(url):
            result = await clickhouse.get_clickhouse().query("SELECT 1", max_rows=1)
            assert result.rows == [(1,)]
            await clickhouse.reset()
    with clickhouse_settings(base, TELEMETRYFLOW_MCP_CLICKHOUSE_CONNECT_TIMEOUT="2"):  # self-signed, not trusted
        with pytest.raises(StoreUnavailable, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
            await clickhouse.get_clickhouse().query("SELECT 1")
        await clickhouse.reset()
