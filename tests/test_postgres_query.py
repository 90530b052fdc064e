"""pg_query as a user sees it: typed JSON values, parameters, caps that say so, clear errors, opt-in writes."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from fastmcp import Client

from tests.support.fixtures_postgres import PgDatabase
from tfo_mcp import server, toolsets
from tfo_mcp.app import build_server

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module", autouse=True)
async def schema(pg_db: PgDatabase) -> None:
    await pg_db.setup("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
    await pg_db.setup("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, payload text)")
    await pg_db.setup("INSERT INTO items SELECT g, 'item ' || g, repeat('x', 200) FROM generate_series(1, 500) g")


@pytest.fixture
async def client(pg: PgDatabase) -> Any:
    async with Client(server.mcp) as connected:
        yield connected


async def _query(client: Client, query: str, params: list[Any] | None = None, **args: Any) -> dict[str, Any]:
    result = await client.call_tool("pg_query", {"query": query, "params": params or [], **args}, raise_on_error=False)
    assert not result.is_error, result.content[0].text
    assert result.structured_content is not None
    return result.structured_content


async def _error(client: Client, query: str, params: list[Any] | None = None) -> str:
    result = await client.call_tool("pg_query", {"query": query, "params": params or []}, raise_on_error=False)
    assert result.is_error, result.content[0].text
    return result.content[0].text


TYPED = """
SELECT 1::int2 AS i2, 2::int4 AS i4, 9007199254740993::int8 AS i8,
       1.5::float8 AS f8, 'NaN'::float8 AS fnan, '-Infinity'::float4 AS finf,
       12.340::numeric(10,3) AS num, 'NaN'::numeric AS num_nan, 123456789012345678901234567890.5::numeric AS big,
       true AS b, 'text with % and ''quotes''' AS t, 'ab'::char(4) AS ch, 'é'::varchar(3) AS vc,
       '\\xdeadbeef'::bytea AS bin,
       '2024-02-29'::date AS d, 'infinity'::date AS d_inf, '-infinity'::timestamp AS ts_ninf,
       '2024-01-02 03:04:05.123456+02'::timestamptz AS tstz, '2024-01-02 03:04:05'::timestamp AS ts,
       '03:04:05'::time AS tm, '1 year 2 months 3 days 04:05:06.5'::interval AS iv,
       'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id,
       '{"a": [1, 2.5, {"b": null}], "s": "x"}'::json AS js, '{"k": 1}'::jsonb AS jb,
       ARRAY[1, 2, 3] AS arr, ARRAY['x', NULL] AS tarr, ARRAY[[1, 2], [3, 4]] AS arr2,
       ARRAY['2024-01-01'::date, 'infinity'] AS darr, ARRAY['1 day'::interval] AS ivarr,
       '192.168.0.1/24'::inet AS ip, '10.0.0.0/8'::cidr AS net, '08:00:2b:01:02:03'::macaddr AS mac,
       int4range(1, 5) AS rng, 1.5::money AS cash, 'happy'::mood AS m, point(1, 2) AS pt,
       NULL::int AS nothing
"""


async def test_typed_values_round_trip_as_json(client: Client) -> None:
    data = await _query(client, TYPED)
    row = dict(zip([c["name"] for c in data["columns"]], data["rows"][0], strict=True))
    types = {c["name"]: c["type"] for c in data["columns"]}
    assert row["i2"] == 1 and row["i4"] == 2 and row["i8"] == 9007199254740993
    assert row["f8"] == 1.5 and row["fnan"] == "NaN" and row["finf"] == "-Infinity"
    assert row["num"] == "12.340" and row["num_nan"] == "NaN"  # numeric: exact strings
    assert row["big"] == "123456789012345678901234567890.5"
    assert row["b"] is True and row["t"] == "text with % and 'quotes'" and row["ch"] == "ab  " and row["vc"] == "é"
    assert row["bin"] == "\\xdeadbeef"
    assert row["d"] == "2024-02-29" and row["d_inf"] == "infinity" and row["ts_ninf"] == "-infinity"
    assert row["tstz"].startswith("2024-01-02T") and row["tstz"].endswith("+00:00")
    assert row["ts"] == "2024-01-02T03:04:05" and row["tm"] == "03:04:05"
    assert row["iv"] == "P1Y2M3DT4H5M6.5S"
    assert row["id"] == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    assert row["js"] == {"a": [1, 2.5, {"b": None}], "s": "x"} and row["jb"] == {"k": 1}
    assert row["arr"] == [1, 2, 3] and row["tarr"] == ["x", None] and row["arr2"] == [[1, 2], [3, 4]]
    assert row["darr"] == ["2024-01-01", "infinity"] and row["ivarr"] == ["P1D"]
    assert row["ip"] == "192.168.0.1/24" and row["net"] == "10.0.0.0/8" and row["mac"] == "08:00:2b:01:02:03"
    assert row["rng"] == "[1, 5)" and row["cash"] == "$1.50" and row["m"] == "happy" and row["pt"] == "(1,2)"
    assert row["nothing"] is None
    assert types["num"] == "numeric" and types["tstz"] == "timestamptz" and types["arr"] == "int4[]"
    assert types["m"] == "mood"  # a type psycopg does not know, named by the catalog
    json.dumps(data)  # everything is plain JSON


async def test_params_bind_to_dollar_placeholders(client: Client) -> None:
    data = await _query(
        client,
        "SELECT $1::text || '%' AS pct, $2::int + 1 AS n, $3::boolean AS b, $4::int[] AS a, $5::jsonb -> 'k' AS j,"
        " $6::text IS NULL AS null_ok, $7::uuid AS u",
        ["50", 41, True, [1, 2], {"k": [1, "two"]}, None, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"],
    )
    assert data["rows"] == [["50%", 42, True, [1, 2], [1, "two"], True, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"]]
    data = await _query(client, "SELECT name FROM items WHERE name LIKE 'item 1%' AND id < $1 ORDER BY id", [12])
    assert data["rows"] == [["item 1"], ["item 10"], ["item 11"]]
    injected = await _query(client, "SELECT count(*) FROM items WHERE name = $1", ["x' OR '1'='1"])
    assert injected["rows"] == [[0]]


async def test_rows_are_capped_and_say_so(client: Client) -> None:
    data = await _query(client, "SELECT id FROM items ORDER BY id", max_rows=10)
    assert data["rows"] == [[i] for i in range(1, 11)]
    assert data["row_count"] == 10 and data["truncated"] is True and data["truncated_reason"] == "max_rows"
    exact = await _query(client, "SELECT id FROM items WHERE id <= 10 ORDER BY id", max_rows=10)
    assert exact["row_count"] == 10 and exact["truncated"] is False and exact["truncated_reason"] is None
    default = await _query(client, "SELECT id FROM items")
    assert default["row_count"] == 100 and default["truncated"] is True


async def test_bytes_are_capped_and_say_so(client: Client, pg: PgDatabase) -> None:
    await pg.configure(max_result_bytes=4096)
    data = await _query(client, "SELECT id, payload FROM items ORDER BY id", max_rows=1000)
    assert data["truncated"] is True and data["truncated_reason"] == "max_result_bytes"
    assert 0 < data["row_count"] < 20
    assert len(json.dumps(data["rows"])) <= 4096


async def test_statements_a_cursor_cannot_hold_still_work(client: Client) -> None:
    explain = await _query(client, "EXPLAIN SELECT * FROM items WHERE id = 1")
    assert explain["status"] == "EXPLAIN" and "Index Scan" in explain["rows"][0][0]
    show = await _query(client, "SHOW statement_timeout")
    assert show["rows"] == [["30s"]] and show["columns"] == [{"name": "statement_timeout", "type": "text"}]
    values = await _query(client, "VALUES (1, 'a'), (2, 'b')")
    assert values["rows"] == [[1, "a"], [2, "b"]]
    table = await _query(client, "TABLE items", max_rows=2)
    assert table["row_count"] == 2 and table["truncated"] is True
    cte = await _query(client, "WITH c AS (SELECT count(*) AS n FROM items) SELECT n FROM c;")
    assert cte["rows"] == [[500]] and cte["read_only"] is True and cte["committed"] is False
    empty = await _query(client, "SELECT id FROM items WHERE false")
    assert empty["rows"] == [] and empty["columns"] == [{"name": "id", "type": "int4"}]
    assert empty["truncated"] is False and empty["elapsed_ms"] >= 0


@pytest.mark.parametrize(
    ("query", "params", "expected"),
    [
        ("", None, "empty"),
        ("   -- only a comment", None, "no SQL statement"),
        ("SELECT 1,\n  FROM items", None, 'syntax error at or near "FROM" (at line 2, column 3'),
        ("SELECT * FROM no_such_table", None, 'relation "no_such_table" does not exist'),
        ("SELECT no_such_column FROM items", None, 'column "no_such_column" does not exist'),
        ("SELECT 1/0", None, "division by zero"),
        ("SELECT $1::int + $2::int", [1], "bind message supplies 1 parameters"),
        ("SELECT pg_read_file('/etc/passwd')", None, "permission denied"),
    ],
)
async def test_errors_are_short_and_clear(client: Client, query: str, params: list[Any] | None, expected: str) -> None:
    text = await _error(client, query, params)
    assert expected in text
    assert "Traceback" not in text and len(text) < 1100


async def test_writes_only_when_the_operator_enables_them(pg: PgDatabase) -> None:
    """A server reads the settings when it is built, so each configuration gets its own server here."""
    async with Client(server.mcp) as client:
        text = await _error(client, "INSERT INTO items VALUES (1000, 'new') RETURNING id")
        assert "this server is read-only" in text and "postgres.allow_write" in text

    await pg.configure(allow_write=True)
    async with Client(build_server()) as writer:
        tool = next(t for t in await writer.list_tools() if t.name == "pg_query")
        assert tool.annotations is not None
        assert tool.annotations.readOnlyHint is False and tool.annotations.destructiveHint is True
        inserted = await _query(writer, "INSERT INTO items VALUES (1000, 'new') RETURNING id, name")
        assert inserted["rows"] == [[1000, "new"]] and inserted["committed"] is True
        assert inserted["read_only"] is False and inserted["status"] == "INSERT 0 1"
        updated = await _query(writer, "UPDATE items SET name = 'renamed' WHERE id >= $1", [999])
        assert updated["status"] == "UPDATE 1" and updated["rows"] == []
        text = await _error(writer, "DELETE FROM items WHERE id = 1000; DROP TABLE items")
        assert "exactly one statement" in text
    assert await pg.scalar("SELECT name FROM items WHERE id = 1000") == "renamed"
    assert await pg.scalar("SELECT count(*) FROM items") == 501
    await pg.run("DELETE FROM items WHERE id = 1000")

    await pg.configure()
    async with Client(server.mcp) as reader:
        tool = next(t for t in await reader.list_tools() if t.name == "pg_query")
        assert tool.annotations is not None and tool.annotations.readOnlyHint is True


async def test_pg_tools_have_deliberate_annotations_and_output_schemas(client: Client) -> None:
    tools = {t.name: t for t in await client.list_tools()}
    for name in ("pg_query", "pg_list_tables", "pg_describe_table", "pg_sessions"):
        tool = tools[name]
        assert tool.annotations is not None, name
        assert tool.annotations.readOnlyHint is True and tool.annotations.destructiveHint is False
        assert tool.annotations.idempotentHint is True and tool.annotations.openWorldHint is False
        assert (tool.outputSchema is not None) is toolsets.entry(name).output_schema and tool.description
        for prop in tool.inputSchema.get("properties", {}).values():
            assert prop.get("description"), (name, prop)
    assert tools["pg_query"].inputSchema["properties"]["max_rows"]["maximum"] == 10000


async def test_query_url_login_runs_the_tools(client: Client, pg: PgDatabase) -> None:
    from tfo_mcp.stores import postgres

    await pg.configure(query_url=pg.reader_url)
    data = await _query(client, "SELECT current_user, count(*) FROM items")
    assert data["rows"] == [[pg.roles.reader, 500]]
    internal = await postgres.fetch_all("SELECT current_user AS who")
    assert internal == [{"who": pg.roles.app}]


async def test_a_cancelled_call_stops_the_server_query(client: Client, pg: PgDatabase) -> None:
    """The client gives up (timeout -> cancel notification): PostgreSQL stops the statement too."""
    with pytest.raises(Exception, match="timed out"):
        await client.call_tool("pg_query", {"query": "SELECT pg_sleep(30) AS cancelled_sleep"}, timeout=0.5)
    running = -1
    for _ in range(30):
        running = await pg.scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%%cancelled_sleep%%'"
            " AND state = 'active' AND pid <> pg_backend_pid()"
        )
        if running == 0:
            break
        await asyncio.sleep(0.1)
    assert running == 0
    assert (await _query(client, "SELECT 'pool still fine'"))["rows"] == [["pool still fine"]]


async def test_concurrent_calls_share_a_small_pool(client: Client, pg: PgDatabase) -> None:
    await pg.configure(max_conns=3)
    started = time.monotonic()
    results = await asyncio.gather(*(_query(client, "SELECT $1::int, pg_sleep(0.2)", [i]) for i in range(12)))
    assert [r["rows"][0][0] for r in results] == list(range(12))
    assert time.monotonic() - started < 4  # 12 x 0.2 s on 3 connections, not serialised
    timeouts = await _query(client, "SELECT current_setting('idle_in_transaction_session_timeout')")
    assert timeouts["rows"] == [["1min"]]
