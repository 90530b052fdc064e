"""The stores layer stands alone: it imports without the server, and its bounded background writer."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path

from tfo_mcp.stores.background import BackgroundWriter

REPO = Path(__file__).resolve().parents[1]


def test_stores_and_recorder_import_without_the_server() -> None:
    code = (
        "import json, sys\n"
        "import tfo_mcp.stores.clickhouse, tfo_mcp.stores.postgres, tfo_mcp.analytics.recorder\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('tfo_mcp'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = json.loads(result.stdout.splitlines()[-1])
    above = [m for m in loaded if m in ("tfo_mcp.app", "tfo_mcp.server") or m.split(".")[:2] == ["tfo_mcp", "tools"]]
    assert above == [], above
    assert not [m for m in loaded if m.startswith(("tfo_mcp.context", "tfo_mcp.llm"))]


async def test_background_writer_drops_and_counts_when_full() -> None:
    writer: BackgroundWriter[int] = BackgroundWriter("test-writer", lambda: 3)
    assert [writer.put(i, "a" if i % 2 else "b") for i in range(6)] == [True, True, True, False, False, False]
    assert len(writer) == 3 and writer.dropped == {"a": 2, "b": 1}
    assert writer.take(2) == [0, 1] and writer.take() == [2] and writer.take() == []
    writer.put(7)
    writer.drop_queued(lambda item: "c")
    assert len(writer) == 0 and writer.dropped["c"] == 1
    writer.clear()
    assert writer.dropped == {}


async def test_background_writer_is_woken_from_another_thread_and_drains() -> None:
    writer: BackgroundWriter[int] = BackgroundWriter("test-writer", lambda: 100)
    written: list[int] = []

    async def write() -> None:
        while True:
            await writer.wait()
            writer.busy = True
            written.extend(writer.take())
            writer.busy = False

    writer.start(asyncio.get_running_loop(), write)
    thread = threading.Thread(target=lambda: (writer.put(1), writer.wake()))
    thread.start()
    thread.join()
    assert await writer.drained(2.0, write) and written == [1]
    await writer.stop()
    assert not writer.running()
    writer.put(2)  # no writer runs: drained() starts one on this loop
    assert await writer.drained(2.0, write) and written == [1, 2]
    await writer.stop()
    writer.detach()
    writer.wake()  # nothing bound: a no-op


async def test_background_writer_drained_times_out_while_a_batch_is_held() -> None:
    writer: BackgroundWriter[int] = BackgroundWriter("test-writer", lambda: 10)
    writer.busy = True
    assert await writer.drained(0.05, lambda: asyncio.sleep(0)) is False
