"""The PostgreSQL tools: `pg_query`, `pg_list_tables`, `pg_describe_table` and `pg_sessions`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastmcp.server.providers import LocalProvider
from pydantic import BaseModel, Field

from tfo_mcp import sessions
from tfo_mcp.auth.identity import current_identity
from tfo_mcp.config import Settings
from tfo_mcp.errors import StoreUnavailable
from tfo_mcp.stores.postgres import (
    QueryError,
    QueryResult,
    flush_sessions,
    is_configured,
    read_catalog,
    recorded_sessions,
    run_query,
)
from tfo_mcp.tools.annotations import MAY_DESTROY, READ_ONLY
from tfo_mcp.toolsets import HARD_CAP_TOKENS, entry

MAX_LISTED_TABLES = 1000


async def pg_query(
    query: str = Field(description="Exactly one SQL statement; use $1, $2, ... for parameters"),
    params: list[str | int | float | bool | list[Any] | dict[str, Any] | None] = Field(
        default_factory=list, description="Values bound to $1, $2, ... (objects are sent as jsonb)"
    ),
    max_rows: int = Field(100, ge=1, le=10_000, description="Return at most this many rows (truncated says so)"),
    max_tokens: int = Field(
        entry("pg_query").budget, ge=200, le=HARD_CAP_TOKENS, description="Result size cap in tokens; cut says"
    ),
) -> QueryResult:
    """Run one SQL statement on PostgreSQL, read-only: a READ ONLY transaction that is always rolled back.

    Exactly one statement per call (PostgreSQL refuses several), cancelled after postgres.statement_timeout;
    rows and bytes are capped and `truncated` says when more existed. Writes happen only when the operator
    enables postgres.allow_write in the server's configuration. Column types come with the result.
    """
    return await run_query(query, list(params), max_rows, organization_id=current_identity().organization_id)


class TableInfo(BaseModel):
    name: str
    type: str = Field(description="table, partitioned table, view, materialized view or foreign table")
    row_estimate: int | None = Field(description="Planner's row estimate (null before the first ANALYZE)")
    size_bytes: int | None = Field(description="Total size on disk including indexes and TOAST (tables only)")
    comment: str | None = None


class TablesResult(BaseModel):
    schema_name: str
    tables: list[TableInfo]
    truncated: bool = Field(description=f"True when the schema holds more than {MAX_LISTED_TABLES} relations")


async def pg_list_tables(
    schema: str = Field("public", min_length=1, max_length=128, description="Schema to list"),
) -> TablesResult:
    """List the tables, views, materialized views and foreign tables of one PostgreSQL schema.

    Each comes with its type, the planner's row estimate and its size on disk.
    """
    params = {"schema": schema, "limit": MAX_LISTED_TABLES + 1}
    tables, exists = await read_catalog([("list_tables", params), ("schema_exists", {"schema": schema})])
    if not exists[0]["exists"]:
        raise QueryError(f"schema {schema!r} does not exist")
    return TablesResult(
        schema_name=schema,
        tables=[TableInfo(**row) for row in tables[:MAX_LISTED_TABLES]],
        truncated=len(tables) > MAX_LISTED_TABLES,
    )


class ColumnDetail(BaseModel):
    name: str
    type: str
    nullable: bool
    default: str | None = Field(None, description="Default expression")
    identity: str | None = Field(None, description="'always' or 'by default' for identity columns")
    generated: str | None = Field(None, description="Expression of a generated column")
    comment: str | None = None


class ForeignKey(BaseModel):
    name: str
    columns: list[str]
    referenced_schema: str
    referenced_table: str
    referenced_columns: list[str]
    on_update: str
    on_delete: str


class ConstraintInfo(BaseModel):
    name: str
    type: str = Field(description="primary key, foreign key, unique, check or exclusion")
    columns: list[str]
    definition: str


class IndexInfo(BaseModel):
    name: str
    columns: list[str] = Field(description="Key columns or expressions, in order")
    unique: bool
    primary: bool
    method: str = Field(description="Access method: btree, hash, gin, gist, brin, ...")
    predicate: str | None = Field(None, description="WHERE clause of a partial index")
    definition: str


class TableDescription(BaseModel):
    schema_name: str
    table: str
    type: str
    row_estimate: int | None
    size_bytes: int | None
    comment: str | None
    columns: list[ColumnDetail]
    primary_key: list[str] = Field(description="Primary key columns (empty when there is none)")
    foreign_keys: list[ForeignKey]
    constraints: list[ConstraintInfo] = Field(description="All constraints, primary and foreign keys included")
    indexes: list[IndexInfo]


async def pg_describe_table(
    table: str = Field(min_length=1, max_length=128, description="Table or view name (exact, case-sensitive)"),
    schema: str = Field("public", min_length=1, max_length=128, description="Schema of the table"),
) -> TableDescription:
    """Describe one PostgreSQL table or view: columns (type, nullability, default), primary and foreign keys,
    constraints, indexes, row estimate and size."""
    (relation,) = await read_catalog([("describe_relation", {"schema": schema, "table": table})])
    if not relation:
        raise QueryError(f"table {schema}.{table} does not exist (names are exact and case-sensitive)")
    info = relation[0]
    columns, constraints, indexes = await read_catalog(
        [(name, {"oid": info["oid"]}) for name in ("describe_columns", "describe_constraints", "describe_indexes")]
    )
    primary = next((c["columns"] for c in constraints if c["type"] == "primary key"), [])
    foreign = [
        ForeignKey(
            name=c["name"],
            columns=c["columns"],
            referenced_schema=c["referenced_schema"],
            referenced_table=c["referenced_table"],
            referenced_columns=c["referenced_columns"],
            on_update=c["on_update"],
            on_delete=c["on_delete"],
        )
        for c in constraints
        if c["type"] == "foreign key"
    ]
    return TableDescription(
        schema_name=schema,
        table=table,
        type=info["type"],
        row_estimate=info["row_estimate"],
        size_bytes=info["size_bytes"],
        comment=info["comment"],
        columns=[ColumnDetail(**row) for row in columns],
        primary_key=primary,
        foreign_keys=foreign,
        constraints=[
            ConstraintInfo(name=c["name"], type=c["type"], columns=c["columns"], definition=c["definition"])
            for c in constraints
        ],
        indexes=[IndexInfo(**row) for row in indexes],
    )


class SessionRecord(BaseModel):
    id: str
    state: str
    client_name: str | None
    client_version: str | None
    protocol_version: str | None
    created_at: str | None
    initialized_at: str | None
    closed_at: str | None
    duration_seconds: float | None = Field(description="Seconds from open to close (so far, for open sessions)")
    tool_calls: int
    errors: int


class SessionsResult(BaseModel):
    source: Literal["postgres", "memory"] = Field(
        description="postgres: the sessions table (all processes sharing it); memory: this process only"
    )
    sessions: list[SessionRecord]
    count: int
    note: str | None = Field(None, description="Why the in-memory list was used, when PostgreSQL is configured")


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


async def pg_sessions(
    limit: int = Field(20, ge=1, le=1000, description="Newest sessions first, at most this many"),
    state: Literal["created", "initializing", "ready", "closing", "closed"] | None = Field(
        None, description="Only sessions in this state"
    ),
) -> SessionsResult:
    """List this server's client sessions, newest first: client name and version, state, duration, call counts.

    Read from PostgreSQL when it is configured (sessions of every server process sharing the database),
    else from this process's memory.
    """
    note = None
    if is_configured():
        await flush_sessions(timeout=2.0)
        try:
            found = await recorded_sessions(state, limit)
        except (StoreUnavailable, QueryError) as exc:
            note = f"PostgreSQL could not be read, showing this process's sessions: {exc}"
        else:
            records = [
                SessionRecord(
                    **{**row, **{k: _iso(row[k]) for k in ("created_at", "initialized_at", "closed_at")}},
                )
                for row in found
            ]
            return SessionsResult(source="postgres", sessions=records, count=len(records))
    records = [SessionRecord(**s.as_dict()) for s in sessions.list_sessions(state=state, limit=limit)]
    return SessionsResult(source="memory", sessions=records, count=len(records), note=note)


def provider(settings: Settings) -> LocalProvider:
    """The pg_* tools; `pg_query` is marked as possibly destructive when `postgres.allow_write` is on."""
    tools = LocalProvider()
    tools.tool(pg_query, annotations=MAY_DESTROY if settings.postgres.allow_write else READ_ONLY)
    for tool in (pg_list_tables, pg_describe_table, pg_sessions):
        tools.tool(tool, annotations=READ_ONLY)
    return tools
