"""`investigate` latency on the embedded engine, beside its contexts run one after another, in one run.

    uv run python bench/bench_investigate.py [--scale 10] [--orgs 2] [--hours 24] [--runs 20] [--window 1]
                                             [--dir /tmp/tfo-bench-context] [--reseed]

Uses the dataset of bench/bench_context.py (same ``--dir`` and arguments reuse it; otherwise it seeds one).
Times ``investigate`` for organization A over the last ``--window`` hours of the seed (target p95 <= 1 s),
and, as the comparison, the same contexts collected one after another.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_context import dataset, percentile, settle  # noqa: E402

P95_TARGET_MS = 1000.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--orgs", type=int, default=2)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--window", type=float, default=1.0, help="hours investigated, ending at the seed's now")
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "tfo-bench-context"))
    parser.add_argument("--reseed", action="store_true")
    return parser.parse_args()


async def measure(args: argparse.Namespace, manifest: dict[str, Any]) -> int:
    from tfo_mcp import demo
    from tfo_mcp.context.collector import collect_context
    from tfo_mcp.context.investigate import INVESTIGATED, investigate

    now = datetime.fromisoformat(manifest["now"])
    org = demo.org_id(0)
    start = now - timedelta(hours=args.window)
    await settle(org, now)

    async def together() -> dict[str, Any]:
        return await investigate(org, time_from=start.isoformat(), time_to=now.isoformat())

    async def one_by_one() -> None:
        for kind in INVESTIGATED:
            await collect_context(kind, org, time_from=start, time_to=now)

    answer = await together()  # warm-up
    await one_by_one()
    joint, serial = [], []
    for _ in range(args.runs):  # alternate, so machine noise hits both alike
        began = time.perf_counter()
        answer = await together()
        joint.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        await one_by_one()
        serial.append((time.perf_counter() - began) * 1000)
    print(f"investigate, {args.window:g} h window, {len(INVESTIGATED)} contexts, {args.runs} runs")
    print(f"{'':<28}{'p50 ms':>9}{'p95 ms':>9}")
    print(f"{'investigate':<28}{statistics.median(joint):>9.1f}{percentile(joint, 0.95):>9.1f}"
          f"   target p95 <= {P95_TARGET_MS:g} ms")  # fmt: skip
    print(f"{'the contexts one by one':<28}{statistics.median(serial):>9.1f}{percentile(serial, 0.95):>9.1f}")
    print(f"findings {len(answer['findings'])}, changed {answer['changed']}, unavailable {list(answer['unavailable'])}")
    print(f"summary: {answer['summary'][:300]}")
    return 0 if percentile(joint, 0.95) <= P95_TARGET_MS else 1


async def main() -> int:
    args = parse_args()
    async with dataset(args) as manifest:
        return await measure(args, manifest)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
