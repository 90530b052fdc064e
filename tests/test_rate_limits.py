"""Token-bucket rate limits (tfo_mcp.auth.rate_limits), in memory and in the real Redis at 127.0.0.1:6379.

No skips: with Redis down the Redis tests fail.
"""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
from loguru import logger

from tfo_mcp.auth.rate_limits import RateLimiter, Refusal

REDIS_URL = "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def key_prefix() -> Iterator[str]:
    """A prefix unique to the test; its keys are deleted afterwards."""
    prefix = f"tfo-mcp-test:rate:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(params=["memory", "redis"])
async def make_limiter(request: pytest.FixtureRequest) -> AsyncIterator:
    """Builds limiters on the backend under test (memory or Redis) and closes them afterwards."""
    made: list[RateLimiter] = []
    # Only the Redis runs touch Redis (and clean up their keys): the memory runs pass with Redis down.
    url, prefix = (REDIS_URL, request.getfixturevalue("key_prefix")) if request.param == "redis" else (None, "unused:")

    def make(**kwargs: int) -> RateLimiter:
        limiter = RateLimiter(redis_url=url, key_prefix=prefix, **kwargs)
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        if request.param == "redis":
            assert limiter.shared, "the Redis limiter fell back to memory: is Redis running at 127.0.0.1:6379?"
        else:
            assert not limiter.shared
        await limiter.close()


async def take(limiter: RateLimiter, count: int, identity: str, organization: str | None = None, **kw: int) -> int:
    """How many of ``count`` calls were allowed."""
    return sum([await limiter.acquire(identity, organization, **kw) is None for _ in range(count)])


async def test_sixty_a_minute_refuses_the_sixty_first(make_limiter) -> None:
    limiter = make_limiter(identity_per_minute=60)
    assert await take(limiter, 60, "alice", "acme") == 60
    refusal = await limiter.acquire("alice", "acme")
    assert isinstance(refusal, Refusal)
    assert refusal.bucket == "identity"
    assert refusal.per_minute == 60
    assert 0.5 <= refusal.retry_after <= 1.5
    # Another identity has its own bucket.
    assert await limiter.acquire("bob", "acme") is None


async def test_an_identitys_own_limit_wins(make_limiter) -> None:
    limiter = make_limiter(identity_per_minute=60)
    assert await take(limiter, 10, "key-1", None, identity_per_minute=5) == 5
    refusal = await limiter.acquire("key-1", None, identity_per_minute=5)
    assert refusal is not None
    assert (refusal.bucket, refusal.per_minute) == ("identity", 5)
    assert 6 <= refusal.retry_after <= 12.5  # one token per 12 s


async def test_organization_bucket_is_shared_and_a_refusal_takes_no_token(make_limiter) -> None:
    limiter = make_limiter(identity_per_minute=60, organization_per_minute=10)
    assert await take(limiter, 6, "alice", "acme", identity_per_minute=7) == 6
    assert await take(limiter, 4, "bob", "acme") == 4
    for identity, own in (("alice", 7), ("bob", None), ("carol", None)):
        refusal = await limiter.acquire(identity, "acme", identity_per_minute=own)
        assert refusal is not None
        assert (refusal.bucket, refusal.per_minute) == ("organization", 10)
        assert 3 <= refusal.retry_after <= 6.5  # one token per 6 s
    # Alice's identity bucket lost nothing to the refused call: exactly her 7th token is left.
    assert await limiter.acquire("alice", None, identity_per_minute=7) is None
    refusal = await limiter.acquire("alice", None, identity_per_minute=7)
    assert refusal is not None and refusal.bucket == "identity"
    # Another organization is untouched.
    assert await limiter.acquire("bob", "globex") is None


async def test_an_identity_refusal_takes_no_organization_token(make_limiter) -> None:
    limiter = make_limiter(organization_per_minute=10)
    assert await limiter.acquire("dave", "initech", identity_per_minute=1) is None
    for _ in range(5):
        refusal = await limiter.acquire("dave", "initech", identity_per_minute=1)
        assert refusal is not None and refusal.bucket == "identity"
    # One organization token was used (by dave's first call); the five refusals took none.
    assert await take(limiter, 12, "erin", "initech") == 9


async def test_both_empty_reports_the_longer_wait(make_limiter) -> None:
    limiter = make_limiter(organization_per_minute=1)
    # Identity of 2/min (a token per 30 s) and organization of 1/min (a token per 60 s), both emptied.
    assert await limiter.acquire("frank", None, identity_per_minute=2) is None
    assert await limiter.acquire("frank", "umbrella", identity_per_minute=2) is None
    refusal = await limiter.acquire("frank", "umbrella", identity_per_minute=2)
    assert refusal is not None
    assert (refusal.bucket, refusal.per_minute) == ("organization", 1)
    assert 45 <= refusal.retry_after <= 60.5
    # Swapped: identity of 1/min and organization of 2/min, the identity waits longer.
    other = make_limiter(organization_per_minute=2)
    assert await other.acquire("grace", "hooli", identity_per_minute=1) is None
    assert await other.acquire("heidi", "hooli") is None
    refusal = await other.acquire("grace", "hooli", identity_per_minute=1)
    assert refusal is not None
    assert (refusal.bucket, refusal.per_minute) == ("identity", 1)
    assert 45 <= refusal.retry_after <= 60.5


async def test_ids_that_look_alike_do_not_share_a_bucket(make_limiter) -> None:
    limiter = make_limiter(identity_per_minute=1, organization_per_minute=1)
    for identity in ("a:b", "a", "a b", "a:b ", "identity:a", "organization:a"):
        assert await limiter.acquire(identity, None) is None, identity
    for organization in ("o:1", "o", "o 1"):
        assert await limiter.acquire(f"user-{organization}", organization) is None, organization


async def test_tokens_refill_continuously(make_limiter) -> None:
    limiter = make_limiter(identity_per_minute=120)  # 2 tokens a second
    assert await take(limiter, 120, "ivan", None) == 120
    emptied = time.monotonic()
    refusal = await limiter.acquire("ivan", None)
    assert refusal is not None
    assert 0.2 <= refusal.retry_after <= 0.75
    await asyncio.sleep(0.6)  # about 1.2 tokens back
    allowed = await take(limiter, 10, "ivan", None)
    elapsed = time.monotonic() - emptied
    assert 1 <= allowed <= math.floor(elapsed * 2) + 1, (allowed, elapsed)
    # And a bucket emptied again refills at least one token within 1.5 s, however slow the machine.
    await take(limiter, 10, "ivan", None)
    await asyncio.sleep(1.5)
    assert await limiter.acquire("ivan", None) is None


async def test_limits_must_be_positive() -> None:
    for kwargs in ({"identity_per_minute": 0}, {"organization_per_minute": -1}, {"identity_per_minute": 1.5}):
        with pytest.raises(ValueError):
            RateLimiter(redis_url=None, **kwargs)
    limiter = RateLimiter(redis_url=None)
    for own in (0, -5):
        with pytest.raises(ValueError):
            await limiter.acquire("judy", None, identity_per_minute=own)
    with pytest.raises(ValueError):
        RateLimiter(redis_url="http://127.0.0.1:6379")


async def test_memory_buckets_are_bounded() -> None:
    limiter = RateLimiter(redis_url=None, identity_per_minute=1)
    for n in range(12_000):
        assert await limiter.acquire(f"caller-{n}", None) is None
    assert len(limiter._buckets) <= 10_000
    # The most recent callers are still remembered (and refused).
    assert await limiter.acquire("caller-11999", None) is not None


async def test_concurrent_tasks_cannot_overdraw(make_limiter) -> None:
    limiter = make_limiter(identity_per_minute=30, organization_per_minute=20)
    results = await asyncio.gather(*(limiter.acquire(f"task-{n % 3}", "tyrell") for n in range(100)))
    assert sum(result is None for result in results) == 20


async def test_redis_buckets_are_stored_under_the_prefix_with_a_ttl(key_prefix: str) -> None:
    limiter = RateLimiter(redis_url=REDIS_URL, key_prefix=key_prefix, identity_per_minute=5)
    try:
        assert limiter.shared
        assert await limiter.acquire("kim:with spaces", "org:1") is None
        assert limiter.shared
    finally:
        await limiter.close()
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        keys = sorted(client.scan_iter(match=f"{key_prefix}*"))
        assert [key.rsplit(":", 2)[1] for key in keys] == ["identity", "organization"]
        for key in keys:
            assert len(key.rsplit(":", 1)[1]) == 32
            assert 0 < client.ttl(key) <= 120
            state = client.hgetall(key)
            assert set(state) == {"tokens", "ts"}
        assert 3.9 <= float(client.hget(keys[0], "tokens")) <= 4.1
    finally:
        client.close()


_CHILD = """
import asyncio, json, sys, time
from tfo_mcp.auth.rate_limits import RateLimiter

async def main() -> None:
    limiter = RateLimiter(redis_url=sys.argv[1], key_prefix=sys.argv[2], identity_per_minute=int(sys.argv[3]))
    print("ready", flush=True)
    sys.stdin.readline()
    first = time.time()
    allowed = sum([await limiter.acquire("shared-caller", None) is None for _ in range(int(sys.argv[4]))])
    last = time.time()
    shared = limiter.shared
    await limiter.close()
    print(json.dumps({"allowed": allowed, "first": first, "last": last, "shared": shared}), flush=True)

asyncio.run(main())
"""


def test_two_processes_share_the_redis_buckets(key_prefix: str) -> None:
    per_minute, calls = 50, 40
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, REDIS_URL, key_prefix, str(per_minute), str(calls)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        # Both have imported and built their limiter before either calls, so the calls overlap in time.
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        reports = []
        for child in children:
            out, _ = child.communicate(timeout=60)
            assert child.returncode == 0
            reports.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert all(report["shared"] for report in reports), reports
    allowed = sum(report["allowed"] for report in reports)
    # Tokens refilled while the calls ran (50/min: one per 1.2 s): normally none, on a loaded machine maybe some.
    window = max(r["last"] for r in reports) - min(r["first"] for r in reports)
    refilled = math.floor(window * per_minute / 60)
    assert per_minute <= allowed <= per_minute + refilled, (allowed, window, reports)
    assert all(0 < report["allowed"] < calls + 1 for report in reports)


async def test_redis_down_limits_in_memory_and_logs_no_password() -> None:
    messages: list[str] = []
    sink = logger.add(lambda message: messages.append(str(message)), level="WARNING", format="{message}")
    limiter = RateLimiter(redis_url="redis://user:s3cret@127.0.0.1:1/0", identity_per_minute=3)
    try:
        started = time.monotonic()
        results = [await limiter.acquire("mallory", "acme") for _ in range(50)]
        elapsed = time.monotonic() - started
        assert not limiter.shared
    finally:
        logger.remove(sink)
        await limiter.close()
    assert [result is None for result in results[:4]] == [True, True, True, False]
    assert all(result is not None and result.bucket == "identity" for result in results[3:])
    # One warning for the outage, not one per call; and Redis is not retried on every call.
    assert len(messages) == 1, messages
    assert "127.0.0.1:1" in messages[0]
    assert "user:***@" in messages[0]
    assert "s3cret" not in messages[0]
    assert elapsed < 2.5, elapsed


async def test_rate_limiter_from_settings(key_prefix: str) -> None:
    from tfo_mcp.auth.rate_limits import rate_limiter
    from tfo_mcp.config import Settings

    settings = Settings(
        redis={"url": REDIS_URL}, server={"rate_limits": {"identity_per_minute": 2, "organization_per_minute": 3}}
    )
    limiter = rate_limiter(settings)
    limiter._key_prefix = key_prefix  # so the fixture cleans its keys up
    try:
        assert limiter.shared
        assert await take(limiter, 3, "nina", None) == 2
        assert await take(limiter, 4, "oscar", "wonka") == 2
        assert await limiter.acquire("peggy", "wonka") is None
        refusal = await limiter.acquire("peggy", "wonka")
        assert refusal is not None and (refusal.bucket, refusal.per_minute) == ("organization", 3)
        assert limiter.shared
    finally:
        await limiter.close()
    assert not rate_limiter(Settings(redis={"url": None})).shared
