"""The `ch_query` tool: read-only SQL on the configured ClickHouse."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastmcp.server.providers import LocalProvider
from pydantic import BaseModel, Field, WithJsonSchema

from tfo_mcp.config import Settings
from tfo_mcp.results import CUT_DESCRIPTION, ROWS_SCHEMA, record_cut, rows_within
from tfo_mcp.stores.clickhouse import get_clickhouse
from tfo_mcp.tools.annotations import READ_ONLY
from tfo_mcp.toolsets import HARD_CAP_TOKENS, entry

#: ch_query's row cap bounds; the byte cap comes from config (clickhouse.max_result_bytes).
MAX_ROWS_LIMIT = 10_000


class QueryOutput(BaseModel):
    columns: list[str] = Field(description="Column names, in order")
    types: list[str] = Field(description="ClickHouse type of each column")
    rows: Annotated[list[list[Any]], WithJsonSchema(ROWS_SCHEMA)] = Field(
        description="Rows as arrays aligned with columns (DateTime as text, Decimal as number)"
    )
    row_count: int = Field(description="Number of rows returned")
    truncated: bool = Field(description="True when rows were cut at max_rows or at the result byte cap")
    truncated_reason: Literal["max_rows", "max_result_bytes", "max_tokens"] | None = Field(
        None, description="Which cap cut the result, when truncated"
    )
    elapsed_ms: float = Field(description="Time the query took, in milliseconds")
    backend: str = Field(description="'chdb' (embedded) or 'native' (a ClickHouse server)")
    cut: list[dict[str, Any]] | None = Field(None, description=CUT_DESCRIPTION)


def _truncated_reason(truncated: bool, rows: int, max_rows: int) -> Literal["max_rows", "max_result_bytes"] | None:
    if not truncated:
        return None
    return "max_rows" if rows >= max_rows else "max_result_bytes"


async def ch_query(
    query: str = Field(
        description="One read-only ClickHouse statement (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS)",
        min_length=1,
        max_length=100_000,
    ),
    max_rows: int = Field(100, ge=1, le=MAX_ROWS_LIMIT, description="Most rows to return; more sets truncated"),
    max_tokens: int = Field(
        entry("ch_query").budget, ge=200, le=HARD_CAP_TOKENS, description="Result size cap in tokens; cut says"
    ),
) -> QueryOutput:
    """Run one read-only SQL query on the server's ClickHouse store and return the rows.

    The server refuses writes and setting changes, stops queries at max_execution_time and caps rows
    and bytes (truncated=true says so). Functions that read files or reach the network are refused.
    """
    backend = get_clickhouse()
    result = await backend.query(query, max_rows=max_rows, readonly=True, name="ch_query")
    rows = [list(row) for row in result.rows]
    keep = rows_within(rows, max_tokens)  # rows that cannot fit the budget are not built into the result
    output = QueryOutput(
        columns=result.columns,
        types=result.types,
        rows=rows[:keep],
        row_count=keep,
        truncated=result.truncated or keep < len(rows),
        truncated_reason=(
            "max_tokens" if keep < len(rows) else _truncated_reason(result.truncated, len(rows), max_rows)
        ),
        elapsed_ms=result.elapsed_ms,
        backend=backend.kind,
    )
    if keep < len(rows):
        cut: dict[str, Any] = {}
        record_cut(cut, max_tokens, removed={"rows": len(rows) - keep}, rest=entry("ch_query").rest)
        output.cut = cut["cut"]
    return output


def provider(settings: Settings) -> LocalProvider:
    """`ch_query`."""
    tools = LocalProvider()
    tools.tool(ch_query, annotations=READ_ONLY)
    return tools
