"""Summary tables with a month of history: granules of 256 rows (platform migration 008) vs ClickHouse's 8,192.

    uv run python bench/bench_granules.py [--dir /tmp/tfo-bench-context] [--days 30] [--runs 20]

Needs a dataset seeded by ``bench/bench_context.py`` in ``--dir`` (it has one day). For each summary family read
by a core context, the seeded day of its 15-minute table is copied ``--days`` times, a day further back each time,
into two scratch tables that differ only in ``index_granularity``; then the context's own SQL reads the last 24 h
of organization A from each, alternating, and the p50s are printed side by side. The scratch tables are dropped
at the end. ClickHouse reads and decodes whole granules, so with the default a 24 h read also decodes the
sketches of neighbouring days and services.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from tfo_mcp.stores.clickhouse_backend import Backend

#: (context SQL, summary table it reads at 24 h, extra parameters)
QUERIES = (
    ("signals_trace_stats", "service_request_stats_15m", {"service": ""}),
    ("signals_uptime_stats", "uptime_monitor_stats_15m", {}),
    ("signals_logs_error_patterns", "log_error_patterns_15m", {"service": ""}),
)
GRANULARITIES = (8192, 256)  # the baseline (ClickHouse's default) first
TIME_COLUMN = "fifteen_minutes"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "tfo-bench-context"))
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=20)
    return parser.parse_args()


async def make_copy(backend: Backend, table: str, granularity: int, days: int, since: datetime) -> str:
    """A scratch copy of ``table``'s rows since ``since``, repeated ``days`` times a day apart, at ``granularity``."""
    scratch = f"bench_{table}_g{granularity}"
    keys = await backend.query(
        "SELECT sorting_key, partition_key FROM system.tables WHERE database = currentDatabase() AND name = %(t)s",
        {"t": table},
    )
    sorting_key, partition_key = keys.rows[0]
    await backend.execute(f"DROP TABLE IF EXISTS {scratch}")
    await backend.execute(
        f"CREATE TABLE {scratch} AS {table} ENGINE = AggregatingMergeTree PARTITION BY {partition_key} "
        f"ORDER BY ({sorting_key}) SETTINGS index_granularity = {granularity}"
    )
    columns = (await backend.query(f"SELECT * FROM {table} LIMIT 0")).columns
    listed = ", ".join(f"{c} - INTERVAL %(day)s DAY" if c == TIME_COLUMN else c for c in columns)
    for day in range(days):
        await backend.execute(
            f"INSERT INTO {scratch} SELECT {listed} FROM {table} WHERE {TIME_COLUMN} >= %(since)s",
            {"day": day, "since": since},
        )
    await backend.execute(f"OPTIMIZE TABLE {scratch} FINAL")
    return scratch


async def bench(args: argparse.Namespace, workdir: Path) -> None:
    from tfo_mcp import demo
    from tfo_mcp.context.sources import load_sql
    from tfo_mcp.stores import clickhouse

    manifest = json.loads((workdir / "manifest.json").read_text())
    now = datetime.fromisoformat(manifest["now"])
    end = now.replace(minute=now.minute - now.minute % 15)
    start = end - timedelta(hours=24)
    backend = clickhouse.get_clickhouse()
    params = {"org": demo.org_id(0), "bucket_from": start, "bucket_to": end}
    print(f"{args.days} days of 15-minute summary rows; the last 24 h of one organization, p50 of {args.runs}")
    print(f"{'query':<30} {'rows':>8} {'granules 8192':>14} {'granules 256':>13} {'ratio':>7}")
    for name, table, extra in QUERIES:
        scratches = [await make_copy(backend, table, g, args.days, start) for g in GRANULARITIES]
        text = load_sql(name)
        sqls = [text.replace("{table}", s).replace("{time}", TIME_COLUMN) for s in scratches]
        answers = [(await backend.query(sql, params | extra, readonly=True)).rows for sql in sqls]
        assert answers[0] == answers[1], f"{name}: the two copies disagree"
        samples: list[list[float]] = [[], []]
        for _ in range(args.runs):
            for index, sql in enumerate(sqls):
                started = time.perf_counter()
                await backend.query(sql, params | extra, readonly=True)
                samples[index].append((time.perf_counter() - started) * 1000)
        total = (await backend.query(f"SELECT count() FROM {scratches[1]}")).rows[0][0]
        base, ours = (statistics.median(s) for s in samples)
        print(f"{name:<30} {total:>8,} {base:>11.1f} ms {ours:>10.1f} ms {base / ours:>6.1f}x", flush=True)
        for scratch in scratches:
            await backend.execute(f"DROP TABLE IF EXISTS {scratch}")


async def main() -> int:
    args = parse_args()
    workdir = Path(args.dir)
    if not (workdir / "manifest.json").exists():
        print(f"no dataset in {workdir}: run bench/bench_context.py --dir {workdir} first", file=sys.stderr)
        return 2
    from tfo_mcp import config
    from tfo_mcp.stores import clickhouse

    environ = {
        "TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{workdir / 'chdb'}",
        "TELEMETRYFLOW_MCP_CLICKHOUSE_ANALYTICS_ENABLED": "false",
        "TELEMETRYFLOW_MCP_LOGGING_LEVEL": "WARNING",
    }
    config.set_settings(config.load_settings(environ=environ))
    try:
        await bench(args, workdir)
    finally:
        await clickhouse.reset()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
