"""The server through the in-memory FastMCP client: tool metadata, error codes, resources, prompts."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastmcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import Implementation

from tfo_mcp import logs, sessions, toolsets
from tfo_mcp.app import inline_refs
from tfo_mcp.config import load_settings, set_settings
from tfo_mcp.middleware import PROMPT_NOT_FOUND, RESOURCE_NOT_FOUND, TOOL_NOT_FOUND
from tfo_mcp.server import mcp

BUILTIN_TOOLS = {
    "echo", "read_file", "write_file", "list_directory", "search_files", "execute_command", "system_info",
}  # fmt: skip


@pytest.fixture
def secret_env_settings() -> Iterator[None]:
    loaded = load_settings(
        environ={
            "TELEMETRYFLOW_MCP_POSTGRES__URL": "postgresql://alice:hunter2-pw@127.0.0.1:1/x",
            "TELEMETRYFLOW_MCP_LLM__API_KEY": "sk-ant-api03-secretsecretsecret",
            "TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN": "bearer-token-value",
        }
    )
    set_settings(loaded)
    yield
    set_settings(load_settings(environ={}))


async def test_builtin_tools_are_registered() -> None:
    async with Client(mcp) as client:
        names = {tool.name for tool in await client.list_tools()}
    assert names >= BUILTIN_TOOLS


async def test_every_tool_has_annotations_described_parameters_and_its_catalogued_output_schema() -> None:
    async with Client(mcp) as client:
        tools = await client.list_tools()
    assert tools
    for tool in tools:
        hints = tool.annotations
        assert hints is not None, f"{tool.name} has no annotations"
        for hint in ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"):
            assert getattr(hints, hint) is not None, f"{tool.name} lacks {hint}"
        if toolsets.entry(tool.name).output_schema:
            assert tool.output_schema and tool.output_schema.get("type") == "object", f"{tool.name} lost its schema"
        else:
            assert tool.output_schema is None, f"{tool.name} lists an output schema the catalog leaves out"
        assert tool.description and tool.description.strip(), f"{tool.name} has no description"
        for name, spec in tool.input_schema.get("properties", {}).items():
            assert spec.get("description"), f"{tool.name}.{name} has no description"


async def test_tool_schemas_are_self_contained_for_clients_that_cannot_follow_refs() -> None:
    async with Client(mcp) as client:
        tools = await client.list_tools()
    for tool in tools:
        text = json.dumps([tool.input_schema, tool.output_schema])
        assert "$ref" not in text and "$defs" not in text, tool.name
    columns = {tool.name: tool for tool in tools}["pg_query"].output_schema["properties"]["columns"]
    assert columns["description"] == "Result columns in order"  # a keyword beside the $ref survives
    assert set(columns["items"]["properties"]) >= {"name", "type"}


def test_inline_refs_keeps_siblings_nested_definitions_and_leaves_cycles_alone() -> None:
    schema = {
        "$defs": {
            "Leaf": {"type": "integer"},
            "Pair": {"type": "object", "properties": {"a": {"$ref": "#/$defs/Leaf"}}},
        },
        "properties": {"pair": {"$ref": "#/$defs/Pair", "description": "two"}},
    }
    assert inline_refs(schema) == {
        "properties": {"pair": {"type": "object", "properties": {"a": {"type": "integer"}}, "description": "two"}}
    }
    cyclic = {"$defs": {"Node": {"properties": {"next": {"$ref": "#/$defs/Node"}}}}, "$ref": "#/$defs/Node"}
    assert inline_refs(cyclic) is cyclic


async def test_echo_returns_structured_output() -> None:
    async with Client(mcp) as client:
        result = await client.call_tool("echo", {"message": "héllo {json}"})
    assert result.structured_content == {"message": "héllo {json}"}
    assert not result.is_error


async def test_system_info_reports_host_without_environment() -> None:
    async with Client(mcp) as client:
        result = await client.call_tool("system_info", {})
    info = result.structured_content
    assert info["cpu_count"] >= 1
    assert info["memory_total_bytes"] > 0
    assert info["disks"] and info["disks"][0]["total_bytes"] > 0
    assert info["server_version"]
    text = json.dumps(info)
    assert "PATH" not in text and "HOME" not in text


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda c: c.call_tool("no_such_tool", {}), TOOL_NOT_FOUND),
        (lambda c: c.read_resource("nothing://here"), RESOURCE_NOT_FOUND),
        (lambda c: c.get_prompt("no_such_prompt", {}), PROMPT_NOT_FOUND),
        (lambda c: c.call_tool("echo", {"msg": "wrong name"}), -32602),
        (lambda c: c.call_tool("echo", {"message": {"not": "a string"}}), -32602),
        (lambda c: c.get_prompt("code_review", {}), -32602),
    ],
)
async def test_protocol_errors_use_jsonrpc_codes(call, code: int) -> None:
    async with Client(mcp) as client:
        with pytest.raises(MCPError) as info:
            await call(client)
    assert info.value.error.code == code
    assert "Traceback" not in info.value.error.message


async def test_unexpected_exception_is_masked_without_stack_or_secret() -> None:
    def explode() -> dict:
        """Always fails."""
        raise RuntimeError("connection to postgresql://u:topsecret@h failed")

    tool = mcp.add_tool(explode)
    try:
        async with Client(mcp) as client:
            result = await client.call_tool("explode", {}, raise_on_error=False)
    finally:
        mcp._local_provider.remove_tool(tool.name)
    assert result.is_error
    text = result.content[0].text
    assert "topsecret" not in text and "Traceback" not in text
    assert "explode" in text


async def test_config_resource_is_redacted(secret_env_settings: None) -> None:
    async with Client(mcp) as client:
        contents = await client.read_resource("config://server")
    text = contents[0].text
    body = json.loads(text)
    assert body["settings"]["postgres"]["url"] == "postgresql://alice:***@127.0.0.1:1/x"
    assert body["sources"]["postgres.url"] == "env:TELEMETRYFLOW_MCP_POSTGRES__URL"
    for secret in ("hunter2-pw", "secretsecretsecret", "bearer-token-value"):
        assert secret not in text


async def test_health_resource_reports_version_uptime_and_components(secret_env_settings: None) -> None:
    async with Client(mcp) as client:
        contents = await client.read_resource("status://health")
    text = contents[0].text
    body = json.loads(text)
    assert body["version"]
    assert body["uptime_seconds"] >= 0
    assert isinstance(body["components"], list)
    assert "hunter2-pw" not in text and "secretsecretsecret" not in text


async def test_resource_templates_are_listed() -> None:
    async with Client(mcp) as client:
        templates = await client.list_resource_templates()
        resources = await client.list_resources()
    assert any(t.uri_template.startswith("file:///") for t in templates)
    uris = {str(r.uri) for r in resources}
    assert {"config://server", "status://health"} <= uris


async def test_prompts_render_from_prompt_files() -> None:
    async with Client(mcp) as client:
        prompts = {p.name for p in await client.list_prompts()}
        review = await client.get_prompt("code_review", {"code": "x = {1: 2}", "language": "python", "focus": "style"})
        explain = await client.get_prompt("explain_code", {"code": "print(1)"})
        debug = await client.get_prompt("debug_help", {"error": "KeyError: 'a'", "code": "d['a']"})
    assert {"code_review", "explain_code", "debug_help"} <= prompts
    review_text = review.messages[0].content.text
    assert "x = {1: 2}" in review_text and "style" in review_text and "```python" in review_text
    assert "intermediate" in explain.messages[0].content.text
    debug_text = debug.messages[0].content.text
    assert "KeyError: 'a'" in debug_text and "d['a']" in debug_text


async def test_set_logging_level_changes_server_log_level() -> None:
    logs.setup_logging()
    try:
        async with Client(mcp, mode="legacy") as client:
            await client.set_logging_level("error")
            assert logs.current_level() == "ERROR"
            await client.set_logging_level("debug")
            assert logs.current_level() == "DEBUG"
    finally:
        logs.set_level("INFO")


async def test_handshake_sessions_are_tracked_through_their_life_cycle() -> None:
    async with Client(mcp, mode="legacy", client_info=Implementation(name="pytest-client", version="9.9")) as client:
        mine = [s for s in sessions.list_sessions() if s.client_name == "pytest-client" and s.state == "ready"]
        assert len(mine) == 1
        await client.call_tool("echo", {"message": "one"})
        await client.call_tool("echo", {"message": "two"})
        assert mine[0].tool_calls == 2 and mine[0].client_version == "9.9"
    assert mine[0].state == "closed"
    assert mine[0].closed_at is not None


def test_secrets_are_scrubbed_from_log_text() -> None:
    text = logs.scrub_secrets("dsn=postgresql://bob:pa55@db/x api_key=sk-abcdef1234567890abcd Bearer abc.def")
    assert "pa55" not in text and "sk-abcdef1234567890abcd" not in text and "abc.def" not in text
    assert "postgresql://bob:***@db/x" in text
