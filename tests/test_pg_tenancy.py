"""Organization-scoped pg_query: PostgreSQL's row-level security, keyed by the session user, hides the rows of
other organizations, whatever the caller's one statement tries (checked on a real PostgreSQL, no mocks).

The tenant is the login ``tfo_org_<hex>``, not a setting or SET ROLE: a statement can call set_config() while it
runs (switching a ``tfo.organization_id`` setting, or dropping a SET ROLE back to the login), never change the
session user.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
import pytest_asyncio

from tests.support.fixtures_postgres import PgDatabase, PgRoles
from tests.support.pg_server import with_database
from tfo_mcp.errors import StoreUnavailable
from tfo_mcp.stores import postgres

pytestmark = pytest.mark.postgres

ORG_A = str(uuid.uuid4())
ORG_B = str(uuid.uuid4())
ORG_C = str(uuid.uuid4())  # no rows; its login is tampered with
A_MARK = "alpha-row"
B_MARK = "bravo-secret"  # in every row of B: no result under A may contain it
#: organization tables given rows of both organizations, and how many rows each organization has in them
TABLES = {"organizations": 1, "workspaces": 2, "api_keys": 3, "alert_rules": 2, "kubernetes_clusters": 1}


def _login(organization_id: str) -> str:
    return "tfo_org_" + uuid.UUID(organization_id).hex


async def _insert_organization(pg: PgDatabase, org: str, mark: str) -> None:
    await pg.setup(
        "INSERT INTO organizations (organization_id, name, code) VALUES (%(org)s, %(mark)s, %(code)s)",
        {"org": org, "mark": f"{mark} org", "code": f"{mark}-{org[:8]}"},
    )
    for n in range(TABLES["workspaces"]):
        await pg.setup(
            "INSERT INTO workspaces (organization_id, name, code) VALUES (%s, %s, %s)", [org, f"{mark} ws{n}", f"ws{n}"]
        )
    for n in range(TABLES["api_keys"]):
        await pg.setup(
            "INSERT INTO api_keys (organization_id, name, key_prefix, key_hash, key_hint) "
            "VALUES (%s, %s, 'tfo_', %s, 'x')",
            [org, f"{mark} key{n}", secrets.token_hex(16)],
        )
    for n in range(TABLES["alert_rules"]):
        await pg.setup("INSERT INTO alert_rules (organization_id, name) VALUES (%s, %s)", [org, f"{mark} rule{n}"])
    await pg.setup(
        "INSERT INTO kubernetes_clusters (organization_id, name, provider) VALUES (%s, %s, 'eks')", [org, f"{mark} k8s"]
    )


@pytest_asyncio.fixture(scope="module", autouse=True)
async def tenancy(pg_db: PgDatabase) -> AsyncIterator[None]:
    """Platform tables with rows of A and B, the tenancy migration, and CREATEROLE for the app login."""
    app = pg_db.roles.app
    await pg_db.run(f"ALTER ROLE {app} CREATEROLE")
    await pg_db.run("CREATE EXTENSION IF NOT EXISTS dblink")
    try:
        await pg_db.configure()
        await postgres.migrate("platform")
        assert await postgres.migrate("tenancy") == ["tenancy/001_row_security"]
        assert await postgres.migrate("tenancy") == []
        await pg_db.setup("INSERT INTO regions (code, name) VALUES ('eu', 'Europe')")
        await _insert_organization(pg_db, ORG_A, A_MARK)
        await _insert_organization(pg_db, ORG_B, B_MARK)
        await pg_db.run("ANALYZE")
        yield
    finally:
        await postgres.reset()
        await pg_db.run(f"ALTER ROLE {app} NOCREATEROLE")
        for org in (ORG_A, ORG_B, ORG_C):
            await pg_db.run(f"DROP ROLE IF EXISTS {_login(org)}")


async def _rows(query: str, org: str | None = ORG_A, params: list[Any] | None = None) -> list[list[Any]]:
    result = await postgres.run_query(query, params, max_rows=1000, organization_id=org)
    return result.rows


# --------------------------------------------------------------------------- isolation


@pytest.mark.parametrize("table", sorted(TABLES))
async def test_each_organization_sees_only_its_own_rows(pg: PgDatabase, table: str) -> None:
    for org in (ORG_A, ORG_B):
        rows = await _rows(f"SELECT organization_id FROM {table}", org)
        assert [row[0] for row in rows] == [org] * TABLES[table], table
    rows = await _rows(f"SELECT * FROM {table}")
    assert len(rows) == TABLES[table]
    assert B_MARK not in json.dumps(rows)


async def test_organizations_shows_only_the_callers(pg: PgDatabase) -> None:
    rows = await _rows("SELECT organization_id, name FROM organizations")
    assert rows == [[ORG_A, f"{A_MARK} org"]]
    assert await _rows("SELECT count(*) FROM organizations WHERE organization_id = $1", params=[ORG_B]) == [[0]]


async def test_without_an_organization_the_query_runs_as_before(pg: PgDatabase) -> None:
    """No organization_id: the query store's own login (the tables' owner here) reads every row, as before."""
    result = await postgres.run_query("SELECT count(*), current_user FROM api_keys")
    assert result.rows == [[2 * TABLES["api_keys"], pg.roles.app]]
    assert result.read_only and not result.committed
    assert postgres._state.tenants == {}


async def test_other_logins_read_every_row_as_before(pg: PgDatabase) -> None:
    """Row security changes nothing for a login that is not a tenant's (a non-owner reader here)."""
    async with await psycopg.AsyncConnection.connect(pg.reader_url) as conn:
        for table, count in TABLES.items():
            rows = await (await conn.execute(f"SELECT count(*) FROM {table}")).fetchone()
            assert rows == (2 * count,), table


async def test_the_tenant_login_holds_nothing_but_tfo_tenant(pg: PgDatabase) -> None:
    login = await postgres.ensure_tenant_login(ORG_A)
    assert login == _login(ORG_A)
    assert await postgres.ensure_tenant_login(ORG_A.upper()) == login  # cached, same login
    conn = await pg.admin()
    async with conn:
        cur = await conn.execute(
            "SELECT rolcanlogin, rolinherit, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, "
            "ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "WHERE m.member = r.oid) FROM pg_roles r WHERE rolname = %s",
            [login],
        )
        assert await cur.fetchone() == (True, True, False, False, False, False, ["tfo_tenant"])
        cur = await conn.execute(
            "SELECT rolpassword LIKE 'SCRAM-SHA-256$%%' FROM pg_authid WHERE rolname = %s", [login]
        )
        assert await cur.fetchone() == (True,)
    rows = await _rows("SELECT session_user, current_user, tfo_tenant_organization()")
    assert rows == [[login, login, ORG_A]]


# --------------------------------------------------------------------------- hostile statements

APP = "{app}"  # replaced by the app login's name
HOSTILE_EMPTY_OR_A = [
    # the setting trick: the policy never reads a setting
    f"WITH s AS MATERIALIZED (SELECT set_config('tfo.organization_id', '{ORG_B}', true)) SELECT a.* FROM s, api_keys a",
    # SET ROLE via set_config reverts to the session user: the tenant login itself
    "WITH s AS MATERIALIZED (SELECT set_config('role', 'none', true)) "
    "SELECT current_user, query_to_xml('SELECT * FROM api_keys', true, false, '') FROM s",
    "SELECT set_config('role', 'none', true), current_user, (SELECT count(*) FROM api_keys)",
    "WITH s AS MATERIALIZED (SELECT set_config('role', 'tfo_tenant', true)) "
    "SELECT query_to_xml('SELECT * FROM api_keys', true, false, '') FROM s",
    f"SELECT name FROM api_keys UNION ALL SELECT name FROM api_keys WHERE organization_id = '{ORG_B}'",
    "SELECT * FROM api_keys WHERE organization_id IN "
    f"(SELECT organization_id FROM organizations WHERE organization_id = '{ORG_B}')",
    f"SELECT query_to_xml('SELECT * FROM api_keys WHERE organization_id = ''{ORG_B}''', true, false, '')",
    "SELECT o.name, w.name FROM organizations o FULL JOIN workspaces w ON true "
    f"WHERE w.organization_id = '{ORG_B}' OR true",
    "SELECT most_common_vals::text FROM pg_stats WHERE tablename IN ('api_keys', 'organizations')",
    "EXPLAIN (ANALYZE, VERBOSE) SELECT * FROM api_keys",
    "RESET ROLE",
    "SET ROLE NONE",
    "SET ROLE tfo_tenant",
    "RESET SESSION AUTHORIZATION",
]
HOSTILE_REFUSED = [
    (f"SET ROLE {APP}", "permission denied"),
    (f"SELECT set_config('role', '{APP}', true)", "permission denied"),
    (f"WITH s AS MATERIALIZED (SELECT set_config('role', '{APP}', true)) SELECT a.* FROM s, api_keys a", "permission"),
    (f"SET SESSION AUTHORIZATION {APP}", "permission denied"),
    (f"SELECT set_config('session_authorization', '{APP}', true)", "permission denied"),
    ("SELECT o.name FROM organizations o JOIN regions r ON r.id = o.region_id", "permission denied for table regions"),
    ("SELECT * FROM user_sessions", "permission denied"),
    ("SELECT t.* FROM tenants t JOIN workspaces w USING (workspace_id)", "permission denied for table tenants"),
    ("SELECT * FROM sessions", "does not exist"),  # the server's own tables: not migrated here, never granted
    ("SELECT pg_read_file('/etc/passwd')", "permission denied"),
    ("SELECT pg_ls_dir('.')", "permission denied"),
    ("COPY (SELECT * FROM api_keys) TO PROGRAM 'cat'", ""),
    ("SELECT rolname, rolpassword FROM pg_authid", "permission denied"),
    ("SELECT * FROM pg_shadow", "permission denied"),
    ("SELECT * FROM dblink('dbname={db} user={app}', 'SELECT name FROM api_keys') AS t(name text)", "password"),
    ("SELECT * FROM dblink('dbname={db}', 'SELECT name FROM api_keys') AS t(name text)", "password"),
    ("SELECT lo_import('/etc/passwd')", ""),
    ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{app}'", ""),
]


def _fill(query: str, pg: PgDatabase) -> str:
    return query.replace(APP, pg.roles.app).replace("{db}", pg.name)


@pytest.mark.parametrize("query", HOSTILE_EMPTY_OR_A)
async def test_hostile_statements_see_no_row_of_another_organization(pg: PgDatabase, query: str) -> None:
    try:
        result = await postgres.run_query(_fill(query, pg), max_rows=1000, organization_id=ORG_A)
    except postgres.QueryError as exc:
        assert B_MARK not in str(exc)
        return
    text = json.dumps(result.rows)
    assert B_MARK not in text
    assert ORG_B not in text or ORG_B in query  # B's id only where the statement itself wrote it


@pytest.mark.parametrize(("query", "reason"), HOSTILE_REFUSED)
async def test_hostile_statements_fail_cleanly(pg: PgDatabase, query: str, reason: str) -> None:
    with pytest.raises(postgres.QueryError) as caught:
        await postgres.run_query(_fill(query, pg), organization_id=ORG_A)
    message = str(caught.value)
    assert reason in message
    assert B_MARK not in message and A_MARK not in message


@pytest.mark.parametrize("org", [ORG_A, None])
async def test_copy_to_stdout_returns_nothing(pg: PgDatabase, org: str | None) -> None:
    """COPY ... TO STDOUT is refused by the engine with and without an organization (today as a lost connection:
    the pipeline cannot leave COPY mode), and the next call works."""
    with pytest.raises((postgres.QueryError, StoreUnavailable)) as caught:
        await postgres.run_query("COPY api_keys TO STDOUT", organization_id=org)
    assert B_MARK not in str(caught.value)
    assert (await postgres.run_query("SELECT 1", organization_id=org)).rows == [[1]]


async def test_the_setting_trick_and_role_drop_return_only_a(pg: PgDatabase) -> None:
    """The two bypasses of a setting-based design, here: A's rows only, as the tenant login."""
    rows = await _rows(
        f"WITH s AS MATERIALIZED (SELECT set_config('tfo.organization_id', '{ORG_B}', true)) "
        "SELECT a.organization_id FROM s, api_keys a"
    )
    assert rows == [[ORG_A]] * TABLES["api_keys"]
    rows = await _rows(
        "WITH s AS MATERIALIZED (SELECT set_config('role', 'none', true)) "
        "SELECT current_user, session_user, query_to_xml('SELECT name FROM api_keys', true, false, '') FROM s"
    )
    (current, session, xml) = rows[0]
    assert current == session == _login(ORG_A)
    assert xml.count("<row>") == TABLES["api_keys"] and B_MARK not in xml


async def test_a_leaky_predicate_never_sees_another_organizations_row(pg: PgDatabase) -> None:
    """A non-leakproof predicate runs after the policy: it would fail on a row of B (division by zero at run time,
    not a constant folded by the planner), and it does not."""
    zero_on_b = f"CASE WHEN name LIKE '{B_MARK}%' THEN length(name) - length(name) ELSE 1 END"
    leaky = f"SELECT name FROM api_keys WHERE 1 / {zero_on_b} = 1"
    assert sorted(row[0] for row in await _rows(leaky)) == [f"{A_MARK} key{n}" for n in range(TABLES["api_keys"])]
    with pytest.raises(postgres.QueryError, match="division by zero"):  # the same predicate does fail on B's rows
        await postgres.run_query(leaky, organization_id=ORG_B)


async def test_session_state_does_not_outlive_the_call(pg: PgDatabase) -> None:
    await postgres.run_query("SELECT set_config('tfo.x', 'left', false), set_config('role', 'tfo_tenant', false)",
                             organization_id=ORG_A)  # fmt: skip
    for _ in range(3):  # the pool holds two connections: every one comes back clean
        rows = await _rows("SELECT current_setting('tfo.x', true), current_user")
        assert rows[0][0] in (None, "") and rows[0][1] == _login(ORG_A)


# --------------------------------------------------------------------------- failures and pools


async def test_a_tampered_login_is_refused(pg: PgDatabase) -> None:
    login = await postgres.ensure_tenant_login(ORG_C)
    await pg.run(f"GRANT pg_read_server_files TO {login}")
    await postgres.reset()
    await pg.configure()
    with pytest.raises(postgres.QueryError, match="holds more than"):
        await postgres.run_query("SELECT 1", organization_id=ORG_C)
    await pg.run(f"REVOKE pg_read_server_files FROM {login}")


async def test_an_organization_id_must_be_a_uuid(pg: PgDatabase) -> None:
    with pytest.raises(postgres.QueryError, match="must be a UUID"):
        await postgres.run_query("SELECT 1", organization_id="acme'; DROP ROLE x; --")


async def test_pools_are_bounded_least_recently_used_first(pg: PgDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "TENANT_POOLS_MAX", 1)
    await _rows("SELECT 1", ORG_A)
    first = postgres._state.tenants[_login(ORG_A)]
    await _rows("SELECT 1", ORG_B)
    assert list(postgres._state.tenants) == [_login(ORG_B)]
    assert await _rows("SELECT count(*) FROM api_keys", ORG_A) == [[TABLES["api_keys"]]]  # a new pool
    assert postgres._state.tenants[_login(ORG_A)] is not first


async def test_without_the_tenancy_migration_a_clear_error(
    pg: PgDatabase, postgres_url: str, pg_roles: PgRoles
) -> None:
    """A database with the platform tables but not the tenancy migration: no row, a reason naming the fix."""
    name = f"tfo_test_notenancy_{secrets.token_hex(3)}"
    conn = await psycopg.AsyncConnection.connect(postgres_url, autocommit=True)
    async with conn:
        await conn.execute(f"CREATE DATABASE {name} OWNER {pg_roles.app}")
    try:
        await pg.configure(url=with_database(postgres_url, name, pg_roles.app, pg_roles.app_password))
        await postgres.migrate("platform")
        with pytest.raises(postgres.QueryError) as caught:
            await postgres.run_query("SELECT * FROM organizations", organization_id=ORG_A)
        message = str(caught.value)
        assert "tenancy" in message and "tfo-mcp db migrate --tenancy" in message and "CREATEROLE" in message
        # the engine without organization_id is unchanged there
        assert (await postgres.run_query("SELECT count(*) FROM organizations")).rows == [[0]]
    finally:
        await postgres.reset()
        conn = await psycopg.AsyncConnection.connect(postgres_url, autocommit=True)
        async with conn:
            await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
