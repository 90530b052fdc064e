"""The offline evaluation of the context collectors: planted incidents among chronic noise, scored.

    uv run python bench/evaluate.py [--seed 7] [--json out.json] [--write-score] [--no-investigate] [--verbose]

Generates the scenarios (``tfo_mcp.evaluation.scenarios``: one organization each) into a throwaway chDB
directory (chDB allows one data directory per process, so never the user's store) and a database of its own,
runs the scorer (``tfo_mcp.evaluation.scorer``) and prints the per-class table. ``--write-score`` stores the
rates in tfo_mcp/evaluation/score.json (the figure tests/test_evaluation.py holds the collectors to);
``--verbose`` prints every failed check with the summary it scored.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "tfo_evaluation"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="write the full result (every check) to this file")
    parser.add_argument("--write-score", action="store_true", help="update tfo_mcp/evaluation/score.json")
    parser.add_argument("--no-investigate", action="store_true", help="score the contexts only")
    parser.add_argument("--verbose", action="store_true", help="print every failed check")
    return parser.parse_args()


async def main() -> int:
    args = parse_args()
    from loguru import logger

    from tfo_mcp import config, demo
    from tfo_mcp.evaluation import scenarios, scorer, store_score
    from tfo_mcp.stores import clickhouse

    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    workdir = Path(tempfile.mkdtemp(prefix="tfo-evaluate-"))
    try:
        environ = {"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{workdir / 'chdb'}?database={DATABASE}"}
        config.set_settings(config.load_settings(environ=environ))
        started = time.perf_counter()
        await demo.migrate_platform()
        generated = scenarios.generate(args.seed)
        counts = await scenarios.write(generated)
        written = time.perf_counter() - started
        result = await scorer.score(generated, with_investigate=not args.no_investigate)
        print(scorer.table(result))
        print(
            f"\n{len(generated)} scenarios, {sum(counts.values()):,} rows written in {written:.1f} s; "
            f"scored in {result['seconds']:.1f} s"
        )
        if args.verbose:
            for outcome in result["outcomes"]:
                if not all(outcome["checks"].values()):
                    print(json.dumps(outcome, default=str, ensure_ascii=False))
        if args.json:
            Path(args.json).write_text(json.dumps(result, default=str, indent=1), encoding="utf-8")
        if args.write_score:
            path = store_score.write(result, args.seed)
            print(f"wrote {path}")
        await clickhouse.reset()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
