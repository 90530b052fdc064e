"""Resources `config://server` and `status://health`, and the health-check registry behind them."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from tfo_mcp import __version__, analytics, confinement, sessions
from tfo_mcp.config import get_loaded, redacted_dump
from tfo_mcp.logs import scrub_secrets
from tfo_mcp.server import STARTED_AT, mcp


class ComponentHealth(BaseModel):
    """One datastore or provider as measured now."""

    name: str
    configured: bool
    reachable: bool | None = None
    detail: str = ""
    latency_ms: float | None = None


HealthCheck = Callable[[], Awaitable[ComponentHealth | list[ComponentHealth]]]
_checks: dict[str, HealthCheck] = {}
CHECK_TIMEOUT = 5.0


def health_check(name: str) -> Callable[[HealthCheck], HealthCheck]:
    """Register a coroutine that measures a component (a store, the LLM providers...)."""

    def register(check: HealthCheck) -> HealthCheck:
        _checks[name] = check
        return check

    return register


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


async def check_components() -> list[ComponentHealth]:
    """Run every registered health check concurrently."""
    results = await asyncio.gather(*(_run_check(name, check) for name, check in _checks.items()))
    return [item for group in results for item in group]


async def health_report() -> dict[str, Any]:
    """The body of `status://health`: version, uptime, sessions, components, recording counters, and the
    confinement `execute_command` children run under (e.g. ``{"commands": "landlock ABI 7"}``)."""
    components = await check_components()
    failing = [c.name for c in components if c.configured and c.reachable is False]
    return {
        "status": "degraded" if failing else "ok",
        "version": __version__,
        "uptime_seconds": round(time.time() - STARTED_AT, 3),
        "active_sessions": sessions.active_count(),
        "components": [c.model_dump() for c in components],
        "analytics": analytics.stats(),
        "confinement": {"commands": confinement.current().describe()},
    }


@mcp.resource("config://server", mime_type="application/json")
def server_config() -> str:
    """The effective configuration with secrets redacted and the source of every value."""
    loaded = get_loaded()
    body = {
        "config_file": str(loaded.config_file) if loaded.config_file else None,
        "settings": redacted_dump(loaded.settings),
        "sources": loaded.sources,
    }
    return json.dumps(body, indent=2)


@mcp.resource("status://health", mime_type="application/json")
async def server_health() -> str:
    """Server health measured now: each datastore and LLM provider, configured and reachable."""
    return json.dumps(await health_report(), indent=2)
