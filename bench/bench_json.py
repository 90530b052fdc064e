"""JSON and token accounting on a 1,000-row result: the standard library beside orjson, and the token budget's cost.

    uv run python bench/bench_json.py [--rows 1000] [--runs 200]

A ch_query-shaped payload (columns, types, rows of an integer, a timestamp, a service, a float and a message) is
serialised and parsed with ``json`` and ``orjson``, alternating run by run; then the cost of sizing it in cl100k
tokens (``count_tokens`` of the whole) and of cutting it to ch_query's default budget (``results.fit``). Prints
p50 per step in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def payload(rows: int) -> dict[str, Any]:
    return {
        "columns": ["n", "timestamp", "service", "duration_ms", "message"],
        "types": ["UInt64", "DateTime", "String", "Float64", "String"],
        "rows": [
            [n, f"2026-12-01 10:{n % 60:02d}:00", f"service-{n % 12}", n * 1.5, "GET /api/cart ok"] for n in range(rows)
        ],
        "row_count": rows,
        "truncated": True,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    import orjson

    from tfo_mcp import results, toolsets
    from tfo_mcp.tokens import count_tokens

    table = payload(args.rows)
    text = json.dumps(table, separators=(",", ":"))
    budget = toolsets.entry("ch_query").budget
    count_tokens("warm up the encoding")
    steps: dict[str, Callable[[], Any]] = {
        "json.dumps": lambda: json.dumps(table, separators=(",", ":")),
        "orjson.dumps": lambda: orjson.dumps(table),
        "json.loads": lambda: json.loads(text),
        "orjson.loads": lambda: orjson.loads(text),
        "size in bytes, json": lambda: len(json.dumps(table, separators=(",", ":")).encode()),
        "size in bytes, orjson": lambda: len(orjson.dumps(table)),
        "count_tokens of the whole": lambda: count_tokens(text),
        f"results.fit to {budget} tokens": lambda: results.fit(table, budget),
    }
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(args.runs):
        for name, step in steps.items():
            started = time.perf_counter()
            step()
            samples[name].append((time.perf_counter() - started) * 1000)
    kept = results.fit(table, budget)
    print(f"{args.rows} rows, {len(text):,} bytes as compact JSON, {count_tokens(text):,} tokens; {args.runs} runs")
    for name, values in samples.items():
        print(f"{name:<32}{statistics.median(values):>9.3f} ms")
    print(f"cut to {budget} tokens: {kept['row_count']} rows kept, cut={kept.get('cut')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
