"""What a query span may say about its statement: SQL text with comments dropped and literals as ``?``."""

from __future__ import annotations

import re

#: Longest statement text sent with a query span (characters, after scrubbing).
STATEMENT_CHARS = 300
#: Statement names of SQL that comes from the caller (pg_query, ch_query, the custom context): their scrubbed
#: text is sent beside the name; a packaged query is sent by its name alone.
CALLER_STATEMENTS = frozenset({"pg_query", "ch_query", "custom"})

#: Comments; literals: quoted strings (SQL '...' with '' or \\' inside, PostgreSQL $tag$...$tag$) and numbers.
_COMMENT = re.compile(r"/\*.*?\*/|--[^\n]*", re.S)
_LITERAL = re.compile(
    r"'(?:[^'\\]|\\.|'')*+'"  # a quoted string
    r"|\$(?P<tag>[A-Za-z_]*)\$.*?\$(?P=tag)\$"  # a dollar-quoted one
    r"|(?<!\$)\b\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\b",  # a number (not a $1 placeholder)
    re.S,
)
_OPERATION = re.compile(r"[A-Za-z]+")


def scrub_statement(sql: str, limit: int = STATEMENT_CHARS) -> str:
    """SQL text fit to export: comments dropped, every literal (strings, numbers) as ``?``, whitespace folded,
    anything that still looks like a secret masked, at most ``limit`` characters."""
    from tfo_mcp.logs import scrub_secrets

    text = _LITERAL.sub("?", _COMMENT.sub(" ", sql[: limit * 20]))
    text = scrub_secrets(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def operation_name(sql: str) -> str:
    """The statement's first keyword in capitals (SELECT, INSERT, WITH...), comments skipped; '' if none."""
    found = _OPERATION.search(_COMMENT.sub(" ", sql[:2000]))
    return found.group().upper() if found else ""
