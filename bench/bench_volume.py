"""Whether each context's cost stays flat with data volume: its p50 at scale 30 beside scale 10, in one run.

    uv run python bench/bench_volume.py [--rounds 3] [--runs 10] [--windows 1,24] [--types metrics,logs,...]
                                        [--small 10] [--large 30] [--dir-10 ...] [--dir-30 ...]

Alternates `bench_context.py --quick` on this tree between two datasets (``--small`` seeded in ``--dir-10``,
``--large`` in ``--dir-30``; each is seeded on its first run and reused after), ``--rounds`` times each, so
machine noise hits both alike. Prints per type and window the median p50 of both and the ratio (target: the
large dataset costs at most 1.3x the small one). Rows whose small p50 is under 2 ms are printed but not
counted: the ratio of two such tiny figures is noise. A measurement, not a gate: the exit code is 0.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from bench_baseline import LINE
from trees import ROOT, python_in

TARGET = 1.3
#: Below this small-dataset p50 (ms) a ratio is noise: printed, not counted.
MIN_COUNTED_MS = 2.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--windows", default="1,24")
    parser.add_argument("--types", default="", help="comma-separated context types (default: all registered)")
    parser.add_argument("--small", type=int, default=10, help="scale of the small dataset")
    parser.add_argument("--large", type=int, default=30, help="scale of the large dataset")
    parser.add_argument("--orgs", type=int, default=2)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--dir-10", default=str(Path(tempfile.gettempdir()) / "tfo-bench-context"))
    parser.add_argument("--dir-30", default=str(Path(tempfile.gettempdir()) / "tfo-bench-context-30"))
    return parser.parse_args()


def run_dataset(scale: int, workdir: str, args: argparse.Namespace) -> dict[tuple[str, str], float]:
    """p50 per (window, type) from one `bench_context.py --quick` run of this tree on one dataset."""
    types = ["--types", args.types] if args.types else []
    argv, env = python_in(ROOT, ROOT / "bench" / "bench_context.py", "--quick", *types,
                          "--runs", str(args.runs), "--windows", args.windows, "--scale", str(scale),
                          "--orgs", str(args.orgs), "--hours", str(args.hours), "--dir", workdir)  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"bench_context.py failed on scale {scale}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return {(m[1], m[2]): float(m[3]) for m in map(LINE.match, done.stdout.splitlines()) if m}


def main() -> int:
    args = parse_args()
    samples: dict[str, dict[tuple[str, str], list[float]]] = {"small": defaultdict(list), "large": defaultdict(list)}
    for _ in range(args.rounds):
        for label, scale, workdir in (("small", args.small, args.dir_10), ("large", args.large, args.dir_30)):
            for key, p50 in run_dataset(scale, workdir, args).items():
                samples[label][key].append(p50)
    rows = []
    for key in samples["small"]:
        small = statistics.median(samples["small"][key])
        large = statistics.median(samples["large"].get(key) or [float("nan")])
        rows.append((key, small, large, large / small if small else float("nan")))
    rows.sort(key=lambda row: (float(row[0][0]), -row[3]))
    print(f"volume cost: {args.rounds} alternating rounds of {args.runs} runs; scale {args.small} vs {args.large}")
    print(f"{'window':>7} {'type':<26}{f'{args.small} p50':>11}{f'{args.large} p50':>9}{'ratio':>7}")
    counted, over = 0, []
    for (window, kind), small, large, ratio in rows:
        note = ""
        if small < MIN_COUNTED_MS:
            note = f"  (sub-{MIN_COUNTED_MS:g} ms, not counted)"
        else:
            counted += 1
            if not ratio <= TARGET:  # a NaN (type missing on the large run) counts as over
                over.append(f"{window} h {kind} {ratio:.2f}x")
        print(f"{window:>5} h {kind:<26}{small:>9.1f}ms{large:>7.1f}ms{ratio:>6.2f}x{note}")
    print(f"within the {TARGET:g}x target: {counted - len(over)} of {counted} types x windows counted")
    if over:
        print("over: " + ", ".join(over))
    return 0


if __name__ == "__main__":
    sys.exit(main())
