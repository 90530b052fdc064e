"""A short-lived cache with single-flight for results that are costly to compute and the same for everyone who
may ask (collect_context and investigate results), in Redis when ``redis.url`` is set, else in this process.

:meth:`ResultCache.get_or_run` serves a stored result while it is younger than the TTL; otherwise exactly one
caller runs the work and the others asking the same key at the same time wait for its result:

* Redis: the runner holds ``<key>:lock`` (``SET NX PX`` with a random token, taken by a script only while no
  value is stored, released by a script only by its holder); the others poll the value key until it appears, or
  until the lock is gone (the runner failed, or died and its lock expired) and one of them takes it, or until the
  bound passes and they run it themselves.
* Memory: one task per key; callers arriving meanwhile await it.

Values are bytes the caller encodes (zlib-compressed above :data:`COMPRESS_ABOVE`); larger than
``max_entry_bytes`` they are not stored. A Redis failure never reaches the caller: the work runs uncached, one
warning is logged per outage and Redis is tried again after :data:`REDIS_RETRY_SECONDS`. The caller decides the
key: it must already name everything the result depends on (the organization the caller was allowed).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from loguru import logger

from tfo_mcp.stores import redis_client
from tfo_mcp.stores.redis_client import REDIS_RETRY_SECONDS

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from redis.commands.core import AsyncScript

    from tfo_mcp.config import Settings

T = TypeVar("T")

DEFAULT_PREFIX = "tfo-mcp:cache:"
#: Encoded values above this many bytes are stored zlib-compressed.
COMPRESS_ABOVE = 16 * 1024
#: Bytes of values the in-memory cache holds before the oldest are dropped.
MAX_MEMORY_BYTES = 64 * 1024 * 1024
_RAW, _ZLIB = b"j", b"z"
#: Poll interval of a caller waiting for another's result: starts here, doubles up to _POLL_MAX.
_POLL_MIN, _POLL_MAX = 0.01, 0.1

# KEYS: value, lock; ARGV: a token, the lock's TTL in ms. The stored value, else 1 when this caller took the lock,
# else 0 (another holds it). One step: a value stored (and its lock released) between a separate GET and SET NX
# would otherwise be missed and run a second time.
_CLAIM_SCRIPT = """
local value = redis.call('GET', KEYS[1])
if value then return value end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""

# KEYS: value, lock; ARGV: the holder's token, the value ('' = nothing to store), its TTL in ms.
# Stores the value, then deletes the lock if this holder still holds it (an expired lock may be another's now).
_PUBLISH_SCRIPT = """
if ARGV[2] ~= '' then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 1
"""


@dataclass
class CacheCounters:
    """What this process's cache did since it started (the `status://health` ``context_cache`` entry)."""

    hits: int = 0  # answered from a stored result (including after waiting for another caller's run)
    misses: int = 0  # ran the work
    waits: int = 0  # waited for another caller (another process, with Redis) running the same key
    errors: int = 0  # Redis calls that failed (the work then ran uncached)
    not_stored: int = 0  # results not stored: the caller said not to, or larger than max_entry_bytes


class ResultCache:
    """Results by key for ``ttl_seconds``, in Redis when ``redis_url`` is given, else in memory; 0 s: off."""

    def __init__(
        self,
        *,
        redis_url: str | None,
        ttl_seconds: float,
        max_entry_bytes: int = 1024 * 1024,
        key_prefix: str = DEFAULT_PREFIX,
    ) -> None:
        """A malformed ``redis_url`` raises ValueError (without its password)."""
        self._url = redis_url.strip() if redis_url and redis_url.strip() else None
        if self._url is not None:
            redis_client.check_url(self._url)
        self.ttl_seconds = float(ttl_seconds)
        self._max_entry_bytes = max_entry_bytes
        self._prefix = key_prefix
        self.counters = CacheCounters()
        self._redis: aioredis.Redis | None = None
        self._claim: AsyncScript | None = None
        self._publish: AsyncScript | None = None
        self._down = False
        self._retry_at = 0.0
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._memory_bytes = 0
        self._running: dict[str, asyncio.Future[tuple[Any, bytes | None]]] = {}

    @property
    def backend(self) -> str:
        """``redis``, ``memory`` or ``off``."""
        if self.ttl_seconds <= 0:
            return "off"
        return "redis" if self._url is not None else "memory"

    def stats(self) -> dict[str, Any]:
        """Backend, TTL, whether Redis answers now, and the counters."""
        body: dict[str, Any] = {"backend": self.backend, "ttl_seconds": self.ttl_seconds}
        if self.backend == "redis":
            body["redis_reachable"] = not self._down
        return {**body, **asdict(self.counters)}

    async def get_or_run(
        self,
        key: str,
        produce: Callable[[], Awaitable[T]],
        *,
        encode: Callable[[T], bytes | None],
        decode: Callable[[bytes], T],
        lock_seconds: float,
    ) -> T:
        """The stored result for ``key``, else ``produce()``'s, run once across the callers asking at the same time.

        ``encode`` gives the bytes to store (None: do not store this one, e.g. a failure), ``decode`` turns
        them back. ``lock_seconds`` bounds how long one run may hold the key: callers waiting longer (its
        runner died or hangs) run it themselves. Exceptions from ``produce`` reach its caller.
        """
        if self.backend == "off":
            return await produce()
        if self.backend == "memory":
            return await self._memory(key, produce, encode, decode)
        if time.monotonic() < self._retry_at:
            return await produce()
        return await self._shared(key, produce, encode, decode, lock_seconds)

    async def close(self) -> None:
        """Close the Redis connections (a later call opens them again)."""
        client, self._redis, self._claim, self._publish = self._redis, None, None, None
        if client is not None:
            await client.aclose()

    # values

    def _pack(self, encoded: bytes | None) -> bytes | None:
        if encoded is None:
            self.counters.not_stored += 1
            return None
        packed = _ZLIB + zlib.compress(encoded, 1) if len(encoded) > COMPRESS_ABOVE else _RAW + encoded
        if len(packed) > self._max_entry_bytes:
            self.counters.not_stored += 1
            return None
        return packed

    @staticmethod
    def _unpack(packed: bytes) -> bytes:
        return zlib.decompress(packed[1:]) if packed[:1] == _ZLIB else packed[1:]

    # memory

    async def _memory(
        self,
        key: str,
        produce: Callable[[], Awaitable[T]],
        encode: Callable[[T], bytes | None],
        decode: Callable[[bytes], T],
    ) -> T:
        entry = self._entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            self.counters.hits += 1
            return decode(self._unpack(entry[1]))
        running = self._running.get(key)
        if running is not None:
            self.counters.waits += 1
            value, packed = await asyncio.shield(running)
            self.counters.hits += 1
            return decode(self._unpack(packed)) if packed is not None else value
        self.counters.misses += 1

        async def run() -> tuple[Any, bytes | None]:
            value = await produce()
            return value, self._pack(encode(value))

        # A task of its own: a caller that gives up (cancelled) does not cancel the run the others wait for.
        task = asyncio.ensure_future(run())
        self._running[key] = task
        task.add_done_callback(lambda done: self._settle(key, done))
        value, _ = await asyncio.shield(task)
        return value

    def _settle(self, key: str, task: asyncio.Future[tuple[Any, bytes | None]]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if task.cancelled() or task.exception() is not None:  # retrieved here, so never "never retrieved"
            return
        _, packed = task.result()
        if packed is None:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self._memory_bytes -= len(previous[1])
        self._entries[key] = (time.monotonic() + self.ttl_seconds, packed)
        self._memory_bytes += len(packed)
        while self._memory_bytes > MAX_MEMORY_BYTES and self._entries:
            _, (_, dropped) = self._entries.popitem(last=False)
            self._memory_bytes -= len(dropped)

    # Redis

    async def _shared(
        self,
        key: str,
        produce: Callable[[], Awaitable[T]],
        encode: Callable[[T], bytes | None],
        decode: Callable[[bytes], T],
        lock_seconds: float,
    ) -> T:
        value_key, lock_key = self._prefix + key, f"{self._prefix}{key}:lock"
        token = secrets.token_hex(16)
        lock_ms = max(1, int(lock_seconds * 1000))
        deadline = time.monotonic() + lock_seconds
        held, waited, delay = False, False, _POLL_MIN
        try:
            self._client()
            assert self._claim is not None
            while True:
                claimed = await self._claim(keys=[value_key, lock_key], args=[token, lock_ms])
                if isinstance(claimed, bytes):
                    self._reachable()
                    self.counters.hits += 1
                    return decode(self._unpack(claimed))
                if claimed == 1:
                    held = True
                    break
                if time.monotonic() >= deadline:
                    break  # the runner outlived its bound: run it here (and store the result)
                if not waited:
                    waited = True
                    self.counters.waits += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, _POLL_MAX)
        except redis_client.redis_errors() as exc:
            self._failed(exc)
            return await produce()
        self._reachable()
        self.counters.misses += 1
        try:
            value = await produce()
        except BaseException:
            if held:
                await self._publish_safely(value_key, lock_key, token, b"", 0)
            raise
        packed = self._pack(encode(value))
        await self._publish_safely(value_key, lock_key, token, packed or b"", max(1, int(self.ttl_seconds * 1000)))
        return value

    def _client(self) -> aioredis.Redis:
        if self._redis is None:
            assert self._url is not None
            self._redis = redis_client.connect(self._url)
            self._claim = self._redis.register_script(_CLAIM_SCRIPT)
            self._publish = self._redis.register_script(_PUBLISH_SCRIPT)
        return self._redis

    async def _publish_safely(self, value_key: str, lock_key: str, token: str, packed: bytes, ttl_ms: int) -> None:
        """Store the value (if any) and release the lock; a Redis failure is counted and logged, never raised."""
        try:
            self._client()
            assert self._publish is not None
            await self._publish(keys=[value_key, lock_key], args=[token, packed, ttl_ms])
        except redis_client.redis_errors() as exc:
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        self.counters.errors += 1
        self._retry_at = time.monotonic() + REDIS_RETRY_SECONDS
        if self._down:
            return
        self._down = True
        logger.warning(
            "Context cache: Redis at {} unreachable ({}); running uncached, retrying every {:g} s",
            redis_client.safe_url(self._url or ""),
            redis_client.outage_reason(self._url or "", exc),
            REDIS_RETRY_SECONDS,
        )

    def _reachable(self) -> None:
        if self._down:
            self._down = False
            logger.info("Context cache: Redis at {} reachable again", redis_client.safe_url(self._url or ""))


def store_fingerprint(settings: Settings) -> str:
    """A short hash of this server's version and store URLs: deployments sharing one Redis never share entries
    (the URLs, which may hold passwords, are never stored or logged in clear)."""
    from tfo_mcp import __version__

    parts = [__version__]
    for secret in (settings.clickhouse.url, settings.postgres.url):
        parts.append(secret.get_secret_value().strip() if secret is not None else "")
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:16]


_cache: ResultCache | None = None
_built_for: Settings | None = None


def context_cache() -> ResultCache:
    """This process's cache, built from ``cache.*`` and ``redis.url`` (rebuilt when other settings are installed)."""
    from tfo_mcp.config import get_settings

    global _cache, _built_for
    settings = get_settings()
    if _cache is None or _built_for is not settings:
        url = redis_client.configured_url(settings)
        options = {
            "ttl_seconds": settings.cache.context_ttl_seconds,
            "max_entry_bytes": settings.cache.max_entry_bytes,
            "key_prefix": f"{DEFAULT_PREFIX}{store_fingerprint(settings)}:",
        }
        try:
            _cache = ResultCache(redis_url=url, **options)
        except ValueError:  # a malformed redis.url costs the sharing, never a context
            logger.warning("Context cache: redis.url is not a Redis URL; caching in this process's memory")
            _cache = ResultCache(redis_url=None, **options)
        _built_for = settings
    return _cache


def cache_stats() -> dict[str, Any]:
    """The `status://health` entry: this process's context cache backend, TTL and counters."""
    return context_cache().stats()


async def stop() -> None:
    """Close the cache's Redis connections (the context capability's stop hook)."""
    if _cache is not None:
        await _cache.close()
