"""Component health: what a store or provider reports when measured, running such checks with a bound, and the
preparations (e.g. the demo seed) the server runs after it has answered `initialize`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

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


@dataclass
class Preparation:
    """Work the server does after it answers `initialize` (the demo estate's seed): what the user waits for."""

    name: str
    percent: float = 0.0
    step: str = "starting"
    error: str | None = None
    finished: bool = False
    started_at: float = field(default_factory=time.monotonic)

    def advance(self, percent: float, step: str) -> None:
        self.percent = max(self.percent, min(100.0, percent))
        self.step = step

    def finish(self, error: str | None = None) -> None:
        self.error = scrub_secrets(error) if error else None
        self.finished = True
        if error is None:
            self.percent = 100.0

    def describe(self) -> dict[str, object]:
        """The `status://health` entry."""
        state = "failed" if self.error else "ready" if self.finished else "preparing"
        entry: dict[str, object] = {"state": state, "percent": round(self.percent), "step": self.step}
        entry["seconds"] = round(time.monotonic() - self.started_at, 1)
        if self.error:
            entry["error"] = self.error
        return entry


_preparations: dict[str, Preparation] = {}


def begin_preparation(name: str) -> Preparation:
    """Register (or restart) the preparation ``name``; contexts wait for it until it finishes."""
    _preparations[name] = Preparation(name)
    return _preparations[name]


def preparations() -> dict[str, Preparation]:
    """Every preparation of this process, finished or not."""
    return dict(_preparations)


def pending_preparation() -> Preparation | None:
    """The first preparation still running (None once all have finished, failed or not)."""
    return next((p for p in _preparations.values() if not p.finished), None)
