"""Toolsets: the default profile, the full list and their sizes in tokens, a connection's own choice over real
HTTP, and the refusal of a tool its connection did not select."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastmcp import Client
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from tests.support.mcp_process import HttpServer, server_env
from tfo_mcp import toolsets
from tfo_mcp.app import build_server
from tfo_mcp.config import ConfigError, load_settings
from tfo_mcp.middleware import INVALID_PARAMS, TOOL_NOT_FOUND
from tfo_mcp.tokens import count_tokens

#: the sizes tools/list may take in cl100k tokens (issue: a lean tools/list)
DEFAULT_PROFILE_TOKENS = 5_000
FULL_LIST_TOKENS = 9_000


def _catalogued(selected: tuple[str, ...]) -> list[str]:
    return [item.name for item in toolsets.catalog().values() if item.toolset in selected]


def list_tokens(tools: list) -> int:
    """The tokens of a tools/list result's tools as the wire carries them."""
    return count_tokens(json.dumps([t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in tools]))


async def _listed(environ: dict[str, str]) -> list:
    async with Client(build_server(load_settings(environ=environ).settings)) as client:
        return await client.list_tools()


async def test_the_default_profile_lists_the_context_and_sql_toolsets_within_its_token_budget() -> None:
    tools = await _listed({})
    assert [t.name for t in tools] == _catalogued(toolsets.DEFAULT_PROFILE)
    assert {"investigate", "collect_context", "list_organizations", "ch_query", "pg_query"} <= {t.name for t in tools}
    tokens = list_tokens(tools)
    print(f"\ndefault-profile tools/list: {len(tools)} tools, {tokens} tokens (budget {DEFAULT_PROFILE_TOKENS})")
    assert tokens <= DEFAULT_PROFILE_TOKENS


async def test_the_full_list_holds_every_tool_once_in_catalog_order_within_its_token_budget() -> None:
    tools = await _listed({"TELEMETRYFLOW_MCP_MCP__TOOLSETS": "all"})
    assert [t.name for t in tools] == list(toolsets.catalog())  # every served tool is catalogued, in order
    assert [t.name for t in await _listed({"TELEMETRYFLOW_MCP_MCP__TOOLSETS": "all"})] == [t.name for t in tools]
    tokens = list_tokens(tools)
    schemas = sum(count_tokens(json.dumps(t.output_schema)) for t in tools if t.output_schema)
    print(f"\nfull tools/list: {len(tools)} tools, {tokens} tokens ({schemas} in output schemas)")
    assert tokens <= FULL_LIST_TOKENS


async def test_config_selects_toolsets_and_a_tool_outside_them_is_refused_with_how_to_select_it() -> None:
    environ = {"TELEMETRYFLOW_MCP_MCP__TOOLSETS": "system,files"}
    async with Client(build_server(load_settings(environ=environ).settings)) as client:
        assert [t.name for t in await client.list_tools()] == _catalogued(("files", "system"))
        assert (await client.call_tool("echo", {"message": "hi"})).structured_content == {"message": "hi"}
        with pytest.raises(MCPError) as refused:
            await client.call_tool("ch_query", {"query": "SELECT 1"})
    assert refused.value.error.code == TOOL_NOT_FOUND
    assert "toolset 'sql'" in refused.value.error.message and "toolsets" in refused.value.error.message


def test_an_unknown_toolset_in_the_config_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="unknown toolset 'metricz'"):
        load_settings(environ={"TELEMETRYFLOW_MCP_MCP__TOOLSETS": "context,metricz"})


@pytest.fixture
def toolsets_server(tmp_path: Path) -> Iterator[int]:
    """A real HTTP server on the default profile that lets a connection select context, sql, files or system."""
    server = HttpServer(
        tmp_path,
        env={
            "TELEMETRYFLOW_MCP_MCP__TOOLSETS": "default",
            "TELEMETRYFLOW_MCP_MCP__ALLOWED_TOOLSETS": "context,sql,files,system",
        },
    ).wait_ready()
    try:
        yield server.port
    finally:
        server.stop()


@asynccontextmanager
async def _session(url: str, headers: dict[str, str] | None = None) -> AsyncIterator[ClientSession]:
    async with (
        httpx.AsyncClient(headers=headers or {}, timeout=60) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


async def test_an_http_connection_chooses_its_toolsets_by_query_parameter_or_header(toolsets_server: int) -> None:
    base = f"http://127.0.0.1:{toolsets_server}/mcp"
    async with _session(base) as plain:
        assert [t.name for t in (await plain.list_tools()).tools] == _catalogued(toolsets.DEFAULT_PROFILE)
    async with _session(f"{base}?toolsets=files,system") as chosen:
        assert [t.name for t in (await chosen.list_tools()).tools] == _catalogued(("files", "system"))
        echoed = await chosen.call_tool("echo", {"message": "chosen"})
        assert echoed.structured_content == {"message": "chosen"}
        with pytest.raises(MCPError) as refused:
            await chosen.call_tool("investigate", {"organization_id": "x"})
        assert refused.value.error.code == TOOL_NOT_FOUND and "toolset 'context'" in refused.value.error.message
    async with _session(base, {"X-MCP-Toolsets": "system"}) as by_header:
        assert [t.name for t in (await by_header.list_tools()).tools] == _catalogued(("system",))


async def test_a_connection_cannot_select_a_toolset_the_server_does_not_offer(toolsets_server: int) -> None:
    base = f"http://127.0.0.1:{toolsets_server}/mcp"
    for asked, said in (("commands", "not offered here"), ("all", "not offered here"), ("nope", "unknown toolset")):
        async with _session(f"{base}?toolsets={asked}") as session:
            with pytest.raises(MCPError) as refused:
                await session.list_tools()
            assert refused.value.error.code == INVALID_PARAMS and said in refused.value.error.message
            with pytest.raises(MCPError) as called:
                await session.call_tool("execute_command", {"command": "id"})
            assert called.value.error.code == INVALID_PARAMS and said in called.value.error.message


def test_the_cli_lists_the_configured_toolsets(tmp_path: Path) -> None:
    def listed(*extra: str) -> list[dict]:
        done = subprocess.run(
            [sys.executable, "-m", "tfo_mcp", "tools", "--json", *extra], capture_output=True, text=True,
            timeout=120, cwd=tmp_path, env={**server_env(), "HOME": str(tmp_path)},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout)

    default = listed("--toolsets", "default")
    assert [row["name"] for row in default] == _catalogued(toolsets.DEFAULT_PROFILE)
    assert {row["toolset"] for row in default} == set(toolsets.DEFAULT_PROFILE)
    assert [row["name"] for row in listed()] == list(toolsets.catalog())  # server_env lists every toolset
