"""Helpers for the collector tests of the topology, database, security, platform and AI/ops types.

The collectors run once per test module against the seeded demo dataset (``demo_dataset`` in fixtures_demo.py)
for organization A, organization B and an organization without data; tests then read the results.
Hand-computed figures come from plain SQL on the raw tables (``ch_rows`` / ``pg_rows``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from tests.support.fixtures_demo import DemoDataset, _install, _restore
from tfo_mcp.context.types import ContextType, TelemetryContext

#: An organization id that owns nothing in either store.
EMPTY_ORG = str(uuid.UUID(int=0x5EED_0000_0000_4000_8000_0000_0000_0001))


def window(dataset: DemoDataset, hours: float = 1) -> tuple[datetime, datetime]:
    """The last ``hours`` of the dataset (it ends at ``dataset.now``)."""
    return dataset.now - timedelta(hours=hours), dataset.now


async def collect_many(
    dataset: DemoDataset, types: Iterable[ContextType], organization_id: str, hours: float = 1, **options: Any
) -> dict[ContextType, TelemetryContext]:
    """Collect each type for one organization over the last ``hours`` (settings must point at the dataset)."""
    from tfo_mcp.context.collector import collect_context

    start, end = window(dataset, hours)
    budget = options.pop("budget", 30)
    out = {}
    for kind in types:
        out[kind] = await collect_context(kind, organization_id, time_from=start, time_to=end, budget=budget, **options)
    return out


async def collect_for_orgs(dataset: DemoDataset, types: list[ContextType]) -> dict[str, dict[ContextType, Any]]:
    """Contexts of every type for org A, org B and an empty organization (settings installed meanwhile)."""
    previous = await _install(dataset.environ())
    try:
        return {
            "a": await collect_many(dataset, types, dataset.org_a),
            "b": await collect_many(dataset, types, dataset.org_b),
            "empty": await collect_many(dataset, types, EMPTY_ORG),
        }
    finally:
        await _restore(previous)


def as_json(context: TelemetryContext) -> str:
    """The whole context as JSON text (what a client would receive)."""
    return json.dumps(context.to_dict(), ensure_ascii=False)


def leaked(context: TelemetryContext, values: Iterable[str]) -> list[str]:
    """The other organization's values found in the context (every string in its JSON, keys excluded).

    A string equal to one of the values is a leak. Inside longer text (summaries, highlights, statements) the
    identifier-like values (with a dash, dot, @, digit or space: hosts, clusters, emails, ids, multi-word names)
    count when they stand as a whole token; plain words (a service called "cart") would match ordinary text
    such as "cart_sessions", so they count only as whole string values.
    """
    wanted = {value for value in values if value}
    patterns = [
        (value, re.compile(r"(?<![\w.@-])" + re.escape(value) + r"(?![\w@-])"))
        for value in wanted
        if re.search(r"[-.@ 0-9]", value)
    ]
    found: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            for inner in item.values():
                walk(inner)
        elif isinstance(item, list):
            for inner in item:
                walk(inner)
        elif isinstance(item, str):
            if item in wanted:
                found.add(item)
            found.update(value for value, pattern in patterns if value in item and pattern.search(item))

    walk(context.to_dict())
    return sorted(found)


async def ch_rows(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of plain SQL on the dataset's ClickHouse (settings must point at the dataset)."""
    from tfo_mcp.stores.clickhouse import get_clickhouse

    result = await get_clickhouse().query(sql, params, max_rows=10_000)
    return result.as_dicts()


async def pg_rows(dataset: DemoDataset, sql: str, params: Any = None) -> list[dict[str, Any]]:
    """Rows of plain SQL on the dataset's PostgreSQL, on a connection of its own."""
    import psycopg
    from psycopg.rows import dict_row

    conn = await psycopg.AsyncConnection.connect(dataset.postgres_url, autocommit=True, row_factory=dict_row)
    async with conn:
        cur = await conn.execute(sql, params)
        return await cur.fetchall()
