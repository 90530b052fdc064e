"""The ``custom`` context: a caller's own read-only query, scoped to the organization.

The query comes in ``context_id``. A ``ch:`` or ``pg:`` prefix picks the store (ClickHouse when there is none).
It must contain the placeholder ``{org}`` outside string literals and comments, for example::

    ch:SELECT service_name, count() AS spans FROM traces WHERE organization_id = {org} GROUP BY service_name
    pg:SELECT name, status FROM agents WHERE organization_id = {org}

``{org}`` is bound as a parameter (never pasted into the text), so an organization id cannot inject SQL; a query
without it is refused, so a caller cannot read across tenants by accident. This is a guard against mistakes, not
a tenant boundary: the query itself decides how it uses the value. ``{start}`` and ``{end}`` (the window, UTC)
may be used the same way. Rows are capped at ``max_items`` (``truncated`` says when more existed).

Safety is that of ``ch_query`` / ``pg_query``, through their own execution paths: ClickHouse runs the query with
``readonly=1``, ``max_execution_time`` (the budget left) and result caps, behind the guard that refuses several
statements, file and network functions; PostgreSQL runs exactly one statement in a READ ONLY transaction that is
always rolled back (:func:`tfo_mcp.stores.postgres.run_query`). Because ``run_query`` honours the operator's
``postgres.allow_write``, custom PostgreSQL queries are refused while writes are enabled: a context never writes.

A refused or failing query comes back ``unavailable`` with the reason (the summary says it is the query, not the
connection); no rows come back ``empty``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from fastmcp.exceptions import ToolError

from tfo_mcp.auth.identity import current_identity
from tfo_mcp.context.collector import CollectRequest, collector
from tfo_mcp.context.sources import BudgetExceeded, empty, run_budgeted
from tfo_mcp.context.types import MAX_REASON_CHARS, ContextType, TelemetryContext
from tfo_mcp.errors import StoreUnavailable
from tfo_mcp.logs import scrub_secrets
from tfo_mcp.stores import postgres
from tfo_mcp.stores.clickhouse import get_clickhouse

Store = Literal["clickhouse", "postgresql"]
#: why a credential scoped to one organization cannot run a custom query: ``{org}`` guards against mistakes only
CONFINED_REFUSAL = (
    "custom queries are free-form SQL that the stores cannot confine to one organization, so a credential scoped "
    "to one organization may not run them; the other context types read only your organization"
)

#: The placeholder every custom query must contain (``{start}`` and ``{end}`` are optional).
ORG = "org"
_PREFIX = re.compile(r"^\s*(ch|clickhouse|pg|postgres|postgresql)\s*:", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{(org|start|end)\}")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


class QueryRefused(ValueError):
    """The custom query cannot be run as given (no store prefix match, no {org}, empty...)."""


@dataclass(frozen=True)
class CustomQuery:
    """A parsed custom query: the store, the text as given, and where its placeholders are."""

    store: Store
    text: str
    #: (start, end, name) of each placeholder found outside literals and comments, in order
    placeholders: tuple[tuple[int, int, str], ...]

    def names(self) -> list[str]:
        """Placeholder names in order of first use."""
        seen: list[str] = []
        for _, _, name in self.placeholders:
            if name not in seen:
                seen.append(name)
        return seen

    def substituted(self, replacement: dict[str, str], escape_percent: bool) -> str:
        """The text with each placeholder replaced (and every other ``%`` doubled when ``escape_percent``)."""
        out: list[str] = []
        position = 0
        for start, end, name in self.placeholders:
            chunk = self.text[position:start]
            out.append(chunk.replace("%", "%%") if escape_percent else chunk)
            out.append(replacement[name])
            position = end
        tail = self.text[position:]
        out.append(tail.replace("%", "%%") if escape_percent else tail)
        return "".join(out)


def placeholder_spans(sql: str, store: Store) -> list[tuple[int, int, str]]:
    """Placeholders (``{org}``, ``{start}``, ``{end}``) that sit in SQL code, not in literals or comments.

    Skips '...' strings (doubled quotes; backslash escapes on ClickHouse and in PostgreSQL E'...'), "..."
    identifiers, ClickHouse `...` identifiers, -- and # line comments (# on ClickHouse), /* */ block comments
    (nested on PostgreSQL) and $tag$ ... $tag$ dollar quotes.
    """
    spans: list[tuple[int, int, str]] = []
    i, n = 0, len(sql)
    clickhouse = store == "clickhouse"
    while i < n:
        c = sql[i]
        if (c == "-" and sql.startswith("--", i)) or (clickhouse and c == "#"):
            newline = sql.find("\n", i)
            i = n if newline < 0 else newline + 1
        elif c == "/" and sql.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if sql.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                elif not clickhouse and sql.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                else:
                    i += 1
        elif c == "'":
            backslash = clickhouse or (i > 0 and sql[i - 1] in "eE" and (i < 2 or not sql[i - 2].isalnum()))
            i = _end_of_quoted(sql, i, "'", backslash)
        elif c == '"' or (clickhouse and c == "`"):
            i = _end_of_quoted(sql, i, c, clickhouse)
        elif c == "$" and (match := _DOLLAR_TAG.match(sql, i)):
            tag = match.group(0)
            close = sql.find(tag, match.end())
            i = n if close < 0 else close + len(tag)
        elif c == "{" and (match := _PLACEHOLDER.match(sql, i)):
            spans.append((i, match.end(), match.group(1)))
            i = match.end()
        else:
            i += 1
    return spans


def _end_of_quoted(sql: str, start: int, quote: str, backslash: bool) -> int:
    """The index just after the quoted text that opens at ``start`` (the end of the text when unterminated)."""
    i, n = start + 1, len(sql)
    while i < n:
        c = sql[i]
        if backslash and c == "\\":
            i += 2
        elif c == quote:
            if i + 1 < n and sql[i + 1] == quote:
                i += 2
            else:
                return i + 1
        else:
            i += 1
    return n


def parse_custom_query(raw: str | None) -> CustomQuery:
    """The store and placeholders of a custom query; QueryRefused when it cannot be run as given."""
    text = (raw or "").strip()
    store: Store = "clickhouse"
    match = _PREFIX.match(text)
    if match:
        store = "clickhouse" if match.group(1).lower() in ("ch", "clickhouse") else "postgresql"
        text = text[match.end() :].strip()
    if not text:
        raise QueryRefused(
            "the custom context needs a query in context_id, e.g. "
            "'ch:SELECT count() FROM logs WHERE organization_id = {org}' or "
            "'pg:SELECT name FROM agents WHERE organization_id = {org}'"
        )
    spans = tuple(placeholder_spans(text, store))
    if not any(name == ORG for _, _, name in spans):
        raise QueryRefused(
            "the query must filter on the organization with the {org} placeholder outside quotes and comments "
            "(e.g. WHERE organization_id = {org}); it is bound as a parameter, so write it without quotes"
        )
    return CustomQuery(store=store, text=text, placeholders=spans)


def _refused(req: CollectRequest, store: str | None, reason: str) -> TelemetryContext:
    """An ``unavailable`` result that says the query (not the connection) is the problem."""
    cleaned = scrub_secrets(" ".join(str(reason).split()))
    if len(cleaned) > MAX_REASON_CHARS:
        cleaned = cleaned[:MAX_REASON_CHARS] + "..."
    sentence = cleaned if cleaned.endswith((".", "!", "?")) else f"{cleaned}."
    which = f"custom {store} query" if store else "custom query"
    summary = (
        f"[SYSTEM] The {which} was not run or failed: {sentence} Tell the user what is wrong with the query and "
        "how to fix it; this is not a connectivity problem."
    )
    return TelemetryContext(
        type=req.context_type,
        time_range=req.time_range,
        summary=summary,
        data={"available": False, "refused": True, "store": store, "reason": cleaned},
        status="unavailable",
    )


def _window_values(req: CollectRequest) -> dict[str, Any]:
    return {"org": req.organization_id, "start": req.time_range.start, "end": req.time_range.end}


async def _run_clickhouse(req: CollectRequest, query: CustomQuery) -> dict[str, Any]:
    values = _window_values(req)
    names = query.names()
    sql = query.substituted({name: f"%({name})s" for name in names}, escape_percent=True)
    result = await run_budgeted(
        req, get_clickhouse(), sql, {name: values[name] for name in names}, max_rows=req.max_items,
        what="the custom query", name="custom",
    )  # fmt: skip
    return {
        "columns": [{"name": name, "type": kind} for name, kind in zip(result.columns, result.types, strict=False)],
        "rows": result.as_dicts(),
        "truncated": result.truncated,
        "elapsed_ms": result.elapsed_ms,
    }


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        out.append(name if count == 1 else f"{name}_{count}")
    return out


async def _run_postgres(req: CollectRequest, query: CustomQuery) -> dict[str, Any]:
    from tfo_mcp.config import get_settings

    if get_settings().postgres.allow_write:
        raise QueryRefused(
            "custom PostgreSQL queries are refused while postgres.allow_write is enabled: a context must never "
            "write, and pg_query's engine commits when writes are enabled"
        )
    values = _window_values(req)
    names = query.names()
    sql = query.substituted({name: f"${number}" for number, name in enumerate(names, start=1)}, escape_percent=False)
    result = await postgres.run_query(sql, [values[name] for name in names], max_rows=req.max_items)
    columns = _unique_names([column.name for column in result.columns])
    return {
        "columns": [{"name": name, "type": column.type} for name, column in zip(columns, result.columns, strict=True)],
        "rows": [dict(zip(columns, row, strict=False)) for row in result.rows],
        "truncated": result.truncated,
        "elapsed_ms": result.elapsed_ms,
    }


@collector(ContextType.CUSTOM)
async def collect_custom(req: CollectRequest) -> TelemetryContext:
    """Run the caller's read-only query (``context_id``) on ClickHouse or PostgreSQL with ``{org}`` bound."""
    if current_identity().organization_id is not None:
        return _refused(req, None, CONFINED_REFUSAL)
    try:
        query = parse_custom_query(req.context_id)
    except QueryRefused as exc:
        return _refused(req, None, str(exc))
    label = "ClickHouse" if query.store == "clickhouse" else "PostgreSQL"
    try:
        if query.store == "clickhouse":
            result = await _run_clickhouse(req, query)
        else:
            result = await _run_postgres(req, query)
    except (StoreUnavailable, BudgetExceeded):
        raise
    except (QueryRefused, ToolError, ValueError, TypeError) as exc:
        return _refused(req, label, str(exc))
    rows = result["rows"]
    if not rows:
        return empty(req, f"the custom {label} query")
    cut = " (cut at max_items; more rows exist)" if result["truncated"] else ""
    summary = f"The custom {label} query returned {len(rows)} rows with {len(result['columns'])} columns{cut}."
    data = {
        "store": query.store,
        "query": query.text,
        "placeholders": query.names(),
        "row_count": len(rows),
        **result,
    }
    return TelemetryContext(type=req.context_type, time_range=req.time_range, summary=summary, data=data)
