"""The architecture holds: imports run downwards with no circle, servers are independent, settings take effect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from fastmcp import Client
from mcp.shared.exceptions import MCPError

from tfo_mcp.app import CAPABILITIES, build_server
from tfo_mcp.config import load_settings
from tfo_mcp.middleware import TOOL_NOT_FOUND

REPO = Path(__file__).resolve().parents[1]

#: settings that list every tool (the default profile lists the context and sql toolsets)
EVERY_TOOLSET = {"TELEMETRYFLOW_MCP_MCP__TOOLSETS": "all"}


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every strongly connected group of two or more modules (an import circle), Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_circle_in_the_package() -> None:
    graph = grimp.build_graph("tfo_mcp", exclude_type_checking_imports=True)
    assert _cycles(graph) == []
    edges = sum(len(graph.find_modules_directly_imported_by(m)) for m in graph.modules)
    print(f"\nimport graph: {len(graph.modules)} modules, {edges} edges, 0 circles")


def test_layers_contract_holds() -> None:
    """The import-linter contract in pyproject.toml: entry points > server > tools > domain > stores > base."""
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Contracts: 1 kept, 0 broken" in result.stdout


def test_nothing_below_the_tools_imports_the_server() -> None:
    graph = grimp.build_graph("tfo_mcp", exclude_type_checking_imports=True)
    above = {f"tfo_mcp.{name}" for name in ("app", "server", "startup", "launch", "cli", "transport")}
    above |= {m for m in graph.modules if m == "tfo_mcp.tools" or m.startswith("tfo_mcp.tools.")}
    below = graph.modules - above - {"tfo_mcp", "tfo_mcp.__main__", "tfo_mcp.http_guard"}
    offenders = {m: sorted(graph.find_modules_directly_imported_by(m) & above) for m in below}
    assert {module: names for module, names in offenders.items() if names} == {}


async def test_two_servers_are_independent() -> None:
    quiet = load_settings(environ={**EVERY_TOOLSET, "TELEMETRYFLOW_MCP_MCP__ENABLE_PROMPTS": "false"}).settings
    first, second = build_server(quiet), build_server(load_settings(environ=EVERY_TOOLSET).settings)
    assert first is not second
    async with Client(first) as one, Client(second) as two:
        assert (await one.call_tool("echo", {"message": "a"})).structured_content == {"message": "a"}
        assert (await two.call_tool("echo", {"message": "b"})).structured_content == {"message": "b"}
        assert await one.list_prompts() == []
        assert {p.name for p in await two.list_prompts()} >= {"code_review", "analyze_context"}
        assert [t.name for t in await one.list_tools()] == [t.name for t in await two.list_tools()]


async def test_switching_off_a_component_kind_hides_it() -> None:
    environ = {"TELEMETRYFLOW_MCP_MCP__ENABLE_TOOLS": "false", "TELEMETRYFLOW_MCP_MCP__ENABLE_RESOURCES": "false"}
    async with Client(build_server(load_settings(environ=environ).settings)) as client:
        assert await client.list_tools() == []
        assert await client.list_resources() == []
        assert await client.list_resource_templates() == []
        assert await client.list_prompts() != []
        with pytest.raises(MCPError) as refused:
            await client.call_tool("echo", {"message": "x"})
        assert refused.value.error.code == TOOL_NOT_FOUND


async def test_the_server_serves_exactly_what_each_capability_builds_alone() -> None:
    settings = load_settings(environ=EVERY_TOOLSET).settings
    built = {capability.name: capability.provider(settings) for capability in CAPABILITIES}
    tools = {name: {t.name for t in await provider.list_tools()} for name, provider in built.items()}
    resources = {str(r.uri) for provider in built.values() for r in await provider.list_resources()}
    prompts = {p.name for provider in built.values() for p in await provider.list_prompts()}
    assert tools["system"] == {"echo", "system_info"}
    assert "execute_command" in tools["commands"] and "collect_context" in tools["context"]
    async with Client(build_server(settings)) as client:
        served = [t.name for t in await client.list_tools()]
        assert sorted(served) == sorted(name for group in tools.values() for name in group)
        assert {str(r.uri) for r in await client.list_resources()} == resources
        assert {p.name for p in await client.list_prompts()} == prompts


def test_capabilities_stop_in_reverse_so_analytics_flushes_before_clickhouse_closes() -> None:
    names = [c.name for c in CAPABILITIES]
    assert names.index("clickhouse") < names.index("analytics")


def test_documented_inspector_spec_loads_every_tool(tmp_path: Path) -> None:
    """`fastmcp dev inspector tfo_mcp/server.py:mcp` loads the file as its own module: it must see every tool."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEMETRYFLOW_MCP_")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), **EVERY_TOOLSET)
    fastmcp = Path(sys.executable).with_name("fastmcp")
    result = subprocess.run(
        [str(fastmcp), "inspect", "tfo_mcp/server.py:mcp", "--format", "mcp", "--skip-env"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert len(report["tools"]) == 24
    assert {"collect_context", "ch_query", "pg_query", "execute_command"} <= {t["name"] for t in report["tools"]}
