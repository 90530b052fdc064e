"""PostgreSQL fixtures: one real server per test run, a fresh database per test module.

``postgres_url`` (session): ``TFO_TEST_POSTGRES_URL`` when set (a login that may create roles and databases),
else a throwaway server started here (tests/support/pg_server.py). No server means FAIL, never skip.

``pg_db`` (module): a fresh database owned by a non-superuser app login (``postgres.url`` points at it), plus a
read-only login (``pg_read_all_data``) for ``postgres.query_url`` tests; the settings are installed and the
tfo_mcp.stores.postgres pools reset. ``pg`` (function): the same, with the default settings re-installed per test.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio

from tests.support.pg_server import PostgresUnavailable, ThrowawayPostgres, wait_until_accepting, with_database
from tfo_mcp import config

ENV_PREFIX = "TELEMETRYFLOW_MCP_POSTGRES__"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """An admin URL of a running PostgreSQL (superuser, or CREATEROLE + CREATEDB)."""
    external = os.environ.get("TFO_TEST_POSTGRES_URL")
    if external:
        try:
            wait_until_accepting(external, timeout=15)
        except PostgresUnavailable as exc:
            pytest.fail(f"TFO_TEST_POSTGRES_URL is set but unusable: {exc}")
        yield external
        return
    server: ThrowawayPostgres | None = None
    error: Exception | None = None
    for _ in range(3):  # a port taken between choosing and binding: try another
        try:
            server = ThrowawayPostgres().start()
            break
        except PostgresUnavailable as exc:
            error = exc
            if server is not None:
                server.stop()
            server = None
    if server is None:
        pytest.fail(f"could not start a throwaway PostgreSQL: {error}")
    try:
        wait_until_accepting(server.admin_url)
        yield server.admin_url
    finally:
        server.stop()


@dataclass
class PgRoles:
    app: str
    app_password: str
    reader: str
    reader_password: str


@pytest.fixture(scope="session")
def pg_roles(postgres_url: str) -> Iterator[PgRoles]:
    """Two logins for the run: an app owner (non-superuser) and a read-only reader."""
    import psycopg
    from psycopg import sql

    suffix = secrets.token_hex(3)
    roles = PgRoles(
        app=f"tfo_test_app_{suffix}",
        app_password=secrets.token_urlsafe(12),
        reader=f"tfo_test_reader_{suffix}",
        reader_password=secrets.token_urlsafe(12),
    )
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for role, password in ((roles.app, roles.app_password), (roles.reader, roles.reader_password)):
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), password))
        if conn.info.server_version >= 140000:
            conn.execute(f"GRANT pg_read_all_data TO {roles.reader}")
    yield roles
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for role in (roles.app, roles.reader):
            conn.execute(f"DROP ROLE IF EXISTS {role}")


@dataclass
class PgDatabase:
    """A fresh database of one test module and the URLs to reach it."""

    name: str
    admin_url: str
    app_url: str
    reader_url: str
    roles: PgRoles
    previous: config.LoadedSettings | None = None
    env: dict[str, str] = field(default_factory=dict)

    async def configure(self, url: str | None = None, **settings: Any) -> None:
        """Install settings for tfo_mcp (postgres.url = the app login unless given) and reset the pools."""
        from tfo_mcp.stores import postgres

        env = {ENV_PREFIX + "URL": self.app_url if url is None else url}
        if url == "":
            env.pop(ENV_PREFIX + "URL")
        for key, value in settings.items():
            env[ENV_PREFIX + key.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
        await postgres.reset()
        config.set_settings(config.load_settings(environ=env))
        self.env = env

    async def admin(self) -> Any:
        """A separate autocommit superuser connection to this database (for checks "from the outside")."""
        import psycopg

        return await psycopg.AsyncConnection.connect(self.admin_url, autocommit=True)

    async def setup(self, sql: str, params: Any = None) -> None:
        """Run set-up SQL as the app login (so the tables belong to it, as the server's own would)."""
        import psycopg

        conn = await psycopg.AsyncConnection.connect(self.app_url, autocommit=True)
        async with conn:
            await conn.execute(sql, params)

    async def scalar(self, sql: str, params: Any = None) -> Any:
        conn = await self.admin()
        async with conn:
            cur = await conn.execute(sql, params)
            row = await cur.fetchone()
            return row[0] if row else None

    async def run(self, sql: str, params: Any = None) -> None:
        conn = await self.admin()
        async with conn:
            await conn.execute(sql, params)


@pytest_asyncio.fixture(scope="module")
async def pg_db(postgres_url: str, pg_roles: PgRoles, request: pytest.FixtureRequest) -> AsyncIterator[PgDatabase]:
    """A fresh database for this test module, owned by the app login, with tfo_mcp configured to use it."""
    import psycopg

    from tfo_mcp.stores import postgres

    module = request.module.__name__.rsplit(".", 1)[-1].replace("test_", "")[:30]
    name = f"tfo_test_{module}_{secrets.token_hex(3)}"
    conn = await psycopg.AsyncConnection.connect(postgres_url, autocommit=True)
    async with conn:
        await conn.execute(f"CREATE DATABASE {name} OWNER {pg_roles.app}")
    db = PgDatabase(
        name=name,
        admin_url=with_database(postgres_url, name),
        app_url=with_database(postgres_url, name, pg_roles.app, pg_roles.app_password),
        reader_url=with_database(postgres_url, name, pg_roles.reader, pg_roles.reader_password),
        roles=pg_roles,
        previous=config.get_loaded(),
    )
    await db.run(f"GRANT CONNECT ON DATABASE {name} TO {pg_roles.reader}")
    if await db.scalar("SHOW server_version_num") < "140000":  # no pg_read_all_data before PostgreSQL 14
        await db.run(f"GRANT USAGE ON SCHEMA public TO {pg_roles.reader}")
        grant = f"GRANT SELECT ON TABLES TO {pg_roles.reader}"
        await db.run(f"ALTER DEFAULT PRIVILEGES FOR ROLE {pg_roles.app} IN SCHEMA public {grant}")
    await db.configure()
    try:
        yield db
    finally:
        await postgres.reset()
        if db.previous is not None:
            config.set_settings(db.previous)
        conn = await psycopg.AsyncConnection.connect(postgres_url, autocommit=True)
        async with conn:
            await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest_asyncio.fixture
async def pg(pg_db: PgDatabase) -> AsyncIterator[PgDatabase]:
    """The module's database with the default settings re-installed for this test."""
    from tfo_mcp.stores import postgres

    await pg_db.configure()
    yield pg_db
    await postgres.reset()
