"""Component health: what a store or provider reports when measured, and running such checks with a bound."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping

from pydantic import BaseModel

from tfo_mcp.logs import scrub_secrets

#: When this process started (uptime in `system_info` and `status://health`).
STARTED_AT = time.time()
#: Seconds one check may take before it counts as unreachable.
CHECK_TIMEOUT = 5.0


class ComponentHealth(BaseModel):
    """One datastore or provider as measured now."""

    name: str
    configured: bool
    reachable: bool | None = None
    detail: str = ""
    latency_ms: float | None = None


HealthCheck = Callable[[], Awaitable[ComponentHealth | list[ComponentHealth]]]


async def _run_check(name: str, check: HealthCheck) -> list[ComponentHealth]:
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(check(), CHECK_TIMEOUT)
    except TimeoutError:
        return [ComponentHealth(name=name, configured=True, reachable=False, detail="health check timed out")]
    except Exception as exc:
        detail = scrub_secrets(f"{type(exc).__name__}: {exc}")[:300]
        return [ComponentHealth(name=name, configured=True, reachable=False, detail=detail)]
    items = result if isinstance(result, list) else [result]
    for item in items:
        if item.latency_ms is None and item.reachable is not None:
            item.latency_ms = round((time.perf_counter() - started) * 1000, 2)
        item.detail = scrub_secrets(item.detail)
    return items


async def run_checks(checks: Mapping[str, HealthCheck]) -> list[ComponentHealth]:
    """Run the checks concurrently, each bounded by CHECK_TIMEOUT; a failing check reports unreachable."""
    results = await asyncio.gather(*(_run_check(name, check) for name, check in checks.items()))
    return [item for group in results for item in group]
