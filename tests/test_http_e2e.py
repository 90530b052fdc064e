"""End to end over streamable HTTP: a spawned `tfo-mcp serve --transport http` and the official client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp.client.session import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from tests.support.mcp_process import HttpServer

TOKEN = "test-token-0123456789"


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[HttpServer]:
    (tmp_path / "notes.txt").write_text("hello over http\n", encoding="utf-8")
    server = HttpServer(tmp_path, env={"TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN": TOKEN}).wait_ready()
    try:
        yield server
    finally:
        server.stop()


async def test_official_client_with_bearer_token(http_server: HttpServer) -> None:
    port = http_server.port
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        httpx.AsyncClient(headers=headers, timeout=30) as http,
        streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        init = await session.initialize()
        assert init.server_info.name == "tfo-mcp"
        echo = await session.call_tool("echo", {"message": "over http"})
        assert echo.structured_content == {"message": "over http"}
        health = await session.read_resource("status://health")
        assert json.loads(health.contents[0].text)["status"] in {"ok", "degraded"}
        prompts = await session.list_prompts()
        assert "code_review" in {p.name for p in prompts.prompts}


@pytest.mark.parametrize("auth", [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_missing_or_wrong_token_is_401(http_server: HttpServer, auth: str | None) -> None:
    port = http_server.port
    headers = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
    if auth:
        headers["Authorization"] = auth
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    response = httpx.post(f"http://127.0.0.1:{port}/mcp", json=body, headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert TOKEN not in response.text


async def test_official_sse_client_with_bearer_token(tmp_path: Path) -> None:
    server = HttpServer(tmp_path, env={"TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN": TOKEN}, transport="sse").wait_ready()
    port = server.port
    try:
        headers = {"Authorization": f"bearer {TOKEN}"}  # the scheme is case-insensitive (RFC 7235)
        async with (
            sse_client(f"http://127.0.0.1:{port}/sse", headers=headers, timeout=30) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            echo = await session.call_tool("echo", {"message": "over sse"})
            assert echo.structured_content == {"message": "over sse"}
        refused = httpx.get(f"http://127.0.0.1:{port}/sse", timeout=10)
        assert refused.status_code == 401
    finally:
        server.stop()


def test_liveness_endpoint_is_open_and_reveals_nothing(http_server: HttpServer) -> None:
    port = http_server.port
    response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_malformed_json_over_http_is_a_parse_error(http_server: HttpServer) -> None:
    port = http_server.port
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
    }
    response = httpx.post(f"http://127.0.0.1:{port}/mcp", content=b"{not json", headers=headers, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == -32700


def test_non_loopback_bind_without_token_is_refused(tmp_path: Path) -> None:
    server = HttpServer(tmp_path, "--host", "0.0.0.0")
    assert server.wait_exit() == 2
    assert server.stdout_text == ""
    assert "TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN" in server.stderr_text


def test_loopback_without_token_is_served(tmp_path: Path) -> None:
    server = HttpServer(tmp_path).wait_ready()
    port = server.port
    try:
        params = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
        body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}
        headers = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
        response = httpx.post(f"http://127.0.0.1:{port}/mcp", json=body, headers=headers, timeout=10)
        assert response.status_code == 200
        assert "tfo-mcp" in response.text
    finally:
        code = server.stop()
    assert code == 0
    assert "tfo-mcp stopped" in server.stderr_text
