"""Analytics records through NATS JetStream beside today's in-process queue, side by side in one run.

    uv run python bench/bench_analytics_stream.py [--records 20000] [--nats nats://127.0.0.1:4222]

For each path: the cost of ``recorder.record()`` on the caller (a tool call pays this), then the time per
record until it is safe: acknowledged by JetStream (stream) or written to ClickHouse by the flusher (queue;
the embedded chDB store in a temp dir). Best of three rounds; the benchmark's own stream is deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid

from tfo_mcp import config
from tfo_mcp.analytics import recorder, stream
from tfo_mcp.stores import clickhouse

ROW = {"tool_name": "echo", "success": 1, "duration_ms": 1.5, "input_size": 20, "output_size": 40,
       "identity": "bench", "organization_id": "org", "arguments_hash": "0" * 32, "outcome": "ok"}  # fmt: skip


async def _round(records: int, safe: callable) -> tuple[float, float]:  # type: ignore[valid-type]
    """(µs per record() call, µs per record until ``safe(records)``)."""
    started = time.perf_counter()
    for _ in range(records):
        recorder.record("tool_calls", ROW)
    recorded = time.perf_counter()
    while not safe(records):
        await asyncio.sleep(0.001)
    done = time.perf_counter()
    return (recorded - started) / records * 1e6, (done - started) / records * 1e6


async def _measure(records: int, environ: dict[str, str], via_stream: bool) -> tuple[float, float]:
    config.set_settings(config.load_settings(environ=environ))
    await clickhouse.migrate("server")
    recorder.reset_stats()
    await recorder.start()
    base = 0
    if via_stream:
        await stream.start()
        while not stream.stats()["connected"]:
            await asyncio.sleep(0.05)

        def safe(count: int) -> bool:
            return stream.stats()["published"] - base >= count
    else:

        def safe(count: int) -> bool:
            return recorder.stats()["written"] - base >= count

    results = []
    for _ in range(3):
        base = stream.stats().get("published", 0) if via_stream else recorder.stats()["written"]
        results.append(await _round(records, safe))
    await stream.stop()
    await recorder.stop()
    await clickhouse.reset()
    return min(r[0] for r in results), min(r[1] for r in results)


async def _delete_stream(url: str, name: str) -> None:
    import nats

    client = await nats.connect(url)
    try:
        await client.jetstream().delete_stream(name)
    finally:
        await client.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    args = parser.parse_args()
    store = tempfile.mkdtemp(prefix="bench-analytics-")
    common = {
        "TELEMETRYFLOW_MCP_CLICKHOUSE__URL": f"chdb://{store}",
        "TELEMETRYFLOW_MCP_CLICKHOUSE__ANALYTICS_QUEUE_SIZE": str(args.records * 2),
        "TELEMETRYFLOW_MCP_CLICKHOUSE__ANALYTICS_FLUSH_INTERVAL": "0.05",
    }
    name = f"BENCH_{uuid.uuid4().hex[:8]}"
    via_nats = {
        **common,
        "TELEMETRYFLOW_MCP_NATS__URL": args.nats,
        "TELEMETRYFLOW_MCP_NATS__STREAM": name,
        "TELEMETRYFLOW_MCP_NATS__SUBJECT_PREFIX": f"bench.{name}",
        "TELEMETRYFLOW_MCP_NATS__CONSUMER": "external",
        "TELEMETRYFLOW_MCP_NATS__BUFFER_SIZE": str(args.records * 2),
    }
    try:
        queue = await _measure(args.records, common, via_stream=False)
        published = await _measure(args.records, via_nats, via_stream=True)
    finally:
        await _delete_stream(args.nats, name)
    print(f"{args.records} tool_calls records, best of 3")
    print(f"{'path':<34} {'record() us':>12} {'until safe us/record':>22}")
    print(f"{'in-process queue -> ClickHouse':<34} {queue[0]:>12.2f} {queue[1]:>22.2f}")
    print(f"{'JetStream publish (acknowledged)':<34} {published[0]:>12.2f} {published[1]:>22.2f}")


if __name__ == "__main__":
    asyncio.run(main())
