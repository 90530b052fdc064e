"""End to end over stdio: a spawned `tfo-mcp` driven by raw JSON-RPC and by the official MCP client."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.support.mcp_process import StdioServer, server_env

#: Arguments that make each tool do real work (good) and that make it fail (bad).
GOOD_ARGS: dict[str, dict] = {
    "echo": {"message": "hello"},
    "system_info": {},
    "read_file": {"path": "notes.txt"},
    "write_file": {"path": "out/new.txt", "content": "written", "create_dirs": True},
    "list_directory": {"path": ".", "recursive": True},
    "search_files": {"path": ".", "pattern": "*.txt", "content": "hello"},
    "execute_command": {"command": "ls", "args": ["-la"]},
    "pg_query": {"query": "SELECT 1"},
    "pg_list_tables": {},
    "pg_sessions": {},
    "ch_query": {"query": "SELECT 1"},
    "ch_tool_analytics": {},
    "claude_conversation": {"message": "hi", "model": "gpt-5"},
    "list_context_types": {},
    "investigate": {"organization_id": "org-stdio", "service": "checkout"},
}
BAD_ARGS: dict[str, dict] = {
    "read_file": {"path": "../../etc/passwd"},
    "write_file": {"path": "/etc/evil", "content": "x"},
    "list_directory": {"path": "/"},
    "search_files": {"path": "/", "pattern": "*"},
    "execute_command": {"command": "bash", "args": ["-c", "echo pwned; printf 'STRAY' >&1"]},
    "pg_query": {"query": "DROP TABLE users"},
    "ch_query": {"query": "SYSTEM SHUTDOWN"},
    "investigate": {"organization_id": "org-stdio", "baseline": "tomorrow"},
}


def assert_only_jsonrpc(lines: list[str]) -> None:
    assert lines, "the server wrote nothing to stdout"
    for line in lines:
        message = json.loads(line)  # every stdout line is one JSON document
        assert isinstance(message, dict) and message.get("jsonrpc") == "2.0", line
        assert {"result", "error", "method"} & message.keys(), line


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "notes.txt").write_text("hello from the sandbox\n", encoding="utf-8")
    return tmp_path


def test_session_exercising_every_tool_leaves_only_jsonrpc_on_stdout(workdir: Path) -> None:
    server = StdioServer(workdir, env={"TELEMETRYFLOW_MCP_LOG__LEVEL": "DEBUG"})
    try:
        init = server.initialize()
        assert init["result"]["serverInfo"]["name"] == "tfo-mcp"
        assert server.request("ping") == {"jsonrpc": "2.0", "id": server._next_id, "result": {}}
        tools = server.request("tools/list")["result"]["tools"]
        names = {tool["name"] for tool in tools}
        assert {"echo", "read_file", "execute_command", "system_info"} <= names
        for name in sorted(names):
            good = server.request("tools/call", {"name": name, "arguments": GOOD_ARGS.get(name, {})})
            assert "result" in good or "error" in good
            if name in BAD_ARGS:
                bad = server.request("tools/call", {"name": name, "arguments": BAD_ARGS[name]})
                assert bad.get("error") or bad["result"]["isError"], f"{name} accepted hostile input"
            wrong = server.request("tools/call", {"name": name, "arguments": {"definitely_not_a_param": 1}})
            assert wrong.get("error") or wrong["result"].get("isError") or name in {"system_info"}
        assert server.request("tools/call", {"name": "nope", "arguments": {}})["error"]["code"] == -32001
        assert server.request("resources/read", {"uri": "nothing://x"})["error"]["code"] == -32002
        assert server.request("prompts/get", {"name": "nope"})["error"]["code"] == -32003
        assert server.request("resources/read", {"uri": "status://health"})["result"]["contents"]
        assert server.request("resources/templates/list")["result"]["resourceTemplates"] is not None
        assert server.request("prompts/get", {"name": "debug_help", "arguments": {"error": "boom"}})["result"]
        assert server.request("logging/setLevel", {"level": "warning"})["result"] == {}
        assert server.request("logging/setLevel", {"level": "info"})["result"] == {}
        server.send_line("this is not json")
        parse_error = server.wait_for(lambda m: m.get("error", {}).get("code") == -32700)
        assert parse_error["id"] is None
        server.send_line('{"jsonrpc": "2.0", "id": 77, "method": 5}')
        assert server.wait_for(lambda m: m.get("id") == 77)["error"]["code"] == -32600
        assert server.request("bogus/method")["error"]["code"] == -32601
        assert server.close_stdin_and_wait() == 0
    finally:
        server.stop()
    assert_only_jsonrpc(server.stdout_lines)
    assert "STRAY" not in "".join(server.stdout_lines)
    assert "tfo-mcp stopped" in server.stderr_text


def test_sigterm_shuts_down_cleanly(workdir: Path) -> None:
    server = StdioServer(workdir)
    try:
        server.initialize()
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=20) == 0, server.stderr_text
    finally:
        server.stop()
    assert "tfo-mcp stopped" in server.stderr_text
    assert_only_jsonrpc(server.stdout_lines)


def test_stdin_eof_exits_zero(workdir: Path) -> None:
    server = StdioServer(workdir)
    try:
        server.initialize()
        assert server.close_stdin_and_wait() == 0
    finally:
        server.stop()
    assert "tfo-mcp stopped" in server.stderr_text


def test_requests_written_before_stdin_closes_are_all_answered(workdir: Path) -> None:
    """`printf '...' | tfo-mcp`: the pipe closes right after the requests; none of them may be lost."""
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "ping"},
        {"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "pipe", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 4, "method": "tools/call",
         "params": {"name": "echo", "arguments": {"message": "last words"}}},
        {"jsonrpc": "2.0", "id": 5, "method": "tools/call",
         "params": {"name": "execute_command", "arguments": {"command": "sleep", "args": ["30"]}}},
        {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 5}},
    ]  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "tfo_mcp"], input="".join(json.dumps(r) + "\n" for r in requests),
        capture_output=True, text=True, cwd=workdir, env=server_env(), timeout=25,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answers = {m["id"]: m for m in map(json.loads, result.stdout.splitlines())}
    assert set(answers) == {1, 2, 3, 4}  # the cancelled request is not answered, nor waited for
    assert answers[4]["result"]["structuredContent"] == {"message": "last words"}


def test_bad_config_writes_nothing_to_stdout(workdir: Path) -> None:
    server = StdioServer(workdir, env={"TELEMETRYFLOW_MCP_SERVER__TRANSPORT": "pigeon"})
    try:
        assert server.proc.wait(timeout=30) == 2
    finally:
        server.stop()
    assert server.stdout_lines == []
    assert "server.transport" in server.stderr_text


async def test_official_client_over_stdio(workdir: Path) -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "tfo_mcp"], cwd=str(workdir), env=server_env())
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        init = await session.initialize()
        assert init.server_info.name == "tfo-mcp"
        tools = await session.list_tools()
        assert "echo" in {t.name for t in tools.tools}
        result = await session.call_tool("echo", {"message": "via sdk"})
        assert result.structured_content == {"message": "via sdk"}
        read_result = await session.call_tool("read_file", {"path": "notes.txt"})
        assert "hello from the sandbox" in json.dumps(read_result.structured_content)
        health = await session.read_resource("status://health")
        assert json.loads(health.contents[0].text)["version"]
        prompt = await session.get_prompt("explain_code", {"code": "x = 1"})
        assert "x = 1" in prompt.messages[0].content.text
