"""The one way this server talks to Redis (``redis.url``): a client with short timeouts, opened lazily, and the
words an outage is logged with (never the password).

Users: the shared rate-limit buckets (:mod:`tfo_mcp.auth.rate_limits`) and the context result cache
(:mod:`tfo_mcp.stores.result_cache`). ``redis`` is imported only when a client is made, so a server without
Redis does not load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from tfo_mcp.config import redact_url
from tfo_mcp.logs import scrub_secrets

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from tfo_mcp.config import Settings

#: Seconds a connection attempt or one command may take before Redis counts as unreachable: a refused connection
#: fails at once; this bounds a Redis that does not answer, with room for a busy machine's pauses.
REDIS_TIMEOUT_SECONDS = 2.0
#: Seconds to wait after a failed Redis call before trying Redis again.
REDIS_RETRY_SECONDS = 5.0


def configured_url(settings: Settings) -> str | None:
    """``redis.url`` stripped, or None when it is unset or blank."""
    url = settings.redis.url.get_secret_value().strip() if settings.redis.url is not None else ""
    return url or None


def check_url(url: str) -> None:
    """ValueError when ``url`` is not a Redis URL (its text holds no password)."""
    from redis.asyncio.connection import parse_url

    parse_url(url)


def connect(url: str) -> aioredis.Redis:
    """A client for ``url`` (connections open at the first command) with :data:`REDIS_TIMEOUT_SECONDS` timeouts."""
    import redis.asyncio as aioredis

    return aioredis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )


def redis_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a Redis call fails with when the server is down, slow or refuses."""
    from redis.exceptions import RedisError

    return (RedisError, OSError)


def outage_reason(url: str, exc: BaseException) -> str:
    """``Type: message`` for a failed Redis call, with the URL's password (as written and decoded) masked and the
    log scrubber's rules applied."""
    reason = f"{type(exc).__name__}: {exc}"
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    for form in {password, unquote(password)} if password else ():
        reason = reason.replace(form, "***")
    return scrub_secrets(reason)


def safe_url(url: str) -> str:
    """``url`` as it may be logged: password and secret parameters masked."""
    return redact_url(url)
