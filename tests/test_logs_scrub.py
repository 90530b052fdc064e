"""The secret scrubber of log lines and error messages: what it masks, that it stays linear, cut lines."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable

import pytest

from tfo_mcp import logs
from tfo_mcp.config import SECRET_NAME_ENDINGS, is_secret_query_param
from tfo_mcp.logs import scrub_secrets

# --------------------------------------------------------------------------- what is masked

MASKED = [
    # (text, secret that must be gone, text that must remain)
    ("dsn=postgresql://bob:pa55@db/x", "pa55", "postgresql://bob:***@db/x"),
    ("connect postgresql://bob:p/ss:w@db/x now", "p/ss:w", "postgresql://bob:***@db/x now"),
    ("x://a/b://u:pw@h", ":pw@", "b://u:***@h"),
    ("redis://:onlypw@h/0", "onlypw", "redis://:***@h/0"),
    ("api_key=sk-abcdef1234567890abcd", "sk-abcdef", "api_key=***"),
    ("token: abc123", "abc123", "token: ***"),
    ("password=hunter2", "hunter2", "password=***"),
    ('{"password": "hunter2", "user": "bob"}', "hunter2", '"user": "bob"'),
    ("{'secret': 'shh', 'n': 1}", "shh", "'n': 1"),
    ("Authorization: Bearer eyJhbGciOi.x.y", "eyJhbGciOi", "Authorization: Bearer ***"),
    ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz", "Authorization: Basic ***"),
    ("header Bearer abc.def-ghi", "abc.def", "Bearer ***"),
    ("key sk-abcdefghijklmnopqrstuvwx here", "abcdefghijklmnop", "key *** here"),
    ("tfk-abcdefghijklmnop1234 tfs_abcdefghijklmnopqrstu", "abcdefghijklmnop", "*** ***"),
    # the class of secret names: anything ending in one of config.SECRET_NAME_ENDINGS
    ("PGPASSWORD=abc", "abc", "PGPASSWORD=***"),
    ("sslpassword=k3y", "k3y", "sslpassword=***"),
    ("aws_secret_access_key=AKIAxyz", "AKIAxyz", "aws_secret_access_key=***"),
    ("client_secret: shh", "shh", "client_secret: ***"),
    ('headers={"X-Api-Key":"k-123"}', "k-123", '"X-Api-Key":"***"'),
    ("passwd=a1 pwd=b2 credentials: c3", "a1", "passwd=*** pwd=*** credentials: ***"),
    ('{\\"password\\": \\"hunter2\\"}', "hunter2", '\\"password\\": \\"***'),
    # query parameters of URLs in log text: the rule of config.is_secret_query_param
    ("url postgresql://db/x?sslmode=require&password=hunter2", "hunter2", "?sslmode=require&password=***"),
    ("clickhouse://h:9000/db?user=u&password=s3cret&verify=false", "s3cret", "?user=u&password=***"),
    ("https://maps.example/api?key=AIzaSyXX&sig=abc1&x=1", "AIzaSyXX", "?key=***&sig=***&x=1"),
    ("postgresql:///db?host=/tmp&sslpassword=zz9&sslkey=/k.pem", "zz9", "&sslpassword=***"),
]


@pytest.mark.parametrize(("text", "secret", "kept"), MASKED)
def test_secrets_are_masked(text: str, secret: str, kept: str) -> None:
    scrubbed = scrub_secrets(text)
    assert secret not in scrubbed
    assert kept in scrubbed


@pytest.mark.parametrize(
    "text",
    [
        "mail bob@example.com and http://h/x",
        "max_tokens: 4096 exceeded, tokens=12, token_count: 3",
        "Token expired; Basic checks passed",
        "sk-short and task-abcdefghijklmnopqrstuv",
        "https://h/x?page=2&sort=name",
        "postgresql:///db?sslkey=/k.pem&sslcert=/c.pem",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert scrub_secrets(text) == text


def test_secret_names_follow_one_rule() -> None:
    for ending in SECRET_NAME_ENDINGS:
        name = "my_" + ending
        assert is_secret_query_param(name), name
        assert scrub_secrets(f"{name}=v4lue") == f"{name}=***"
    assert is_secret_query_param("key") and is_secret_query_param("sig") and is_secret_query_param("api%5Fkey")
    assert not is_secret_query_param("sslkey") and not is_secret_query_param("max_tokens")


# --------------------------------------------------------------------------- the same as the plain patterns

#: The scrubber written plainly (backtracking patterns: fine on short text, super-linear on long runs). The
#: linear scrubber must give the same result on any text.
_REFERENCE_NAMES = "|".join(ending.replace("_", "[_.-]?") for ending in SECRET_NAME_ENDINGS)
REFERENCE: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"(?P<keep>://[^:/@\s]*:)[^@\s]+(?=@)"), lambda m: m.group("keep") + "***"),
    (
        re.compile(r"(?P<keep>[?&;](?P<name>[^=&;#?\s\"'<>]{1,128})=)(?P<value>[^&;#\s\"'<>]+)"),
        lambda m: m.group("keep") + "***" if is_secret_query_param(m.group("name")) else m.group(),
    ),
    (
        re.compile(
            rf"(?P<keep>(?:{_REFERENCE_NAMES})(?:\\?[\"'])?\s*[:=]\s*(?:\\?[\"'])?"
            r"(?:(?-i:Basic|Bearer|Digest|Negotiate)\s+)?)[^\s\"',}]+",
            re.IGNORECASE,
        ),
        lambda m: m.group("keep") + "***",
    ),
    (re.compile(r"(?P<keep>Bearer\s+)[A-Za-z0-9._~+/=-]+"), lambda m: m.group("keep") + "***"),
    (re.compile(r"\b(?:sk|tfk|tfs)-?[A-Za-z0-9_-]{16,}"), lambda m: "***"),
]
PIECES = [
    "a", "1", "x", "/", ":", "@", " ", "\t", "=", "&", "?", ";", "'", '"', "\\", ",", "}", "-", "_", ".",
    "://", "password", "PassWord", "paſſword", "toKen", "api_key", "secret", "Authorization", "Bearer ",
    "Basic ", "sk-", "tfk", "abcdefghijklmnop", "key", "sig", "é", "\u00a0",
]  # fmt: skip


def reference_scrub(text: str) -> str:
    for pattern, mask in REFERENCE:
        text = pattern.sub(mask, text)
    return text


def test_same_result_as_the_plain_patterns_on_random_text() -> None:
    rng = random.Random(20251105)
    for _ in range(20_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 14)))
        assert scrub_secrets(text) == reference_scrub(text), repr(text)


# --------------------------------------------------------------------------- linear time

#: Inputs that made a backtracking pattern super-linear, or could: one per pattern shape, and mixes.
HOSTILE: dict[str, str] = {
    "letters and digits": "a1b2c3d4",
    "letters": "a",
    "scheme characters": "a.b-c+",
    "a:": "a:",
    "://": "://",
    "x://y: without @": "x://y:",
    "userinfo then @": "x://y:p@",
    "token=": "token=",
    "password: spaces": "password:   ",
    "Bearer ": "Bearer ",
    "Authorization: Basic ": "Authorization: Basic ",
    "sk-": "sk-",
    "whitespace": " \t",
    "query soup": "?a=&b;password&=",
    "mixed": "ab12://x:y.sk-token=Bearer  a:@",
    "names without separators": "passwordtokensecret",
}


def _best_time(text: str, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        scrub_secrets(text)
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_scrubbing_time_grows_linearly(shape: str) -> None:
    unit = HOSTILE[shape]
    small = (unit * (25_000 // len(unit) + 1))[:25_000]
    large = small * 4
    ratio = _best_time(large) / max(_best_time(small), 1e-5)
    # linear: about 4; the old first pattern was quadratic (about 16, and 15-20 s on a 20,000-character name)
    assert ratio < 9, f"{shape}: 4x the text took {ratio:.1f}x the time"


def test_a_megabyte_of_hostile_text_is_scrubbed_quickly() -> None:
    text = "".join(HOSTILE.values()) * (1_000_000 // len("".join(HOSTILE.values())))
    started = time.perf_counter()
    scrub_secrets(text)
    assert time.perf_counter() - started < 30.0  # about 0.1 s here; the old patterns took hours


# --------------------------------------------------------------------------- cut lines


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("postgres://u:" + "p" * 20_000 + "@h", "ppp"),
        ("x " * 10 + "sk-" + "a" * 400, "aaa"),
        ("x " * 10 + "password=" + "b" * 400, "bbb"),
        ("see https://h/x?a=1&token=" + "c" * 400, "ccc"),
        ("Authorization: Bearer " + "d" * 400, "ddd"),
    ],
)
def test_a_secret_cut_by_the_limit_is_masked(text: str, secret: str) -> None:
    for limit in (30, 40, 60, 100):
        cut = scrub_secrets(text, limit)
        assert len(cut) <= limit
        assert secret not in cut, (limit, cut)


def test_a_long_log_message_is_cut_and_says_so() -> None:
    message = "execute_command echo ['" + "a1" * 500_000 + "'] password=hunter2"
    record = {"message": message}
    started = time.perf_counter()
    logs._patch(record)
    assert time.perf_counter() - started < 10.0  # well under a second here; the margin is for a loaded machine
    assert len(record["message"]) < logs.MAX_LOG_MESSAGE_CHARS + 100
    assert record["message"].endswith(f"[... cut: {len(message):,} characters in all]")
    short = {"message": "password=hunter2"}
    logs._patch(short)
    assert short["message"] == "password=***"
