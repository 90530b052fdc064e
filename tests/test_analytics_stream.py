"""The analytics stream against the real NATS JetStream at 127.0.0.1:4222 and real ClickHouse (chDB).

Each test has its own stream, subjects and durable consumer, deleted afterwards. clickhouse-server 18.16 cannot
hold the analytics tables (no DateTime64/LowCardinality/TTL expressions), so the ClickHouse outage is the
embedded engine's: the consumer runs as its own process with chDB inside it, and is SIGKILLed (ClickHouse gone,
mid-batch, before its acknowledgements) and started again 30 s later.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.support.fixtures_clickhouse import clickhouse_settings
from tests.support.mcp_process import HttpServer, free_port, server_env
from tfo_mcp.analytics import recorder, stream
from tfo_mcp.stores import clickhouse

NATS_URL = "nats://127.0.0.1:4222"
DEADLINE = 120.0


async def _jetstream() -> Any:
    import nats

    try:
        client = await nats.connect(NATS_URL, connect_timeout=5, allow_reconnect=False)
    except Exception as exc:
        pytest.fail(f"NATS with JetStream must run at {NATS_URL}: {exc}", pytrace=False)
    return client


@pytest.fixture
async def names() -> AsyncIterator[dict[str, str]]:
    """``TELEMETRYFLOW_MCP_NATS__*`` of a stream and durable consumer of this test alone (deleted after it)."""
    unique = uuid.uuid4().hex[:10]
    env = {
        "TELEMETRYFLOW_MCP_NATS__URL": NATS_URL,
        "TELEMETRYFLOW_MCP_NATS__STREAM": f"TFO_TEST_{unique}",
        "TELEMETRYFLOW_MCP_NATS__SUBJECT_PREFIX": f"tfo-test.{unique}",
        "TELEMETRYFLOW_MCP_NATS__DURABLE": f"writer-{unique}",
        "TELEMETRYFLOW_MCP_NATS__ACK_WAIT": "5",
    }
    client = await _jetstream()
    try:
        yield env
    finally:
        with contextlib.suppress(Exception):  # never created
            await client.jetstream().delete_stream(env["TELEMETRYFLOW_MCP_NATS__STREAM"])
        await client.close()


@pytest.fixture
async def stream_store(chdb_dir: Path, names: dict[str, str]) -> AsyncIterator[dict[str, str]]:
    """This process records into the stream (consumer external unless a test runs one), chDB migrated."""
    await clickhouse.reset()
    extra = {**names, "TELEMETRYFLOW_MCP_CLICKHOUSE_SERVER_ID": f"test-{uuid.uuid4().hex[:12]}",
             "TELEMETRYFLOW_MCP_NATS__CONSUMER": "external"}  # fmt: skip
    with clickhouse_settings(f"chdb://{chdb_dir}", **extra):
        await clickhouse.migrate("server")
        recorder.reset_stats()
        try:
            yield extra
        finally:
            await stream.stop()
            await recorder.stop()
            recorder.reset_stats()
            await clickhouse.reset()


async def _until(check: Any, what: str, timeout: float = DEADLINE, detail: Any = None) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}{f': {detail()}' if detail else ''}", pytrace=False)
        await asyncio.sleep(0.2)


async def _counts(table: str, server_ids: list[str]) -> tuple[int, int]:
    """(rows, distinct record ids) of ``table`` for these servers, read in this process."""
    result = await clickhouse.get_clickhouse().query(
        f"SELECT count(), uniqExact(record_id) FROM {table} WHERE server_id IN %(ids)s", {"ids": server_ids}
    )
    rows, ids = result.rows[0]
    return int(rows), int(ids)


async def _drained(env: dict[str, str]) -> bool:
    """Whether the durable consumer exists and has every stored message acknowledged."""
    from nats.js.errors import NotFoundError

    client = await _jetstream()
    try:
        info = await client.jetstream().consumer_info(
            env["TELEMETRYFLOW_MCP_NATS__STREAM"], env["TELEMETRYFLOW_MCP_NATS__DURABLE"]
        )
        return info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq > 0
    except NotFoundError:
        return False
    finally:
        await client.close()


async def _stream_messages(env: dict[str, str]) -> dict[str, int]:
    """Messages stored in the test's stream, per table."""
    client = await _jetstream()
    try:
        info = await client.jetstream().stream_info(env["TELEMETRYFLOW_MCP_NATS__STREAM"], subjects_filter=">")
    finally:
        await client.close()
    return {subject.rsplit(".", 1)[1]: count for subject, count in (info.state.subjects or {}).items()}


async def test_records_are_published_consumed_and_written_once(stream_store: dict[str, str]) -> None:
    sid = stream_store["TELEMETRYFLOW_MCP_CLICKHOUSE_SERVER_ID"]
    consumer = stream.Consumer()
    consuming = asyncio.create_task(consumer.run())
    try:
        await recorder.start()
        await stream.start()
        await _until(lambda: _value(stream.stats()["connected"]), "the publisher to connect")
        for index in range(300):
            recorder.record("tool_calls", {"tool_name": "echo", "duration_ms": index})
        for _ in range(50):
            recorder.record("resource_access", {"resource_uri": "status://health"})
        await _until(lambda: _value(stream.stats()["published"] == 350), "350 acknowledged publishes")
        await _until(
            lambda: _value(consumer.acked == 350), "350 records written and acknowledged", detail=consumer.stats
        )
    finally:
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)
        await consumer.close()
    assert await _counts("tool_calls", [sid]) == (300, 300)
    assert await _counts("resource_access", [sid]) == (50, 50)
    assert await _stream_messages(stream_store) == {"tool_calls": 300, "resource_access": 50}
    health = recorder.stats()
    assert health["stream"]["fallbacks"] == 0 and health["stream"]["pending"] == 0
    assert health["written"] == 0  # nothing went the direct way


async def _value(value: Any) -> Any:
    return value


async def test_a_batch_redelivered_after_a_crash_before_ack_is_written_once(stream_store: dict[str, str]) -> None:
    """A consumer inserts a batch and dies before acknowledging it: JetStream delivers it again after ack_wait,
    and the second insert skips every id already stored."""
    from nats.js.api import AckPolicy, ConsumerConfig

    sid = stream_store["TELEMETRYFLOW_MCP_CLICKHOUSE_SERVER_ID"]
    await recorder.start()
    await stream.start()
    await _until(lambda: _value(stream.stats()["connected"]), "the publisher to connect")
    for _ in range(100):
        recorder.record("tool_calls", {"tool_name": "crash"})
    await _until(lambda: _value(stream.stats()["published"] == 100), "100 acknowledged publishes")

    crashed = await _jetstream()  # the consumer that crashes: same durable, writes, never acknowledges
    subscription = await crashed.jetstream().pull_subscribe(
        f"{stream_store['TELEMETRYFLOW_MCP_NATS__SUBJECT_PREFIX']}.>",
        durable=stream_store["TELEMETRYFLOW_MCP_NATS__DURABLE"],
        stream=stream_store["TELEMETRYFLOW_MCP_NATS__STREAM"],
        config=ConsumerConfig(
            durable_name=stream_store["TELEMETRYFLOW_MCP_NATS__DURABLE"], ack_policy=AckPolicy.EXPLICIT, ack_wait=5
        ),
    )
    taken: list[Any] = []
    while len(taken) < 100:
        taken += await subscription.fetch(100 - len(taken), timeout=10)
    await stream.write_once([stream.decode(message.data) for message in taken])
    await crashed.close()  # gone before any acknowledgement
    assert await _counts("tool_calls", [sid]) == (100, 100)

    consumer = stream.Consumer()
    consuming = asyncio.create_task(consumer.run())
    try:
        await _until(lambda: _value(consumer.acked == 100), "the redelivered batch to be acknowledged")
    finally:
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)
        await consumer.close()
    assert consumer.stats()["duplicates_skipped"] == 100 and consumer.stats()["written"] == 0
    assert await _counts("tool_calls", [sid]) == (100, 100)


async def test_clickhouse_unreachable_the_consumer_holds_the_batch_unacknowledged_until_it_is_back(
    stream_store: dict[str, str],
) -> None:
    """ClickHouse refuses connections: the consumer retries with back-off, acknowledges nothing and keeps the
    batch from being delivered to anyone else (past ack_wait); once ClickHouse answers, every record lands once."""
    sid = stream_store["TELEMETRYFLOW_MCP_CLICKHOUSE_SERVER_ID"]
    await recorder.start()
    await stream.start()
    await _until(lambda: _value(stream.stats()["connected"]), "the publisher to connect")
    consumer = stream.Consumer()
    with clickhouse_settings(f"clickhouse://default@127.0.0.1:{free_port()}/default", **stream_store):
        await clickhouse.reset()
        consuming = asyncio.create_task(consumer.run())
        for _ in range(120):
            recorder.record("tool_calls", {"tool_name": "outage"})
        await _until(lambda: _value(stream.stats()["published"] == 120), "120 acknowledged publishes")
        await _until(lambda: _value(consumer.retries >= 3), "the consumer to retry", detail=consumer.stats)
        await asyncio.sleep(6)  # longer than ack_wait (5 s)
        info = await _consumer_info(stream_store)
        held = consumer.waiting
        assert held > 0 and info.num_ack_pending == held and info.num_redelivered == 0, info
        assert info.num_pending + held == 120, info  # the rest still waits in the stream
        assert consumer.acked == 0 and "clickhouse" in (consumer.last_error or "")
    await clickhouse.reset()  # ClickHouse (the chDB store) is back
    try:
        await _until(lambda: _value(consumer.acked == 120), "the held batch to land", detail=consumer.stats)
    finally:
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)
        await consumer.close()
    assert await _counts("tool_calls", [sid]) == (120, 120)


async def _consumer_info(env: dict[str, str]) -> Any:
    client = await _jetstream()
    try:
        return await client.jetstream().consumer_info(
            env["TELEMETRYFLOW_MCP_NATS__STREAM"], env["TELEMETRYFLOW_MCP_NATS__DURABLE"]
        )
    finally:
        await client.close()


# --------------------------------------------------------------------------- real server processes


def _replica(cwd: Path, names: dict[str, str], server_id: str, **extra: str) -> HttpServer:
    """A server publishing to the stream and running no consumer; its own ClickHouse is a closed port, so
    everything it records reaches ClickHouse through the stream or not at all."""
    cwd.mkdir(parents=True, exist_ok=True)
    env = {
        **names,
        "TELEMETRYFLOW_MCP_NATS__CONSUMER": "external",
        "TELEMETRYFLOW_MCP_CLICKHOUSE__URL": f"clickhouse://127.0.0.1:{free_port()}/default",
        "TELEMETRYFLOW_MCP_CLICKHOUSE__SERVER_ID": server_id,
        "XDG_DATA_HOME": str(cwd / "data"),
        **extra,
    }
    return HttpServer(cwd, env=env).wait_ready()


class _Session:
    """A real MCP client session over streamable HTTP."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server

    async def __aenter__(self) -> ClientSession:
        self._http = httpx.AsyncClient(timeout=60)
        self._transport = streamable_http_client(self.server.url, http_client=self._http)
        read, write, *_ = await self._transport.__aenter__()
        self._session = ClientSession(read, write)
        session = await self._session.__aenter__()
        await session.initialize()
        return session

    async def __aexit__(self, *exc: Any) -> None:
        for closing in (self._session.__aexit__(*exc), self._transport.__aexit__(*exc), self._http.aclose()):
            with contextlib.suppress(BaseException):  # the server may be dead (SIGKILL test)
                await closing


async def _health(session: ClientSession) -> dict[str, Any]:
    return json.loads((await session.read_resource("status://health")).contents[0].text)["analytics"]


async def _calls(server: HttpServer, count: int, done: list[int], concurrency: int = 8) -> None:
    """``count`` echo calls through one session, ``concurrency`` at a time; ``done[0]`` counts answered ones."""
    async with _Session(server) as session:
        remaining = iter(range(count))

        async def worker() -> None:
            for index in remaining:
                result = await session.call_tool("echo", {"message": f"m{index}"})
                assert not result.isError
                done[0] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def _consumer_process(cwd: Path, names: dict[str, str], chdb: Path) -> subprocess.Popen[bytes]:
    env = server_env({**names, "TELEMETRYFLOW_MCP_CLICKHOUSE__URL": f"chdb://{chdb}", "XDG_DATA_HOME": str(cwd)})
    log = open(cwd / "consumer.log", "ab")  # noqa: SIM115 - kept open by the child
    return subprocess.Popen(
        [sys.executable, "-m", "tfo_mcp", "analytics", "consume"], cwd=cwd, env=env, stdout=log, stderr=log
    )


COUNT_SCRIPT = """
import asyncio, json, sys
from tfo_mcp import config
from tfo_mcp.stores import clickhouse
config.set_settings(config.load_settings(environ={"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": sys.argv[1]}))
async def main():
    result = await clickhouse.get_clickhouse().query(sys.argv[2], json.loads(sys.argv[3]))
    print(json.dumps([list(row) for row in result.rows]))
asyncio.run(main())
"""


def _count_in(chdb: Path, table: str, server_ids: list[str], tool: str) -> tuple[int, int]:
    """(rows, distinct ids) of the consumer's chDB store, read by a process of its own (one process per store)."""
    sql = f"SELECT count(), uniqExact(record_id) FROM {table} WHERE server_id IN %(ids)s AND tool_name = %(tool)s"
    output = subprocess.run(
        [sys.executable, "-c", COUNT_SCRIPT, f"chdb://{chdb}", sql, json.dumps({"ids": server_ids, "tool": tool})],
        capture_output=True, text=True, timeout=120, check=True, env=server_env(),
    ).stdout  # fmt: skip
    rows, ids = json.loads(output)[0]
    return int(rows), int(ids)


@pytest.mark.slow
async def test_clickhouse_gone_for_30s_during_a_burst_through_two_replicas_loses_nothing(
    tmp_path: Path, names: dict[str, str]
) -> None:
    """1,000 tool calls through two server processes; the consumer process (with its embedded ClickHouse) is
    SIGKILLed mid-burst and started again 30 s later: every call is in ClickHouse exactly once."""
    chdb = tmp_path / "clickhouse"
    replicas = [_replica(tmp_path / name, names, name) for name in ("replica-a", "replica-b")]
    consumer = _consumer_process(tmp_path, names, chdb)
    try:
        done = [0]
        burst = asyncio.gather(*(_calls(replica, 500, done) for replica in replicas))
        await _until(lambda: _value(done[0] >= 200 or burst.done()), "200 answered calls")
        consumer.send_signal(signal.SIGKILL)  # ClickHouse gone, whatever it was writing unacknowledged
        consumer.wait(timeout=30)
        killed_at = time.monotonic()
        await burst
        assert done[0] == 1000
        for replica in replicas:
            async with _Session(replica) as session:
                health = await _health(session)
            assert health["stream"]["fallbacks"] == 0, health
        await asyncio.sleep(max(0.0, 30 - (time.monotonic() - killed_at)))
        consumer = _consumer_process(tmp_path, names, chdb)
        await _until(lambda: _drained(names), "every message to be acknowledged", timeout=180)
        consumer.send_signal(signal.SIGTERM)
        assert consumer.wait(timeout=60) == 0
    finally:
        if consumer.poll() is None:
            consumer.kill()
        for replica in replicas:
            replica.stop()
    assert _count_in(chdb, "tool_calls", ["replica-a", "replica-b"], "echo") == (1000, 1000)


@pytest.mark.slow
async def test_a_replica_killed_mid_burst_loses_no_acknowledged_record(
    tmp_path: Path, stream_store: dict[str, str]
) -> None:
    """Every record JetStream acknowledged to a replica SIGKILLed mid-burst ends up in ClickHouse, once."""
    names = {key: value for key, value in stream_store.items() if key.startswith("TELEMETRYFLOW_MCP_NATS__")}
    names.pop("TELEMETRYFLOW_MCP_NATS__CONSUMER")
    server_id = f"doomed-{uuid.uuid4().hex[:8]}"
    replica = _replica(tmp_path / "doomed", names, server_id)
    try:
        async with _Session(replica) as session:
            for index in range(300):
                await session.call_tool("echo", {"message": f"m{index}"})
            acknowledged = (await _health(session))["stream"]["published"]
            background = asyncio.gather(_calls(replica, 2000, [0]), return_exceptions=True)
            await asyncio.sleep(1.0)
            replica.proc.send_signal(signal.SIGKILL)
            await background
    finally:
        replica.stop()
    consumer = stream.Consumer()
    consuming = asyncio.create_task(consumer.run())
    try:
        await _until(lambda: _drained(names), "the stream to be drained")
    finally:
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)
        await consumer.close()
    stored = await _stream_messages(names)
    # session_analytics keeps one row per session (ReplacingMergeTree): its rows are versions, not records
    tables = [table for table in stored if table != "session_analytics"]
    written = {table: await _counts(table, [server_id]) for table in tables}
    assert written == {table: (stored[table], stored[table]) for table in tables}  # every stored record, once
    assert stored["tool_calls"] > 300
    assert sum(stored.values()) >= acknowledged  # what it reported acknowledged before the kill is among them


async def test_nats_down_the_server_keeps_serving_and_counts_fallbacks(tmp_path: Path) -> None:
    """NATS at a closed port: calls are answered, records fall back to the direct ClickHouse queue and are
    written there, and the health resource says so."""
    closed = {"TELEMETRYFLOW_MCP_NATS__URL": f"nats://127.0.0.1:{free_port()}"}
    replica = _replica(
        tmp_path / "alone", closed, "alone", TELEMETRYFLOW_MCP_CLICKHOUSE__URL=f"chdb://{tmp_path / 'alone' / 'ch'}"
    )
    try:
        async with _Session(replica) as session:
            for index in range(20):
                result = await session.call_tool("echo", {"message": f"m{index}"})
                assert not result.isError
            health = await _until(lambda: _written(session, 20), "the fallback rows to be written")
    finally:
        replica.stop()
    assert health["stream"]["connected"] is False and health["stream"]["published"] == 0
    assert health["stream"]["fallbacks"] >= 20
    assert health["dropped"] == 0


async def _written(session: ClientSession, count: int) -> dict[str, Any] | None:
    health = await _health(session)
    return health if health["tables"].get("tool_calls", {}).get("written", 0) >= count else None


def test_the_consumer_command_needs_nats_url(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tfo_mcp", "analytics", "consume"],
        cwd=tmp_path, env=server_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and "nats.url" in result.stderr and result.stdout == ""
