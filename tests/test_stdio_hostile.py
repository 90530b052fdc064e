"""A real stdio server under hostile input: huge names and arguments, catastrophic regexes, a line over the
stdin limit, and SIGTERM in the middle of a burst of requests."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.mcp_process import StdioServer
from tests.test_stdio_e2e import assert_only_jsonrpc
from tfo_mcp.transport import (
    MAX_LINE_BYTES,
    OVERSIZED_LINE,
    SHUTDOWN_ERROR_CODE,
    SHUTDOWN_GRACE_SECONDS,
    SHUTDOWN_TEARDOWN_SECONDS,
    _StdinLines,
)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "notes.txt").write_text("hello from the sandbox\n", encoding="utf-8")
    return tmp_path


def _tool(server: StdioServer, name: str, arguments: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
    return server.request("tools/call", {"name": name, "arguments": arguments}, timeout=timeout)


def test_huge_names_and_arguments_do_not_stall_the_server(workdir: Path) -> None:
    """The log scrubber used to take 15-20 s (on the event loop) for a long run of letters and digits."""
    server = StdioServer(workdir)
    try:
        server.initialize()
        hostile = [
            ("a1" * 30_000, {}),  # 60,000 characters: about 20 s with the old scrubber
            ("x" * 1_000_000, {}),
            ("execute_command", {"command": "echo", "args": ["password=hunter2 " + "a1b2" * 5_000]}),  # logged
            ("search_files", {"path": ".", "pattern": "*", "content": "sk-" * 20_000}),
        ]
        for name, arguments in hostile:
            started = time.perf_counter()
            answer = _tool(server, name, arguments)
            pong = server.request("ping", timeout=60)
            elapsed = time.perf_counter() - started
            assert "result" in answer or "error" in answer
            assert pong["result"] == {}
            assert elapsed < 5, f"{name[:20]}...: the call and a ping after it took {elapsed:.1f} s"
        assert server.close_stdin_and_wait() == 0
    finally:
        server.stop()
    assert_only_jsonrpc(server.stdout_lines)
    logged = server.stderr_text
    assert "hunter2" not in logged and "password=***" in logged
    assert "[... cut: " in logged  # the 20,000-character argument is not written to the log whole
    assert max(len(line) for line in server.stderr_lines) < 20_000


def test_a_catastrophic_regex_search_leaves_the_server_responsive(workdir: Path) -> None:
    """Python's re would take years on these, holding the GIL: every other request would wait."""
    (workdir / "aaa.txt").write_text(("a" * 10_000 + "!\n") * 50, encoding="utf-8")
    server = StdioServer(workdir)
    try:
        server.initialize()
        for pattern in (r"(a+)+$", r"(a|aa)*c", r"(.*a){30}x"):
            started = time.perf_counter()
            found = _tool(server, "search_files", {"path": ".", "pattern": "*", "content": pattern, "regex": True})
            assert server.request("ping")["result"] == {}
            assert time.perf_counter() - started < 10
            assert found["result"]["structuredContent"]["matches"] == []
        refused = _tool(server, "search_files", {"path": ".", "pattern": "*", "content": r"(a)\1", "regex": True})
        assert "RE2 syntax" in refused["result"]["content"][0]["text"]
    finally:
        server.stop()
    assert_only_jsonrpc(server.stdout_lines)


def test_a_line_over_the_stdin_limit_is_answered_and_the_server_keeps_serving(workdir: Path) -> None:
    """It used to stop the server silently (exit 0). Now: -32700 with id null, and the next line is served."""
    server = StdioServer(workdir)
    try:
        server.initialize()
        filler = "a" * (MAX_LINE_BYTES + 10)
        started = time.perf_counter()
        server.send_line('{"jsonrpc":"2.0","id":77,"method":"ping","params":{"x":"' + filler + '"}}')
        del filler
        pong = server.request("ping")
        assert time.perf_counter() - started < 30  # under a second here: the line is skipped as it streams in
        rejected = server.wait_for(lambda m: m.get("error", {}).get("code") == -32700)
        assert rejected["id"] is None and f"{MAX_LINE_BYTES:,} bytes" in rejected["error"]["message"]
        assert pong["result"] == {}
        answers = [json.loads(line) for line in server.stdout_lines]
        assert [a.get("id") for a in answers[-2:]] == [None, pong["id"]]  # the rejection, then the ping
        # a line just under the limit is still read and answered
        just_under = '{"jsonrpc":"2.0","id":78,"method":"ping","params":{"x":"' + "b" * (MAX_LINE_BYTES - 100) + '"}}'
        assert len(just_under) <= MAX_LINE_BYTES
        server.send_line(just_under)
        del just_under
        assert server.wait_for(lambda m: m.get("id") == 78)["result"] == {}
        assert server.proc.poll() is None
        # an oversized last line without a newline, then EOF: answered, then a clean exit
        assert server.proc.stdin is not None
        server.proc.stdin.write("c" * (MAX_LINE_BYTES + 1))
        assert server.close_stdin_and_wait() == 0
    finally:
        server.stop()
    assert_only_jsonrpc(server.stdout_lines)
    assert sum(1 for line in server.stdout_lines if '"code":-32700' in line) == 2
    assert "tfo-mcp stopped" in server.stderr_text


def _analytics_counts(workdir: Path, env: dict[str, str]) -> dict[tuple[str, int], int]:
    """(tool, success) -> rows, read by a second server from the embedded store the first one wrote."""
    reader = StdioServer(workdir, env=env)
    try:
        reader.initialize()
        query = "SELECT tool_name, success, count() AS n FROM tool_calls GROUP BY tool_name, success"
        answer = _tool(reader, "ch_query", {"query": query, "max_rows": 100})
        output = answer["result"]["structuredContent"]
    finally:
        reader.stop()
    columns = [column if isinstance(column, str) else column["name"] for column in output["columns"]]
    rows = [dict(zip(columns, row, strict=True)) for row in output["rows"]]
    return {(row["tool_name"], int(row["success"])): int(row["n"]) for row in rows}


def test_sigterm_during_a_burst_answers_every_request_read_and_records_only_what_was_answered(
    workdir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path_factory.mktemp("xdg")), "TELEMETRYFLOW_MCP_CLICKHOUSE_SERVER_ID": "burst"}
    server = StdioServer(workdir, env=env)
    sent: dict[int, str] = {}
    try:
        server.initialize()
        assert _tool(server, "echo", {"message": "warm-up"})["result"]  # the analytics store is open
        for n in range(60):
            request_id = 10_000 + n
            if n % 3 == 0:  # runs for a minute: still running when the grace period ends
                kind, arguments = "long", {"command": "tail", "args": ["-f", "notes.txt"], "timeout": 60}
            elif n % 3 == 1:  # a second: finishes within the grace period
                kind, arguments = "short", {"command": "tail", "args": ["-f", "notes.txt"], "timeout": 1}
            else:
                kind, arguments = "echo", {"message": f"burst {n}"}
            name = "echo" if kind == "echo" else "execute_command"
            message = {"jsonrpc": "2.0", "id": request_id, "method": "tools/call",
                       "params": {"name": name, "arguments": arguments}}  # fmt: skip
            server.send_line(json.dumps(message))
            sent[request_id] = kind
        # the server reads its input in order: once this ping is answered, every request above has been read
        assert server.request("ping", timeout=60)["result"] == {}
        signalled = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        code = server.proc.wait(timeout=SHUTDOWN_GRACE_SECONDS + SHUTDOWN_TEARDOWN_SECONDS + 30)
        stopped_after = time.monotonic() - signalled
        server.join_readers()
    finally:
        server.stop()
    assert code == 0, server.stderr_text[-3000:]
    assert_only_jsonrpc(server.stdout_lines)
    answers: dict[int, list[dict[str, Any]]] = {}
    for message in map(json.loads, server.stdout_lines):
        if message.get("id") in sent:
            answers.setdefault(message["id"], []).append(message)
    assert set(answers) == set(sent), f"unanswered: {sorted(set(sent) - set(answers))}"
    assert all(len(replies) == 1 for replies in answers.values()), "a request was answered twice"
    for request_id, kind in sent.items():
        reply = answers[request_id][0]
        if kind == "long":
            assert reply["error"]["code"] == SHUTDOWN_ERROR_CODE, reply
        else:
            assert "result" in reply, reply  # finished within the grace period: a real answer
    assert stopped_after < SHUTDOWN_GRACE_SECONDS + SHUTDOWN_TEARDOWN_SECONDS + 15
    assert "tfo-mcp stopped" in server.stderr_text

    kinds = list(sent.values())
    counts = _analytics_counts(workdir, env)
    # exactly what was answered: results as successes, the requests stopped by the shutdown as failures
    assert counts.get(("execute_command", 1), 0) == kinds.count("short")
    assert counts.get(("execute_command", 0), 0) == kinds.count("long")
    assert counts.get(("echo", 1), 0) == kinds.count("echo") + 1  # and the warm-up


async def test_stdin_lines_skip_an_oversized_line_without_holding_it() -> None:
    """The reader itself: an oversized line becomes one marker, and the lines after it are read as usual."""
    reader = asyncio.StreamReader()
    lines = _StdinLines(reader, limit=10)
    for piece in (b'{"a":1}\n', b"x" * 25, b"y" * 30, b"\nok\n", b"0123456789\n", b"tail"):
        reader.feed_data(piece)
    reader.feed_eof()
    got = [line async for line in lines]
    assert got == ['{"a":1}\n', OVERSIZED_LINE, "ok\n", "0123456789\n", "tail"]
