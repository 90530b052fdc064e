"""PostgreSQL unconfigured, down, coming back: the server keeps working, errors name the setting, no password leaks."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client
from loguru import logger

from tests.support.fixtures_postgres import PgDatabase
from tests.support.mcp_process import result_text
from tests.support.pg_server import TcpProxy, free_port
from tfo_mcp import server
from tfo_mcp.errors import StoreUnavailable
from tfo_mcp.stores import postgres

pytestmark = pytest.mark.postgres

SECRET = "Sup3r-Secret-pw-4711"


@pytest.fixture
def captured_logs(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """Everything logged meanwhile, through loguru and through stdlib logging (psycopg's pool)."""
    lines: list[str] = []
    handler = logger.add(lambda message: lines.append(str(message)), level="TRACE")
    caplog.set_level(logging.DEBUG)
    try:
        yield lines
    finally:
        logger.remove(handler)
        lines.extend(record.getMessage() for record in caplog.records)


async def _pg_query(client: Client, query: str = "SELECT 1") -> tuple[bool, str]:
    result = await client.call_tool("pg_query", {"query": query}, raise_on_error=False)
    return result.is_error, result_text(result)


async def _health(client: Client) -> dict[str, dict[str, Any]]:
    body = json.loads((await client.read_resource("status://health"))[0].text)
    return {c["name"]: c for c in body["components"] if c["name"].startswith("postgres")}


def _url_with(url: str, *, port: int | None = None, password: str | None = None) -> str:
    scheme, rest = url.split("://", 1)
    userinfo, hostpart = rest.rsplit("@", 1)
    user = userinfo.split(":", 1)[0]
    host_port, path = hostpart.split("/", 1)
    host, old_port = host_port.rsplit(":", 1)
    return f"{scheme}://{user}:{password or userinfo.split(':', 1)[1]}@{host}:{port or old_port}/{path}"


async def test_unconfigured_store_names_the_setting(pg: PgDatabase) -> None:
    await pg.configure(url="")
    assert postgres.is_configured() is False
    async with Client(server.mcp) as client:
        for tool, args in (
            ("pg_query", {"query": "SELECT 1"}),
            ("pg_list_tables", {}),
            ("pg_describe_table", {"table": "x"}),
        ):
            result = await client.call_tool(tool, args, raise_on_error=False)
            assert result.is_error
            assert "PostgreSQL is not configured: set TELEMETRYFLOW_MCP_POSTGRES_URL" in result.content[0].text
        health = await _health(client)
        assert (
            health["postgres"]["configured"] is False
            and "TELEMETRYFLOW_MCP_POSTGRES_URL" in health["postgres"]["detail"]
        )
        sessions = (await client.call_tool("pg_sessions", {})).structured_content
        assert sessions is not None and sessions["source"] == "memory"
    with pytest.raises(StoreUnavailable, match="TELEMETRYFLOW_MCP_POSTGRES_URL"):
        await postgres.load_conversation("c-1")


async def test_down_store_fails_fast_with_the_setting_and_no_password(pg: PgDatabase, captured_logs: list[str]) -> None:
    down_url = _url_with(pg.app_url, port=free_port(), password=SECRET)
    await pg.configure(url=down_url, connect_timeout=2)
    started = time.monotonic()
    async with Client(server.mcp) as client:
        await client.list_tools()
        assert time.monotonic() - started < 2.5  # start-up never waits for PostgreSQL
        await postgres.wait_started()
        started = time.monotonic()
        is_error, text = await _pg_query(client)
        assert time.monotonic() - started < 3
        assert is_error and "PostgreSQL is unreachable (TELEMETRYFLOW_MCP_POSTGRES_URL=postgresql://" in text
        assert ":***@127.0.0.1:" in text and "refused" in text.lower()
        health = await _health(client)
        assert health["postgres"]["configured"] is True and health["postgres"]["reachable"] is False
        config_text = (await client.read_resource("config://server"))[0].text
        echoed = await client.call_tool("echo", {"message": "still serving"})
        assert echoed.structured_content == {"message": "still serving"}
    for blob in (text, json.dumps(health), config_text, "\n".join(captured_logs)):
        assert SECRET not in blob
    assert "***" in config_text


async def test_wrong_password_is_reported_without_it(pg: PgDatabase, captured_logs: list[str]) -> None:
    await pg.configure(url=_url_with(pg.app_url, password=SECRET))
    async with Client(server.mcp) as client:
        is_error, text = await _pg_query(client)
        health = await _health(client)
    assert is_error and "password authentication failed" in text and "TELEMETRYFLOW_MCP_POSTGRES_URL" in text
    assert health["postgres"]["reachable"] is False
    for blob in (text, json.dumps(health), "\n".join(captured_logs)):
        assert SECRET not in blob


async def test_query_url_down_names_its_own_setting(pg: PgDatabase) -> None:
    await pg.configure(query_url=_url_with(pg.reader_url, port=free_port(), password=SECRET))
    async with Client(server.mcp) as client:
        is_error, text = await _pg_query(client)
        health = await _health(client)
    assert is_error and "TELEMETRYFLOW_MCP_POSTGRES_QUERY_URL" in text and SECRET not in text
    assert health["postgres"]["reachable"] is True and health["postgres-query"]["reachable"] is False


async def test_reconnects_when_the_store_comes_back(pg: PgDatabase) -> None:
    host_port = pg.app_url.rsplit("@", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    proxy = await TcpProxy(host, int(port)).start()
    try:
        await pg.configure(url=_url_with(pg.app_url, port=proxy.port), connect_timeout=2)
        async with Client(server.mcp) as client:
            is_error, _ = await _pg_query(client)
            assert not is_error

            await proxy.stop()  # outage: connections cut, port refused
            is_error, text = await _pg_query(client)
            assert is_error and "PostgreSQL is unreachable" in text and "TELEMETRYFLOW_MCP_POSTGRES_URL" in text
            assert (await _health(client))["postgres"]["reachable"] is False

            await proxy.start()  # back, same address: the server reconnects by itself
            deadline = time.monotonic() + 10
            while True:
                is_error, text = await _pg_query(client, "SELECT 'back'")
                if not is_error or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            assert not is_error, text
            assert (await _health(client))["postgres"]["reachable"] is True
    finally:
        await proxy.stop()


async def test_server_side_disconnects_are_retried_transparently(pg: PgDatabase) -> None:
    async with Client(server.mcp) as client:
        assert (await _pg_query(client))[0] is False
        killed = await pg.scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = %s",
            [pg.roles.app],
        )
        assert killed >= 1
        await asyncio.sleep(0.1)
        is_error, text = await _pg_query(client, "SELECT 'still here'")
        assert not is_error, text


async def test_health_reports_version_and_redacted_url(pg: PgDatabase) -> None:
    await pg.configure(query_url=pg.reader_url)
    async with Client(server.mcp) as client:
        health = await _health(client)
    main, query = health["postgres"], health["postgres-query"]
    assert main["reachable"] is True and query["reachable"] is True
    assert main["detail"].startswith("PostgreSQL 1") and f"{pg.roles.app}:***@" in main["detail"]
    assert f"{pg.roles.reader}:***@" in query["detail"] and main["latency_ms"] > 0
    assert "sessions recorded" in main["detail"] and "sessions recorded" not in query["detail"]
    assert pg.roles.app_password not in json.dumps(health) and pg.roles.reader_password not in json.dumps(health)


async def test_internal_helpers(pg: PgDatabase) -> None:
    await pg.setup("CREATE TABLE IF NOT EXISTS helper_t (id int PRIMARY KEY, v text)")
    assert await postgres.execute("INSERT INTO helper_t VALUES (%s, %s), (%s, %s)", [1, "a", 2, "b"]) == 2
    assert await pg.scalar("SELECT count(*) FROM helper_t") == 2  # committed
    rows = await postgres.fetch_all("SELECT id, v FROM helper_t WHERE id > %(min)s ORDER BY id", {"min": 0})
    assert rows == [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}]
    with pytest.raises(postgres.QueryError, match="read-only"):
        await postgres.fetch_all("DELETE FROM helper_t")
    with pytest.raises(postgres.QueryTimeout, match=r"cancelled after 0\.2 s \(statement timeout"):
        await postgres.fetch_all("SELECT pg_sleep(5)", timeout=0.2)
    assert await pg.scalar("SELECT count(*) FROM helper_t") == 2
