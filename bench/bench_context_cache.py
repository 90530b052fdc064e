"""A cached collect_context (and investigate) against the same call uncached, side by side in one run.

    uv run python bench/bench_context_cache.py [--scale 1] [--runs 30] [--types logs,service-health]
                                               [--redis redis://127.0.0.1:6379/0] [--dir /tmp/tfo-bench-cache]

Uses the dataset of bench/bench_context.py (its own ``--dir`` by default; same arguments reuse it). Calls the
tool functions (``tfo_mcp.tools.context``: organization resolved, then the cache) for organization A over the
seed's last hour, alternating per run: uncached (``cache.context_ttl_seconds`` 0), cached in memory, cached in
Redis (``--redis``; a unique key prefix). A cached run is a hit (the first call of each kind stored it). Prints
p50 / p95 in ms and the uncached p50 over the cached one.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_context import dataset, percentile, settle  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--orgs", type=int, default=2)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--types", default="logs,service-health,metrics")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "tfo-bench-cache"))
    parser.add_argument("--reseed", action="store_true")
    return parser.parse_args()


def install_cache(redis_url: str | None, ttl: float) -> Any:
    """Make ``ResultCache(redis_url, ttl)`` the process's context cache for the installed settings."""
    from tfo_mcp import config
    from tfo_mcp.stores import result_cache

    cache = result_cache.ResultCache(
        redis_url=redis_url, ttl_seconds=ttl, key_prefix=f"tfo-mcp-bench:{secrets.token_hex(4)}:"
    )
    result_cache._cache, result_cache._built_for = cache, config.get_settings()
    return cache


async def measure(args: argparse.Namespace, manifest: dict[str, Any]) -> int:
    from tfo_mcp import demo
    from tfo_mcp.tools import context as tools

    now = datetime.fromisoformat(manifest["now"])
    org = demo.org_id(0)
    window = {"time_from": (now - timedelta(hours=1)).isoformat(), "time_to": now.isoformat()}
    await settle(org, now)
    caches = {
        "uncached": install_cache(None, 0),
        "memory": install_cache(None, 3600),
        "redis": install_cache(args.redis, 3600),
    }
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        kind: (lambda kind=kind: tools.collect_context(kind, org, **window)) for kind in args.types.split(",")
    }
    calls["investigate"] = lambda: tools.investigate(org, **window)
    print(f"collect_context / investigate, organization A, 1 h window, scale {args.scale}, {args.runs} runs each")
    print(f"{'call':<20}{'backend':<10}{'p50 ms':>10}{'p95 ms':>10}{'uncached p50 / this':>22}")
    from tfo_mcp.stores import result_cache

    for name, call in calls.items():
        samples: dict[str, list[float]] = {backend: [] for backend in caches}
        for cache in caches.values():  # warm-up: the cached ones store their entry here
            result_cache._cache = cache
            await call()
        for _ in range(args.runs):  # alternate, so machine noise hits all alike
            for backend, cache in caches.items():
                result_cache._cache = cache
                began = time.perf_counter()
                await call()
                samples[backend].append((time.perf_counter() - began) * 1000)
        base = statistics.median(samples["uncached"])
        for backend, values in samples.items():
            p50 = statistics.median(values)
            print(f"{name:<20}{backend:<10}{p50:>10.2f}{percentile(values, 0.95):>10.2f}{base / p50:>21.1f}x")
    for backend, cache in caches.items():
        print(f"{backend}: {cache.stats()}")
        await cache.close()
    return 0


async def main() -> int:
    args = parse_args()
    async with dataset(args) as manifest:
        return await measure(args, manifest)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
