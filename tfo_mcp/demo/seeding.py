"""Writing the demo estate to the stores: the platform schema, the generated ClickHouse statements and row inserts
(``tfo_mcp.stores.clickhouse``), the PostgreSQL rows (COPY through ``tfo_mcp.stores.postgres.copy_rows``).

Every store access of the demo package is here; the other modules only build rows and statement parameters.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import cache, partial
from pathlib import Path
from typing import Any

from loguru import logger

from tfo_mcp.demo import tables, tenancy
from tfo_mcp.demo.plan import (
    INCIDENT_MIN,
    Json,
    OrgPlan,
    Window,
    demo_uid,
    estate,
    floor_minute,
    naive_utc,
    org_id,
    plan_orgs,
)
from tfo_mcp.stores import clickhouse, postgres, sql_guard
from tfo_mcp.stores.clickhouse_backend import Backend

DEMO_SQL_DIR = Path(__file__).parent.parent / "sql" / "clickhouse" / "demo"
#: The first ClickHouse major version with DateTime64/Map; older servers get the platform_legacy schema.
MODERN_CLICKHOUSE_MAJOR = 20
#: Generated statements run concurrently (each on one engine thread, CHDB_GENERATE_SETTINGS).
LANES = 2
#: Longest generated statement (the engine refuses statements over 256 KiB, max_query_size).
MAX_STATEMENT_BYTES = 200_000
MAX_HOURS = 24 * 30
MAX_SCALE = 200
MAX_ORGS = 50
PG_MAX_PARAMS = 30_000
#: The table a seed writes last, one row per organization: a store without its rows holds no complete estate.
ESTATE_MARKER = "tfo_mcp_demo_estate"
#: Settings of the generated statements on the embedded engine: no insert-time merge of the rollups' rows (their
#: feeds already group by the sort key), one thread each (LANES statements run side by side) and no JIT compiling
#: (every statement and its views' queries are compiled anew, which costs more than the compiled code saves). The
#: bloom-filter indexes are not built as the rows are written (a quarter of the seed's time): on an estate the size of
#: the demo's a read is as fast without them, and merges build them for the merged parts.
CHDB_GENERATE_SETTINGS = (
    " SETTINGS optimize_on_insert = 0, max_threads = 1, max_insert_threads = 1, compile_expressions = 0,"
    " compile_aggregate_expressions = 0, compile_sort_description = 0, materialize_skip_indexes_on_insert = 0"
)
UNION_ALL = "\nUNION ALL\n"
_INSERT_HEAD = re.compile(r"(?s)(.*?)(\bINSERT INTO (\w+)\s*\([^)]*\))\s*(SELECT\b.*)")
#: table -> columns whose default is now() (filled by _seed_postgres from the catalog).
_NOW_COLUMNS: dict[str, set[str]] = {}


# --------------------------------------------------------------------------- schema and state


async def migrate_platform() -> dict[str, list[str]]:
    """Create the TFO platform tables in ClickHouse (and PostgreSQL when configured); idempotent.

    A native ClickHouse older than 20.x (no DateTime64, Map, LowCardinality) gets the ``platform_legacy``
    variant of the core tables instead. Returns the migrations applied now per store.
    """
    await clickhouse.get_clickhouse().ensure_database()
    kind = "platform" if await _modern_clickhouse() else "platform_legacy"
    applied = {"clickhouse": await clickhouse.migrate(kind)}
    if postgres.is_configured():
        applied["postgres"] = await postgres.migrate("platform")
    else:
        logger.warning("PostgreSQL is not configured (postgres.url): platform tables created in ClickHouse only")
    return applied


async def _modern_clickhouse() -> bool:
    backend = clickhouse.get_clickhouse()
    if backend.kind == "chdb":
        return True
    result = await backend.query("SELECT version()", max_rows=1)
    version = str(result.rows[0][0]) if result.rows else "0"
    major = int(version.split(".", 1)[0]) if version.split(".", 1)[0].isdigit() else 0
    return major >= MODERN_CLICKHOUSE_MAJOR


async def is_seeded() -> bool:
    """Whether the stores hold a complete demo estate: the completion marker a seed writes last (an interrupted
    seed leaves none, so it is redone; a store without the marker table has none), and the organization in
    PostgreSQL when it is configured. Reads only."""
    try:
        result = await clickhouse.get_clickhouse().query(
            f"SELECT count() FROM {ESTATE_MARKER} WHERE organization_id = %(org)s", {"org": org_id(0)}, max_rows=1
        )
    except Exception as exc:
        logger.debug("demo data check failed: {}", exc)
        return False
    if not (result.rows and int(result.rows[0][0]) > 0):
        return False
    return await _postgres_seeded()


async def _postgres_seeded() -> bool:
    """Whether PostgreSQL, when configured, holds demo organization 0 (a store added later, e.g. the embedded one)."""
    if not postgres.is_configured():
        return True
    try:
        rows = await postgres.fetch_all("SELECT 1 FROM organizations WHERE organization_id = %s", [org_id(0)])
    except Exception as exc:
        logger.debug("demo data check (PostgreSQL) failed: {}", exc)
        return False
    return bool(rows)


# --------------------------------------------------------------------------- the seed


async def seed(
    orgs: int = 2,
    services: int = 12,
    hours: int = 24,
    scale: int = 1,
    seed: int = 42,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the demo estate; return the rows written per table (``clickhouse.<table>``, ``postgres.<table>``).

    Replaces the demo organizations' earlier rows. ClickHouse must have the ``platform`` schema
    (``migrate_platform()``); PostgreSQL is seeded only when configured (a warning says so otherwise).
    ``progress(percent, step)`` is called as the seed goes on. The completion marker (``is_seeded``) is
    removed first and written last, so a seed that is interrupted is redone by the next ``tfo-mcp demo``.
    """
    if not 1 <= orgs <= MAX_ORGS:
        raise ValueError(f"orgs must be between 1 and {MAX_ORGS}")
    max_services = min(len(p["services"]) for p in estate()["orgs"])
    if not 1 <= services <= max_services:
        raise ValueError(f"services must be between 1 and {max_services} (the estate file defines {max_services})")
    if not 1 <= hours <= MAX_HOURS:
        raise ValueError(f"hours must be between 1 and {MAX_HOURS}")
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between 1 and {MAX_SCALE}")
    if not await _modern_clickhouse():
        raise ValueError("the demo data needs ClickHouse 20 or newer (DateTime64, Map); this server is older")
    current = floor_minute(now)
    window = Window(now=current, start=current - timedelta(hours=hours))
    plans = plan_orgs(orgs, services, scale, seed, current)
    started = time.perf_counter()
    backend = clickhouse.get_clickhouse()
    counts: dict[str, int] = {}
    await backend.execute(_demo_sql("estate_marker"), {})
    await backend.execute(f"TRUNCATE TABLE {ESTATE_MARKER}", {})
    await _clear_clickhouse(backend, [p.id for p in plans])
    writer = _Writer(backend, seed, window, await _tables_with_maps(backend))
    generated = writer.pack(piece for p in plans for piece in tables.clickhouse_statements(p, window, scale))
    derived = writer.pack(piece for p in plans for piece in tables.derived_statements(p, window, scale))
    with_postgres = postgres.is_configured()
    if not with_postgres:
        logger.warning("PostgreSQL is not configured (postgres.url): demo data written to ClickHouse only")
    postgres_steps = 1 + len(plans) if with_postgres else 0
    writer.steps = _Steps(progress, len(generated) + len(derived) + len(plans) + 1 + postgres_steps, 0.0, 99.0)
    async with asyncio.TaskGroup() as group:  # the stores side by side
        clickhouse_task = group.create_task(_seed_clickhouse(writer, plans, generated, derived))
        postgres_task = group.create_task(_seed_postgres(plans, window, seed, writer.steps)) if with_postgres else None
    ch_seconds = clickhouse_task.result()
    if postgres_task is not None:
        counts.update(postgres_task.result())
    counts.update(await _count_clickhouse(backend, [p.id for p in plans]))
    slowest = sorted(writer.timings.items(), key=lambda item: -item[1])[:8]
    logger.debug("demo seed: slowest steps {}", ", ".join(f"{name} {secs:.1f} s" for name, secs in slowest))
    await _write_marker(backend, plans, window, {"orgs": orgs, "services": services, "hours": hours, "scale": scale})
    if progress is not None:
        progress(100.0, "done")
    logger.info(
        "demo seed: {} organizations, {} rows in {:.1f} s (ClickHouse {:.1f} s, {} generated statements)",
        orgs,
        sum(counts.values()),
        time.perf_counter() - started,
        ch_seconds,
        writer.statements,
    )
    return counts


# --------------------------------------------------------------------------- ClickHouse


@cache
def _demo_sql(name: str) -> str:
    text = (DEMO_SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    if "/*SERIES*/" in text:
        text = text.replace("/*SERIES*/", _demo_sql("series"))
    return text


@cache
def _demo_insert(name: str) -> tuple[str, str, str, str]:
    """A generated statement's head (comments unescaped, then ``INSERT INTO table (columns)``), its target table,
    the INSERT clause with single spaces and its SELECT template."""
    match = _INSERT_HEAD.match(_demo_sql(name))
    if match is None:
        raise ValueError(f"sql/clickhouse/demo/{name}.sql is not INSERT INTO <table> (<columns>) SELECT ...")
    return sql_guard.render(match[1] + match[2], {}), match[3], " ".join(match[2].split()), match[4]


def _render(template: str, params: dict[str, Any], literals: dict[int, tuple[list[Any], str]]) -> str:
    """``sql_guard.render(template, params)`` with each list parameter escaped once however many pieces share it
    (``literals``: id -> (list, SQL literal); the pieces of a chunk share their arrays)."""
    values = {}
    for key, value in params.items():
        if not isinstance(value, list):
            values[key] = sql_guard.render("%(v)s", {"v": value})
            continue
        if id(value) not in literals:
            literals[id(value)] = (value, sql_guard.render("%(v)s", {"v": value}))
        values[key] = literals[id(value)][1]
    return template % values


Progress = Callable[[float, str], None]


class _Steps:
    """Counts finished steps of a seed and reports them as a percentage within [first, last]."""

    def __init__(self, progress: Progress | None, total: int, first: float, last: float) -> None:
        self.progress, self.total, self.first, self.last = progress, max(1, total), first, last
        self.done = 0

    def step(self, name: str) -> None:
        self.done += 1
        if self.progress is not None:
            share = min(1.0, self.done / self.total)
            self.progress(self.first + (self.last - self.first) * share, name)


class _Writer:
    """Runs the ClickHouse side of a seed: generated INSERT ... SELECT statements and row inserts."""

    def __init__(self, backend: Backend, seed: int, window: Window, daily: frozenset[str]) -> None:
        self.backend = backend
        self.seed = seed
        self.window = window
        self.daily = daily
        self.steps = _Steps(None, 1, 0.0, 99.0)
        self.statements = 0
        self.timings: dict[str, float] = {}
        self.settings = CHDB_GENERATE_SETTINGS if backend.kind == "chdb" else ""

    def pack(self, pieces: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple[str, str]]:
        """Statements (name, SQL) writing the pieces (name, parameters): the SELECTs into one table's columns joined
        by UNION ALL up to MAX_STATEMENT_BYTES, so every organization and chunk shares one insert (the rollups'
        views run once per insert, a cost that does not shrink with the rows). A table with Map columns (``daily``)
        gets one insert per UTC ``day`` of the pieces: its blocks are not split by partition."""
        groups: dict[tuple[str, Any], tuple[str, list[str]]] = {}
        literals: dict[int, tuple[list[Any], str]] = {}
        for name, params in pieces:
            _, table, insert, template = _demo_insert(name)
            day = params.get("day") if table in self.daily else None
            body = _render(template, {"seed": self.seed, **params}, literals)
            groups.setdefault((insert, day), (name, []))[1].append(body)
        statements = []
        for name, bodies in groups.values():
            batch: list[str] = []
            size = 0  # bytes of the batch's bodies joined by UNION_ALL
            for body in bodies:
                grown = size + len(UNION_ALL) + len(body.encode()) if batch else len(body.encode())
                if batch and grown > MAX_STATEMENT_BYTES:
                    statements.append((name, self._statement(name, batch)))
                    batch, grown = [], len(body.encode())
                batch.append(body)
                size = grown
            statements.append((name, self._statement(name, batch)))
        return statements

    def _statement(self, name: str, bodies: list[str]) -> str:
        return f"{_demo_insert(name)[0]}{self.settings}\n" + UNION_ALL.join(bodies)

    async def generate(self, name: str, sql: str) -> None:
        started = time.perf_counter()
        await self.backend.execute(sql)
        self.statements += 1
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started
        self.steps.step(f"ClickHouse {name}")

    async def insert(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            started = time.perf_counter()
            await self.backend.insert(table, columns, rows)
            self.timings[table] = self.timings.get(table, 0.0) + time.perf_counter() - started


async def _seed_clickhouse(
    writer: _Writer, plans: list[OrgPlan], generated: list[tuple[str, str]], derived: list[tuple[str, str]]
) -> float:
    """The generated statements in LANES lanes, largest first and the traces before all: the statements that
    read them and the Python-built tables (beside the lanes) start once they are written. Returns the seconds."""
    started = time.perf_counter()
    spans = [(name, sql) for name, sql in generated if name == "traces"]
    spans_left = len(spans)
    spans_written = asyncio.Event()
    if not spans:
        spans_written.set()

    async def write_spans(name: str, sql: str) -> None:
        nonlocal spans_left
        await writer.generate(name, sql)
        spans_left -= 1
        if not spans_left:
            spans_written.set()

    async def after_spans(name: str, sql: str) -> None:
        await spans_written.wait()
        await writer.generate(name, sql)

    async def tables_after_spans() -> None:
        await spans_written.wait()
        await _seed_clickhouse_tables(writer, plans)

    rest = [partial(writer.generate, name, sql) for name, sql in generated if name != "traces"]
    # the statements that read the traces come after LANES others (no lane waits for the traces), and the small
    # statements last (the lanes finish together)
    jobs = iter(
        [
            *(partial(write_spans, name, sql) for name, sql in spans),
            *rest[:LANES],
            *(partial(after_spans, name, sql) for name, sql in derived),
            *rest[LANES:],
        ]
    )

    async def lane() -> None:
        for job in jobs:  # one iterator for every lane: each job runs once
            await job()

    async with asyncio.TaskGroup() as group:
        for _ in range(LANES):
            group.create_task(lane())
        group.create_task(tables_after_spans())
    seconds = time.perf_counter() - started
    logger.info("demo seed: ClickHouse rows written in {:.1f} s", seconds)
    return seconds


async def _seed_clickhouse_tables(writer: _Writer, plans: list[OrgPlan]) -> None:
    """The Python-built tables of every organization, one insert per table (rows built in a worker thread)."""
    rows_of: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    for plan in plans:
        trace_ids = await _incident_trace_ids(writer, plan) if plan.incident else []
        built = await asyncio.to_thread(tables.clickhouse_tables, plan, writer.window, writer.seed, trace_ids)
        for table, columns, rows in built:
            rows_of.setdefault(table, (columns, []))[1].extend(rows)
        writer.steps.step(f"ClickHouse rows of {plan.name}")
    for table, (columns, rows) in rows_of.items():
        await writer.insert(table, columns, rows)
    writer.steps.step("ClickHouse tables")


async def _incident_trace_ids(writer: _Writer, plan: OrgPlan) -> list[str]:
    """The first six failed traces of the incident service during the incident (the signal correlations cite them)."""
    window = writer.window
    result = await writer.backend.query(
        "SELECT trace_id FROM traces_errors WHERE organization_id = %(org)s AND service_name = %(svc)s "
        "AND timestamp >= %(start)s AND timestamp < %(end)s ORDER BY timestamp, trace_id LIMIT 6",
        {
            "org": plan.id,
            "svc": plan.story["incident_service"],
            "start": naive_utc(window.ago(INCIDENT_MIN[0])),
            "end": naive_utc(window.ago(INCIDENT_MIN[1])),
        },
        max_rows=6,
    )
    return [str(row[0]) for row in result.rows]


async def _org_tables(backend: Backend) -> list[str]:
    """MergeTree tables of the current database that have an organization_id column and rows (active parts)."""
    result = await backend.query(
        "SELECT DISTINCT table FROM system.parts WHERE database = currentDatabase() AND active AND rows > 0 "
        "AND table IN (SELECT name FROM system.tables WHERE database = currentDatabase() "
        "AND engine LIKE '%%MergeTree') AND table IN (SELECT table FROM system.columns "
        "WHERE database = currentDatabase() AND name = 'organization_id') ORDER BY table",
        {},
        max_rows=10_000,
    )
    return [str(row[0]) for row in result.rows]


async def _clear_clickhouse(backend: Backend, ids: list[str]) -> None:
    """Remove earlier rows of the demo organizations (TRUNCATE when a table holds nothing else); empty tables are
    skipped without a query each."""
    for table in await _org_tables(backend):
        name = sql_guard.quote_identifier(table)
        result = await backend.query(
            f"SELECT countIf(organization_id IN %(ids)s), countIf(organization_id NOT IN %(ids)s) FROM {name}",
            {"ids": ids},
            max_rows=1,
        )
        ours, others = (int(v) for v in result.rows[0])
        if not ours:
            continue
        if others:
            await backend.execute(
                f"ALTER TABLE {name} DELETE WHERE organization_id IN %(ids)s SETTINGS mutations_sync = 2", {"ids": ids}
            )
        else:
            await backend.execute(f"TRUNCATE TABLE {name}")


async def _tables_with_maps(backend: Backend) -> frozenset[str]:
    """Tables of the current database with a Map column (splitting an insert block by partition is slow for them)."""
    result = await backend.query(
        "SELECT DISTINCT table FROM system.columns WHERE database = currentDatabase() AND type LIKE 'Map(%%'",
        {},
        max_rows=10_000,
    )
    return frozenset(str(row[0]) for row in result.rows)


async def _count_clickhouse(backend: Backend, ids: list[str]) -> dict[str, int]:
    parts = [
        f"SELECT '{table}' AS t, count() AS n FROM {table} WHERE organization_id IN %(ids)s"
        for table in tables.SEEDED_CLICKHOUSE_TABLES
    ]
    result = await backend.query(" UNION ALL ".join(parts), {"ids": ids}, max_rows=len(parts))
    return {f"clickhouse.{row[0]}": int(row[1]) for row in result.rows}


# --------------------------------------------------------------------------- PostgreSQL


async def _write_marker(backend: Backend, plans: list[OrgPlan], window: Window, args: dict[str, int]) -> None:
    """The last write of a seed: one row per organization saying the estate is complete."""
    import json

    rows = [(p.id, naive_utc(window.now), json.dumps(args, sort_keys=True)) for p in plans]
    await backend.insert(ESTATE_MARKER, ["organization_id", "estate_now", "arguments"], rows)


async def _seed_postgres(plans: list[OrgPlan], window: Window, seed: int, steps: _Steps) -> dict[str, int]:
    """The PostgreSQL rows: the demo organizations' earlier rows deleted and the platform-wide rows added in one
    transaction, then each organization's rows (tables in foreign-key order) by COPY in one transaction."""
    started = time.perf_counter()
    ids = [p.id for p in plans]
    # Columns defaulting to now() get a fixed time instead, so the same seed writes the same rows.
    timed = await postgres.fetch_all(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND column_default ILIKE '%%now()%%'"
    )
    fixed_time = window.now - timedelta(days=1)
    for row in timed:
        _NOW_COLUMNS.setdefault(row["table_name"], set()).add(row["column_name"])
    await _check_global_ids()
    any_org = "organization_id = ANY(%s::uuid[])"
    statements: list[tuple[str, Any]] = [
        *((f"DELETE FROM {table} WHERE {any_org}", [ids]) for table in tables.POSTGRES_DELETE_ORDER),
        (f"DELETE FROM tenants WHERE workspace_id IN (SELECT workspace_id FROM workspaces WHERE {any_org})", [ids]),
        (f"DELETE FROM workspaces WHERE {any_org}", [ids]),
        (f"DELETE FROM organizations WHERE {any_org}", [ids]),
    ]
    counts: dict[str, int] = {}
    for table, key, rows in tenancy.global_tables(plans, window.now):
        statements += _insert_statements(table, _with_times(table, rows, fixed_time), conflict=key)
        counts[f"postgres.{table}"] = counts.get(f"postgres.{table}", 0) + len(rows)
    role_permissions = _with_times("role_permissions", tenancy.role_permission_rows(), fixed_time)
    statements += _insert_statements("role_permissions", role_permissions, conflict="id")
    await postgres.copy_rows([], statements)
    steps.step("PostgreSQL platform rows")
    for plan in plans:
        rng = random.Random(f"{seed}/postgres/{plan.index}")
        batches: list[tuple[str, list[str], list[tuple[Any, ...]]]] = []
        for table, rows in tables.postgres_org_tables(plan, window, rng):
            batches += _copy_batches(table, _with_times(table, rows, fixed_time))
            counts[f"postgres.{table}"] = counts.get(f"postgres.{table}", 0) + len(rows)
        await postgres.copy_rows(batches)
        steps.step(f"PostgreSQL rows of {plan.name}")
    logger.info("demo seed: PostgreSQL rows written in {:.1f} s", time.perf_counter() - started)
    return counts


async def _check_global_ids() -> None:
    """Roles, permissions, plans and regions must carry the demo ids (a same-named row with another id breaks FKs)."""
    for table, key, kind, names in tenancy.global_names():
        rows = await postgres.fetch_all(f"SELECT id, {key} AS k FROM {table} WHERE {key} = ANY(%s)", [names])
        wrong = [r["k"] for r in rows if str(r["id"]) != demo_uid(kind, r["k"])]
        if wrong:
            raise ValueError(f"PostgreSQL already has {table} {', '.join(wrong)} with other ids: use an empty database")


def _with_times(table: str, rows: list[dict[str, Any]], moment: datetime) -> list[dict[str, Any]]:
    """Rows with every now()-defaulted column the row leaves out set to ``moment``."""
    columns = _NOW_COLUMNS.get(table)
    if not columns:
        return rows
    return [{**{name: moment for name in columns if name not in row}, **row} for row in rows]


def _copy_batches(table: str, rows: list[dict[str, Any]]) -> list[tuple[str, list[str], list[tuple[Any, ...]]]]:
    """COPY batches (table, columns, rows) of consecutive rows with the same keys (a missing key is the default)."""
    from psycopg.types.json import Jsonb

    batches: list[tuple[str, list[str], list[tuple[Any, ...]]]] = []
    keys: frozenset[str] | None = None
    for row in rows:
        if keys != row.keys():
            keys = frozenset(row)
            batches.append((table, list(row), []))
        values = (row[name] for name in batches[-1][1])
        batches[-1][2].append(tuple(Jsonb(value.value) if isinstance(value, Json) else value for value in values))
    return batches


def _insert_statements(table: str, rows: list[dict[str, Any]], conflict: str) -> list[tuple[str, list[Any]]]:
    """Multi-row INSERT ... ON CONFLICT DO NOTHING statements (sql, params); columns = union of the rows' keys, a
    missing key is DEFAULT."""
    from psycopg.types.json import Jsonb

    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    quoted = ", ".join(f'"{name}"' for name in columns)
    per_statement = max(1, PG_MAX_PARAMS // max(1, len(columns)))
    statements = []
    for offset in range(0, len(rows), per_statement):
        chunk = rows[offset : offset + per_statement]
        values, params = [], []
        for row in chunk:
            cells = []
            for name in columns:
                if name not in row:
                    cells.append("DEFAULT")
                    continue
                value = row[name]
                params.append(Jsonb(value.value) if isinstance(value, Json) else value)
                cells.append("%s")
            values.append("(" + ", ".join(cells) + ")")
        statements.append(
            (f"INSERT INTO {table} ({quoted}) VALUES {', '.join(values)} ON CONFLICT ({conflict}) DO NOTHING", params)
        )
    return statements
