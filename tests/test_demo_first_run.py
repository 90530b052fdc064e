"""A newcomer's first `tfo-mcp demo` (the README's main-job command) from an empty data directory: `initialize` is
answered before the estate exists, contexts say the estate is being prepared while the embedded PostgreSQL starts
and the seed runs in the background, `status://health` shows the progress, and a first run killed mid-seed is
seeded again on the next start instead of serving half an estate. Real processes, real stores."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.support.mcp_process import StdioServer
from tfo_mcp import demo

#: Seconds a seed may take on a loaded machine before the test gives up (about 30 s when quiet).
SEED_TIMEOUT = 420.0
PREPARING = "[SYSTEM] The demo estate is being prepared"


def _call(server: StdioServer, tool: str, **arguments: Any) -> dict[str, Any]:
    reply = server.request("tools/call", {"name": tool, "arguments": arguments}, timeout=180)
    assert "result" in reply, reply
    return reply["result"]["structuredContent"]


def _context(server: StdioServer, kind: str, organization: str) -> dict[str, Any]:
    return _call(server, "collect_context", context_type=kind, organization_id=organization)


def _preparation(server: StdioServer) -> dict[str, Any]:
    reply = server.request("resources/read", {"uri": "status://health"}, timeout=60)
    return json.loads(reply["result"]["contents"][0]["text"])["preparations"]["demo estate"]


def _wait_ready(server: StdioServer) -> dict[str, Any]:
    deadline = time.monotonic() + SEED_TIMEOUT
    while time.monotonic() < deadline:
        state = _preparation(server)
        if state["state"] != "preparing":
            return state
        time.sleep(1.0)
    raise AssertionError(f"the demo estate was not ready after {SEED_TIMEOUT:g} s: {_preparation(server)}")


def _demo(data: Path) -> StdioServer:
    return StdioServer(data.parent, env={"XDG_DATA_HOME": str(data)}, args=("demo",))


def test_the_first_run_answers_at_once_then_serves_the_whole_estate(tmp_path: Path) -> None:
    server = _demo(tmp_path / "data")
    org_a = demo.org_id(0)
    try:
        server.initialize()
        waiting = _context(server, "traces", org_a)
        assert waiting["status"] == "unavailable" and waiting["summary"].startswith(PREPARING), waiting
        assert _preparation(server)["state"] == "preparing"
        investigating = _call(server, "investigate", organization_id=org_a)
        assert investigating["summary"].startswith(PREPARING) and not investigating["findings"]
        assert _call(server, "list_organizations")["notes"][0].startswith(PREPARING)

        ready = _wait_ready(server)
        assert ready["state"] == "ready" and ready["percent"] == 100, ready
        traces = _context(server, "traces", "Acme Retail")  # the name a user knows
        assert traces["status"] == "available" and "checkout" in str(traces["data"])
        assert not any(note.startswith("[SYSTEM]") for note in _call(server, "list_organizations")["notes"])
        alerts = _context(server, "alert", org_a)
        assert alerts["status"] == "available", alerts  # alert rules live in the demo's embedded PostgreSQL
        mine = _call(server, "collect_context", context_type="traces")  # no organization: the demo's first one
        assert mine["status"] == "available" and "checkout" in str(mine["data"]), mine
        health = server.request("resources/read", {"uri": "status://health"})["result"]["contents"][0]["text"]
        assert json.loads(health)["postgres"].startswith("embedded, pid ")
        assert server.close_stdin_and_wait() == 0
    finally:
        server.stop()
    assert not [line for line in server.stdout_lines if not line.startswith("{")]  # stdout: JSON-RPC only
    assert "demo estate: ready" in server.stderr_text
    assert not (tmp_path / "data" / "tfo-mcp" / "postgres" / "data" / "postmaster.pid").exists()  # stopped on exit

    again = _demo(tmp_path / "data")  # the second start finds the estate complete and seeds nothing
    try:
        again.initialize()
        assert _wait_ready(again)["state"] == "ready"
        assert _context(again, "traces", org_a)["status"] == "available"
        assert again.close_stdin_and_wait() == 0
    finally:
        again.stop()
    assert "complete, nothing to seed" in again.stderr_text


def test_a_first_run_killed_mid_seed_is_seeded_again_on_the_next_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    org_a = demo.org_id(0)
    first = _demo(data)
    try:
        first.initialize()
        deadline = time.monotonic() + SEED_TIMEOUT
        while (state := _preparation(first))["percent"] < 30:  # part of ClickHouse is written
            assert state["state"] == "preparing" and time.monotonic() < deadline, state
            time.sleep(0.5)
        first.proc.kill()
    finally:
        first.stop()

    second = _demo(data)
    try:
        second.initialize()
        waiting = _context(second, "traces", org_a)
        assert waiting["summary"].startswith(PREPARING), waiting  # the half-written estate is not served
        assert _wait_ready(second)["state"] == "ready"
        assert "seeding" in second.stderr_text
        for kind in ("traces", "alert", "kubernetes-pods"):
            assert _context(second, kind, org_a)["status"] == "available", kind
        marker = _call(second, "ch_query", query="SELECT count() FROM tfo_mcp_demo_estate")
        assert marker["rows"] == [[2]]
        doubled = _call(second, "ch_query", query="SELECT count() - uniqExact(trace_id, span_id) FROM traces")
        assert doubled["rows"] == [[0]]  # the interrupted seed's rows were replaced, not added to
        organizations = _call(second, "pg_query", query="SELECT count(*) AS n FROM organizations")
        assert organizations["rows"][0] in ([2], {"n": 2}), organizations
        assert second.close_stdin_and_wait() == 0
    finally:
        second.stop()
