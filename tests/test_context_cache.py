"""The context result cache: real Redis (a unique key prefix per test), real child processes for single-flight,
and two real HTTP server processes sharing Redis, the native ClickHouse and PostgreSQL.

What a user relies on: the same context asked again within the TTL is answered from the cache, two replicas
asking at once run it once, a crashed runner only delays the others by the bound, a Redis outage costs only the
caching, and a credential scoped to one organization never receives another organization's cached result.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import pytest_asyncio
import redis
from fastmcp import Client
from loguru import logger

from tests.support.fixtures_demo import DemoDataset, _install, _restore
from tests.support.mcp_process import HttpServer, free_port
from tfo_mcp.app import build_server
from tfo_mcp.stores.result_cache import ResultCache, cache_stats

REDIS_URL = "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).resolve().parent.parent
OPERATOR_TOKEN = "operator-" + secrets.token_hex(12)
TOKEN_A = "org-a-" + secrets.token_hex(12)
#: cache.context_ttl_seconds of the replicas
REPLICA_TTL = 15


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    name = f"tfo-mcp-test:{secrets.token_hex(6)}:"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{name}*"))
    if keys:
        client.delete(*keys)
    client.close()


class Producer:
    """A slow producer that counts its runs."""

    def __init__(self, seconds: float = 0.2) -> None:
        self.runs = 0
        self.seconds = seconds

    async def __call__(self) -> dict[str, Any]:
        self.runs += 1
        run = self.runs
        await asyncio.sleep(self.seconds)
        return {"run": run, "rows": list(range(10))}


JSON = {"encode": orjson.dumps, "decode": orjson.loads, "lock_seconds": 30.0}


def _cache(prefix: str, backend: str, ttl: float = 2.0, **extra: Any) -> ResultCache:
    return ResultCache(redis_url=REDIS_URL if backend == "redis" else None, ttl_seconds=ttl, key_prefix=prefix, **extra)


@pytest.mark.parametrize("backend", ["redis", "memory"])
async def test_a_result_is_served_again_until_its_ttl_passes(prefix: str, backend: str) -> None:
    cache, produce = _cache(prefix, backend), Producer()
    first = await cache.get_or_run("k", produce, **JSON)
    again = await cache.get_or_run("k", produce, **JSON)
    other = await cache.get_or_run("other", produce, **JSON)
    assert first == again == {"run": 1, "rows": list(range(10))} and other["run"] == 2
    assert (cache.counters.hits, cache.counters.misses) == (1, 2)
    await asyncio.sleep(2.5)
    expired = await cache.get_or_run("k", produce, **JSON)
    assert expired["run"] == 3 and cache.counters.misses == 3
    assert cache.stats()["backend"] == backend
    await cache.close()


@pytest.mark.parametrize("backend", ["redis", "memory"])
async def test_callers_asking_at_once_in_one_process_run_it_once(prefix: str, backend: str) -> None:
    cache, produce = _cache(prefix, backend, ttl=30), Producer(seconds=1.0)
    answers = await asyncio.gather(*(cache.get_or_run("k", produce, **JSON) for _ in range(5)))
    assert produce.runs == 1 and all(answer == answers[0] for answer in answers)
    assert cache.counters.misses == 1 and cache.counters.waits == 4 and cache.counters.hits == 4
    await cache.close()


@pytest.mark.parametrize("backend", ["redis", "memory"])
async def test_results_the_caller_refuses_or_over_the_cap_are_not_stored(prefix: str, backend: str) -> None:
    cache, produce = _cache(prefix, backend, ttl=30, max_entry_bytes=1024), Producer(seconds=0)
    refused = {**JSON, "encode": lambda value: None}
    await cache.get_or_run("refused", produce, **refused)
    await cache.get_or_run("refused", produce, **refused)
    big = {**JSON, "encode": lambda value: secrets.token_hex(4096).encode()}  # random: incompressible
    await cache.get_or_run("big", produce, **big)
    await cache.get_or_run("big", produce, **big)
    assert produce.runs == 4 and cache.counters.not_stored == 4 and cache.counters.hits == 0
    large = {**JSON, "encode": lambda value: b"[" + b"1," * 50_000 + b"1]", "decode": lambda raw: len(raw)}
    await cache.get_or_run("compressible", produce, **large)
    assert await cache.get_or_run("compressible", produce, **large) == 100_003  # stored compressed, read whole
    assert cache.counters.hits == 1
    await cache.close()


def _worker(prefix: str, counter_key: str, sleep: float, lock_seconds: float) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.support.cache_worker", REDIS_URL, prefix, "k", counter_key]
    return subprocess.Popen(
        [*command, str(sleep), str(lock_seconds)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _ready(child: subprocess.Popen[str]) -> None:
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "ready", f"{line!r}; stderr: {child.stderr.read() if child.stderr else ''}"


def test_two_processes_asking_the_same_key_at_once_run_it_once(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    children = [_worker(prefix, prefix + "runs", sleep=2.0, lock_seconds=60) for _ in range(2)]
    try:
        for child in children:
            _ready(child)
        client.set(prefix + "go", 1)
        outputs = [child.communicate(timeout=120) for child in children]
    finally:
        for child in children:
            child.kill()
    assert all(child.returncode == 0 for child in children), [err for _, err in outputs]
    values = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert int(client.get(prefix + "runs")) == 1, f"the producer ran in both processes: {[e for _, e in outputs]}"
    assert values[0] == values[1] and values[0]["run"] == 1
    client.close()


async def test_a_waiter_runs_it_itself_when_the_holder_died(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    holder = _worker(prefix, prefix + "runs", sleep=600, lock_seconds=3)
    try:
        _ready(holder)
        client.set(prefix + "go", 1)
        deadline = time.monotonic() + 60
        while int(client.get(prefix + "runs") or 0) < 1:  # the holder took the lock and is producing
            assert time.monotonic() < deadline and holder.poll() is None, "the holder never started"
            time.sleep(0.02)
        assert client.exists(prefix + "k:lock")
    finally:
        holder.kill()
        holder.communicate(timeout=60)
    cache = ResultCache(redis_url=REDIS_URL, ttl_seconds=60, key_prefix=prefix)

    async def produce() -> dict[str, Any]:
        return {"run": int(client.incr(prefix + "runs")), "by": "waiter"}

    started = time.monotonic()
    value = await cache.get_or_run("k", produce, encode=orjson.dumps, decode=orjson.loads, lock_seconds=3)
    assert value == {"run": 2, "by": "waiter"} and cache.counters.waits == 1
    assert time.monotonic() - started < 60  # within the dead holder's lock TTL, not forever
    assert await cache.get_or_run("k", produce, encode=orjson.dumps, decode=orjson.loads, lock_seconds=3) == value
    await cache.close()
    client.close()


async def test_with_redis_down_every_call_still_answers_with_one_warning_and_no_password(prefix: str) -> None:
    password = "s3cret-" + secrets.token_hex(4)
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level="INFO")
    try:
        cache = ResultCache(
            redis_url=f"redis://:{password}@127.0.0.1:{free_port()}/0", ttl_seconds=30, key_prefix=prefix
        )
        produce = Producer(seconds=0)
        answers = [await cache.get_or_run("k", produce, **JSON) for _ in range(3)]
    finally:
        logger.remove(sink)
    assert [answer["run"] for answer in answers] == [1, 2, 3]  # uncached, never an error
    warnings = [line for line in lines if "Context cache" in line]
    assert len(warnings) == 1 and "unreachable" in warnings[0], lines
    assert password not in "".join(lines)
    assert cache.stats()["redis_reachable"] is False and cache.counters.errors >= 1
    await cache.close()


# --------------------------------------------------------------------------- one process, through the tools


@pytest_asyncio.fixture
async def memory_cached(demo_dataset: DemoDataset) -> AsyncIterator[DemoDataset]:
    """The demo dataset's settings with the in-memory cache (no redis.url) kept 60 s."""
    previous = await _install(demo_dataset.environ(TELEMETRYFLOW_MCP_CACHE__CONTEXT_TTL_SECONDS="60"))
    try:
        yield demo_dataset
    finally:
        await _restore(previous)


async def test_in_one_process_the_same_context_and_investigation_are_served_from_memory(
    memory_cached: DemoDataset,
) -> None:
    end = memory_cached.now - timedelta(minutes=10)
    window = {"time_from": (end - timedelta(hours=1)).isoformat(), "time_to": end.isoformat()}
    async with Client(build_server()) as client:
        first = await client.call_tool(
            "collect_context", {"context_type": "errors", "organization_id": memory_cached.org_a, **window}
        )
        counted = cache_stats()
        again = await client.call_tool(
            "collect_context", {"context_type": "errors", "organization_id": memory_cached.org_a, **window}
        )
        other = await client.call_tool(
            "collect_context", {"context_type": "errors", "organization_id": memory_cached.org_b, **window}
        )
        assert first.structured_content["status"] == "available"
        assert again.structured_content == first.structured_content != other.structured_content
        stats = cache_stats()
        assert stats["backend"] == "memory" and stats["hits"] - counted["hits"] == 1
        assert stats["misses"] - counted["misses"] == 1  # organization B ran its own
        arguments = {"organization_id": memory_cached.org_a, **window}
        investigated = await client.call_tool("investigate", arguments)
        counted = cache_stats()
        reinvestigated = await client.call_tool("investigate", arguments)
        assert reinvestigated.structured_content == investigated.structured_content
        assert cache_stats()["hits"] - counted["hits"] == 1, "investigate ran twice"


async def test_a_ttl_of_zero_turns_the_cache_off(demo_dataset: DemoDataset) -> None:
    previous = await _install(demo_dataset.environ(TELEMETRYFLOW_MCP_CACHE__CONTEXT_TTL_SECONDS="0"))
    try:
        async with Client(build_server()) as client:
            for _ in range(2):
                await client.call_tool(
                    "collect_context", {"context_type": "errors", "organization_id": demo_dataset.org_a}
                )
            assert cache_stats() == {**cache_stats(), "backend": "off", "hits": 0, "misses": 0}
    finally:
        await _restore(previous)


# --------------------------------------------------------------------------- two replicas


@dataclass
class Replicas:
    servers: list[HttpServer]
    dataset: DemoDataset

    def window(self, minutes: int) -> dict[str, str]:
        end = self.dataset.now - timedelta(minutes=minutes)
        return {"time_from": (end - timedelta(hours=1)).isoformat(), "time_to": end.isoformat()}


@pytest_asyncio.fixture(scope="module")
async def replicas(
    demo_dataset: DemoDataset, native_demo: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Replicas]:
    """Two server processes sharing Redis, the native ClickHouse (same URL: same cache namespace) and PostgreSQL."""
    env = demo_dataset.environ(
        TELEMETRYFLOW_MCP_CLICKHOUSE_URL=native_demo,
        TELEMETRYFLOW_MCP_REDIS_URL=REDIS_URL,
        TELEMETRYFLOW_MCP_CACHE__CONTEXT_TTL_SECONDS=str(REPLICA_TTL),
        TELEMETRYFLOW_MCP_SERVER__AUTH_MODE="token",
        TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN=OPERATOR_TOKEN,
        TELEMETRYFLOW_MCP_SERVER__TOKENS=json.dumps(
            [{"name": "org-a", "token": TOKEN_A, "organization": demo_dataset.org_a, "scopes": ["telemetry:read"]}]
        ),
        TELEMETRYFLOW_MCP_SERVER__RATE_LIMITS__IDENTITY_PER_MINUTE="1000",
        TELEMETRYFLOW_MCP_SERVER__RATE_LIMITS__ORGANIZATION_PER_MINUTE="10000",
    )
    servers = [HttpServer(tmp_path_factory.mktemp(f"cache-replica{n}"), env=env) for n in range(2)]
    try:
        for server in servers:
            server.wait_ready()
        yield Replicas(servers, demo_dataset)
    finally:
        for server in servers:
            server.stop()


async def _counters(server: HttpServer) -> dict[str, Any]:
    async with Client(server.url, auth=OPERATOR_TOKEN) as client:
        health = await client.read_resource("status://health")
    return json.loads(health[0].text)["context_cache"]


async def _collect(server: HttpServer, credential: str, arguments: dict[str, Any]) -> Any:
    async with Client(server.url, auth=credential, timeout=180) as client:
        return await client.call_tool("collect_context", arguments, raise_on_error=False)


def _text(result: Any) -> str:
    return json.dumps(result.structured_content) + "".join(getattr(item, "text", "") for item in result.content)


async def test_a_second_replica_is_served_from_redis_and_runs_again_after_the_ttl(replicas: Replicas) -> None:
    first, second = replicas.servers
    arguments = {"context_type": "logs", "organization_id": replicas.dataset.org_a, **replicas.window(0)}
    before = [await _counters(server) for server in replicas.servers]
    assert before[0]["backend"] == "redis" and before[0]["ttl_seconds"] == REPLICA_TTL
    ran = await _collect(first, OPERATOR_TOKEN, arguments)
    assert not ran.is_error and ran.structured_content["status"] == "available", ran.content
    served = await _collect(second, OPERATOR_TOKEN, arguments)
    after = [await _counters(server) for server in replicas.servers]
    assert served.structured_content == ran.structured_content
    assert after[0]["misses"] - before[0]["misses"] == 1  # the first replica ran it
    assert after[1]["misses"] == before[1]["misses"], "the second replica ran the context itself"
    assert after[1]["hits"] - before[1]["hits"] == 1
    await asyncio.sleep(REPLICA_TTL + 1)
    again = await _collect(second, OPERATOR_TOKEN, arguments)
    assert again.structured_content["status"] == "available"
    assert (await _counters(second))["misses"] - after[1]["misses"] == 1, "not run again after the TTL"


async def test_two_replicas_asked_at_the_same_moment_run_the_context_once(replicas: Replicas) -> None:
    arguments = {"context_type": "errors", "organization_id": replicas.dataset.org_a, **replicas.window(10)}
    before = [await _counters(server) for server in replicas.servers]
    answers = await asyncio.gather(*(_collect(server, OPERATOR_TOKEN, arguments) for server in replicas.servers))
    after = [await _counters(server) for server in replicas.servers]
    assert answers[0].structured_content == answers[1].structured_content
    assert answers[0].structured_content["status"] == "available"
    runs = sum(a["misses"] - b["misses"] for a, b in zip(after, before, strict=True))
    served = sum(a["hits"] - b["hits"] for a, b in zip(after, before, strict=True))
    assert (runs, served) == (1, 1), (before, after)  # one ran it; the other waited for it (or came just after)


async def test_a_scoped_caller_never_gets_another_organizations_cached_result(replicas: Replicas) -> None:
    first, second = replicas.servers
    window = replicas.window(5)
    of_b = await _collect(
        first, OPERATOR_TOKEN, {"context_type": "logs", "organization_id": replicas.dataset.org_b, **window}
    )
    b_values = replicas.dataset.org_values(1)
    assert any(value in _text(of_b) for value in b_values), "B's result holds B's names"
    before = await _counters(second)
    own = await _collect(second, TOKEN_A, {"context_type": "logs", **window})
    text = _text(own)
    assert own.structured_content["status"] == "available", text[:300]
    assert any(value in text for value in replicas.dataset.org_values(0))
    assert not any(value in text for value in b_values), "org A's caller was served org B's cached result"
    assert (await _counters(second))["misses"] - before["misses"] == 1
    named = await _collect(
        second, TOKEN_A, {"context_type": "logs", "organization_id": replicas.dataset.org_b, **window}
    )
    refusal = _text(named).replace(replicas.dataset.org_b, "")  # the refusal may echo the id the caller gave
    assert named.is_error and not any(value in refusal for value in b_values)
