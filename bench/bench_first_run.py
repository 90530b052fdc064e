"""A newcomer's first `tfo-mcp demo`: time to `initialize`, what a context says meanwhile, time until the estate is
ready, and the second start, each from a fresh home directory.

    uv run python bench/bench_first_run.py [--runs 1] [--ref GIT_REF]

Spawns ``python -m tfo_mcp demo`` (raw JSON-RPC over stdio) with HOME set to a new temporary directory, so the
embedded ClickHouse store and the embedded PostgreSQL start empty. Reports: initialize (spawn -> answer), ready
(spawn -> a `collect_context` of `service-health` that is `available`), and the second start's initialize on the
same home, and beside them the floor: a bare FastMCP server's initialize (bench/bare_fastmcp_server.py: the SDK's
imports alone). ``--ref`` runs a git ref's checkout (a worktree) the same way first, for the baseline beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from trees import checked_out  # noqa: E402

from tests.support.mcp_process import PROTOCOL, StdioServer  # noqa: E402

READY_TIMEOUT = 600.0


def _initialize(server: StdioServer) -> float:
    started = time.perf_counter()
    server.request(
        "initialize",
        {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "b"}},
        timeout=READY_TIMEOUT,
    )
    server.notify("notifications/initialized")
    return time.perf_counter() - started


def _context_status(server: StdioServer) -> tuple[str, str]:
    reply = server.request("tools/call", {"name": "list_organizations", "arguments": {}}, timeout=120)
    orgs = reply.get("result", {}).get("structuredContent", {}).get("organizations") or []
    org = orgs[0]["organization_id"] if orgs else "00000000-0000-0000-0000-000000000000"
    reply = server.request(
        "tools/call",
        {"name": "collect_context", "arguments": {"context_type": "service-health", "organization_id": org}},
        timeout=120,
    )
    body = reply.get("result", {}).get("structuredContent", {})
    return str(body.get("status")), str(body.get("summary", ""))[:160]


def bare_initialize() -> float:
    """Seconds from spawning a bare FastMCP server to its answer to `initialize`."""
    spawned = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bare_fastmcp_server.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    request = {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "b", "version": "1"}}
    child.stdin.write(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": request}) + "\n")
    child.stdin.flush()
    answer = child.stdout.readline()
    elapsed = time.perf_counter() - spawned
    child.kill()
    child.wait()
    assert '"result"' in answer, answer
    return elapsed


def run(cwd: Path, home: Path) -> dict[str, float | str]:
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share")}
    spawned = time.perf_counter()
    server = StdioServer(cwd, env=env, args=("demo",))
    try:
        figures: dict[str, float | str] = {"initialize_s": round(_initialize(server), 2)}
        status, summary = _context_status(server)
        figures["first_answer"] = f"{status}: {summary}"
        while status != "available" and time.perf_counter() - spawned < READY_TIMEOUT:
            time.sleep(1.0)
            status, _ = _context_status(server)
        figures["ready_s"] = round(time.perf_counter() - spawned, 1)
    finally:
        server.close_stdin_and_wait(60)
    second = StdioServer(cwd, env=env, args=("demo",))
    try:
        figures["second_initialize_s"] = round(_initialize(second), 2)
    finally:
        second.close_stdin_and_wait(60)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--ref", help="also run this git ref (baseline), first")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        trees = {args.ref: stack.enter_context(checked_out(args.ref))} if args.ref else {}
        trees["HEAD (working tree)"] = ROOT
        for name, tree in trees.items():
            for attempt in range(args.runs):
                with tempfile.TemporaryDirectory(prefix="tfo-home-") as home:
                    figures = run(tree, Path(home))
                    figures["bare_fastmcp_initialize_s"] = round(bare_initialize(), 2)
                    print(json.dumps({"tree": name, "run": attempt + 1, **figures}), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
