"""collect_context latency per context type on the embedded engine, and rollups against raw tables.

    uv run python bench/bench_context.py [--scale 10] [--orgs 2] [--hours 24] [--runs 20] [--windows 1,24]
                                         [--dir /tmp/tfo-bench-context] [--reseed] [--types metrics,logs]

Seeds the demo estate (``tfo_mcp.demo.seed``) into a dedicated chDB directory (``--dir``, never the user's
store) and a PostgreSQL database: ``TFO_BENCH_POSTGRES_URL`` when set, else a throwaway server started here
(tests/support/pg_server.py). A later run with the same ``--dir`` and arguments reuses the data (``--reseed``
forces a new seed, into an emptied store). ``--scale 10`` with 2 organizations and 24 h writes > 10 M metric
rows and > 5 M log lines and spans.

Before timing, the engine is opened and kept busy for SETTLE_SECONDS (its background loading after opening a
store slows the first queries; the cold figure is printed). Then, for every registered context type and window
(hours before the seed's ``now``), one warm-up call and ``--runs`` timed calls of ``collect_context`` for
organization A: p50 / p95 in ms (target p95 <= 150 ms).
For metrics, logs, traces and uptime the same contexts are computed from the raw tables
(``sources.raw_tables()``: same collectors, raw SQL variants) and the speed-up of the rollup path is printed
(by TFO's rule a 1 h window reads metrics_1m for metrics and raw rows for the others, ratio ~1). Then the
engine floor: ``SELECT 1``, and per core context a bare ``count()`` of the rows it reads in its summary table
(window and baseline); raw p50 over that floor is the most any context on that table can gain, and the
context's own p50 should stay within 3x of it. ``--quick`` prints the per-type table only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

#: The source tree measured: this checkout, or TFO_BENCH_TREE (bench/bench_baseline.py runs an older tree).
ROOT = Path(os.environ.get("TFO_BENCH_TREE") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))

CORE = ("metrics", "logs", "traces", "uptime")
P95_TARGET_MS = 150.0
#: A core context's p50 at most this many times the engine floor (a bare count() of the rows it reads).
FLOOR_TARGET = 3.0
#: Seconds the engine is kept busy after it opens, before timing (see settle()).
SETTLE_SECONDS = 10.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--orgs", type=int, default=2)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--raw-runs", type=int, default=5, help="timed runs of the raw-table variants")
    parser.add_argument("--windows", default="1,24", help="comma-separated window lengths in hours")
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "tfo-bench-context"))
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--types", default="", help="comma-separated context types (default: all registered)")
    parser.add_argument("--quick", action="store_true", help="only the per-type table (no raw tables, no floor)")
    return parser.parse_args()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def timed(call: Any, runs: int) -> tuple[list[float], Any]:
    result = await call()  # warm-up (caches, first connection)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


def start_postgres(manifest: dict[str, Any] | None) -> tuple[str, Any]:
    """The PostgreSQL URL to use and the throwaway server to stop at the end (None for an external one).

    A throwaway server keeps its data directory between runs (recorded in the manifest) so a reused dataset
    finds its PostgreSQL half again.
    """
    external = os.environ.get("TFO_BENCH_POSTGRES_URL")
    if external:
        return external, None
    from tests.support.pg_server import ThrowawayPostgres, wait_until_accepting

    saved = (manifest or {}).get("postgres")
    if saved and Path(saved["root"]).is_dir():
        server = ThrowawayPostgres(root=Path(saved["root"]), password=saved["password"], run_as=saved["run_as"])
    else:
        server = ThrowawayPostgres()
    server.start()
    wait_until_accepting(server.admin_url)
    return server.admin_url, server


def load_manifest(workdir: Path, args: argparse.Namespace) -> dict[str, Any] | None:
    """The manifest of an earlier seed with the same arguments (None when absent, different or --reseed)."""
    path = workdir / "manifest.json"
    if args.reseed or not path.exists():
        return None
    manifest = json.loads(path.read_text())
    wanted = {"scale": args.scale, "orgs": args.orgs, "hours": args.hours}
    return manifest if manifest.get("args") == wanted else None


async def seed(args: argparse.Namespace, workdir: Path, server: Any) -> dict[str, Any]:
    """Seed the dataset; return (and save) the manifest: now, counts, arguments, the PostgreSQL data dir."""
    from tfo_mcp import demo
    from tfo_mcp.stores import clickhouse, postgres

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    wanted = {"scale": args.scale, "orgs": args.orgs, "hours": args.hours}
    print(f"seeding {wanted} into {workdir} ...", flush=True)
    started = time.perf_counter()
    await demo.migrate_platform()
    counts = await demo.seed(now=now, **wanted)
    seconds = time.perf_counter() - started
    await clickhouse.reset()
    await postgres.reset()
    manifest: dict[str, Any] = {"args": wanted, "now": now.isoformat(), "seconds": round(seconds, 1), "counts": counts}
    if server is not None:
        manifest["postgres"] = {"root": str(server.root), "password": server.password, "run_as": server.run_as}
    (workdir / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


async def bench(args: argparse.Namespace, manifest: dict[str, Any]) -> int:
    from tfo_mcp import demo
    from tfo_mcp.context.collector import collect_context, registered_types
    from tfo_mcp.context.sources import raw_tables

    now = datetime.fromisoformat(manifest["now"])
    org = demo.org_id(0)
    counts = manifest["counts"]
    print(
        f"dataset: {counts.get('clickhouse.metrics', 0):,} metric rows, {counts.get('clickhouse.logs', 0):,} logs, "
        f"{counts.get('clickhouse.traces', 0):,} spans ({args.orgs} orgs, {args.hours} h, scale {args.scale}); "
        f"seeded in {manifest['seconds']} s"
    )
    await settle(org, now)
    kinds = [k.strip() for k in args.types.split(",") if k.strip()] or [k.value for k in registered_types()]
    windows = [float(w) for w in args.windows.split(",") if w.strip()]
    rows = []
    failures = 0
    for hours in windows:
        start = now - timedelta(hours=hours)
        for kind in kinds:

            async def call(kind: str = kind, start: datetime = start) -> Any:
                return await collect_context(kind, org, time_from=start, time_to=now)

            samples, result = await timed(call, args.runs)
            p50, p95 = statistics.median(samples), percentile(samples, 0.95)
            source = result.data.get("source") or ",".join(result.data.get("sources", [])) if result.data else ""
            rows.append((hours, kind, p50, p95, result.status, str(source)[:60]))
            failures += p95 > P95_TARGET_MS
            print(f"{hours:>5g} h  {kind:<26} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  {result.status:<11} {source}",
                  flush=True)  # fmt: skip
    if args.quick:
        return 0
    print("\nrollup path vs raw tables (same collectors; raw = sources.raw_tables())")
    print(f"{'window':>7} {'type':<8} {'rollup p50':>11} {'raw p50':>10} {'ratio':>7}  tables")
    ratios = []
    raw_p50: dict[tuple[float, str], float] = {}
    rolled_p50: dict[tuple[float, str], float] = {}
    for hours in windows:
        start = now - timedelta(hours=hours)
        for kind in CORE:
            if kinds and kind not in kinds:
                continue

            async def rolled(kind: str = kind, start: datetime = start) -> Any:
                return await collect_context(kind, org, time_from=start, time_to=now)

            async def raw(kind: str = kind, start: datetime = start) -> Any:
                with raw_tables():
                    return await collect_context(kind, org, time_from=start, time_to=now, budget=120)

            fast, fast_result = await timed(rolled, args.runs)
            slow, slow_result = await timed(raw, args.raw_runs)
            ratio = statistics.median(slow) / statistics.median(fast)
            tables = f"{_tables(fast_result)} vs {_tables(slow_result)}"
            ratios.append((hours, kind, ratio, _tables(fast_result) != _tables(slow_result)))
            raw_p50[(hours, kind)] = statistics.median(slow)
            rolled_p50[(hours, kind)] = statistics.median(fast)
            print(f"{hours:>5g} h {kind:<8} {statistics.median(fast):>9.1f}ms {statistics.median(slow):>8.1f}ms "
                  f"{ratio:>6.1f}x  {tables}", flush=True)  # fmt: skip
    await query_ratios(args, now, org, windows)
    await engine_floor(args, now, org, windows, raw_p50, rolled_p50)
    print(f"\ntypes x windows over the {P95_TARGET_MS:g} ms p95 target: {failures} of {len(rows)}")
    for hours, kind, _p50, p95, status, _ in sorted(rows, key=lambda r: -r[3])[:10]:
        print(f"  slowest: {kind} ({hours:g} h) p95 {p95:.1f} ms [{status}]")
    rolled_ratios = [r for r in ratios if r[3]]
    if rolled_ratios:
        worst = min(rolled_ratios, key=lambda r: r[2])
        print(f"rollup speed-up where a rollup is used: min {worst[2]:.1f}x ({worst[1]}, {worst[0]:g} h); "
              "the target is the engine floor above")  # fmt: skip
    return 0


async def settle(org: str, now: datetime) -> None:
    """Open the engine and keep it busy for SETTLE_SECONDS before timing anything.

    For a few seconds after chDB opens a store it loads parts in the background, and queries meanwhile take up to
    ~50x longer (at scale 30 the first context takes ~0.9 s, the next few 50-350 ms). A server is long past that
    by its users' calls, so the figures below are steady-state; the cold figure is printed here.
    """
    from tfo_mcp.context.collector import collect_context

    window = {"time_from": now - timedelta(hours=24), "time_to": now}
    started = time.perf_counter()
    await collect_context("metrics", org, **window)
    cold = (time.perf_counter() - started) * 1000
    rounds = 0
    while time.perf_counter() - started < SETTLE_SECONDS:
        for kind in CORE:
            await collect_context(kind, org, **window)
        rounds += 1
    print(f"engine opened and first context (metrics, 24 h) in {cold:.0f} ms; settled with {rounds} rounds of "
          f"{', '.join(CORE)} in {time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip


#: The queries of the core contexts that read a rollup or summary: (context, family, SQL name, params, the SQL
#: name of the same answer from raw rows, None: the query's own _raw variant).
ROLLED_QUERIES = (
    ("metrics", "metrics", "signals_metrics_series", {"metric": ""}, None),
    ("metrics", "metrics", "signals_metrics_totals", {"metric": ""}, None),
    ("logs", "logs", "signals_logs_severity", {"service": ""}, None),
    ("logs", "logs", "signals_logs_error_bursts", {"service": ""}, None),
    ("logs", "log_error_patterns", "signals_logs_error_patterns", {"service": ""}, "signals_logs_error_patterns_live"),
    ("traces", "service_request_stats", "signals_trace_stats", {"service": ""}, None),
    ("uptime", "uptime_monitor_stats", "signals_uptime_stats", {}, None),
)


async def query_ratios(args: argparse.Namespace, now: datetime, org: str, windows: list[float]) -> None:
    """The rollup-backed queries alone (rollup SQL vs its raw variant), without the contexts' other queries."""
    from tfo_mcp.context.collector import CollectRequest
    from tfo_mcp.context.signals import ERROR_SEVERITY_LIST
    from tfo_mcp.context.sources import ch, raw_tables, rollup
    from tfo_mcp.context.types import ContextType, TimeRange

    print("\nrollup-backed queries alone (rollup SQL vs its raw variant, p50)")
    for hours in windows:
        window = TimeRange(start=now - timedelta(hours=hours), end=now)
        # parameters some of the queries take (the others ignore them)
        common = {"step": window.step_seconds(), "error_severities": ERROR_SEVERITY_LIST}
        for kind, family, name, params, raw_name in ROLLED_QUERIES:
            choice = rollup(family, window)
            if raw_name is not None and choice.kind == "raw":
                continue  # the window reads raw rows by TFO's rule: the collector runs raw_name itself
            request = CollectRequest(ContextType(kind), org, window, max_items=30, deadline=math.inf)
            fast = functools.partial(
                ch, request, name, rollup=choice, **common, **params, **_no_baseline(choice, window)
            )
            if raw_name is None:
                raw = rollup(family, window, raw=True)
                slow = functools.partial(ch, request, name, rollup=raw, **common, **params, **_no_baseline(raw, window))
            else:

                async def slow(
                    raw_name: str = raw_name, request: Any = request, values: dict[str, Any] = common | params
                ) -> Any:
                    with raw_tables():
                        return await ch(request, raw_name, **values)

            medians = []
            for call, runs in ((fast, args.runs), (slow, args.raw_runs)):
                samples, _ = await timed(call, runs)
                medians.append(statistics.median(samples))
            print(f"{hours:>5g} h {name:<28} {choice.table:<28} {medians[0]:>8.1f} ms  raw {medians[1]:>8.1f} ms  "
                  f"{medians[1] / medians[0]:>6.1f}x", flush=True)  # fmt: skip


def _no_baseline(choice: Any, window: Any) -> dict[str, Any]:
    """An empty baseline range, for the queries that read a window and its baseline in one scan."""
    from tfo_mcp.context.sources import bucket_bounds

    start = bucket_bounds(choice, window)[0]
    return {"base_from": start, "base_to": start}


#: The cheapest read of a window's summary rows: what any context built on that table pays at least.
FLOOR_SQL = (
    "SELECT count() FROM {table} WHERE organization_id = %(org)s AND {time} >= %(bucket_from)s "
    "AND {time} < %(bucket_to)s"
)
#: The table each core context's ratio is bounded by (its main rollup or summary).
FLOOR_FAMILIES = {
    "metrics": "metrics",
    "logs": "logs",
    "traces": "service_request_stats",
    "uptime": "uptime_monitor_stats",
}


async def engine_floor(
    args: argparse.Namespace,
    now: datetime,
    org: str,
    windows: list[float],
    raw_p50: dict[tuple[float, str], float],
    rolled_p50: dict[tuple[float, str], float],
) -> None:
    """The engine's per-query floor, the speed-up it allows each core context at most, and how far above it
    each core context is (target: within FLOOR_TARGET).

    ``SELECT 1`` and a bare ``count()`` of the rows the context must read in its summary table (the window and
    its baseline, the equal window before it), through the backend as the collector calls it: no context that
    reads that table can be faster, so raw p50 / this floor bounds the ratio whatever the context's SQL does.
    """
    from tfo_mcp.context.change import baseline_window
    from tfo_mcp.context.collector import CollectRequest
    from tfo_mcp.context.sources import _fill, bucket_bounds, rollup, run_budgeted
    from tfo_mcp.context.types import ContextType, TimeRange
    from tfo_mcp.stores.clickhouse import get_clickhouse

    backend = get_clickhouse()
    request = CollectRequest(ContextType.METRICS, org, TimeRange(start=now - timedelta(hours=1), end=now),
                             max_items=30, deadline=math.inf)  # fmt: skip
    one, _ = await timed(functools.partial(run_budgeted, request, backend, "SELECT 1", {}, max_rows=10, what="1"),
                         args.runs)  # fmt: skip
    print(f"\nengine floor: SELECT 1 through the backend p50 {statistics.median(one):.1f} ms")
    for hours in windows:
        window = TimeRange(start=now - timedelta(hours=hours), end=now)
        read_range = TimeRange(start=baseline_window(window).start, end=window.end)
        for kind, family in FLOOR_FAMILIES.items():
            choice = rollup(family, window)
            if (hours, kind) not in raw_p50 or choice.kind == "raw":
                continue
            request = CollectRequest(ContextType(kind), org, window, max_items=30, deadline=math.inf)
            bounds = dict(zip(("bucket_from", "bucket_to"), bucket_bounds(choice, read_range), strict=True))
            read = functools.partial(run_budgeted, request, backend, _fill(FLOOR_SQL, choice), {"org": org, **bounds},
                                     max_rows=10, what="count")  # fmt: skip
            samples, result = await timed(read, args.runs)
            floor = statistics.median(samples)
            context = rolled_p50[(hours, kind)]
            print(f"{hours:>5g} h {kind:<8} count() of {result.rows[0][0]:,} rows of {choice.table}: p50 "
                  f"{floor:.1f} ms; raw context {raw_p50[(hours, kind)]:.1f} ms -> at most "
                  f"{raw_p50[(hours, kind)] / floor:.1f}x; context {context:.1f} ms = {context / floor:.1f}x the floor "
                  f"(target {FLOOR_TARGET:g}x)", flush=True)  # fmt: skip


def _tables(result: Any) -> str:
    data = result.data or {}
    return str(data.get("source") or ",".join(data.get("sources", [])))


@contextlib.asynccontextmanager
async def dataset(args: argparse.Namespace) -> AsyncIterator[dict[str, Any]]:
    """The dataset of ``args`` (seeded here unless ``--dir`` holds one for the same arguments) with the settings
    pointing at it; the stores are closed and the throwaway PostgreSQL stopped afterwards."""
    workdir = Path(args.dir)
    manifest = load_manifest(workdir, args)
    if manifest is None:  # a new seed starts from an empty store, so it gets the current schema too
        shutil.rmtree(workdir / "chdb", ignore_errors=True)
    (workdir / "chdb").mkdir(parents=True, exist_ok=True)
    pg_url, server = start_postgres(manifest)
    try:
        from tfo_mcp import config
        from tfo_mcp.logs import setup_logging

        environ = {
            "TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{workdir / 'chdb'}",
            "TELEMETRYFLOW_MCP_POSTGRES_URL": pg_url,
            "TELEMETRYFLOW_MCP_CLICKHOUSE_ANALYTICS_ENABLED": "false",
            "TELEMETRYFLOW_MCP_LOGGING_LEVEL": "WARNING",
        }
        loaded = config.load_settings(environ=environ)
        config.set_settings(loaded)
        setup_logging(loaded.settings.logging)
        if manifest is None:
            manifest = await seed(args, workdir, server)
        else:  # with the schema of the tree measured (a migration added since the seed backfills its tables)
            from tfo_mcp.demo.seeding import migrate_platform

            print(f"reusing the dataset seeded at {manifest['now']} in {workdir}")
            await migrate_platform()
        yield manifest
    finally:
        from tfo_mcp.stores import clickhouse, postgres

        await clickhouse.reset()  # close chDB before the interpreter exits
        await postgres.reset()
        if server is not None:
            server.stop(remove=False)


async def main() -> int:
    args = parse_args()
    async with dataset(args) as manifest:
        return await bench(args, manifest)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
