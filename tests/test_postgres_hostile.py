"""pg_query against hostile SQL: each attempt fails with a clear error and changes nothing (checked from outside).

The server's defence is PostgreSQL itself: one statement per extended-protocol message, a READ ONLY transaction
that is always rolled back, session state discarded before reuse, and a login that is not privileged.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from mcp.shared.exceptions import MCPError

from tests.support.fixtures_postgres import PgDatabase
from tests.support.mcp_process import result_text
from tfo_mcp import server

pytestmark = pytest.mark.postgres

ROWS = [(1, "one"), (2, "two"), (3, "three")]


async def _call(client: Client, query: str, params: list[Any] | None = None) -> tuple[bool, str, dict[str, Any] | None]:
    result = await client.call_tool("pg_query", {"query": query, "params": params or []}, raise_on_error=False)
    return result.is_error, result_text(result), result.structured_content


@pytest.fixture
async def client(pg: PgDatabase) -> Any:
    async with Client(server.mcp) as connected:
        yield connected


@pytest.fixture(scope="module", autouse=True)
async def hostile_schema(pg_db: PgDatabase) -> None:
    await pg_db.setup("CREATE TABLE hostile_target (id int PRIMARY KEY, v text NOT NULL)")
    await pg_db.setup("INSERT INTO hostile_target VALUES (1, 'one'), (2, 'two'), (3, 'three')")
    await pg_db.setup("CREATE SEQUENCE hostile_seq")
    await pg_db.run("CREATE EXTENSION IF NOT EXISTS dblink")


async def _assert_unchanged(pg: PgDatabase) -> None:
    """Checked through a separate superuser connection: same rows, no new tables, sequence untouched."""
    conn = await pg.admin()
    async with conn:
        rows = await (await conn.execute("SELECT id, v FROM hostile_target ORDER BY id")).fetchall()
        tables = await (
            await conn.execute(
                "SELECT relname::text FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            )
        ).fetchall()
        seq = await (await conn.execute("SELECT last_value, is_called FROM hostile_seq")).fetchone()
    assert rows == ROWS
    assert {t[0] for t in tables} == {"hostile_target"}
    assert seq == (1, False)


MULTI = "pg_query runs exactly one statement"
READ_ONLY = "this server is read-only"
DENIED = "permission denied"


@pytest.mark.parametrize(
    ("query", "params", "expected"),
    [
        ("SELECT 1; DROP TABLE hostile_target", None, MULTI),
        ("SELECT $1::int; DROP TABLE hostile_target", [1], MULTI),
        ("COMMIT; DROP TABLE hostile_target", None, MULTI),
        ("ROLLBACK; DELETE FROM hostile_target", None, MULTI),
        ("END; INSERT INTO hostile_target VALUES (9, 'x')", None, MULTI),
        ("SELECT 1;\nBEGIN READ WRITE;\nDELETE FROM hostile_target;\nCOMMIT", None, MULTI),
        ("SET TRANSACTION READ WRITE", None, READ_ONLY),
        ("SELECT set_config('transaction_read_only', 'off', true)", None, READ_ONLY),
        ("WITH d AS (DELETE FROM hostile_target RETURNING *) SELECT * FROM d", None, READ_ONLY),
        ("WITH u AS (UPDATE hostile_target SET v = 'x' RETURNING id) SELECT count(*) FROM u", None, READ_ONLY),
        ("SELECT * INTO hostile_copy FROM hostile_target", None, READ_ONLY),
        ("CREATE TABLE hostile_new (id int)", None, READ_ONLY),
        ("CREATE TEMP TABLE hostile_tmp AS SELECT 1", None, READ_ONLY),
        ("UPDATE hostile_target SET v = 'pwned'", None, READ_ONLY),
        ("INSERT INTO hostile_target VALUES (4, 'four')", None, READ_ONLY),
        ("DELETE FROM hostile_target WHERE id = $1", [1], READ_ONLY),
        ("TRUNCATE hostile_target", None, READ_ONLY),
        ("DROP TABLE hostile_target", None, READ_ONLY),
        ("ALTER TABLE hostile_target ADD COLUMN x int", None, READ_ONLY),
        ("/* harmless */ DROP TABLE hostile_target", None, READ_ONLY),
        ("-- just a comment\n DELETE FROM hostile_target", None, READ_ONLY),
        ("DO $$ BEGIN DELETE FROM hostile_target; END $$", None, READ_ONLY),
        ("SELECT nextval('hostile_seq')", None, READ_ONLY),
        ("SELECT 1 FROM hostile_target FOR UPDATE", None, READ_ONLY),
        ("SELECT pg_read_file('/etc/hostname')", None, DENIED),
        ("SELECT lo_import('/etc/hostname')", None, DENIED),
    ],
)
async def test_hostile_statement_is_refused(
    client: Client, pg: PgDatabase, query: str, params: list[Any] | None, expected: str
) -> None:
    is_error, text, _ = await _call(client, query, params)
    assert is_error, text
    assert expected in text
    assert "Traceback" not in text
    await _assert_unchanged(pg)


async def test_copy_to_program_runs_nothing(client: Client, pg: PgDatabase, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    is_error, text, _ = await _call(client, f"COPY hostile_target TO PROGRAM 'touch {marker}'")
    assert is_error and DENIED in text and "pg_execute_server_program" in text
    assert not marker.exists()
    await _assert_unchanged(pg)


async def test_lo_export_writes_no_file(client: Client, pg: PgDatabase, tmp_path: Path) -> None:
    target = tmp_path / "exported"
    is_error, text, _ = await _call(client, f"SELECT lo_export(lo_from_bytea(0, 'x'), '{target}')")
    assert is_error and (DENIED in text or READ_ONLY in text)
    assert not target.exists()
    await _assert_unchanged(pg)


async def test_dblink_cannot_open_a_side_connection(client: Client, pg: PgDatabase) -> None:
    """dblink would run its statement outside our transaction; a non-superuser needs a password it lacks."""
    host_port = pg.admin_url.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    admin_user = pg.admin_url.split("//", 1)[1].split(":", 1)[0]
    conninfo = f"host={host} port={port} dbname={pg.name} user={admin_user}"
    is_error, text, _ = await _call(client, f"SELECT dblink_exec('{conninfo}', 'DROP TABLE hostile_target')")
    assert is_error and "password" in text.lower()
    await _assert_unchanged(pg)


async def _victim(url: str) -> Any:
    import psycopg

    return await psycopg.AsyncConnection.connect(url, autocommit=True)


async def test_pg_terminate_backend_cannot_reach_a_superuser_session(client: Client, pg: PgDatabase) -> None:
    victim = await pg.admin()
    async with victim:
        pid = victim.info.backend_pid
        is_error, text, _ = await _call(client, "SELECT pg_terminate_backend($1::int)", [pid])
        assert is_error and DENIED in text
        assert (await (await victim.execute("SELECT 1")).fetchone()) == (1,)
    await _assert_unchanged(pg)


async def test_query_login_cannot_terminate_the_server_own_sessions(client: Client, pg: PgDatabase) -> None:
    """With a dedicated query login (postgres.query_url), other roles' sessions are out of reach."""
    await pg.configure(query_url=pg.reader_url)
    victim = await _victim(pg.app_url)  # a session of the server's own (main) login
    async with victim:
        pid = victim.info.backend_pid
        for query in ("SELECT pg_terminate_backend($1::int)", "SELECT pg_cancel_backend($1::int)"):
            is_error, text, _ = await _call(client, query, [pid])
            assert is_error and DENIED in text
        assert (await (await victim.execute("SELECT 1")).fetchone()) == (1,)


async def test_superuser_login_is_refused_unless_the_operator_accepts(
    client: Client, pg: PgDatabase, tmp_path: Path
) -> None:
    await pg.configure(url=pg.admin_url)
    marker = tmp_path / "pwned-as-superuser"
    victim = await _victim(pg.app_url)
    async with victim:
        for query in (
            "SELECT 1",
            f"COPY hostile_target TO PROGRAM 'touch {marker}'",
            "SELECT pg_terminate_backend($1::int)",
        ):
            is_error, text, _ = await _call(client, query, [victim.info.backend_pid] if "$1" in query else None)
            assert is_error
            assert "refuses to run SQL as" in text and "superuser" in text
            assert "postgres.allow_privileged_role" in text and "TELEMETRYFLOW_MCP_POSTGRES_URL" in text
        assert (await (await victim.execute("SELECT 1")).fetchone()) == (1,)
    assert not marker.exists()
    await _assert_unchanged(pg)

    await pg.configure(url=pg.admin_url, allow_privileged_role=True)
    is_error, text, data = await _call(client, "SELECT current_user = session_user AS same")
    assert not is_error, text
    assert data is not None and data["rows"] == [[True]]


async def test_member_of_signal_role_is_refused(client: Client, pg: PgDatabase) -> None:
    await pg.run(f"GRANT pg_signal_backend TO {pg.roles.reader}")
    try:
        await pg.configure(query_url=pg.reader_url)
        is_error, text, _ = await _call(client, "SELECT 1")
        assert is_error and "pg_signal_backend" in text and "TELEMETRYFLOW_MCP_POSTGRES_QUERY_URL" in text
    finally:
        await pg.run(f"REVOKE pg_signal_backend FROM {pg.roles.reader}")


async def test_session_settings_do_not_outlive_the_call(client: Client, pg: PgDatabase) -> None:
    """set_config / SET / advisory locks / PREPARE inside a call leave nothing behind on the pooled connection."""
    await pg.configure(min_conns=1, max_conns=1, statement_timeout=7)
    for query in (
        "SELECT set_config('default_transaction_read_only', 'off', false)",
        "SELECT set_config('statement_timeout', '0', false)",
        "SET search_path = pg_temp",
        "PREPARE tfo_hostile AS SELECT 1",
        "SELECT pg_advisory_lock(4242)",
    ):
        is_error, text, _ = await _call(client, query)
        assert not is_error, text  # allowed, but inert:
    is_error, text, data = await _call(
        client,
        "SELECT current_setting('statement_timeout'), current_setting('search_path'), "
        "(SELECT count(*) FROM pg_prepared_statements WHERE name = 'tfo_hostile')",
    )
    assert not is_error, text
    assert data is not None and data["rows"] == [["7s", '"$user", public', 0]]
    is_error, text, _ = await _call(client, "DELETE FROM hostile_target")
    assert is_error and READ_ONLY in text
    assert await pg.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242") == 0
    await _assert_unchanged(pg)


async def test_pg_sleep_is_cancelled_by_statement_timeout(client: Client, pg: PgDatabase) -> None:
    await pg.configure(statement_timeout=1)
    started = time.monotonic()
    is_error, text, _ = await _call(client, "SELECT pg_sleep(60)")
    elapsed = time.monotonic() - started
    assert is_error and "cancelled after 1 s" in text and "statement_timeout" in text
    assert elapsed < 10
    await asyncio.sleep(0.2)
    running = await pg.scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%%pg_sleep(60)%%' AND pid <> pg_backend_pid()"
        " AND state = 'active'"
    )
    assert running == 0
    await _assert_unchanged(pg)


async def test_a_tool_argument_cannot_enable_writes(client: Client, pg: PgDatabase) -> None:
    """TFO v1.2.0's `read_only=false` argument is not accepted here: unknown arguments are refused."""
    with pytest.raises(MCPError, match="Unexpected keyword argument") as raised:
        await client.call_tool_mcp(
            "pg_query", {"query": "DELETE FROM hostile_target", "read_only": False, "allow_write": True}
        )
    assert raised.value.error.code == -32602
    await _assert_unchanged(pg)
