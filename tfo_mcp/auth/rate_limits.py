"""Per-identity and per-organization rate limits as token buckets.

Each bucket holds at most ``per_minute`` tokens, starts full and refills continuously at ``per_minute / 60``
tokens a second; a call takes one token from its identity's bucket and one from its organization's, both or
neither. With a Redis URL the buckets live in Redis, so every server process shares them: one Lua script checks
and takes both tokens atomically on the Redis server's clock, and an idle bucket expires after two refill periods.
Without one, or while Redis cannot be reached, the buckets live in this process's memory (a Redis outage weakens
the limits to per process; it never lets calls through unlimited and never raises).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loguru import logger

from tfo_mcp.stores import redis_client
from tfo_mcp.stores.redis_client import REDIS_RETRY_SECONDS

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from redis.commands.core import AsyncScript

    from tfo_mcp.config import Settings

IDENTITY = "identity"
ORGANIZATION = "organization"

#: Seconds an idle bucket is kept in Redis: two refill periods (an empty bucket is full again after 60 s).
REDIS_TTL_SECONDS = 120
#: In-memory buckets kept before full (idle) ones are dropped, then the least recently used.
MAX_MEMORY_BUCKETS = 10_000

# KEYS: the buckets (identity, then organization if any); ARGV: each bucket's capacity, then the TTL in seconds.
# Returns {0, "0"} when a token was taken from every bucket, else {i, wait}: KEYS[i] refused (the bucket with
# the longest wait) and wait is the seconds until it holds one token. Waits and levels travel as strings:
# Redis truncates Lua numbers to integers.
_TAKE_SCRIPT = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local ttl = tonumber(ARGV[#KEYS + 1])
local levels = {}
local refused, wait = 0, 0
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[i])
  local rate = capacity / 60
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local level, stamp = tonumber(state[1]), tonumber(state[2])
  if level == nil or stamp == nil then
    level = capacity
  else
    local elapsed = now - stamp
    if elapsed < 0 then elapsed = 0 end
    level = math.min(capacity, level + elapsed * rate)
  end
  levels[i] = level
  if level < 1 then
    local needed = (1 - level) / rate
    if refused == 0 or needed > wait then refused, wait = i, needed end
  end
end
if refused ~= 0 then return {refused, string.format('%.6f', wait)} end
for i = 1, #KEYS do
  redis.call('HSET', KEYS[i], 'tokens', string.format('%.17g', levels[i] - 1), 'ts', string.format('%.6f', now))
  redis.call('EXPIRE', KEYS[i], ttl)
end
return {0, '0'}
"""


@dataclass(frozen=True)
class Refusal:
    """Why a call was refused: which bucket ('identity' or 'organization'), its limit per minute, and when to retry."""

    bucket: str
    per_minute: int
    retry_after: float  # seconds until one token is back in the emptier bucket (> 0)


@dataclass
class _Bucket:
    tokens: float
    stamp: float  # time.monotonic() of the last take
    capacity: int

    def level(self, now: float, capacity: int | None = None) -> float:
        """Tokens held at ``now`` with ``capacity`` (default: the capacity of the last take)."""
        capacity = self.capacity if capacity is None else capacity
        return min(capacity, self.tokens + (now - self.stamp) * capacity / 60)


def _check_limit(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number of calls per minute, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1 call per minute, got {value}")
    return value


class RateLimiter:
    """Token buckets per identity and per organization, in Redis when a URL is given, else in memory."""

    def __init__(
        self,
        *,
        redis_url: str | None,
        identity_per_minute: int = 60,
        organization_per_minute: int = 600,
        key_prefix: str = "tfo-mcp:rate:",
    ) -> None:
        """``redis_url`` None (or empty) keeps the buckets in memory; a malformed URL raises ValueError."""
        self._identity_per_minute = _check_limit("identity_per_minute", identity_per_minute)
        self._organization_per_minute = _check_limit("organization_per_minute", organization_per_minute)
        self._key_prefix = key_prefix
        self._redis_url = redis_url.strip() if redis_url and redis_url.strip() else None
        if self._redis_url is not None:  # redis is imported only when it is used: a server start does not wait for it
            redis_client.check_url(self._redis_url)  # ValueError now rather than at the first call
        self._redis: aioredis.Redis | None = None
        self._script: AsyncScript | None = None
        self._redis_down = False
        self._retry_at = 0.0
        self._buckets: OrderedDict[tuple[str, str], _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def shared(self) -> bool:
        """True while buckets live in Redis."""
        return self._redis_url is not None and not self._redis_down

    async def acquire(
        self, identity: str, organization: str | None, *, identity_per_minute: int | None = None
    ) -> Refusal | None:
        """Take one token from the identity's bucket and (when organization is not None) from the organization's;
        None when the call may go ahead, else the Refusal. identity_per_minute overrides the default for this
        identity (an API key's own rate_limit). A refused call takes no token from either bucket."""
        limit = (
            self._identity_per_minute
            if identity_per_minute is None
            else _check_limit("identity_per_minute", identity_per_minute)
        )
        wanted = [(IDENTITY, identity, limit)]
        if organization is not None:
            wanted.append((ORGANIZATION, organization, self._organization_per_minute))
        if self._redis_url is not None and time.monotonic() >= self._retry_at:
            try:
                refusal = await self._take_redis(wanted)
            except redis_client.redis_errors() as exc:
                self._redis_failed(exc)
            else:
                if self._redis_down:
                    self._redis_down = False
                    logger.info("Rate limits: Redis at {} reachable again; buckets are shared", self._safe_url())
                return refusal
        return self._take_memory(wanted)

    async def close(self) -> None:
        """Close the Redis connections (a later call opens them again)."""
        client, self._redis, self._script = self._redis, None, None
        if client is not None:
            await client.aclose()

    # Redis

    def _key(self, kind: str, name: str) -> str:
        # Hashed, so no colon, space or length in an id can make two buckets share a key.
        return f"{self._key_prefix}{kind}:{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:32]}"

    async def _take_redis(self, wanted: list[tuple[str, str, int]]) -> Refusal | None:
        if self._redis is None:
            self._redis = redis_client.connect(self._redis_url)
            self._script = self._redis.register_script(_TAKE_SCRIPT)
        keys = [self._key(kind, name) for kind, name, _ in wanted]
        args = [capacity for _, _, capacity in wanted] + [REDIS_TTL_SECONDS]
        # AsyncScript: EVALSHA, and on NOSCRIPT (a restarted or different server) SCRIPT LOAD then EVALSHA again.
        refused, wait = await self._script(keys=keys, args=args)
        refused = int(refused)
        if refused == 0:
            return None
        kind, _, capacity = wanted[refused - 1]
        return Refusal(kind, capacity, max(float(wait), 1e-6))

    def _redis_failed(self, exc: BaseException) -> None:
        self._retry_at = time.monotonic() + REDIS_RETRY_SECONDS
        if self._redis_down:
            return
        self._redis_down = True
        reason = redis_client.outage_reason(self._redis_url or "", exc)
        logger.warning(
            "Rate limits: Redis at {} unreachable ({}); limiting in this process's memory, retrying every {:g} s",
            self._safe_url(),
            reason,
            REDIS_RETRY_SECONDS,
        )

    def _safe_url(self) -> str:
        return redis_client.safe_url(self._redis_url or "")

    # Memory

    def _take_memory(self, wanted: list[tuple[str, str, int]]) -> Refusal | None:
        now = time.monotonic()
        # No await inside: no other task runs in between; the lock also keeps threads from over-drawing.
        with self._lock:
            levels: list[float] = []
            refusal: Refusal | None = None
            for kind, name, capacity in wanted:
                bucket = self._buckets.get((kind, name))
                level = float(capacity) if bucket is None else bucket.level(now, capacity)
                levels.append(level)
                if level < 1:
                    wait = (1 - level) * 60 / capacity
                    if refusal is None or wait > refusal.retry_after:
                        refusal = Refusal(kind, capacity, max(wait, 1e-6))
            if refusal is not None:
                return refusal
            for (kind, name, capacity), level in zip(wanted, levels, strict=True):
                self._buckets[(kind, name)] = _Bucket(level - 1, now, capacity)
                self._buckets.move_to_end((kind, name))
            if len(self._buckets) > MAX_MEMORY_BUCKETS:
                self._prune(now)
        return None

    def _prune(self, now: float) -> None:
        """Drop full buckets (a new one starts full anyway), then the least recently used down to 90 % of the cap."""
        for key in [key for key, bucket in self._buckets.items() if bucket.level(now) >= bucket.capacity]:
            del self._buckets[key]
        while len(self._buckets) > MAX_MEMORY_BUCKETS * 9 // 10:
            self._buckets.popitem(last=False)


def rate_limiter(settings: Settings) -> RateLimiter:
    """A new limiter from ``server.rate_limits`` and ``redis.url`` (each call builds its own: no cache)."""
    limits = settings.server.rate_limits
    return RateLimiter(
        redis_url=redis_client.configured_url(settings),
        identity_per_minute=limits.identity_per_minute,
        organization_per_minute=limits.organization_per_minute,
    )
