"""ClickHouse SQL text: parameter rendering and the read-query guard.

Read-only is enforced by the engine (``readonly=1`` and result limits sent as settings); this guard
only refuses what the engine cannot (several statements in one string, ``INTO OUTFILE``, ``KILL``,
``USE``, functions that read local files or reach the network on the embedded engine) and gives a
clearer message for the rest. It tokenises the text the way ClickHouse does (quoted identifiers with
escapes, heredocs, comments), so a comment, a quote or an escape cannot hide a function call.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastmcp.exceptions import ToolError


class QueryError(ToolError):
    """ClickHouse failed a query; the message is short, scrubbed and safe to show."""


class QueryRefused(QueryError):
    """The query was refused before or by the engine (read-only, guard)."""


class QueryTimeout(QueryError):
    """The server stopped the query at ``max_execution_time``."""


#: Statements that write, change server state or change the session: refused with a clear message.
#: (The engine refuses the writes too; KILL and USE it would allow, so they are refused here.)
REFUSED_STATEMENTS = frozenset(
    {
        "INSERT", "ALTER", "DROP", "TRUNCATE", "SYSTEM", "KILL", "SET", "OPTIMIZE", "CREATE", "RENAME",
        "ATTACH", "DETACH", "GRANT", "REVOKE", "USE", "EXCHANGE", "UNDROP", "DELETE", "UPDATE", "BACKUP",
        "RESTORE", "REPLACE", "MOVE", "BEGIN", "COMMIT", "ROLLBACK", "WATCH", "UNSET",
    }
)  # fmt: skip

#: Functions and table functions that read local files, run programs or reach the network.
DENIED_FUNCTIONS = frozenset(
    name.lower()
    for name in (
        "file", "fileCluster", "filesystem", "url", "urlCluster", "s3", "s3Cluster", "gcs", "oss", "cosn",
        "hdfs", "hdfsCluster", "azureBlobStorage", "azureBlobStorageCluster", "remote", "remoteSecure",
        "cluster", "clusterAllReplicas", "mysql", "postgresql", "sqlite", "odbc", "jdbc", "mongodb", "redis",
        "iceberg", "icebergS3", "icebergAzure", "icebergHDFS", "icebergLocal", "icebergCluster",
        "icebergS3Cluster", "icebergAzureCluster", "icebergHDFSCluster", "icebergLocalCluster",
        "deltaLake", "deltaLakeS3", "deltaLakeAzure", "deltaLakeLocal", "deltaLakeCluster",
        "deltaLakeS3Cluster", "deltaLakeAzureCluster", "hudi", "hudiCluster", "paimon", "paimonS3",
        "paimonAzure", "paimonHDFS", "paimonLocal", "paimonCluster", "paimonS3Cluster", "paimonAzureCluster",
        "paimonHDFSCluster", "input", "executable", "executablePool", "python", "dictionary", "eval",
        "bigquery", "arrowstream", "arrowFlight", "arrowflight", "ytsaurus", "prometheusQuery",
        "prometheusQueryRange", "kafka", "nats", "rabbitmq", "catboostEvaluate", "modelEvaluate",
    )
)  # fmt: skip

#: Table functions that only generate data or read this store's own tables.
SAFE_TABLE_FUNCTIONS = frozenset(
    name.lower()
    for name in (
        "numbers", "numbers_mt", "zeros", "zeros_mt", "generateRandom", "generateSeries", "generate_series",
        "primes", "values", "SQLStandardValues", "view", "viewIfPermitted", "viewExplain", "merge", "null",
        "loop", "format", "fuzzJSON", "fuzzQuery", "mergeTreeIndex", "mergeTreeProjection",
        "mergeTreeAnalyzeIndexes", "mergeTreeAnalyzeIndexesUUID", "mergeTreeCodecBlockCounts",
        "mergeTreeTextIndex",
    )
)  # fmt: skip

#: Settings that carry the safety limits; a query may not name them in a SETTINGS clause.
PROTECTED_SETTINGS = frozenset(
    {
        "readonly", "allow_ddl", "max_execution_time", "timeout_overflow_mode", "max_result_rows",
        "max_result_bytes", "result_overflow_mode", "max_memory_usage", "max_rows_to_read", "max_bytes_to_read",
        "read_overflow_mode", "max_execution_time_leaf", "timeout_overflow_mode_leaf", "session_timezone", "limit",
        "offset",
    }
)  # fmt: skip

READ_STATEMENTS_HINT = "SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS"

# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token: ``word`` (bare identifier/keyword), ``ident`` (quoted identifier, decoded),
    ``string``, ``number``, ``punct`` or ``semicolon``."""

    kind: str
    text: str


_ESCAPES = {"b": "\b", "f": "\f", "r": "\r", "n": "\n", "t": "\t", "0": "\0", "a": "\a", "v": "\v", "e": "\x1b"}
# Non-ASCII as a negated class: a \u0080-\U0010ffff range costs ~7 ms to compile at every start.
_WORD_START = re.compile(r"[A-Za-z_]|[^\x00-\x7f]")
_WORD = re.compile(r"(?:[A-Za-z0-9_$]|[^\x00-\x7f])*")
_NUMBER = re.compile(r"[0-9][0-9A-Za-z_.]*|\.[0-9][0-9A-Za-z_]*")
_HEREDOC = re.compile(r"\$([A-Za-z0-9_]*)\$")
_WHITESPACE = " \t\n\r\f\v"


def _read_quoted(sql: str, start: int, quote: str) -> tuple[str, int]:
    """Decode a quoted literal starting at ``sql[start] == quote``; return (value, index after it)."""
    out: list[str] = []
    i = start + 1
    n = len(sql)
    while i < n:
        ch = sql[i]
        if ch == "\\":
            if i + 1 >= n:
                break
            nxt = sql[i + 1]
            if nxt == "x" and i + 3 < n and re.fullmatch(r"[0-9A-Fa-f]{2}", sql[i + 2 : i + 4]):
                out.append(chr(int(sql[i + 2 : i + 4], 16)))
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        if ch == quote:
            if i + 1 < n and sql[i + 1] == quote:  # doubled quote
                out.append(quote)
                i += 2
                continue
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise QueryRefused("unterminated quoted string or identifier in the query")


def tokenize(sql: str) -> list[Token]:
    """Split SQL into tokens the way ClickHouse's lexer does; comments and whitespace are dropped."""
    tokens: list[Token] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in _WHITESPACE:
            i += 1
        elif sql.startswith("--", i) or (ch == "#" and i + 1 < n and sql[i + 1] in " !"):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end < 0:
                raise QueryRefused("unterminated /* comment in the query")
            if "/*" in sql[i + 2 : end]:
                raise QueryRefused("nested /* comments */ are not accepted")
            i = end + 2
        elif ch in "'\"`":
            value, i = _read_quoted(sql, i, ch)
            tokens.append(Token("string" if ch == "'" else "ident", value))
        elif ch == "$" and (match := _HEREDOC.match(sql, i)):
            delimiter = match.group(0)
            end = sql.find(delimiter, match.end())
            if end < 0:
                raise QueryRefused("unterminated $heredoc$ string in the query")
            tokens.append(Token("string", sql[match.end() : end]))
            i = end + len(delimiter)
        elif _WORD_START.match(ch):
            match = _WORD.match(sql, i + 1)
            tokens.append(Token("word", sql[i : match.end()]))
            i = match.end()
        elif ch.isdigit() or (ch == "." and i + 1 < n and sql[i + 1].isdigit()):
            match = _NUMBER.match(sql, i)
            tokens.append(Token("number", match.group(0)))
            i = match.end()
        elif ch == ";":
            tokens.append(Token("semicolon", ";"))
            i += 1
        else:
            tokens.append(Token("punct", ch))
            i += 1
    return tokens


def _is_name(token: Token) -> bool:
    return token.kind in ("word", "ident")


def first_keyword(sql: str) -> str:
    """The statement's first keyword, upper-cased ('' when there is none)."""
    return leading_keyword(tokenize(sql))


def leading_keyword(tokens: list[Token]) -> str:
    """The first keyword of tokenized text, skipping opening parentheses, upper-cased ('' when there is none)."""
    for token in tokens:
        if token.kind == "word":
            return token.text.upper()
        if token.kind != "punct" or token.text != "(":
            return ""
    return ""


def check_read_query(
    sql: str,
    *,
    denied_functions: frozenset[str] = DENIED_FUNCTIONS,
    allow_settings_clause: bool = True,
) -> None:
    """Refuse what the read-only engine settings cannot stop; raise :class:`QueryRefused` with the reason.

    ``allow_settings_clause=False`` refuses every SETTINGS clause (used when the server user runs with
    ``readonly=2``, where the engine would let a query change its own limits).
    """
    tokens = tokenize(sql)
    while tokens and tokens[-1].kind == "semicolon":
        tokens.pop()
    if not tokens:
        raise QueryRefused("the query is empty")
    if any(token.kind == "semicolon" for token in tokens):
        raise QueryRefused("only one statement per call is accepted (found more text after ';')")
    keyword = leading_keyword(tokens)
    if keyword in REFUSED_STATEMENTS:
        raise QueryRefused(
            f"{keyword} statements are not allowed: ch_query is read-only ({READ_STATEMENTS_HINT} are accepted)"
        )
    depth = 0
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        previous = tokens[index - 1] if index else None
        if token.kind == "punct":
            depth += {"(": 1, ")": -1}.get(token.text, 0)
            continue
        if not _is_name(token):
            continue
        upper = token.text.upper() if token.kind == "word" else ""
        if (
            following is not None
            and following.kind == "punct"
            and following.text == "("
            and not (previous is not None and previous.kind == "punct" and previous.text == ".")
            and token.text.lower() in denied_functions
        ):
            raise QueryRefused(
                f"{token.text}() is not allowed: functions that read local files, run programs "
                "or reach the network are refused"
            )
        if (
            upper == "INTO"
            and following is not None
            and (following.kind, following.text.upper()) == ("word", "OUTFILE")
        ):
            raise QueryRefused("INTO OUTFILE is not allowed: results are returned to the caller, never written")
        if upper == "FORMAT" and depth == 0 and following is not None and _is_name(following):
            after = tokens[index + 2] if index + 2 < len(tokens) else None
            if after is None or (after.kind == "word" and after.text.upper() == "SETTINGS"):
                raise QueryRefused("a FORMAT clause is not accepted: results are returned as JSON rows")
        if upper == "SETTINGS" and following is not None and _is_name(following):
            _check_settings_clause(tokens[index + 1 :], allow_settings_clause)


def _check_settings_clause(tokens: list[Token], allow: bool) -> None:
    if len(tokens) < 2 or not (tokens[1].kind == "punct" and tokens[1].text == "="):
        return  # not a SETTINGS name = value clause (a column called "settings", ...)
    if not allow:
        raise QueryRefused("a SETTINGS clause is not accepted: the server's limits apply to every query")
    names = [tokens[0].text]
    for comma, name, equals in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if (comma.kind, comma.text, equals.kind, equals.text) == ("punct", ",", "punct", "=") and _is_name(name):
            names.append(name.text)
    for name in names:
        if name.lower() in PROTECTED_SETTINGS:
            raise QueryRefused(f"setting {name!r} is fixed by the server and cannot be changed by a query")


# --------------------------------------------------------------------------- parameters

_PARAM_TYPES = (str, int, float, decimal.Decimal, dt.date, dt.time, uuid.UUID, enum.Enum, list, tuple)


class _Context:
    """The minimal driver context the escaping needs (our stores run in UTC)."""

    class server_info:
        @staticmethod
        def get_timezone() -> str:
            return "UTC"


def _check_param(name: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"parameter {name!r}: non-finite float")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_check_param(name, item) for item in value)
    if isinstance(value, _PARAM_TYPES):
        return value
    raise TypeError(f"parameter {name!r}: unsupported type {type(value).__name__}")


def render(sql: str, params: Mapping[str, Any] | None) -> str:
    """Substitute ``%(name)s`` parameters with clickhouse-driver's own escaping.

    Without params the SQL is returned unchanged; with params, a literal ``%`` must be written ``%%``.
    Datetimes are sent in UTC. Only plain values (str, numbers, dates, UUIDs, lists/tuples of them) are
    accepted, so nothing can smuggle raw SQL in through a parameter.
    """
    if params is None:
        return sql
    from clickhouse_driver.util.escape import escape_params

    checked = {name: _check_param(name, value) for name, value in params.items()}
    escaped = escape_params(checked, _Context)
    try:
        return sql % escaped
    except KeyError as exc:
        raise ValueError(f"missing query parameter {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad query template (a literal % must be written %%): {exc}") from None


IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quote_identifier(name: str) -> str:
    """Backquote a plain identifier (``db.table`` allowed); refuse anything else."""
    parts = name.split(".")
    if not 1 <= len(parts) <= 2 or not all(IDENTIFIER.match(part) for part in parts):
        raise ValueError(f"not a plain identifier: {name!r}")
    return ".".join(f"`{part}`" for part in parts)
