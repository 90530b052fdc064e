"""The cost of kernel confinement on `execute_command`, Landlock beside argv rules only, in one run.

    uv run python bench/bench_commands.py [--runs 50]

Three levels, each measured with and without Landlock, runs alternating between the two so machine noise hits
both alike (p50 and p95 in ms):

- `run_process` of `echo hi` alone (no ruleset) beside the same run with a ruleset built for it (the policy,
  ~25 path rules) and enforced: on a fresh thread that then spawns the child with vfork (the default), or in
  the child by a preexec function (df's path: a preexec function forces CPython to fork instead of vfork,
  which copies the page tables of a large server process and re-initialises the interpreter in the child).
- the whole `execute_command echo hi` tool call through the in-memory MCP client (policy checks, private HOME,
  the child), TFO_MCP_CONFINEMENT=landlock beside =argv.
- `execute_command git status` in a small repository (the configuration probe is a second confined git).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastmcp import Client  # noqa: E402

from tfo_mcp import config  # noqa: E402
from tfo_mcp.sandbox import confinement  # noqa: E402
from tfo_mcp.sandbox.runner import run_process  # noqa: E402
from tfo_mcp.server import mcp  # noqa: E402


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms"


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await action()
    return (time.perf_counter() - started) * 1000


async def alternate(runs: int, left: Callable[[], Awaitable[object]], right: Callable[[], Awaitable[object]]):
    for _ in range(3):  # warm-up
        await left()
        await right()
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        a.append(await timed(left))
        b.append(await timed(right))
    return a, b


async def main(runs: int) -> None:
    abi = confinement.abi_version()
    if abi < 1:
        sys.exit("this kernel has no Landlock: nothing to compare")
    work = Path(tempfile.mkdtemp(prefix="bench-commands-")).resolve()
    root, home = work / "root", work / "home"
    root.mkdir()
    home.mkdir()
    echo = shutil.which("echo") or "/bin/echo"
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(home)}

    async def plain() -> object:
        return await run_process([echo, "hi"], root, env, 30, 65536)

    async def confined() -> object:  # the default: enforced on a fresh thread that spawns with vfork
        policy = confinement.command_policy([root], writable=False, executable=echo, home=home, program="echo")
        with confinement.Ruleset(policy, abi) as ruleset:
            return await run_process([echo, "hi"], root, env, 30, 65536, ruleset=ruleset)

    async def forked() -> object:  # df's path: enforced by the child itself (a preexec function: fork)
        policy = confinement.command_policy([root], writable=False, executable=echo, home=home, program="echo")
        with confinement.Ruleset(policy, abi) as ruleset:
            return await run_process([echo, "hi"], root, env, 30, 65536, ruleset.preexec())

    print(f"kernel {os.uname().release}, Landlock ABI {abi}, {os.cpu_count()} CPUs, {runs} runs each")
    a, b = await alternate(runs, plain, confined)
    print(f"run_process echo, no confinement               {summary(a)}")
    print(f"run_process echo, Landlock on a spawn thread   {summary(b)}")
    a, b = await alternate(runs, plain, forked)
    print(f"run_process echo, no confinement               {summary(a)}")
    print(f"run_process echo, Landlock in a preexec (fork) {summary(b)}")
    policy = confinement.command_policy([root], writable=False, executable=echo, home=home, program="echo")
    build = []
    for _ in range(runs):
        started = time.perf_counter()
        confinement.Ruleset(policy, abi).close()
        build.append((time.perf_counter() - started) * 1000)
    print(f"building the ruleset alone (~25 rules)         {summary(build)}")

    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    (root / "a.txt").write_text("a\n")
    config.set_settings(
        config.load_settings(
            environ={
                "TELEMETRYFLOW_MCP_SECURITY__ALLOWED_ROOTS": json.dumps([str(root)]),
                "TELEMETRYFLOW_MCP_MCP__TOOLSETS": "all",
            }
        )
    )
    async with Client(mcp) as client:
        for command, args in (("echo", ["hi"]), ("git", ["status", "--short"])):

            def tool(mode: str, command: str = command, args: list[str] = args) -> Callable[[], Awaitable[object]]:
                async def call() -> object:
                    os.environ[confinement.MODE_ENV] = mode
                    result = await client.call_tool("execute_command", {"command": command, "args": args})
                    assert not result.is_error
                    return result

                return call

            a, b = await alternate(runs, tool("argv"), tool("landlock"))
            label = f"{command} {' '.join(args)}"
            print(f"execute_command {label:<18} argv rules only   {summary(a)}")
            print(f"execute_command {label:<18} Landlock          {summary(b)}")
    os.environ.pop(confinement.MODE_ENV, None)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    asyncio.run(main(parser.parse_args().runs))
