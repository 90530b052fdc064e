"""Tokens a model reads per tool result: `collect_context` for the 78 types and `tools/list`, this tree beside an
older one, on the same dataset in one run.

    uv run python bench/bench_tokens.py --ref f095ba4 [--scale 1] [--orgs 2] [--hours 24] [--window 1]
                                        [--dir /tmp/tfo-bench-tokens]

Each tree runs in a child process (bench/trees.py) against the dataset of bench/bench_context.py (seeded by the
first child, reused by the second). A result's tokens are cl100k tokens of what the client receives: its content
blocks plus its structuredContent, as compact JSON; tools/list is counted as json.dumps prints it (as
tests/test_toolsets.py does), on the settings' default toolsets. Prints p50 / max per tree and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", help="the older tree (a commit); without it only this tree is measured")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--orgs", type=int, default=2)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--window", type=float, default=1.0)
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "tfo-bench-tokens"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Tokens per context type and of tools/list on the tree this process imports."""
    from bench_context import dataset
    from fastmcp import Client

    from tfo_mcp import demo
    from tfo_mcp.app import build_server
    from tfo_mcp.context.types import ContextType
    from tfo_mcp.tokens import count_tokens

    measured: dict[str, Any] = {"types": {}}
    args.reseed, args.types, args.quick = False, "", True
    async with dataset(args) as manifest:
        now = datetime.fromisoformat(manifest["now"])
        window = {"time_from": (now - timedelta(hours=args.window)).isoformat(), "time_to": now.isoformat()}
        async with Client(build_server()) as client:
            tools = await client.list_tools()
            measured["tools_list"] = count_tokens(  # as tests/test_toolsets.py counts it
                json.dumps([t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in tools])
            )
            measured["tools"] = len(tools)
            for kind in ContextType:
                arguments = {"context_type": kind.value, "organization_id": demo.org_id(0), **window}
                if kind.value == "custom":
                    arguments["context_id"] = "ch: SELECT count() AS n FROM logs WHERE organization_id = {org}"
                result = await client.call_tool_mcp("collect_context", arguments)
                blocks = [block.model_dump(by_alias=True, exclude_none=True, mode="json") for block in result.content]
                text = "".join(_compact(block) for block in blocks)
                if result.structured_content is not None:
                    text += _compact(result.structured_content)
                measured["types"][kind.value] = count_tokens(text)
    return measured


def run_child(tree: Path | None, args: argparse.Namespace) -> dict[str, Any]:
    from trees import python_in

    given = ["--scale", str(args.scale), "--orgs", str(args.orgs), "--hours", str(args.hours),
             "--window", str(args.window), "--dir", args.dir, "--child"]  # fmt: skip
    if tree is None:
        argv, env = [sys.executable, str(Path(__file__).resolve()), *given], dict(os.environ)
    else:
        argv, env = python_in(tree, Path(__file__).resolve(), *given)
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"the child on {tree or 'this tree'} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(trees: dict[str, dict[str, Any]]) -> None:
    names = list(trees)
    print(f"collect_context result tokens (content + structuredContent), {len(trees[names[0]]['types'])} types")
    print(f"{'tree':<12}{'p50':>8}{'max':>8}  largest{'':<18}{'tools/list':>12}{'tools':>7}")
    for name, measured in trees.items():
        sizes = measured["types"]
        largest = max(sizes, key=sizes.__getitem__)
        print(f"{name:<12}{statistics.median(sizes.values()):>8.0f}{sizes[largest]:>8}  {largest:<25}"
              f"{measured['tools_list']:>12}{measured['tools']:>7}")  # fmt: skip
    if len(names) == 2:
        now, before = (trees[name]["types"] for name in names)
        ratios = sorted(now[kind] / before[kind] for kind in now if before.get(kind))
        p50 = statistics.median(now.values()) / statistics.median(before.values())
        largest = max(now.values()) / max(before.values())
        print(f"this tree over {names[1]}: p50 {p50:.2f}x, max {largest:.2f}x; types {ratios[0]:.2f}-{ratios[-1]:.2f}x")


def main() -> int:
    args = parse_args()
    if args.child:
        print(json.dumps(asyncio.run(measure(args))))
        return 0
    from trees import checked_out

    measured = {"this tree": run_child(None, args)}
    if args.ref:
        with checked_out(args.ref) as tree:
            measured[args.ref] = run_child(tree, args)
    report(measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
