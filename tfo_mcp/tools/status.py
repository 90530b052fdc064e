"""Resources `config://server` and `status://health`."""

from __future__ import annotations

import json
import time
from typing import Any

from fastmcp.server.providers import LocalProvider

from tfo_mcp import __version__, sessions
from tfo_mcp.analytics import recorder
from tfo_mcp.config import Settings, get_loaded, redacted_dump
from tfo_mcp.health import STARTED_AT, ComponentHealth, HealthCheck, preparations, run_checks
from tfo_mcp.llm.providers import llm_health
from tfo_mcp.sandbox import confinement
from tfo_mcp.stores import embedded_postgres
from tfo_mcp.stores.clickhouse import clickhouse_health
from tfo_mcp.stores.postgres import postgres_health
from tfo_mcp.stores.result_cache import cache_stats

#: Each measured component: the two stores and the LLM providers.
HEALTH_CHECKS: dict[str, HealthCheck] = {
    "clickhouse": clickhouse_health,
    "postgres": postgres_health,
    "llm": llm_health,
}


async def check_components() -> list[ComponentHealth]:
    """Every component measured now (`status://health`, `tfo-mcp doctor`); the postgres line says when the server
    is the demo's embedded one (``embedded, pid N, port P, ...``)."""
    components = await run_checks(HEALTH_CHECKS)
    embedded = embedded_postgres.status_line(get_loaded().settings)
    for item in components:
        if embedded and item.name == "postgres":
            item.detail = f"{embedded}; {item.detail}" if item.configured else f"{item.detail}; {embedded}"
    return components


def postgres_mode() -> str:
    """How PostgreSQL is provided: ``embedded, pid N, port P, ...``, ``external (postgres.url)`` or ``not
    configured``."""
    server = embedded_postgres.current()
    if server is not None:
        return server.describe()
    return "external (postgres.url)" if get_loaded().settings.postgres.url is not None else "not configured"


async def health_report() -> dict[str, Any]:
    """The body of `status://health`: version, uptime, sessions, components, recording counters, the
    confinement `execute_command` children run under (e.g. ``{"commands": "landlock ABI 7"}``), the preparations
    after start (``{"demo estate": {"state": "preparing", "percent": 42, ...}}``) and the context cache's
    backend and counters (``{"backend": "redis", "hits": 3, "misses": 1, ...}``)."""
    components = await check_components()
    failing = [c.name for c in components if c.configured and c.reachable is False]
    return {
        "status": "degraded" if failing else "ok",
        "version": __version__,
        "uptime_seconds": round(time.time() - STARTED_AT, 3),
        "active_sessions": sessions.active_count(),
        "postgres": postgres_mode(),
        "components": [c.model_dump() for c in components],
        "analytics": recorder.stats(),
        "confinement": {"commands": confinement.current().describe()},
        "preparations": {name: item.describe() for name, item in preparations().items()},
        "context_cache": cache_stats(),
    }


def server_config() -> str:
    """The effective configuration with secrets redacted and the source of every value."""
    loaded = get_loaded()
    body = {
        "config_file": str(loaded.config_file) if loaded.config_file else None,
        "settings": redacted_dump(loaded.settings),
        "sources": loaded.sources,
    }
    return json.dumps(body, indent=2)


async def server_health() -> str:
    """Server health measured now: each datastore and LLM provider, configured and reachable."""
    return json.dumps(await health_report(), indent=2)


def provider(settings: Settings) -> LocalProvider:
    """The configuration and health resources."""
    resources = LocalProvider()
    resources.resource("config://server", mime_type="application/json")(server_config)
    resources.resource("status://health", mime_type="application/json")(server_health)
    return resources
