"""The default demo seed (2 organizations, 12 services, 24 h, scale 1) into fresh stores, as `tfo-mcp demo` runs it.

    uv run python bench/bench_seed.py [--runs 3] [--ref GIT_REF] [--orgs 2] [--hours 24] [--scale 1]

Each run is a new process with a new temporary directory: a fresh chDB data dir and a fresh embedded PostgreSQL
(``EmbeddedPostgres``, the server `tfo-mcp demo` starts), both migrated (``demo.migrate_platform``), then timed
``demo.seed()``. Reports total, ClickHouse and PostgreSQL seconds (from the seed's own log lines), the CPU seconds
of the seeding process (chDB runs in it, the PostgreSQL server does not) and the slowest steps (``_Writer.timings``,
logged at debug level; seconds summed over statements that may run side by side). ``--ref`` checks a git ref out
into a worktree and alternates its runs with this tree's, so machine noise hits both alike; the summary gives the
medians side by side (target: the seed at or under 15 s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from trees import ROOT, checked_out, python_in

TARGET_S = 15.0
HEAD = "HEAD (working tree)"
TOTAL = re.compile(r"demo seed: \d+ organizations, \d+ rows in ([\d.]+) s \(ClickHouse ([\d.]+) s")
POSTGRES = re.compile(r"demo seed: PostgreSQL rows written in ([\d.]+) s")
SLOWEST = re.compile(r"demo seed: slowest steps (.*)")
STEP = re.compile(r"(.+?) ([\d.]+) s(?:, |$)")


# --------------------------------------------------------------------------- one seed (child process)


async def _seed_once(root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Start the embedded PostgreSQL in ``root``, migrate both stores, time the seed; the figures of the run."""
    from loguru import logger

    from tfo_mcp import config, demo
    from tfo_mcp.stores import clickhouse, postgres
    from tfo_mcp.stores.embedded_postgres import OWNER, EmbeddedPostgres

    lines: list[str] = []
    logger.remove()
    logger.add(lambda message: lines.append(message.record["message"]), level="DEBUG", filter="tfo_mcp.demo")
    began = time.perf_counter()
    server = await asyncio.to_thread(EmbeddedPostgres(root / "postgres").start)
    figures: dict[str, Any] = {"postgres_start_s": round(time.perf_counter() - began, 2)}
    try:
        environ = {
            "TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{root / 'clickhouse'}",
            "TELEMETRYFLOW_MCP_POSTGRES_URL": server.url(OWNER),
        }
        config.set_settings(config.load_settings(environ=environ))
        began = time.perf_counter()
        await demo.migrate_platform()
        figures["migrate_s"] = round(time.perf_counter() - began, 2)
        progress: list[float] = []
        began, cpu = time.perf_counter(), time.process_time()
        counts = await demo.seed(
            orgs=args.orgs, hours=args.hours, scale=args.scale, progress=lambda p, _step: progress.append(p)
        )
        figures["seed_s"] = round(time.perf_counter() - began, 2)
        figures["cpu_s"] = round(time.process_time() - cpu, 2)
        figures["rows"] = sum(counts.values())
        figures["progress_end"] = progress[-1] if progress else None
        await clickhouse.reset()
        await postgres.reset()
    finally:
        await asyncio.to_thread(server.stop)
    for line in lines:
        if match := TOTAL.search(line):
            figures["clickhouse_s"] = float(match[2])
        elif match := POSTGRES.search(line):
            figures["postgres_s"] = float(match[1])
        elif match := SLOWEST.search(line):
            figures["slowest"] = {name: float(secs) for name, secs in STEP.findall(match[1])}
    return figures


def child(args: argparse.Namespace) -> None:
    """Seed once into a fresh temporary directory; print the figures as one JSON line."""
    with tempfile.TemporaryDirectory(prefix="tfo-bench-seed-") as root:
        figures = asyncio.run(_seed_once(Path(root), args))
    print("FIGURES " + json.dumps(figures), flush=True)


# --------------------------------------------------------------------------- the comparison (parent process)


def run_tree(tree: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One seed in a new process importing ``tree``'s package."""
    argv, env = python_in(tree, Path(__file__).resolve(), "--child",
                          "--orgs", str(args.orgs), "--hours", str(args.hours), "--scale", str(args.scale))  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=1800, cwd=tree)
    found = [line for line in done.stdout.splitlines() if line.startswith("FIGURES ")]
    if done.returncode != 0 or not found:
        raise SystemExit(f"the seed failed on {tree}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(found[-1].removeprefix("FIGURES "))


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2) if values else float("nan")


def summary(label: str, runs: list[dict[str, Any]]) -> None:
    """Medians of one tree's runs and its slowest steps (median seconds over the runs)."""
    keys = ("seed_s", "cpu_s", "clickhouse_s", "postgres_s", "migrate_s", "postgres_start_s")
    medians = {key: _median([run[key] for run in runs if key in run]) for key in keys}
    print(f"{label:<24} " + "  ".join(f"{key} {value:6.2f}" for key, value in medians.items()))
    steps: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        for name, secs in run.get("slowest", {}).items():
            steps[name].append(secs)
    slowest = sorted(((statistics.median(v), k) for k, v in steps.items()), reverse=True)[:8]
    print(f"{'':<24} slowest: " + ", ".join(f"{name} {secs:.1f} s" for secs, name in slowest))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="seeds per tree (alternating with --ref)")
    parser.add_argument("--ref", help="also run this git ref (baseline), alternating with this tree")
    parser.add_argument("--orgs", type=int, default=2)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with contextlib.ExitStack() as stack:
        trees = {args.ref: stack.enter_context(checked_out(args.ref))} if args.ref else {}
        trees[HEAD] = ROOT
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
        for attempt in range(args.runs):
            for name, tree in trees.items():
                figures = run_tree(tree, args)
                results[name].append(figures)
                print(json.dumps({"tree": name, "run": attempt + 1, **figures}), flush=True)
    print(f"\nmedians of {args.runs} run(s), {args.orgs} organizations, {args.hours} h, scale {args.scale}:")
    for name, runs in results.items():
        summary(name, runs)
    seed_s = _median([run["seed_s"] for run in results[HEAD]])
    verdict = "ok" if seed_s <= TARGET_S else "OVER"
    print(f"\nseed {seed_s:.2f} s on this tree (target <= {TARGET_S:.0f} s): {verdict}", end="")
    if args.ref:
        before = _median([run["seed_s"] for run in results[args.ref]])
        print(f"; {args.ref} {before:.2f} s, {seed_s / before:.2f}x", end="")
    print()


if __name__ == "__main__":
    main()
