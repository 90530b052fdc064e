"""Cold start and echo round trip of tfo-mcp beside a bare FastMCP server, in one run.

    uv run python bench/bench_server.py [--starts 15] [--calls 1000]

Cold start = spawn -> `initialize` answered -> `tools/list` answered (stdio, raw JSON-RPC), for
`tfo-mcp serve` (the direct start-up path), the bare server, and `tfo-mcp serve --transport stdio` (any
option: through the full typer CLI).
Echo round trip = p50/p95 of `tools/call echo` over stdio (raw JSON-RPC pipe) and over streamable
HTTP (the official MCP client), after a warm-up (tfo-mcp opens its embedded analytics store on the first
flush). Both servers run at once and calls alternate between them, so machine noise hits both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.support.mcp_process import free_port, wait_for_port  # noqa: E402

PY = sys.executable
SERVERS = {
    "tfo-mcp": {
        "stdio": [PY, "-m", "tfo_mcp", "serve"],
        "http": [PY, "-m", "tfo_mcp", "serve", "--transport", "http", "--port"],
    },
    "bare FastMCP": {
        "stdio": [PY, str(ROOT / "bench" / "bare_server.py")],
        "http": [PY, str(ROOT / "bench" / "bare_server.py"), "--http"],
    },
}
#: Cold start only: serving through the full typer CLI (any option given) instead of the direct path.
CLI_PATH = [PY, "-m", "tfo_mcp", "serve", "--transport", "stdio"]
WARM_UP_CALLS = 200
WARM_UP_PAUSE = 3.0
INIT = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}


#: Set --no-bytecode to measure with PYTHONDONTWRITEBYTECODE as inherited (every start compiles every module).
WRITE_BYTECODE = True


def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TELEMETRYFLOW_MCP_")}
    clean["TELEMETRYFLOW_MCP_LOG__LEVEL"] = "WARNING"
    clean["TELEMETRYFLOW_MCP_MCP__TOOLSETS"] = "all"  # echo is in the system toolset
    if WRITE_BYTECODE:  # as an installed server runs: modules compiled once, then loaded from .pyc
        clean.pop("PYTHONDONTWRITEBYTECODE", None)
    return clean


class RawStdio:
    def __init__(self, argv: list[str], cwd: str) -> None:
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     cwd=cwd, env=env(), bufsize=0)  # fmt: skip
        self.next_id = 0

    def call(self, method: str, params: dict | None = None) -> dict:
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}}
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        while True:
            reply = json.loads(self.proc.stdout.readline())
            if reply.get("id") == self.next_id:
                return reply

    def notify(self, method: str) -> None:
        self.proc.stdin.write((json.dumps({"jsonrpc": "2.0", "method": method}) + "\n").encode())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def cold_start(argv: list[str], cwd: str) -> float:
    started = time.perf_counter()
    server = RawStdio(argv, cwd)
    server.call("initialize", INIT)
    server.notify("notifications/initialized")
    tools = server.call("tools/list")
    elapsed = time.perf_counter() - started
    assert "echo" in {t["name"] for t in tools["result"]["tools"]}
    server.close()
    return elapsed


def stdio_echo(cwd: str, calls: int) -> dict[str, list[float]]:
    """Both servers up at once; calls alternate between them so machine noise hits both alike."""
    servers = {name: RawStdio(argv["stdio"], cwd) for name, argv in SERVERS.items()}
    for server in servers.values():
        server.call("initialize", INIT)
        server.notify("notifications/initialized")
        for _ in range(WARM_UP_CALLS):
            server.call("tools/call", {"name": "echo", "arguments": {"message": "warm-up"}})
    time.sleep(WARM_UP_PAUSE)
    times: dict[str, list[float]] = {name: [] for name in servers}
    for i in range(calls):
        for name, server in servers.items():
            started = time.perf_counter()
            reply = server.call("tools/call", {"name": "echo", "arguments": {"message": f"m{i}"}})
            times[name].append(time.perf_counter() - started)
            assert not reply["result"].get("isError"), reply
    for server in servers.values():
        server.close()
    return times


async def http_echo_async(ports: dict[str, int], calls: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in ports}
    async with contextlib.AsyncExitStack() as stack:
        sessions = {}
        for name, port in ports.items():
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=30))
            read, write = await stack.enter_async_context(
                streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)
            )
            session = await stack.enter_async_context(ClientSession(read, write))
            await session.initialize()
            for _ in range(WARM_UP_CALLS):
                await session.call_tool("echo", {"message": "warm-up"})
            sessions[name] = session
        await asyncio.sleep(WARM_UP_PAUSE)
        for i in range(calls):
            for name, session in sessions.items():
                started = time.perf_counter()
                result = await session.call_tool("echo", {"message": f"m{i}"})
                times[name].append(time.perf_counter() - started)
                assert not result.is_error
    return times


def http_echo(cwd: str, calls: int) -> dict[str, list[float]]:
    """Both HTTP servers up at once, calls alternating (see stdio_echo)."""
    ports = {name: free_port() for name in SERVERS}
    procs = [
        subprocess.Popen([*SERVERS[name]["http"], str(port)], cwd=cwd, env=env(), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
        for name, port in ports.items()
    ]  # fmt: skip
    try:
        for proc, port in zip(procs, ports.values(), strict=True):
            wait_for_port(port, proc)
        return asyncio.run(http_echo_async(ports, calls))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=15)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--no-bytecode", action="store_true", help="keep PYTHONDONTWRITEBYTECODE (compile every start)")
    args = parser.parse_args()
    global WRITE_BYTECODE
    WRITE_BYTECODE = not args.no_bytecode
    cwd = tempfile.mkdtemp(prefix="tfo-bench-")
    for argv in SERVERS.values():  # warm-up start: writes .pyc files and fills the OS page cache
        cold_start(argv["stdio"], cwd)
    cold = {name: argv["stdio"] for name, argv in SERVERS.items()} | {"cli path": CLI_PATH}
    starts: dict[str, list[float]] = {name: [] for name in cold}
    for _ in range(args.starts):
        for name, argv in cold.items():
            starts[name].append(cold_start(argv, cwd))
    echo_stdio = stdio_echo(cwd, args.calls)
    echo_http = http_echo(cwd, args.calls)

    tfo, bare = SERVERS
    rows = [
        ("cold start p50 (s)", statistics.median(starts[tfo]), statistics.median(starts[bare]), 1.05),
        ("  via full CLI (s)", statistics.median(starts["cli path"]), statistics.median(starts[bare]), None),
        ("echo stdio p50 (ms)", 1000 * statistics.median(echo_stdio[tfo]), 1000 * statistics.median(echo_stdio[bare]),
         1.10),
        ("echo stdio p95 (ms)", 1000 * pct(echo_stdio[tfo], 95), 1000 * pct(echo_stdio[bare], 95), None),
        ("echo http p50 (ms)", 1000 * statistics.median(echo_http[tfo]), 1000 * statistics.median(echo_http[bare]),
         1.10),
        ("echo http p95 (ms)", 1000 * pct(echo_http[tfo], 95), 1000 * pct(echo_http[bare], 95), None),
    ]  # fmt: skip
    bytecode = "with .pyc" if WRITE_BYTECODE else "no .pyc (PYTHONDONTWRITEBYTECODE)"
    python = sys.version.split()[0]
    print(f"{args.starts} cold starts, {args.calls} echo calls per transport; python {python}, {bytecode}")
    print(f"{'measure':<22} {'tfo-mcp':>10} {'bare':>10} {'ratio':>7} {'target':>7}")
    for label, ours, base, target in rows:
        ratio = ours / base
        mark = "" if target is None else (" ok" if ratio <= target else " OVER")
        print(f"{label:<22} {ours:>10.3f} {base:>10.3f} {ratio:>7.2f} {target or '':>7}{mark}")


if __name__ == "__main__":
    main()
