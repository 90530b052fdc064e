"""The ClickHouse SQL guard and parameter rendering (pure text, no engine)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tfo_mcp.stores import sql_guard
from tfo_mcp.stores.sql_guard import QueryRefused


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "select 1;",
        "SELECT 1 ;  -- trailing comment",
        "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
        "((SELECT 1))",
        "SHOW TABLES",
        "DESCRIBE TABLE system.one",
        "EXPLAIN SELECT 1",
        "EXISTS TABLE system.one",
        "SELECT format FROM t",  # a column named format
        "SELECT settings FROM t",  # a column named settings
        "SELECT 'file(''/etc/passwd'')' AS text",  # the words only inside a string
        "SELECT 1 -- file('/etc/passwd')",  # and inside a comment
        "SELECT f.file(1) FROM t AS f",  # a qualified name is not the function
        "SELECT * FROM numbers(10)",
        "SELECT count() FROM t SETTINGS max_threads = 2",  # the engine decides (read-only mode refuses it)
        "SELECT formatDateTime(now(), '%Y')",
    ],
)
def test_guard_accepts_reads(sql: str) -> None:
    sql_guard.check_read_query(sql)


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("", "empty"),
        ("  ;  ", "empty"),
        ("SELECT 1; SELECT 2", "one statement"),
        ("SELECT 1; DROP TABLE t", "one statement"),
        ("SELECT 1;\n-- c\nDROP TABLE t", "one statement"),
        ("INSERT INTO t VALUES (1)", "INSERT statements are not allowed"),
        ("/* hello */ DROP TABLE t", "DROP statements"),
        ("-- hi\nTRUNCATE TABLE t", "TRUNCATE statements"),
        ("(ALTER TABLE t DELETE WHERE 1)", "ALTER statements"),
        ("kill query where 1", "KILL statements"),
        ("SET readonly = 0", "SET statements"),
        ("USE system", "USE statements"),
        ("SYSTEM SHUTDOWN", "SYSTEM statements"),
        ("OPTIMIZE TABLE t FINAL", "OPTIMIZE statements"),
        ("CREATE TABLE x (a UInt8) ENGINE = Memory", "CREATE statements"),
        ("RENAME TABLE a TO b", "RENAME statements"),
        ("SELECT * FROM t INTO OUTFILE '/tmp/x.csv'", "INTO OUTFILE"),
        ("SELECT 1 FORMAT CSV", "FORMAT clause"),
        ("SELECT 1 FORMAT Native SETTINGS max_threads = 1", "FORMAT clause"),
        ("SELECT 1 SETTINGS readonly = 0", "'readonly' is fixed"),
        ("SELECT 1 SETTINGS max_threads = 1, max_result_rows = 0", "'max_result_rows' is fixed"),
        ("SELECT 1 SETTINGS max_execution_time=0", "'max_execution_time' is fixed"),
        ("SELECT file('/etc/passwd')", "file() is not allowed"),
        ("SELECT * FROM file('/etc/passwd', 'LineAsString')", "file() is not allowed"),
        ("SELECT \"\\x66ile\"('/etc/hostname')", "file() is not allowed"),  # escaped quoted identifier
        ("SELECT `file`('/etc/hostname')", "file() is not allowed"),
        ("SELECT file/* gap */('/etc/hostname')", "file() is not allowed"),
        ("SELECT FILE('/etc/hostname')", "FILE() is not allowed"),
        ("SELECT $$'$$, file('/etc/passwd') --'", "file() is not allowed"),  # heredoc, not a quote
        ("SELECT $tag$ x $tag$, url('http://x') ", "url() is not allowed"),
        ("SELECT 1 /* /* */ file('/etc/passwd') --*/", "nested"),
        ("SELECT 'unterminated", "unterminated"),
        ("SELECT 1 /* unterminated", "unterminated"),
        ("SELECT * FROM python('x')", "python() is not allowed"),
        ("SELECT * FROM remote('127.0.0.1', system.one)", "remote() is not allowed"),
    ],
)
def test_guard_refuses(sql: str, reason: str) -> None:
    with pytest.raises(QueryRefused, match=None) as info:
        sql_guard.check_read_query(sql)
    assert reason.lower() in str(info.value).lower()


def test_guard_refuses_any_settings_clause_when_asked() -> None:
    sql_guard.check_read_query("SELECT 1 SETTINGS max_threads = 1")
    with pytest.raises(QueryRefused, match="SETTINGS clause is not accepted"):
        sql_guard.check_read_query("SELECT 1 SETTINGS max_threads = 1", allow_settings_clause=False)


def test_tokenizer_decodes_quoted_identifiers_and_strings() -> None:
    tokens = sql_guard.tokenize("SELECT \"a\"\"b\", `c\\x64`, 'it''s', 'back\\\\slash' # comment\n;")
    assert [(t.kind, t.text) for t in tokens] == [
        ("word", "SELECT"),
        ("ident", 'a"b'),
        ("punct", ","),
        ("ident", "cd"),
        ("punct", ","),
        ("string", "it's"),
        ("punct", ","),
        ("string", "back\\slash"),
        ("semicolon", ";"),
    ]


def test_render_escapes_values_with_the_driver() -> None:
    sql = sql_guard.render(
        "SELECT %(s)s, %(n)s, %(f)s, %(none)s, %(b)s, %(list)s, %(when)s, %(day)s, %(id)s, 100%%",
        {
            "s": "x' OR 1=1 -- \\",
            "n": 5,
            "f": 1.5,
            "none": None,
            "b": True,
            "list": [1, "a'b"],
            "when": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "day": dt.date(2024, 1, 2),
            "id": uuid.UUID(int=1),
        },
    )
    assert sql == (
        "SELECT 'x\\' OR 1=1 -- \\\\', 5, 1.5, NULL, 1, [1, 'a\\'b'], '2024-01-02 01:04:05', '2024-01-02', "
        "'00000000-0000-0000-0000-000000000001', 100%"
    )


def test_render_without_params_leaves_percent_alone() -> None:
    assert sql_guard.render("SELECT '100%'", None) == "SELECT '100%'"


def test_render_values_are_never_reparsed() -> None:
    assert sql_guard.render("SELECT %(a)s, %(b)s", {"a": "%(b)s", "b": "x"}) == "SELECT '%(b)s', 'x'"


@pytest.mark.parametrize("value", [object(), {"a": 1}, b"bytes", float("nan")])
def test_render_refuses_values_that_are_not_plain(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        sql_guard.render("SELECT %(v)s", {"v": value})


def test_render_reports_missing_parameters_and_bare_percent() -> None:
    with pytest.raises(ValueError, match="missing query parameter 'b'"):
        sql_guard.render("SELECT %(a)s, %(b)s", {"a": 1})
    with pytest.raises(ValueError, match="%%"):
        sql_guard.render("SELECT 'x%' , %(a)s", {"a": 1})


@pytest.mark.parametrize("name", ["t", "db.t", "_x1"])
def test_quote_identifier(name: str) -> None:
    assert sql_guard.quote_identifier(name).count("`") == 2 * len(name.split("."))


@pytest.mark.parametrize("name", ["", "a b", "t; DROP", "`t`", "a.b.c", "1t"])
def test_quote_identifier_refuses(name: str) -> None:
    with pytest.raises(ValueError):
        sql_guard.quote_identifier(name)
