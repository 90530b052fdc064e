"""Writing the demo estate to the stores: the platform schema, the generated ClickHouse statements and row inserts
(``tfo_mcp.stores.clickhouse``), the PostgreSQL rows (multi-row INSERTs through ``tfo_mcp.stores.postgres.execute``).

Every store access of the demo package is here; the other modules only build rows and statement parameters.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
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
#: Organizations seeded concurrently (each runs its statements in order; the engine uses one thread per statement).
PARALLEL_ORGS = 2
MAX_HOURS = 24 * 30
MAX_SCALE = 200
MAX_ORGS = 50
PG_MAX_PARAMS = 30_000
#: The table a seed writes last, one row per organization: a store without its rows holds no complete estate.
ESTATE_MARKER = "tfo_mcp_demo_estate"
#: Share of a seed's progress the ClickHouse side takes (PostgreSQL the rest).
CLICKHOUSE_SHARE = 85.0
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
    steps = sum(len(list(tables.clickhouse_statements(p, window, scale))) + 1 for p in plans)
    writer = _Writer(backend, seed, window, _Steps(progress, steps, 0.0, CLICKHOUSE_SHARE))
    for first in range(0, len(plans), PARALLEL_ORGS):
        await asyncio.gather(
            *(_seed_clickhouse_org(writer, p, scale, seed) for p in plans[first : first + PARALLEL_ORGS])
        )
    counts.update(await _count_clickhouse(backend, [p.id for p in plans]))
    slowest = sorted(writer.timings.items(), key=lambda item: -item[1])[:8]
    logger.debug("demo seed: slowest steps {}", ", ".join(f"{name} {secs:.1f} s" for name, secs in slowest))
    ch_seconds = time.perf_counter() - started
    if postgres.is_configured():
        counts.update(await _seed_postgres(plans, window, seed, progress))
    else:
        logger.warning("PostgreSQL is not configured (postgres.url): demo data written to ClickHouse only")
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

    def __init__(self, backend: Backend, seed: int, window: Window, steps: _Steps) -> None:
        self.backend = backend
        self.seed = seed
        self.window = window
        self.steps = steps
        self.statements = 0
        self.timings: dict[str, float] = {}

    async def generate(self, name: str, params: dict[str, Any]) -> None:
        started = time.perf_counter()
        await self.backend.execute(_demo_sql(name), {"seed": self.seed, **params})
        self.statements += 1
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started
        self.steps.step(f"ClickHouse {name}")

    async def insert(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            started = time.perf_counter()
            await self.backend.insert(table, columns, rows)
            self.timings[table] = self.timings.get(table, 0.0) + time.perf_counter() - started


async def _seed_clickhouse_org(writer: _Writer, plan: OrgPlan, scale: int, seed: int) -> None:
    """The generated statements of one organization, then its Python-built tables."""
    window = writer.window
    started = time.perf_counter()
    for name, params in tables.clickhouse_statements(plan, window, scale):
        await writer.generate(name, params)
    trace_ids = await _incident_trace_ids(writer, plan) if plan.incident else []
    for table, cols, rows in tables.clickhouse_tables(plan, window, seed, trace_ids):
        await writer.insert(table, cols, rows)
    writer.steps.step(f"ClickHouse tables of {plan.name}")
    logger.info("demo seed: ClickHouse rows of {} written in {:.1f} s", plan.name, time.perf_counter() - started)


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
    """MergeTree tables of the current database that have an organization_id column."""
    result = await backend.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%%MergeTree' "
        "AND name IN (SELECT table FROM system.columns WHERE database = currentDatabase() "
        "AND name = 'organization_id') ORDER BY name",
        {},
        max_rows=10_000,
    )
    return [str(row[0]) for row in result.rows]


async def _clear_clickhouse(backend: Backend, ids: list[str]) -> None:
    """Remove earlier rows of the demo organizations (TRUNCATE when a table holds nothing else)."""
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


async def _seed_postgres(
    plans: list[OrgPlan], window: Window, seed: int, progress: Progress | None = None
) -> dict[str, int]:
    started = time.perf_counter()
    ids = [p.id for p in plans]
    for table in tables.POSTGRES_DELETE_ORDER:
        await postgres.execute(f"DELETE FROM {table} WHERE organization_id = ANY(%s::uuid[])", [ids])
    await postgres.execute(
        "DELETE FROM tenants WHERE workspace_id IN "
        "(SELECT workspace_id FROM workspaces WHERE organization_id = ANY(%s::uuid[]))",
        [ids],
    )
    await postgres.execute("DELETE FROM workspaces WHERE organization_id = ANY(%s::uuid[])", [ids])
    await postgres.execute("DELETE FROM organizations WHERE organization_id = ANY(%s::uuid[])", [ids])
    counts: dict[str, int] = {}
    # Columns defaulting to now() get a fixed time instead, so the same seed writes the same rows.
    timed = await postgres.fetch_all(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND column_default ILIKE '%%now()%%'"
    )
    fixed_time = window.now - timedelta(days=1)
    for row in timed:
        _NOW_COLUMNS.setdefault(row["table_name"], set()).add(row["column_name"])
    for table, key, rows in tenancy.global_tables(plans, window.now):
        await _pg_insert(table, _with_times(table, rows, fixed_time), conflict=key)
        counts[f"postgres.{table}"] = counts.get(f"postgres.{table}", 0) + len(rows)
    role_permissions = tenancy.role_permission_rows()
    await _pg_insert("role_permissions", _with_times("role_permissions", role_permissions, fixed_time), conflict="id")
    await _check_global_ids()
    steps: _Steps | None = None
    for plan in plans:
        rng = random.Random(f"{seed}/postgres/{plan.index}")
        org_tables = tables.postgres_org_tables(plan, window, rng)
        steps = steps or _Steps(progress, len(org_tables) * len(plans), CLICKHOUSE_SHARE, 99.0)
        for table, rows in org_tables:
            await _pg_insert(table, _with_times(table, rows, fixed_time))
            counts[f"postgres.{table}"] = counts.get(f"postgres.{table}", 0) + len(rows)
            steps.step(f"PostgreSQL {table}")
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


async def _pg_insert(table: str, rows: list[dict[str, Any]], conflict: str | None = None) -> None:
    """Multi-row INSERTs (columns = union of the rows' keys; a missing key is DEFAULT)."""
    if not rows:
        return
    from psycopg.types.json import Jsonb

    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    quoted = ", ".join(f'"{name}"' for name in columns)
    per_statement = max(1, PG_MAX_PARAMS // len(columns))
    suffix = f" ON CONFLICT ({conflict}) DO NOTHING" if conflict else ""
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
        await postgres.execute(f"INSERT INTO {table} ({quoted}) VALUES {', '.join(values)}{suffix}", params)
