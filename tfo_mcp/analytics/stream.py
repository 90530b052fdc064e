"""The analytics stream (``nats.url`` set): records through NATS JetStream to ClickHouse, at least once, written once.

:class:`Publisher` takes every record :func:`tfo_mcp.analytics.recorder.record` makes (synchronously, never
blocking: a bounded buffer) and publishes it to the JetStream stream with its ``record_id`` as ``Nats-Msg-Id``;
a record counts as published once JetStream acknowledged it. While NATS is unreachable, or the buffer is full,
records go to the recorder's own queue (written straight to ClickHouse) and are counted as fallbacks.

:class:`Consumer` (in each server, or ``tfo-mcp analytics consume``) pulls batches from one durable consumer
shared by every replica, skips the ids ClickHouse already holds, inserts the rest and only then acknowledges the
messages; while ClickHouse fails it keeps the batch, backs off and acknowledges nothing, so the records wait in
the stream. nats-py is imported only here, when the stream is configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections import Counter
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from loguru import logger

from tfo_mcp.analytics import recorder
from tfo_mcp.config import NatsSettings, get_settings
from tfo_mcp.logs import scrub_secrets
from tfo_mcp.stores import clickhouse
from tfo_mcp.stores.background import BackgroundWriter

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.js import JetStreamContext

PUBLISH_BATCH = 1024  # records published before their acknowledgements are awaited
DUPLICATE_WINDOW = 120.0  # seconds JetStream remembers a Nats-Msg-Id (a retried publish is stored once)
FETCH_WAIT = 1.0  # seconds one pull waits for messages
RECONNECT_WAIT = 2.0
MAX_BACKOFF = 30.0
STOP_WAIT = 5.0  # seconds stop() waits for the cancelled tasks
ERROR_CHARS = 500
STORED_IDS_SQL = Path(__file__).parent.parent / "sql" / "clickhouse" / "queries" / "record_ids_stored.sql"
#: the column each table's id check narrows time on (its partition key)
TIME_COLUMN = {"session_analytics": "started_at"}


def configured() -> bool:
    """Whether the analytics stream is on (``nats.url`` set)."""
    return get_settings().nats.url is not None


def _error(where: str, exc: BaseException) -> str:
    return scrub_secrets(f"{where}: {type(exc).__name__}: {exc}")[:ERROR_CHARS]


async def connect(cfg: NatsSettings, name: str, on_error: Any) -> Client:
    """A NATS connection; ``on_error`` gets each failure. It closes when NATS drops it: the caller's loop
    connects again (nats-py's own reconnect loop does not end when its task is cancelled, which would hang
    shutdown while NATS is down)."""
    from nats.aio.client import Client

    assert cfg.url is not None
    client = Client()

    async def error_cb(exc: Exception) -> None:
        on_error(exc)

    await client.connect(
        cfg.url.get_secret_value(),
        name=name,
        connect_timeout=2,
        allow_reconnect=False,
        error_cb=error_cb,
    )
    return client


async def ensure_stream(js: JetStreamContext, cfg: NatsSettings) -> None:
    """Create the stream when missing: file storage, limits retention, ``max_age`` / ``max_bytes``."""
    from nats.js.api import RetentionPolicy, StorageType, StreamConfig
    from nats.js.errors import NotFoundError

    try:
        await js.stream_info(cfg.stream)
        return
    except NotFoundError:
        pass
    await js.add_stream(
        StreamConfig(
            name=cfg.stream,
            subjects=[f"{cfg.subject_prefix}.>"],
            storage=StorageType.FILE,
            retention=RetentionPolicy.LIMITS,
            max_age=cfg.max_age,
            max_bytes=cfg.max_bytes,
            duplicate_window=DUPLICATE_WINDOW,
        )
    )
    logger.info("analytics stream {} created", cfg.stream)


def encode(queued: recorder.Queued) -> bytes:
    """One record as a message body (JSON: table, record time, row with this server's id)."""
    table, row, now = queued
    row = {**row, "server_id": row.get("server_id") or recorder.server_id()}
    return orjson.dumps({"table": table, "at": now, "row": row}, default=str)


def decode(data: bytes) -> recorder.Queued:
    """The record of a message body; ValueError when it is not one."""
    body = orjson.loads(data)
    table, row = body["table"], body["row"]
    if table not in recorder.TABLES or not isinstance(row, dict) or not row.get("record_id"):
        raise ValueError("not an analytics record")
    return table, row, dt.datetime.fromisoformat(body["at"])


# --------------------------------------------------------------------------- publishing


class Publisher:
    """The buffer between ``record()`` and JetStream, its publishing task and counters."""

    def __init__(self) -> None:
        self.buffer: BackgroundWriter[recorder.Queued] = BackgroundWriter(
            "tfo-analytics-publisher", lambda: get_settings().nats.buffer_size
        )
        self.client: Client | None = None
        self.js: JetStreamContext | None = None
        self.published = 0
        self.fallbacks = 0
        self.last_error: str | None = None

    def offer(self, queued: recorder.Queued) -> bool:
        """Take a record for publishing; False (counted as a fallback) while NATS is down or the buffer is full."""
        client = self.client
        if client is None or not client.is_connected or not self.buffer.put(queued):
            self.fallbacks += 1
            return False
        self.buffer.wake()
        return True

    def _on_error(self, exc: Exception) -> None:
        self.last_error = _error("nats", exc)

    async def run(self) -> None:
        """Connect (retrying), make sure the stream exists, then publish what the buffer gets."""
        cfg = get_settings().nats
        backoff = 0.0
        while True:
            if self.client is None or self.client.is_closed or self.js is None:
                await self._connect(cfg)
                continue
            await self.buffer.wait(1.0)
            while self.buffer and self.client.is_connected:
                batch = self.buffer.take(PUBLISH_BATCH)
                self.buffer.busy = True
                try:
                    failed = await self._publish(self.js, cfg, batch)
                finally:
                    self.buffer.busy = False
                if failed:  # back to the front of the buffer: published again under the same Nats-Msg-Id
                    self.buffer.put_back(failed)
                    backoff = min(max(backoff * 2, 0.5), MAX_BACKOFF)
                    await asyncio.sleep(backoff)
                else:
                    backoff = 0.0

    async def _connect(self, cfg: NatsSettings) -> None:
        """Connect and make sure the stream exists; on failure say why and wait a little."""
        self.js = None
        try:
            self.client = await connect(cfg, "tfo-mcp-analytics-publisher", self._on_error)
            js = self.client.jetstream(timeout=cfg.publish_timeout)
            await ensure_stream(js, cfg)
            self.js = js
        except Exception as exc:
            self.last_error = _error("connect", exc)
            await asyncio.sleep(RECONNECT_WAIT)

    async def _publish(
        self, js: JetStreamContext, cfg: NatsSettings, batch: list[recorder.Queued]
    ) -> list[recorder.Queued]:
        """Publish a batch and wait for JetStream's acknowledgements; return the records not acknowledged."""
        futures: list[asyncio.Future[Any] | None] = []
        for queued in batch:
            try:
                future = await js.publish_async(
                    f"{cfg.subject_prefix}.{queued[0]}",
                    encode(queued),
                    wait_stall=cfg.publish_timeout,
                    headers={"Nats-Msg-Id": queued[1]["record_id"]},
                )
            except Exception as exc:
                self.last_error = _error("publish", exc)
                future = None
            futures.append(future)
        pending = [future for future in futures if future is not None]
        if pending:
            await asyncio.wait(pending, timeout=cfg.publish_timeout)
        failed = []
        for queued, future in zip(batch, futures, strict=True):
            if future is not None and future.done() and not future.cancelled() and future.exception() is None:
                self.published += 1
                continue
            if future is not None:
                if not future.done():
                    future.cancel()
                elif not future.cancelled() and future.exception() is not None:
                    self.last_error = _error("publish", future.exception())  # type: ignore[arg-type]
                else:
                    self.last_error = "publish: no acknowledgement from JetStream in time"
            failed.append(queued)
        return failed

    async def close(self) -> None:
        """Hand the records not yet published to the recorder's queue, then close the connection."""
        recorder.fall_back(self.buffer.take())
        client, self.client, self.js = self.client, None, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close()

    def stats(self) -> dict[str, Any]:
        client = self.client
        return {
            "connected": bool(client is not None and client.is_connected and self.js is not None),
            "published": self.published,
            "pending": len(self.buffer),
            "fallbacks": self.fallbacks,
            "last_error": self.last_error,
        }


# --------------------------------------------------------------------------- consuming


@cache
def _stored_ids_sql() -> str:
    return STORED_IDS_SQL.read_text(encoding="utf-8")


async def write_once(records: list[recorder.Queued]) -> Counter[str]:
    """Insert the records whose ids ClickHouse does not hold yet; return how many were inserted per table.

    Raises when ClickHouse fails: nothing of the batch may then be acknowledged.
    """
    await clickhouse.ensure_schema()
    backend = clickhouse.get_clickhouse()
    sid = recorder.server_id()
    by_table: dict[str, dict[str, tuple[Any, ...]]] = {}
    for table, row, now in records:
        by_table.setdefault(table, {})[row["record_id"]] = recorder.to_row(table, dict(row), now, sid)
    inserted: Counter[str] = Counter()
    for table, rows in by_table.items():
        columns = list(recorder.TABLES[table])
        time_index = columns.index(TIME_COLUMN.get(table, "timestamp"))
        times = [row[time_index] for row in rows.values()]
        sql = _stored_ids_sql().format(table=table, time_column=TIME_COLUMN.get(table, "timestamp"))
        params = {
            "since": min(times) - dt.timedelta(seconds=1),
            "until": max(times) + dt.timedelta(seconds=1),
            "ids": list(rows),
        }
        stored = {found for (found,) in (await backend.query(sql, params, readonly=False)).rows}
        fresh = [row for record_id, row in rows.items() if record_id not in stored]
        if fresh:
            await backend.insert(table, columns, fresh)
        inserted[table] += len(fresh)
    return inserted


class Consumer:
    """One puller of the shared durable consumer: batches into ClickHouse, acknowledged after the insert."""

    def __init__(self) -> None:
        self.written: Counter[str] = Counter()  # rows inserted, per table
        self.acked = 0
        self.duplicates = 0
        self.rejected = 0
        self.retries = 0
        self.waiting = 0  # messages held while ClickHouse fails
        self.last_error: str | None = None
        self.client: Client | None = None

    def _on_error(self, exc: Exception) -> None:
        self.last_error = _error("nats", exc)

    async def run(self) -> None:
        """Pull, write and acknowledge until cancelled."""
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        cfg = get_settings().nats
        while True:
            try:
                if self.client is None or self.client.is_closed:
                    self.client = await connect(cfg, "tfo-mcp-analytics-consumer", self._on_error)
                js = self.client.jetstream(timeout=cfg.publish_timeout)
                await ensure_stream(js, cfg)
                subscription = await js.pull_subscribe(
                    f"{cfg.subject_prefix}.>",
                    durable=cfg.durable,
                    stream=cfg.stream,
                    config=ConsumerConfig(
                        durable_name=cfg.durable,
                        ack_policy=AckPolicy.EXPLICIT,
                        deliver_policy=DeliverPolicy.ALL,
                        ack_wait=cfg.ack_wait,
                        max_deliver=-1,
                        max_ack_pending=max(cfg.batch_size * 4, 1000),
                    ),
                )
            except Exception as exc:
                self.last_error = _error("consumer", exc)
                await asyncio.sleep(RECONNECT_WAIT)
                continue
            while not self.client.is_closed:
                try:
                    messages = await subscription.fetch(cfg.batch_size, timeout=FETCH_WAIT)
                except TimeoutError:
                    continue
                except Exception as exc:  # NATS away: nats-py reconnects, or closes and we connect again
                    self.last_error = _error("fetch", exc)
                    await asyncio.sleep(FETCH_WAIT)
                    continue
                await self.handle(messages, cfg)

    async def handle(self, messages: list[Msg], cfg: NatsSettings) -> None:
        """Write one fetched batch (retrying with back-off until ClickHouse takes it), then acknowledge it."""
        records, valid = [], []
        for message in messages:
            try:
                records.append(decode(message.data))
                valid.append(message)
            except (ValueError, KeyError, TypeError):
                self.rejected += 1
                with contextlib.suppress(Exception):
                    await message.term()  # never a record: delivering it again cannot help
        backoff = 0.0
        self.waiting = len(valid)
        while records:
            try:
                inserted = await write_once(records)
                break
            except Exception as exc:
                self.last_error = _error("clickhouse", exc)
                self.retries += 1
                backoff = min(max(backoff * 2, 1.0), MAX_BACKOFF, cfg.ack_wait / 3)
                await asyncio.sleep(backoff)
                for message in valid:  # still being worked on: not redelivered to another replica meanwhile
                    with contextlib.suppress(Exception):
                        await message.in_progress()
        else:
            inserted = Counter()
        self.written.update(inserted)
        self.duplicates += len(records) - sum(inserted.values())
        for message in valid:
            with contextlib.suppress(Exception):
                await message.ack()
        self.acked += len(valid)
        self.waiting = 0

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.close()

    def stats(self) -> dict[str, Any]:
        return {
            "acked": self.acked,
            "written": sum(self.written.values()),
            "duplicates_skipped": self.duplicates,
            "waiting": self.waiting,
            "rejected": self.rejected,
            "clickhouse_retries": self.retries,
            "last_error": self.last_error,
        }


# --------------------------------------------------------------------------- in a server


class _Stream:
    """The publisher and (``nats.consumer: internal``) the consumer of this process, with their tasks."""

    def __init__(self) -> None:
        self.publisher: Publisher | None = None
        self.consumer: Consumer | None = None
        self.tasks: list[asyncio.Task[None]] = []


_stream = _Stream()


def stats() -> dict[str, Any]:
    """The stream's counters (in ``status://health`` -> analytics -> stream)."""
    cfg = get_settings().nats
    result: dict[str, Any] = {"stream": cfg.stream, "consumer": cfg.consumer}
    if _stream.publisher is not None:
        result.update(_stream.publisher.stats())
    if _stream.consumer is not None:
        result["consumer_stats"] = _stream.consumer.stats()
    return result


async def start() -> None:
    """Route records through the stream, and run the consumer here unless it is external (the start hook)."""
    if not configured() or not recorder.enabled() or _stream.tasks:
        return
    loop = asyncio.get_running_loop()
    publisher = Publisher()
    _stream.publisher = publisher
    publisher.buffer.start(loop, publisher.run)
    _stream.tasks.append(publisher.buffer.task)  # type: ignore[arg-type]
    if get_settings().nats.consumer == "internal":
        _stream.consumer = Consumer()
        _stream.tasks.append(loop.create_task(_stream.consumer.run(), name="tfo-analytics-consumer"))
    recorder.set_publisher(publisher.offer, stats)


async def stop() -> None:
    """Stop publishing (records not yet published go to the recorder's queue) and consuming (the stop hook).

    A batch the consumer holds unacknowledged is delivered again to another consumer after ``nats.ack_wait``.
    """
    recorder.set_publisher(None)
    publisher, consumer = _stream.publisher, _stream.consumer
    if publisher is not None:
        deadline = time.monotonic() + get_settings().nats.publish_timeout
        while (publisher.buffer or publisher.buffer.busy) and publisher.js is not None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # let what is buffered reach JetStream first
    tasks, _stream.tasks = _stream.tasks, []
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=STOP_WAIT)
    if publisher is not None:
        publisher.buffer.task = None
        publisher.buffer.detach()
        await publisher.close()
    if consumer is not None:
        await consumer.close()
    _stream.publisher = _stream.consumer = None


async def consume_until_stopped(stop_event: asyncio.Event) -> dict[str, Any]:
    """Run one consumer until ``stop_event`` is set (``tfo-mcp analytics consume``); return its counters."""
    consumer = Consumer()
    task = asyncio.create_task(consumer.run(), name="tfo-analytics-consumer")
    try:
        await stop_event.wait()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        await consumer.close()
        await clickhouse.reset()
    return consumer.stats()
