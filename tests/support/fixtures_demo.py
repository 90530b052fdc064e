"""Demo-dataset fixtures: the TFO platform schema and the deterministic demo estate, seeded once per test run.

``demo_dataset`` (session): chDB database ``tfo_demo`` in the run's one chDB data dir, plus a fresh PostgreSQL
database owned by the non-superuser app login, both migrated (``demo.migrate_platform``) and seeded with
``demo.seed(now=DemoDataset.now)`` (2 organizations, 12 services, 24 h, scale 1, seed 42; about 12 s).
``demo_store`` (function): installs settings pointing at that dataset (ClickHouse + PostgreSQL) for one test and
restores the previous settings afterwards. Collector tests use these two; ``DemoDataset.story`` has the
incident's names and times, ``org_a`` / ``org_b`` the organization ids, ``org_values(i)`` each organization's
distinctive names (search org A's output for any of org B's).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.support.pg_server import with_database
from tfo_mcp import config

DEMO_DATABASE = "tfo_demo"
DEMO_ARGS: dict[str, Any] = {"orgs": 2, "services": 12, "hours": 24, "scale": 1, "seed": 42}


@dataclass
class DemoDataset:
    """Where the seeded demo estate lives and what it contains."""

    now: datetime
    clickhouse_url: str
    postgres_url: str
    counts: dict[str, int]
    story: dict[str, Any]
    args: dict[str, Any] = field(default_factory=lambda: dict(DEMO_ARGS))

    @property
    def org_a(self) -> str:
        return self.story["organization_id"]

    @property
    def org_b(self) -> str:
        return self.story["other_organization_id"]

    def org_values(self, index: int) -> list[str]:
        from tfo_mcp import demo

        return demo.distinctive_values(index, self.args["orgs"], self.args["services"])

    def environ(self, **extra: str) -> dict[str, str]:
        return {
            "TELEMETRYFLOW_MCP_CLICKHOUSE_URL": self.clickhouse_url,
            "TELEMETRYFLOW_MCP_POSTGRES_URL": self.postgres_url,
            **extra,
        }


def demo_now() -> datetime:
    """The fixed ``now`` of this test run's dataset: the current minute (recent, so TTLs keep the rows)."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


async def _install(environ: dict[str, str]) -> config.LoadedSettings | None:
    from tfo_mcp import clickhouse, postgres

    previous = config._current
    await clickhouse.reset()
    await postgres.reset()
    config.set_settings(config.load_settings(environ=environ))
    return previous


async def _restore(previous: config.LoadedSettings | None) -> None:
    from tfo_mcp import clickhouse, postgres

    await clickhouse.reset()
    await postgres.reset()
    config._current = previous


@pytest_asyncio.fixture(scope="session")
async def demo_dataset(chdb_dir: Path, postgres_url: str, pg_roles: Any) -> AsyncIterator[DemoDataset]:
    """The demo estate in chDB (database tfo_demo) and a fresh PostgreSQL database, seeded once."""
    import psycopg

    from tfo_mcp import demo

    name = f"tfo_demo_{secrets.token_hex(3)}"
    conn = await psycopg.AsyncConnection.connect(postgres_url, autocommit=True)
    async with conn:
        await conn.execute(f"CREATE DATABASE {name} OWNER {pg_roles.app}")
    dataset = DemoDataset(
        now=demo_now(),
        clickhouse_url=f"chdb://{chdb_dir}?database={DEMO_DATABASE}",
        postgres_url=with_database(postgres_url, name, pg_roles.app, pg_roles.app_password),
        counts={},
        story={},
    )
    previous = await _install(dataset.environ())
    try:
        await demo.migrate_platform()
        dataset.counts = await demo.seed(now=dataset.now, **DEMO_ARGS)
        dataset.story = demo.story(dataset.now, DEMO_ARGS["orgs"])
    finally:
        await _restore(previous)
    try:
        yield dataset
    finally:
        conn = await psycopg.AsyncConnection.connect(postgres_url, autocommit=True)
        async with conn:
            await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest_asyncio.fixture
async def demo_store(demo_dataset: DemoDataset) -> AsyncIterator[DemoDataset]:
    """Settings pointing at the seeded demo dataset for one test (restored afterwards)."""
    previous = await _install(demo_dataset.environ())
    try:
        yield demo_dataset
    finally:
        await _restore(previous)


@pytest.fixture
def demo_settings() -> Iterator[Any]:
    """Install arbitrary ``TELEMETRYFLOW_MCP_*`` settings (a dict) for one test; restores the previous ones."""
    previous = config._current

    def install(environ: dict[str, str]) -> config.Settings:
        loaded = config.load_settings(environ=environ)
        config.set_settings(loaded)
        return loaded.settings

    yield install
    config._current = previous
