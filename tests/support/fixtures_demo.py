"""Demo-dataset fixtures: the TFO platform schema and the deterministic demo estate, seeded once per test run.

``demo_dataset`` (session): chDB database ``tfo_demo`` in the run's one chDB data dir, plus a fresh PostgreSQL
database owned by the non-superuser app login, both migrated (``demo.migrate_platform``) and seeded with
``demo.seed(now=DemoDataset.now)`` (2 organizations, 12 services, 24 h, scale 1, seed 42; about 12 s).
``demo_store`` (function): installs settings pointing at that dataset (ClickHouse + PostgreSQL) for one test and
restores the previous settings afterwards. ``native_demo`` (session): the ``platform_legacy`` schema on the native
clickhouse-server 18.16 (its own database) holding a copy of the dataset's last NATIVE_COPY_HOURS hours of the core
tables (metrics, logs, traces, exemplars, uptime_checks, audit_logs; rollups fill from them); yields its URL.
``DemoDataset.story`` has the incident's names and times, ``org_a`` / ``org_b`` the organization ids,
``org_values(i)`` each organization's distinctive names (search org A's output for any of org B's).
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
NATIVE_DATABASE = "tfo_demo_legacy"
NATIVE_COPY_HOURS = 2
#: Core tables copied to the native server, with the time column that bounds the copy.
NATIVE_TABLES = {
    "metrics": "timestamp",
    "logs": "timestamp",
    "traces": "timestamp",
    "exemplars": "timestamp",
    "uptime_checks": "checked_at",
    "audit_logs": "timestamp",
}
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
            "TELEMETRYFLOW_MCP_MCP__TOOLSETS": "all",  # the suite calls every tool
            # figures, not speed: a loaded machine must not turn a context unavailable (the budget's own tests
            # pass theirs)
            "TELEMETRYFLOW_MCP_MCP__CONTEXT_BUDGET": "120",
            **extra,
        }


def demo_now() -> datetime:
    """The fixed ``now`` of this test run's dataset: the current minute (recent, so TTLs keep the rows)."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


async def _install(environ: dict[str, str]) -> config.LoadedSettings | None:
    from tfo_mcp.stores import clickhouse, postgres

    previous = config._current
    await clickhouse.reset()
    await postgres.reset()
    config.set_settings(config.load_settings(environ=environ))
    return previous


async def _restore(previous: config.LoadedSettings | None) -> None:
    from tfo_mcp.stores import clickhouse, postgres

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


def _native_url(native_url: str, database: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(native_url)._replace(path="/" + database))


def _to_native(value: Any, type_name: str) -> Any:
    """A value read from chDB (JSON) as clickhouse-driver wants it for the legacy column type."""
    if type_name.startswith("DateTime") and isinstance(value, str):
        return datetime.fromisoformat(value[:26]).replace(tzinfo=None)
    if type_name.startswith("UUID"):
        import uuid

        return uuid.UUID(str(value))
    return value


@pytest_asyncio.fixture(scope="session")
async def native_demo(demo_dataset: DemoDataset, native_url: str) -> AsyncIterator[str]:
    """The legacy schema on the native server with the last NATIVE_COPY_HOURS hours of the demo dataset."""
    from datetime import timedelta

    from tfo_mcp import demo
    from tfo_mcp.stores import clickhouse

    url = _native_url(native_url, NATIVE_DATABASE)
    previous = await _install({"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": _native_url(native_url, "default")})
    try:
        await clickhouse.get_clickhouse().execute(f"DROP DATABASE IF EXISTS {NATIVE_DATABASE}")
        await _install({"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": url})
        await demo.migrate_platform()
        result = await clickhouse.get_clickhouse().query(
            "SELECT table, name, type FROM system.columns WHERE database = currentDatabase() "
            "AND table IN %(tables)s AND default_kind NOT IN ('ALIAS', 'MATERIALIZED')",
            {"tables": tuple(NATIVE_TABLES)},
            max_rows=10_000,
        )
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, name, type_name in result.rows:
            columns.setdefault(table, []).append((name, type_name))
        since = (demo_dataset.now - timedelta(hours=NATIVE_COPY_HOURS)).replace(tzinfo=None)
        copied: dict[str, list[list[Any]]] = {}
        await _install(demo_dataset.environ(TELEMETRYFLOW_MCP_CLICKHOUSE_MAX_RESULT_BYTES=str(2**31)))
        for table, time_column in NATIVE_TABLES.items():
            select = []
            for name, _ in columns[table]:
                base, _, part = name.partition(".")
                select.append(f"map{'Keys' if part == 'key' else 'Values'}({base})" if part else name)
            rows = await clickhouse.get_clickhouse().query(
                f"SELECT {', '.join(select)} FROM {table} WHERE {time_column} >= %(since)s",
                {"since": since},
                max_rows=2_000_000,
            )
            assert not rows.truncated, f"copy of {table} was cut"
            copied[table] = [
                [_to_native(v, t) for v, (_, t) in zip(row, columns[table], strict=True)] for row in rows.rows
            ]
        await _install({"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": url})
        for table, rows in copied.items():
            await clickhouse.get_clickhouse().insert(table, [name for name, _ in columns[table]], rows)
    finally:
        await _restore(previous)
    yield url


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
