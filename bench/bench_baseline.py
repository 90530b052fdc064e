"""What the baseline costs: each context's p50 on this tree beside an older tree without baselines, in one run.

    uv run python bench/bench_baseline.py --ref 0158f84 [--rounds 3] [--runs 10] [--windows 1,24]
                                          [--types service-health,logs,...] [--scale 10] [--dir ...]

Checks the older tree out into a temporary git worktree, then alternates `bench_context.py --quick` between the
two trees (same dataset, same ``--dir``; the data is seeded once, by this tree), ``--rounds`` times each, so
machine noise hits both alike. Prints per type and window the median p50 of both and the ratio (target: a
baseline adds at most 1.5x).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from trees import ROOT, checked_out, python_in

TARGET = 1.5
DEFAULT_TYPES = (
    "metrics,logs,traces,uptime,errors,latency,throughput,service-health,anomalies,deployment,change-events,"
    "service-map,kubernetes-pods,security-access,platform-cost"
)
LINE = re.compile(r"^\s*([\d.]+) h\s+(\S+)\s+p50\s+([\d.]+) ms\s+p95\s+([\d.]+) ms")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", required=True, help="the tree without baselines (a commit)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--windows", default="1,24")
    parser.add_argument("--types", default=DEFAULT_TYPES)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--orgs", type=int, default=2)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "tfo-bench-context"))
    return parser.parse_args()


def run_tree(tree: Path, args: argparse.Namespace) -> dict[tuple[str, str], float]:
    """p50 per (window, type) from one `bench_context.py --quick` run on ``tree``."""
    argv, env = python_in(tree, ROOT / "bench" / "bench_context.py", "--quick",
                          "--runs", str(args.runs), "--windows", args.windows, "--types", args.types,
                          "--scale", str(args.scale), "--orgs", str(args.orgs), "--hours", str(args.hours),
                          "--dir", args.dir)  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"bench_context.py failed on {tree}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    found = {}
    for line in done.stdout.splitlines():
        match = LINE.match(line)
        if match:
            found[(match[1], match[2])] = float(match[3])
    return found


def main() -> int:
    args = parse_args()
    samples: dict[str, dict[tuple[str, str], list[float]]] = {"before": defaultdict(list), "now": defaultdict(list)}
    with checked_out(args.ref) as older:
        for _ in range(args.rounds):
            for label, tree in (("now", ROOT), ("before", older)):  # "now" first: it seeds with today's schema
                for key, p50 in run_tree(tree, args).items():
                    samples[label][key].append(p50)
    print(f"baseline cost: {args.rounds} alternating rounds of {args.runs} runs; before = {args.ref}")
    print(f"{'window':>7} {'type':<18}{'before p50':>11}{'now p50':>9}{'ratio':>7}")
    over = 0
    for key in sorted(samples["now"], key=lambda k: (float(k[0]), k[1])):
        now = statistics.median(samples["now"][key])
        before = statistics.median(samples["before"].get(key) or [float("nan")])
        ratio = now / before if before else float("nan")
        over += ratio > TARGET
        print(f"{key[0]:>5} h {key[1]:<18}{before:>9.1f}ms{now:>7.1f}ms{ratio:>6.2f}x")
    print(f"over the {TARGET:g}x target: {over}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
