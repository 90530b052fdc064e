"""The cost of the server's own telemetry: echo round trip with tracing and metrics on vs off, in one run.

    uv run python bench/bench_telemetry.py [--calls 1000] [--starts 9]

Two tfo-mcp servers run at once, one with telemetry off and one exporting every span and metric over
OTLP/HTTP to a real receiver in this process (tests/support/otlp_receiver.py: it decodes every export, as a
collector would); calls alternate between them so machine noise hits both alike. Echo = p50/p95 of
`tools/call echo` over stdio (raw JSON-RPC pipe) and over streamable HTTP (the official MCP client), after a
warm-up. Exports run as configured in production defaults for spans (a batch every 5 s, OTEL_BSP_SCHEDULE_DELAY)
and every 5 s for metrics (OTEL_METRIC_EXPORT_INTERVAL; the default is 60 s), so several exports fall inside the
timed calls. Cold start = spawn -> `initialize` -> `tools/list` over stdio, on vs off (the SDK's import). The
in-process cost of a hook while off (one attribute check) is measured too.
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
import timeit
from pathlib import Path

import httpx
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.support.mcp_process import free_port, wait_for_port  # noqa: E402
from tests.support.otlp_receiver import OtlpReceiver  # noqa: E402

PY = sys.executable
STDIO = [PY, "-m", "tfo_mcp", "serve"]
HTTP = [PY, "-m", "tfo_mcp", "serve", "--transport", "http", "--port"]
WARM_UP_CALLS = 200
WARM_UP_PAUSE = 3.0
INIT = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}
MODES = ("off", "on")


def env(mode: str, endpoint: str, data: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRYFLOW_MCP_", "OTEL_"))}
    clean.pop("PYTHONDONTWRITEBYTECODE", None)
    clean.update(
        TELEMETRYFLOW_MCP_LOG__LEVEL="WARNING",
        TELEMETRYFLOW_MCP_MCP__TOOLSETS="all",
        XDG_DATA_HOME=f"{data}/{mode}",  # each its own embedded analytics store
    )
    if mode == "on":
        clean.update(OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, OTEL_METRIC_EXPORT_INTERVAL="5000")
    return clean


class RawStdio:
    def __init__(self, argv: list[str], cwd: str, environ: dict[str, str]) -> None:
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     cwd=cwd, env=environ, bufsize=0)  # fmt: skip
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


def cold_start(cwd: str, environ: dict[str, str]) -> float:
    started = time.perf_counter()
    server = RawStdio(STDIO, cwd, environ)
    server.call("initialize", INIT)
    server.notify("notifications/initialized")
    server.call("tools/list")
    elapsed = time.perf_counter() - started
    server.close()
    return elapsed


def stdio_echo(cwd: str, envs: dict[str, dict[str, str]], calls: int) -> dict[str, list[float]]:
    servers = {mode: RawStdio(STDIO, cwd, envs[mode]) for mode in MODES}
    for server in servers.values():
        server.call("initialize", INIT)
        server.notify("notifications/initialized")
        for _ in range(WARM_UP_CALLS):
            server.call("tools/call", {"name": "echo", "arguments": {"message": "warm-up"}})
    time.sleep(WARM_UP_PAUSE)
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    for i in range(calls):
        for mode, server in servers.items():
            started = time.perf_counter()
            reply = server.call("tools/call", {"name": "echo", "arguments": {"message": f"m{i}"}})
            times[mode].append(time.perf_counter() - started)
            assert not reply["result"].get("isError"), reply
    for server in servers.values():
        server.close()
    return times


async def http_echo_async(ports: dict[str, int], calls: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {mode: [] for mode in ports}
    async with contextlib.AsyncExitStack() as stack:
        sessions = {}
        for mode, port in ports.items():
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=30))
            read, write = await stack.enter_async_context(
                streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)
            )
            session = await stack.enter_async_context(ClientSession(read, write))
            await session.initialize()
            for _ in range(WARM_UP_CALLS):
                await session.call_tool("echo", {"message": "warm-up"})
            sessions[mode] = session
        await asyncio.sleep(WARM_UP_PAUSE)
        for i in range(calls):
            for mode, session in sessions.items():
                started = time.perf_counter()
                result = await session.call_tool("echo", {"message": f"m{i}"})
                times[mode].append(time.perf_counter() - started)
                assert not result.is_error
    return times


def http_echo(cwd: str, envs: dict[str, dict[str, str]], calls: int) -> dict[str, list[float]]:
    ports = {mode: free_port() for mode in MODES}
    procs = [
        subprocess.Popen([*HTTP, str(port)], cwd=cwd, env=envs[mode], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
        for mode, port in ports.items()
    ]  # fmt: skip
    try:
        for proc, port in zip(procs, ports.values(), strict=True):
            wait_for_port(port, proc)
        return asyncio.run(http_echo_async(ports, calls))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)


def hook_cost_ns() -> tuple[float, float]:
    """Nanoseconds of one `with telemetry.query(...)` block while off, and of a `with contextlib.nullcontext()`."""
    from tfo_mcp import telemetry

    assert telemetry.active is None
    loops = 200_000

    def hooked() -> None:
        with telemetry.query("postgresql", "pg_query", "SELECT 1", None):
            pass

    def bare() -> None:
        with contextlib.nullcontext():
            pass

    return timeit.timeit(hooked, number=loops) / loops * 1e9, timeit.timeit(bare, number=loops) / loops * 1e9


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--starts", type=int, default=9)
    args = parser.parse_args()
    cwd = tempfile.mkdtemp(prefix="tfo-bench-otel-")
    with OtlpReceiver() as receiver:
        envs = {mode: env(mode, receiver.endpoint, cwd) for mode in MODES}
        for mode in MODES:  # warm-up start: .pyc files, page cache
            cold_start(cwd, envs[mode])
        starts: dict[str, list[float]] = {mode: [] for mode in MODES}
        for _ in range(args.starts):
            for mode in MODES:
                starts[mode].append(cold_start(cwd, envs[mode]))
        echo_stdio = stdio_echo(cwd, envs, args.calls)
        echo_http = http_echo(cwd, envs, args.calls)
        spans, points = len(receiver.spans()), len(receiver.points())
        exports = len(receiver.received.paths)
    hook, bare = hook_cost_ns()
    rows = [
        ("cold start p50 (s)", statistics.median(starts["on"]), statistics.median(starts["off"]), None),
        ("echo stdio p50 (ms)", 1000 * statistics.median(echo_stdio["on"]), 1000 * statistics.median(echo_stdio["off"]),
         1.05),
        ("echo stdio p95 (ms)", 1000 * pct(echo_stdio["on"], 95), 1000 * pct(echo_stdio["off"], 95), None),
        ("echo http p50 (ms)", 1000 * statistics.median(echo_http["on"]), 1000 * statistics.median(echo_http["off"]),
         1.05),
        ("echo http p95 (ms)", 1000 * pct(echo_http["on"], 95), 1000 * pct(echo_http["off"], 95), None),
    ]  # fmt: skip
    print(f"{args.starts} cold starts, {args.calls} echo calls per transport; python {sys.version.split()[0]}")
    print(f"received: {exports} OTLP exports, {spans} spans, {points} metric points")
    print(f"{'measure':<22} {'on':>10} {'off':>10} {'ratio':>7} {'target':>7}")
    for label, on, off, target in rows:
        ratio = on / off
        mark = "" if target is None else (" ok" if ratio <= target else " OVER")
        print(f"{label:<22} {on:>10.3f} {off:>10.3f} {ratio:>7.2f} {target or '':>7}{mark}")
    print(f"a query hook while off: {hook:.0f} ns a statement (`with contextlib.nullcontext()`: {bare:.0f} ns)")


if __name__ == "__main__":
    main()
