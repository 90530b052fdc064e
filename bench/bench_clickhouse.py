"""ch_query on a 3 M-row table capped at 1000 rows beside plain chDB calls, and the cost of analytics recording.

    uv run python bench/bench_clickhouse.py [--rows 3000000] [--calls 30] [--max-rows 1000] [--echo-calls 400]

One run, one embedded chDB store in a temp dir:

* insert: the 3 M rows go in through ``Backend.insert`` (TSV batches), rows/s reported;
* capped query, alternating call by call so machine noise hits every variant:
  ``ch_query via MCP`` (in-memory fastmcp Client, which also validates the output schema; the result is cut to
  ch_query's default token budget, so it holds fewer rows than the cap),
  ``ch_query`` server side (``mcp.call_tool``: middleware, tool, serialisation; no transport, no client),
  ``Backend.query`` direct, plain chDB with the same
  server-side cap (``max_result_rows`` + ``result_overflow_mode=break``) and with ``LIMIT 1001``
  (both decode the rows they keep), then a few uncapped plain calls (all 3 M rows) for contrast;
* recording: the ``echo`` tool through the in-memory client with analytics recording on and off,
  alternating, and the cost of one ``record_tool_call`` in microseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUERY = "SELECT * FROM big"
FORMAT = "JSONCompactEachRowWithNamesAndTypes"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def report(title: str, samples: dict[str, list[float]], base: str) -> None:
    print(f"\n{title}")
    print(f"{'variant':34} {'p50 ms':>10} {'p95 ms':>10} {'p50 / ' + base:>28}")
    reference = statistics.median(samples[base])
    for name, values in samples.items():
        p50 = statistics.median(values)
        print(f"{name:34} {p50:10.3f} {percentile(values, 95):10.3f} {p50 / reference:27.2f}x")


async def seed(rows: int) -> None:
    from tfo_mcp.stores import clickhouse

    backend = clickhouse.get_clickhouse()
    await backend.execute("DROP TABLE IF EXISTS big")
    await backend.execute(
        "CREATE TABLE big (id UInt64, ts DateTime64(3, 'UTC'), service LowCardinality(String), "
        "message String, value Float64) ENGINE = MergeTree ORDER BY id"
    )
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    services = [f"service-{i}" for i in range(20)]

    def generate() -> object:
        for i in range(rows):
            yield (i, base + dt.timedelta(milliseconds=i), services[i % 20], f"request {i} handled", i * 0.5)

    started = time.perf_counter()
    written = await backend.insert("big", ["id", "ts", "service", "message", "value"], generate())
    elapsed = time.perf_counter() - started
    print(f"insert: {written:,} rows through Backend.insert in {elapsed:.2f} s ({written / elapsed:,.0f} rows/s)")


async def capped_query(path: str, calls: int, max_rows: int) -> None:
    import chdb
    from fastmcp import Client

    from tfo_mcp import server
    from tfo_mcp.stores import clickhouse

    backend = clickhouse.get_clickhouse()
    capped_conn = f"{path}?readonly=1&max_result_rows={max_rows + 1}&result_overflow_mode=break"
    plain = chdb.connect(path)
    payload: dict[str, int] = {}

    def decode(data: bytes, keep: int) -> list[list[object]]:
        lines = data.split(b"\n", keep + 3)
        return [json.loads(line) for line in lines[2 : 2 + keep] if line]

    async with Client(server.mcp) as client:

        async def via_mcp() -> None:
            result = await client.call_tool_mcp("ch_query", {"query": QUERY, "max_rows": max_rows})
            assert not result.is_error and result.structured_content["truncated"] is True
            if "ch_query MCP result" not in payload:
                payload["ch_query MCP result"] = len(result.model_dump_json(by_alias=True, exclude_none=True))
                payload["ch_query rows kept (token budget)"] = result.structured_content["row_count"]
                payload["ch_query rows as JSON"] = len(json.dumps(result.structured_content["rows"]))

        async def server_side() -> None:
            result = await server.mcp.call_tool("ch_query", {"query": QUERY, "max_rows": max_rows})
            assert result.structured_content["truncated"] is True

        async def direct() -> None:
            result = await backend.query(QUERY, max_rows=max_rows)
            assert len(result.rows) == max_rows and result.truncated

        def plain_settings_sync() -> None:
            conn = chdb.connect(capped_conn)
            try:
                data = conn.query(QUERY, FORMAT).bytes()
            finally:
                conn.close()
            rows = decode(data, max_rows + 1)
            assert len(rows) == max_rows + 1
            payload.setdefault("plain capped: bytes from engine", len(data))

        def plain_limit_sync() -> None:
            data = plain.query(f"{QUERY} LIMIT {max_rows + 1}", FORMAT).bytes()
            rows = decode(data, max_rows + 1)
            assert len(rows) == max_rows + 1
            payload.setdefault("plain LIMIT: rows as JSON", len(json.dumps(rows[:max_rows])))

        async def plain_settings() -> None:
            await asyncio.to_thread(plain_settings_sync)

        async def plain_limit() -> None:
            await asyncio.to_thread(plain_limit_sync)

        variants: dict[str, Callable[[], Awaitable[None]]] = {
            "ch_query via MCP": via_mcp,
            "ch_query server side, no client": server_side,
            "Backend.query direct": direct,
            "plain chDB, server-side cap": plain_settings,
            f"plain chDB, LIMIT {max_rows + 1}": plain_limit,
        }
        samples: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(3):  # warm-up
            for fn in variants.values():
                await fn()
        for _ in range(calls):
            for name, fn in variants.items():
                started = time.perf_counter()
                await fn()
                samples[name].append((time.perf_counter() - started) * 1000)

    uncapped: list[float] = []
    for _ in range(3):
        started = time.perf_counter()
        data = await asyncio.to_thread(lambda: plain.query(QUERY, FORMAT).bytes())
        uncapped.append((time.perf_counter() - started) * 1000)
    payload["plain uncapped: bytes (all rows)"] = len(data)
    samples["plain chDB, uncapped (3 M rows)"] = uncapped
    plain.close()

    report(f"ch_query benchmark: `{QUERY}` capped at {max_rows} rows, {calls} calls each", samples, "ch_query via MCP")
    over = statistics.median(samples["ch_query via MCP"]) / statistics.median(samples["plain chDB, server-side cap"])
    print(f"\nratio ch_query via MCP / plain chDB with the same cap: {over:.2f}x")
    print("payload bytes: " + ", ".join(f"{name} {size:,}" for name, size in payload.items()))


async def recording_overhead(path: str, calls: int) -> None:
    from fastmcp import Client

    from tfo_mcp import config, server
    from tfo_mcp.analytics import recorder

    on = config.load_settings(environ=environ(path, analytics=True))
    off = config.load_settings(environ=environ(path, analytics=False))
    samples: dict[str, list[float]] = {"echo, recording off": [], "echo, recording on": []}
    config.set_settings(on)
    async with Client(server.mcp) as client:
        for _ in range(20):
            await client.call_tool("echo", {"message": "warm"})
        for _ in range(calls):
            for name, loaded in (("echo, recording off", off), ("echo, recording on", on)):
                config.set_settings(loaded)
                started = time.perf_counter()
                await client.call_tool("echo", {"message": "hello"})
                samples[name].append((time.perf_counter() - started) * 1000)
        config.set_settings(on)
        await recorder.flush()
        stats = recorder.stats()

    report(f"recording overhead: echo via MCP, {calls} calls each", samples, "echo, recording off")
    ratio = statistics.median(samples["echo, recording on"]) / statistics.median(samples["echo, recording off"])
    print(f"\nratio recording on / off: {ratio:.3f}x")

    config.set_settings(on)
    n = 20_000
    started = time.perf_counter()
    for i in range(n):
        recorder.record_tool_call("bench", "echo", {"message": "hello"}, None, None, 0.001 * i)
    per_call = (time.perf_counter() - started) / n * 1e6
    recorder.reset_stats()
    print(f"record_tool_call: {per_call:.2f} µs per call (queue append, no I/O)")
    print(f"analytics after the run: written {stats['written']:,}, dropped {stats['dropped']:,}")


def environ(path: str, analytics: bool) -> dict[str, str]:
    return {
        "TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{path}",
        "TELEMETRYFLOW_MCP_CLICKHOUSE_ANALYTICS_ENABLED": "true" if analytics else "false",
        "TELEMETRYFLOW_MCP_LOGGING__LEVEL": "WARNING",
        "TELEMETRYFLOW_MCP_MCP__TOOLSETS": "all",  # echo is in the system toolset
    }


async def main_async(args: argparse.Namespace) -> None:
    from loguru import logger

    from tfo_mcp import config
    from tfo_mcp.stores import clickhouse

    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    with tempfile.TemporaryDirectory(prefix="tfo-bench-ch-") as tmp:
        path = str(Path(tmp) / "store")
        os.environ["XDG_DATA_HOME"] = tmp
        config.set_settings(config.load_settings(environ=environ(path, analytics=False)))
        await clickhouse.migrate("server")
        await seed(args.rows)
        await capped_query(path, args.calls, args.max_rows)
        await recording_overhead(path, args.echo_calls)
        await clickhouse.reset()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--max-rows", type=int, default=1000)
    parser.add_argument("--echo-calls", type=int, default=400)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
