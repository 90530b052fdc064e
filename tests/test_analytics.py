"""Recording of the server's own usage into ClickHouse: batched, bounded, never in a tool call's way."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from pathlib import Path

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError

from tests.support.fixtures_clickhouse import clickhouse_settings
from tfo_mcp.analytics import recorder
from tfo_mcp.server import mcp
from tfo_mcp.stores import clickhouse


async def rows(sql: str, **params: object) -> list[tuple]:
    return (await clickhouse.get_clickhouse().query(sql, params or None)).rows


def server_id() -> str:
    return recorder.server_id()


@pytest.mark.usefixtures("chdb_store")
async def test_concurrent_tool_calls_produce_exactly_one_row_each() -> None:
    calls = 40
    async with Client(mcp, mode="legacy") as client:  # a classic initialize handshake: one session
        results = await asyncio.gather(*(client.call_tool("echo", {"message": f"m{i}"}) for i in range(calls)))
    assert sorted(r.structured_content["message"] for r in results) == sorted(f"m{i}" for i in range(calls))
    # the client's shutdown flushed the queue
    assert await rows(
        "SELECT count(), countIf(success = 1), uniqExact(session_id) FROM tool_calls "
        "WHERE server_id = %(sid)s AND tool_name = 'echo'",
        sid=server_id(),
    ) == [(calls, calls, 1)]
    stats = recorder.stats()
    assert stats["tables"]["tool_calls"] == {"written": calls, "dropped": 0} and stats["queued"] == 0


@pytest.mark.usefixtures("chdb_store")
async def test_sizes_errors_resources_and_prompts_are_recorded() -> None:
    async with Client(mcp) as client:
        await client.call_tool("echo", {"message": "x" * 100})
        with pytest.raises(ToolError):
            await client.call_tool("ch_query", {"query": "DROP TABLE tool_calls"})
        await client.read_resource("config://server")
        # code_review takes any text; a prompt such as analyze_context refuses "x" for its context type
        prompt = next(p for p in await client.list_prompts() if p.name == "code_review")
        await client.get_prompt(prompt.name, {a.name: "x" for a in (prompt.arguments or []) if a.required})
        await recorder.flush()
        sid = server_id()
        echo = await rows(
            "SELECT input_size, output_size, success FROM tool_calls WHERE server_id = %(sid)s AND tool_name = 'echo'",
            sid=sid,
        )
        assert echo == [(len(json.dumps({"message": "x" * 100}, separators=(",", ":"))), echo[0][1], 1)]
        assert echo[0][1] >= 100
        failed = await rows(
            "SELECT success, error_type, error_message FROM tool_calls "
            "WHERE server_id = %(sid)s AND tool_name = 'ch_query'",
            sid=sid,
        )
        assert failed[0][0] == 0 and "DROP statements are not allowed" in failed[0][2]
        errors = await rows(
            "SELECT source, name, error_message FROM error_analytics WHERE server_id = %(sid)s", sid=sid
        )
        assert ("tool", "ch_query") in {(e[0], e[1]) for e in errors}
        resources = await rows(
            "SELECT resource_uri, success, response_size FROM resource_access WHERE server_id = %(sid)s", sid=sid
        )
        assert resources and resources[0][:2] == ("config://server", 1) and resources[0][2] > 10
        used = await rows("SELECT prompt_name, success FROM prompt_usage WHERE server_id = %(sid)s", sid=sid)
        assert used == [(prompt.name, 1)]
        out = (await client.call_tool("ch_error_analytics", {"hours": 1, "limit": 1000})).structured_content
        assert any(group["source"] == "tool" for group in out["errors"])


@pytest.mark.usefixtures("chdb_store")
async def test_sessions_are_recorded_from_open_to_close() -> None:
    name = f"client-{uuid.uuid4().hex[:6]}"
    from mcp import types

    async with Client(mcp, mode="legacy", client_info=types.Implementation(name=name, version="9.9")) as client:
        await client.call_tool("echo", {"message": "a"})
        await client.call_tool("echo", {"message": "b"})
    latest = await rows(
        "SELECT state, client_name, client_version, tool_calls, errors, closed_at IS NOT NULL, duration_seconds > 0 "
        "FROM session_analytics FINAL WHERE server_id = %(sid)s",
        sid=server_id(),
    )
    assert latest == [("closed", name, "9.9", 2, 0, 1, 1)]
    assert recorder.stats()["tables"]["session_analytics"]["written"] == 3  # open, ready, closed
    async with Client(mcp) as client:
        out = (await client.call_tool("ch_session_analytics", {"hours": 1, "limit": 1000})).structured_content
    assert any(s["client_name"] == name and s["state"] == "closed" for s in out["sessions"])


@pytest.mark.usefixtures("chdb_store")
async def test_llm_usage_rows_and_their_errors() -> None:
    model = f"model-{uuid.uuid4().hex[:6]}"
    base = {"session_id": "s-llm", "conversation_id": "c1", "provider": "openai", "model": model}
    ok = {"input_tokens": 100, "output_tokens": 20, "cost_usd": 0.5, "duration_ms": 123.4, "success": True}
    failed = {"input_tokens": 5, "output_tokens": 0, "total_tokens": 5, "success": False}
    failed |= {"error_type": "RateLimitError", "error_message": "slow down, key sk-abcdefghijklmnop123456"}
    recorder.record("api_usage", {**base, **ok})
    recorder.record("api_usage", {**base, **failed})
    await recorder.flush()
    usage = await rows(
        "SELECT total_tokens, success, error_message FROM api_usage WHERE model = %(m)s ORDER BY success", m=model
    )
    assert usage[0][:2] == (5, 0) and "sk-abcdefghijklmnop123456" not in usage[0][2]
    assert usage[1][:2] == (120, 1)
    errors = await rows("SELECT source, error_type FROM error_analytics WHERE name = %(m)s", m=model)
    assert errors == [("llm", "RateLimitError")]
    async with Client(mcp) as client:
        out = (await client.call_tool("ch_api_usage", {"model": model})).structured_content
    assert out["models"][0]["requests"] == 2 and out["models"][0]["total_tokens"] == 125


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_clickhouse_down_loses_no_call_results_and_counts_the_drops() -> None:
    await clickhouse.reset()
    recorder.reset_stats()
    calls = 25
    url = f"clickhouse://tfo:TopSecret-pw@127.0.0.1:{_closed_port()}/default"
    with clickhouse_settings(url, TELEMETRYFLOW_MCP_CLICKHOUSE_CONNECT_TIMEOUT="1"):
        started = time.monotonic()
        async with Client(mcp) as client:
            results = await asyncio.gather(*(client.call_tool("echo", {"message": str(i)}) for i in range(calls)))
            assert len(results) == calls and all(not r.is_error for r in results)
            elapsed_calls = time.monotonic() - started
            await recorder.flush()
            stats = recorder.stats()
        await clickhouse.reset()
    assert elapsed_calls < 5
    assert stats["tables"]["tool_calls"] == {"written": 0, "dropped": calls}
    assert stats["written"] == 0 and stats["queued"] == 0
    assert "unavailable" in stats["last_error"] and "TopSecret-pw" not in stats["last_error"]
    recorder.reset_stats()


async def test_queue_is_bounded_and_overflow_is_counted(chdb_dir: Path) -> None:
    await clickhouse.reset()
    recorder.reset_stats()
    with clickhouse_settings(f"chdb://{chdb_dir}", TELEMETRYFLOW_MCP_CLICKHOUSE_ANALYTICS_QUEUE_SIZE="10"):
        for i in range(25):
            recorder.record("tool_calls", {"tool_name": "bounded", "session_id": str(i)})
        stats = recorder.stats()
        assert stats["queued"] == 10 and stats["dropped"] == 15
        recorder.reset_stats()


async def test_disabled_recording_queues_nothing(chdb_dir: Path) -> None:
    recorder.reset_stats()
    with clickhouse_settings(f"chdb://{chdb_dir}", TELEMETRYFLOW_MCP_CLICKHOUSE_ANALYTICS_ENABLED="false"):
        recorder.record("tool_calls", {"tool_name": "x"})
        recorder.record_tool_call("k", "x", {}, None, None, 0.1)
        assert recorder.stats()["queued"] == 0 and recorder.stats()["enabled"] is False


@pytest.mark.usefixtures("chdb_store")
async def test_record_never_raises_on_bad_input() -> None:
    recorder.record("no_such_table", {"a": 1})
    recorder.record("tool_calls", {"duration_ms": "not a number", "tool_name": "bad"})
    recorder.record("tool_calls", {"timestamp": object()})
    recorder.record("tool_calls", {"tool_name": "good", "success": True, "input_size": -5})
    await recorder.flush()
    stats = recorder.stats()
    assert stats["tables"]["tool_calls"]["dropped"] == 2 and stats["tables"]["tool_calls"]["written"] == 1
    assert await rows("SELECT input_size FROM tool_calls WHERE tool_name = 'good' AND server_id = %(sid)s",
                      sid=server_id()) == [(0,)]  # fmt: skip


@pytest.mark.usefixtures("chdb_store")
async def test_health_shows_the_recording_counters() -> None:
    async with Client(mcp) as client:
        await client.call_tool("echo", {"message": "x"})
        body = json.loads((await client.read_resource("status://health"))[0].text)
    assert body["analytics"]["enabled"] is True and body["analytics"]["running"] is True
    assert {"queued", "written", "dropped", "last_error", "tables"} <= set(body["analytics"])


@pytest.mark.usefixtures("chdb_store")
async def test_recorder_columns_are_the_migrated_tables() -> None:
    """The recorder's column table (the INSERT of every flush) and the DDL of sql/clickhouse/server/ agree."""
    found = await rows(
        "SELECT table, name, type FROM system.columns WHERE database = currentDatabase() AND table IN %(tables)s "
        "ORDER BY table, position",
        tables=tuple(recorder.TABLES),
    )
    migrated: dict[str, dict[str, str]] = {}
    for table, name, kind in found:
        migrated.setdefault(table, {})[name] = kind.replace("LowCardinality(", "")
    assert {table: list(columns) for table, columns in migrated.items()} == {
        table: list(columns) for table, columns in recorder.TABLES.items()
    }
    for table, columns in recorder.TABLES.items():
        kinds = migrated[table]
        assert {c for c in columns if c in recorder.UNSIGNED} == {c for c, k in kinds.items() if k.startswith("UInt")}
        nullable = {c for c, k in kinds.items() if k.startswith("Nullable(")}
        assert {c for c, default in columns.items() if default is None} == nullable, table
        times = {c for c, k in kinds.items() if "DateTime" in k}
        assert {c for c in columns if columns[c] is recorder._NOW} == times - nullable, table
        assert {c for c in nullable if "DateTime" in kinds[c]} == recorder.NULLABLE_TIMES & set(columns), table
        for column, default in columns.items():
            kind = kinds[column].removeprefix("Nullable(")
            if isinstance(default, float):
                assert kind.startswith("Float"), (table, column)
            elif isinstance(default, int):
                assert kind.startswith(("UInt", "Int")), (table, column)
            elif isinstance(default, str):
                assert kind.startswith("String"), (table, column)
