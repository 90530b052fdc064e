"""The server's own tables: versioned migrations, session history, LLM conversations."""

from __future__ import annotations

import asyncio
import time
import uuid

import mcp.types as mt
import pytest
from fastmcp import Client
from mcp.shared.exceptions import MCPError

from tests.support.fixtures_postgres import PgDatabase
from tests.support.pg_server import TcpProxy, free_port
from tfo_mcp import server
from tfo_mcp.stores import postgres

pytestmark = pytest.mark.postgres

SERVER_MIGRATIONS = ["server/001_sessions", "server/002_conversations"]
OWN_TABLES = ("messages", "conversations", "sessions", "schema_migrations")


async def _tables(pg: PgDatabase) -> set[str]:
    conn = await pg.admin()
    async with conn:
        rows = await (
            await conn.execute("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
        ).fetchall()
    return {r[0] for r in rows}


async def _drop_own_tables(pg: PgDatabase) -> None:
    await pg.setup("DROP TABLE IF EXISTS " + ", ".join(OWN_TABLES))


def _legacy_client(name: str = "pytest-client", version: str = "9.9") -> Client:
    """A client that performs the `initialize` handshake (sessions are recorded from it)."""
    return Client(server.mcp, mode="legacy", client_info=mt.Implementation(name=name, version=version))


async def test_migrations_apply_once_even_when_servers_race(pg: PgDatabase) -> None:
    await _drop_own_tables(pg)
    first, second = await asyncio.gather(postgres.migrate(), postgres.migrate())
    assert sorted([first, second], key=len) == [[], SERVER_MIGRATIONS]
    assert await postgres.migrate("server") == []
    assert set(OWN_TABLES) <= await _tables(pg)
    conn = await pg.admin()
    async with conn:
        rows = await (
            await conn.execute("SELECT kind, version, name FROM schema_migrations ORDER BY version")
        ).fetchall()
    assert rows == [("server", 1, "001_sessions"), ("server", 2, "002_conversations")]


async def test_migration_kinds_are_validated(pg: PgDatabase) -> None:
    for kind in ("../server", "Server", "nonexistent"):
        with pytest.raises(ValueError, match="kind"):
            await postgres.migrate(kind)


async def test_auto_migrate_runs_in_the_background_at_start(pg: PgDatabase) -> None:
    await _drop_own_tables(pg)
    await pg.configure(auto_migrate=True)
    async with Client(server.mcp) as client:
        await client.list_tools()
        await postgres.wait_started()
        assert set(OWN_TABLES) <= await _tables(pg)
    assert await pg.scalar("SELECT count(*) FROM schema_migrations") == 2


async def test_auto_migrate_waits_for_postgres_to_come_back(pg: PgDatabase) -> None:
    await _drop_own_tables(pg)
    host, port = pg.app_url.rsplit("@", 1)[1].split("/", 1)[0].rsplit(":", 1)
    proxy = TcpProxy(host, int(port))  # not started: PostgreSQL is "down" at start-up
    await pg.configure(url=pg.app_url.replace(f"{host}:{port}", f"127.0.0.1:{proxy.port}"), auto_migrate=True)
    try:
        async with Client(server.mcp) as client:
            await postgres.wait_started()
            result = await client.call_tool("pg_query", {"query": "SELECT 1"}, raise_on_error=False)
            assert result.is_error and "unreachable" in result.content[0].text
            assert not set(OWN_TABLES) & await _tables(pg)
            await proxy.start()
            deadline = time.monotonic() + 10
            while (await client.call_tool("pg_query", {"query": "SELECT 1"}, raise_on_error=False)).is_error:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.2)
            await postgres.wait_started()
            assert set(OWN_TABLES) <= await _tables(pg)
    finally:
        await proxy.stop()


async def test_sessions_are_recorded_in_postgres(pg: PgDatabase) -> None:
    await postgres.migrate()
    async with _legacy_client("recorder", "1.2.3") as client:
        await client.call_tool("echo", {"message": "a"})
        await client.call_tool("pg_query", {"query": "SELECT 1/0"}, raise_on_error=False)
        await client.call_tool("echo", {"message": "b"})
    await postgres.flush_sessions()
    conn = await pg.admin()
    async with conn:
        cur = await conn.execute(
            "SELECT state, client_name, client_version, protocol_version, tool_calls, errors, server_name,"
            " initialized_at IS NOT NULL, closed_at IS NOT NULL, duration_seconds FROM sessions"
            " WHERE client_name = 'recorder'"
        )
        rows = await cur.fetchall()
    assert len(rows) == 1
    state, name, version, protocol, calls, errors, server_name, initialized, closed, duration = rows[0]
    assert (state, name, version, calls, errors, server_name) == (
        "closed",
        "recorder",
        "1.2.3",
        3,
        1,
        "TelemetryFlow-MCP",
    )
    assert protocol and initialized and closed and duration is not None and duration >= 0


async def test_pg_sessions_lists_history_from_postgres(pg: PgDatabase) -> None:
    await postgres.migrate()
    for i in range(3):
        async with _legacy_client(f"lister-{i}") as client:
            await client.call_tool("echo", {"message": str(i)})
    async with _legacy_client("asker") as client:
        data = (await client.call_tool("pg_sessions", {"limit": 50})).structured_content
        assert data is not None and data["source"] == "postgres"
        names = [s["client_name"] for s in data["sessions"]]
        assert names[:4] == ["asker", "lister-2", "lister-1", "lister-0"]  # newest first, own session included
        assert data["sessions"][0]["state"] == "ready" and data["sessions"][1]["state"] == "closed"
        closed = (await client.call_tool("pg_sessions", {"state": "closed", "limit": 2})).structured_content
        assert closed is not None and closed["count"] == 2
        assert all(s["state"] == "closed" for s in closed["sessions"])
        with pytest.raises(MCPError) as raised:
            await client.call_tool_mcp("pg_sessions", {"state": "exploded"})
        assert raised.value.error.code == -32602 and "state" in raised.value.error.message
        with pytest.raises(MCPError):
            await client.call_tool_mcp("pg_sessions", {"limit": 0})


async def test_sessions_stay_in_memory_without_postgres(pg: PgDatabase) -> None:
    await pg.configure(url="")
    async with _legacy_client("memory-only") as client:
        data = (await client.call_tool("pg_sessions", {"limit": 5})).structured_content
    assert data is not None and data["source"] == "memory"
    assert data["sessions"][0]["client_name"] == "memory-only" and data["sessions"][0]["state"] == "ready"


async def test_recording_never_slows_calls_when_postgres_is_down(pg: PgDatabase) -> None:
    port = free_port()
    await pg.configure(url=pg.app_url.replace(pg.app_url.rsplit("@", 1)[1].split("/")[0], f"127.0.0.1:{port}"))
    async with _legacy_client("while-down") as client:
        started = time.monotonic()
        for i in range(5):
            await client.call_tool("echo", {"message": str(i)})
        assert time.monotonic() - started < 10  # waiting for PostgreSQL would cost 5 x connect_timeout (25 s)
        data = (await client.call_tool("pg_sessions", {})).structured_content
    assert data is not None and data["source"] == "memory" and "could not be read" in data["note"]
    assert data["sessions"][0]["client_name"] == "while-down"


async def test_conversations_round_trip(pg: PgDatabase) -> None:
    await postgres.migrate()
    conversation = str(uuid.uuid4())
    assert await postgres.load_conversation(conversation) is None
    await postgres.save_turn(conversation, "claude-sonnet-4", "anthropic", "be brief", "hi", "hello!", 10, 3)
    await postgres.save_turn(conversation, "claude-sonnet-4", "anthropic", None, "and?", "that's all", 25, 4)
    assert await postgres.load_conversation(conversation) == [
        {"role": "system", "content": "be brief"},  # the saved system prompt; a later None keeps it
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello!"},
        {"role": "user", "content": "and?"},
        {"role": "assistant", "content": "that's all"},
    ]
    conn = await pg.admin()
    async with conn:
        row = await (
            await conn.execute(
                "SELECT message_count, total_input_tokens, total_output_tokens, system_prompt, external_id"
                " FROM conversations WHERE id = %s",
                [conversation],
            )
        ).fetchone()
    assert row == (4, 35, 7, "be brief", conversation)


async def test_conversation_ids_need_not_be_uuids_and_turns_do_not_collide(pg: PgDatabase) -> None:
    await postgres.migrate()
    key = "chat:ops-room/42"
    await asyncio.gather(*(postgres.save_turn(key, "m", "p", None, f"q{i}", f"a{i}", 1, 1) for i in range(6)))
    messages = await postgres.load_conversation(key)
    assert messages is not None and len(messages) == 12
    for user, answer in zip(messages[::2], messages[1::2], strict=True):
        assert user["role"] == "user" and answer["role"] == "assistant"
        assert user["content"][1:] == answer["content"][1:]  # each turn's pair stays together
    assert await postgres.load_conversation("chat:ops-room/43") is None
