"""A child process that asks the result cache for one key with a slow producer (the single-flight tests).

``python -m tests.support.cache_worker REDIS_URL PREFIX KEY COUNTER_KEY SLEEP LOCK_SECONDS`` counts each run of
the producer with ``INCR COUNTER_KEY``, prints ``ready`` once started, waits for the key ``PREFIX + "go"`` (so
several children ask at the same moment), then prints the JSON value it got, on stdout.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys


async def main(url: str, prefix: str, key: str, counter_key: str, sleep: float, lock_seconds: float) -> None:
    import redis.asyncio as aioredis

    from tfo_mcp.stores.result_cache import ResultCache

    counter = aioredis.Redis.from_url(url)
    cache = ResultCache(redis_url=url, ttl_seconds=60, key_prefix=prefix)

    async def produce() -> dict[str, object]:
        run = await counter.incr(counter_key)
        await asyncio.sleep(sleep)
        return {"pid": os.getpid(), "run": run}

    print("ready", flush=True)
    while not await counter.exists(prefix + "go"):
        await asyncio.sleep(0.005)
    value = await cache.get_or_run(
        key, produce, encode=lambda v: json.dumps(v).encode(), decode=json.loads, lock_seconds=lock_seconds
    )
    print(json.dumps(value), flush=True)
    await cache.close()
    await counter.aclose()


if __name__ == "__main__":
    url, prefix, key, counter_key, sleep, lock_seconds = sys.argv[1:7]
    asyncio.run(main(url, prefix, key, counter_key, float(sleep), float(lock_seconds)))
