"""pg_query on a 1 M-row table capped at 100 rows, beside plain psycopg doing the same capped query, in one run.

    uv run python bench/bench_postgres.py [--rows 1000000] [--calls 200] [--max-rows 100]

PostgreSQL: TFO_TEST_POSTGRES_URL (an admin login) if set, else a throwaway server (tests/support/pg_server.py).
The query is ``SELECT * FROM big`` (no LIMIT: the cap is the tool's job). Measured, round-robin so machine noise
hits every variant alike:

* ``echo via MCP``: the in-memory client's floor (framework and middleware, no database);
* ``pg_query via MCP``: the tool through the in-memory fastmcp client (what a model client pays);
* ``run_query direct``: the same engine without MCP (READ ONLY transaction, savepoint, privilege check,
  server-side cursor, JSON conversion, DISCARD ALL on return);
* ``psycopg cursor``: plain psycopg, the same capped read done carefully (transaction + server-side cursor,
  fetchmany(101)) on the same pooled login;
* ``psycopg LIMIT 101``: plain psycopg with the cap written into the SQL (the floor for this result);
* ``psycopg naive``: execute + fetchmany(101) without a cursor, which transfers the whole table (a few runs).

Payload: bytes of the MCP result (text content + structured content), and of the same rows as JSON.
The ClickHouse usage recording is switched off here so the figures are about PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from tests.support.pg_server import ThrowawayPostgres, wait_until_accepting, with_database  # noqa: E402

QUERY = "SELECT * FROM big"


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def _prepare(admin_url: str, rows: int) -> tuple[str, str, Any]:
    import psycopg
    from psycopg import sql

    suffix = secrets.token_hex(3)
    database, role, password = f"tfo_bench_{suffix}", f"tfo_bench_{suffix}", secrets.token_urlsafe(12)
    conn = await psycopg.AsyncConnection.connect(admin_url, autocommit=True)
    async with conn:
        await conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), password))
        await conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(role))
        )
    app_url = with_database(admin_url, database, role, password)
    conn = await psycopg.AsyncConnection.connect(app_url, autocommit=True)
    async with conn:
        started = time.perf_counter()
        await conn.execute(
            "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS hash, "
            "timestamptz '2024-01-01' + g * interval '1 second' AS ts, (g %% 1000)::numeric / 7 AS amount, "
            "g %% 3 = 0 AS flag, ARRAY[g, g + 1] AS pair FROM generate_series(1, %s) g",
            [rows],
        )
        await conn.execute("ALTER TABLE big ADD PRIMARY KEY (id)")
        await conn.execute("ANALYZE big")
        print(f"  created big: {rows:,} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    async def cleanup() -> None:
        conn = await psycopg.AsyncConnection.connect(admin_url, autocommit=True)
        async with conn:
            await conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
            await conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))

    return app_url, database, cleanup


async def run(admin_url: str, rows: int, calls: int, max_rows: int) -> None:
    import psycopg
    from fastmcp import Client
    from psycopg_pool import AsyncConnectionPool

    from tfo_mcp import config, server
    from tfo_mcp.stores import postgres

    app_url, _, cleanup = await _prepare(admin_url, rows)
    config.set_settings(
        config.load_settings(
            environ={
                "TELEMETRYFLOW_MCP_POSTGRES__URL": app_url,
                "TELEMETRYFLOW_MCP_CLICKHOUSE__ANALYTICS_ENABLED": "false",
                "TELEMETRYFLOW_MCP_LOGGING__LEVEL": "WARNING",
            }
        )
    )
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    plain = AsyncConnectionPool(app_url, min_size=1, max_size=2, kwargs={"autocommit": True}, open=False)
    await plain.open(wait=True)
    payload: dict[str, int] = {}
    try:
        async with Client(server.mcp) as client:

            async def echo() -> None:
                await client.call_tool("echo", {"message": "x"})

            async def pg_query_mcp() -> None:
                result = await client.call_tool_mcp("pg_query", {"query": QUERY, "max_rows": max_rows})
                assert not result.isError, result.content
                assert result.structured_content and result.structured_content["row_count"] == max_rows
                if "pg_query via MCP" not in payload:
                    payload["pg_query via MCP"] = len(result.model_dump_json(by_alias=True, exclude_none=True))
                    payload["rows as JSON"] = len(json.dumps(result.structured_content["rows"]))

            async def run_query_direct() -> None:
                result = await postgres.run_query(QUERY, None, max_rows)
                assert result.row_count == max_rows and result.truncated

            async def psycopg_cursor() -> None:
                async with plain.connection() as conn, conn.transaction():
                    cur = conn.cursor("bench_cursor")
                    await cur.execute(QUERY)
                    fetched = await cur.fetchmany(max_rows + 1)
                    await cur.close()
                assert len(fetched) == max_rows + 1

            async def psycopg_limit() -> None:
                async with plain.connection() as conn:
                    cur = await conn.execute(f"{QUERY} LIMIT {max_rows + 1}")
                    fetched = await cur.fetchall()
                assert len(fetched) == max_rows + 1
                if "psycopg rows as JSON" not in payload:
                    payload["psycopg rows as JSON"] = len(
                        json.dumps([list(r) for r in fetched[:max_rows]], default=str)
                    )

            variants: dict[str, Callable[[], Awaitable[None]]] = {
                "echo via MCP": echo,
                "pg_query via MCP": pg_query_mcp,
                "run_query direct": run_query_direct,
                "psycopg cursor": psycopg_cursor,
                "psycopg LIMIT 101": psycopg_limit,
            }
            samples: dict[str, list[float]] = {name: [] for name in variants}
            for _ in range(5):  # warm-up
                for fn in variants.values():
                    await fn()
            for _ in range(calls):
                for name, fn in variants.items():
                    started = time.perf_counter()
                    await fn()
                    samples[name].append((time.perf_counter() - started) * 1000)

            naive: list[float] = []
            for _ in range(3):
                started = time.perf_counter()
                async with await psycopg.AsyncConnection.connect(app_url) as conn:
                    cur = await conn.execute(QUERY)
                    await cur.fetchmany(max_rows + 1)
                naive.append((time.perf_counter() - started) * 1000)
            samples["psycopg naive (no cursor)"] = naive

        base = statistics.median(samples["psycopg cursor"])
        print(f"\npg_query benchmark: {rows:,}-row table, `{QUERY}` capped at {max_rows} rows, {calls} calls each")
        print(f"{'variant':28} {'p50 ms':>9} {'p95 ms':>9} {'p50 / psycopg cursor':>22}")
        for name, values in samples.items():
            p50, p95 = statistics.median(values), _percentile(values, 95)
            print(f"{name:28} {p50:9.3f} {p95:9.3f} {p50 / base:21.2f}x")
        over = statistics.median(samples["pg_query via MCP"]) / statistics.median(samples["psycopg cursor"])
        engine = statistics.median(samples["run_query direct"]) / statistics.median(samples["psycopg cursor"])
        print(
            f"\nratio pg_query via MCP / psycopg cursor: {over:.2f}x; run_query direct / psycopg cursor: {engine:.2f}x"
        )
        print("payload bytes: " + ", ".join(f"{k} {v:,}" for k, v in payload.items()))
    finally:
        await plain.close()
        await postgres.reset()
        await cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--max-rows", type=int, default=100)
    args = parser.parse_args()
    external = os.environ.get("TFO_TEST_POSTGRES_URL")
    server = None
    if external:
        admin_url = external
    else:
        server = ThrowawayPostgres().start()
        admin_url = server.admin_url
    try:
        wait_until_accepting(admin_url)
        asyncio.run(run(admin_url, args.rows, args.calls, args.max_rows))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
