"""Two real HTTP server processes behind one round-robin port, sharing Redis, PostgreSQL and one ClickHouse server
(Debian's clickhouse-server, native protocol): the stateless 2026-07-28 protocol works through any replica, and a
handshake-era session is held by the replica that created it (a balancer routes it there by its Mcp-Session-Id)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import httpx2
import pytest
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport

from tests.support.balancer import RoundRobinBalancer
from tests.support.fixtures_demo import DemoDataset
from tests.support.mcp_process import PROTOCOL, HttpServer, free_port

TOKEN = "replica-token-" + secrets.token_hex(8)
RUN = secrets.token_hex(4)  # this run's replica names, so rows of an earlier run never count
CALLS = 8


@pytest.fixture(scope="module")
def fleet(
    tmp_path_factory: pytest.TempPathFactory, demo_dataset: DemoDataset, native_demo: str
) -> Iterator[tuple[RoundRobinBalancer, list]]:
    """replica-0 and replica-1 behind one balancer port that gives each new connection to the next replica."""
    front = free_port()
    servers = []
    try:
        for index in range(2):
            home = tmp_path_factory.mktemp(f"replica{index}")
            env = {
                "TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN": TOKEN,
                # the name clients reach the fleet by: the balancer's address, not the replica's own port
                "TELEMETRYFLOW_MCP_SERVER__ALLOWED_HOSTS": f"127.0.0.1:{front}",
                "TELEMETRYFLOW_MCP_CLICKHOUSE_URL": native_demo,
                "TELEMETRYFLOW_MCP_CLICKHOUSE__SERVER_ID": f"replica-{index}-{RUN}",
                "TELEMETRYFLOW_MCP_POSTGRES_URL": demo_dataset.postgres_url,
                "TELEMETRYFLOW_MCP_REDIS_URL": "redis://127.0.0.1:6379/0",
            }
            servers.append(HttpServer(home, env=env))
        for server in servers:
            server.wait_ready()
        balancer = RoundRobinBalancer([server.port for server in servers], port=front)
        try:
            yield balancer, servers
        finally:
            balancer.close()
    finally:
        for server in servers:
            server.stop()


def _one_connection_per_request(**kwargs: object) -> httpx2.AsyncClient:
    """No keep-alive: every request opens a new connection, so the balancer spreads them over the replicas."""
    return httpx2.AsyncClient(**kwargs, limits=httpx2.Limits(max_keepalive_connections=0))  # type: ignore[arg-type]


async def test_the_stateless_protocol_works_through_any_replica(fleet: tuple[RoundRobinBalancer, list]) -> None:
    balancer, _ = fleet
    transport = StreamableHttpTransport(balancer.url, auth=TOKEN, httpx_client_factory=_one_connection_per_request)
    answered_by = []
    async with Client(transport) as client:
        assert client.protocol_version == "2026-07-28"
        for _ in range(CALLS):
            info = await client.call_tool("system_info", {})
            answered_by.append(info.structured_content["server_id"])
        echo = await client.call_tool("echo", {"message": "any replica"})
        assert echo.structured_content == {"message": "any replica"}
        assert "echo" in {tool.name for tool in await client.list_tools()}
    assert set(answered_by) == {f"replica-0-{RUN}", f"replica-1-{RUN}"}, answered_by


def _initialize(port: int) -> dict[str, str]:
    """A handshake-era (2025-06-18) session on the replica at ``port``: the headers its later requests carry."""
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json",
               "Authorization": f"Bearer {TOKEN}"}  # fmt: skip
    hello = {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
    body = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": hello}
    response = httpx.post(f"http://127.0.0.1:{port}/mcp", json=body, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    headers |= {"Mcp-Session-Id": response.headers["mcp-session-id"], "Mcp-Protocol-Version": PROTOCOL}
    done = httpx.post(f"http://127.0.0.1:{port}/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"},
                      headers=headers, timeout=60)  # fmt: skip
    assert done.status_code in (200, 202), done.text
    return headers


def _echo(port: int, headers: dict[str, str]) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "echo", "arguments": {"message": "sticky"}}}  # fmt: skip
    return httpx.post(f"http://127.0.0.1:{port}/mcp", json=body, headers=headers, timeout=60)


def test_a_handshake_session_is_served_by_the_replica_that_holds_it(fleet: tuple[RoundRobinBalancer, list]) -> None:
    _, (holder, other) = fleet
    headers = _initialize(holder.port)
    own = _echo(holder.port, headers)
    assert own.status_code == 200 and '"sticky"' in own.text
    elsewhere = _echo(other.port, headers)
    # the other replica does not know the session: a clear 404 the client answers by starting a new session
    assert elsewhere.status_code == 404, elsewhere.text
    assert TOKEN not in elsewhere.text
