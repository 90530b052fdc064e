"""Logging: loguru to stderr (or a file) only; stdlib logging of libraries routed into it."""

from __future__ import annotations

import logging
import re
import sys
from typing import TYPE_CHECKING, Any

from loguru import logger

from tfo_mcp.config import SECRET_NAME_ENDINGS, is_secret_query_param

if TYPE_CHECKING:
    from tfo_mcp.config import LoggingSettings

#: MCP logging levels (RFC 5424 names) -> loguru levels.
MCP_TO_LOGURU = {
    "debug": "DEBUG",
    "info": "INFO",
    "notice": "INFO",
    "warning": "WARNING",
    "error": "ERROR",
    "critical": "CRITICAL",
    "alert": "CRITICAL",
    "emergency": "CRITICAL",
}
TEXT_FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <7} | {name}:{function} - {message}"
#: Longest log message written (characters): a longer one is cut there and says how long it was.
MAX_LOG_MESSAGE_CHARS = 16_384

# Scrubbing is linear in the text: no run of it is read more than a bounded number of times. Unbounded runs
# are possessive (`*+`, `++`: never given back, so a failed match is not retried inside them), a pattern
# that could only fail after a long run starts where such a run starts, and a fixed part (`{1,128}+`) bounds
# what is left. Each pattern begins with a literal or a character set, so the regex engine skips ahead to
# candidates in C. tests/test_logs_scrub.py times every pattern on hostile input of growing length.

#: Where a run that may hold a URL userinfo ends (whitespace or "@").
_RUN_END = re.compile(r"[\s@]")
#: The user part after "://": no ":" or "/" in it, then the ":" before the password.
_USERINFO_USER = re.compile(r"[^:/]*+:")
#: `?name=value` / `&name=value` / `;name=value`: masked when the name is a secret (config.is_secret_query_param).
_QUERY_PARAM = re.compile(r"(?P<keep>[?&;](?P<name>[^=&;#?\s\"'<>]{1,128}+)=)(?P<value>[^&;#\s\"'<>]++)")
#: What re.IGNORECASE matches for an ASCII letter besides its two cases (the names below are spelled out
#: case by case, so the pattern starts with a plain character set the engine can skip ahead to).
_CASE_FOLDS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}


def _any_case(word: str) -> str:
    """A case-sensitive pattern matching `word` as re.IGNORECASE would; `_` is an optional `_`, `.` or `-`."""
    return "".join(
        "[_.-]?" if char == "_" else f"[{char}{char.upper()}{_CASE_FOLDS.get(char, '')}]" if char.isalpha() else char
        for char in word
    )


def _secret_name_pattern() -> str:
    """Names ending in config.SECRET_NAME_ENDINGS, grouped by first letter: `[pPaA...](?:(?<=[pP])ass...|...)`."""
    by_first: dict[str, list[str]] = {}
    for ending in SECRET_NAME_ENDINGS:
        by_first.setdefault(ending[0], []).append(ending[1:])
    first = _any_case("".join(by_first)).replace("][", "")
    branches = "|".join(
        f"(?<={_any_case(letter)})(?:{'|'.join(_any_case(rest) for rest in rests)})"
        for letter, rests in by_first.items()
    )
    return f"{first}(?:{branches})"


#: `password=...`, `"api_key": "..."`, `Authorization: Basic ...`: a name ending in one of
#: config.SECRET_NAME_ENDINGS, then `=` or `:`, then the value (a JSON-escaped quote counts as a quote).
_NAMED_VALUE = re.compile(
    rf"(?P<keep>{_secret_name_pattern()}(?:\\?[\"'])?\s*+[:=]\s*+(?:\\?[\"'])?"
    r"(?:(?:Basic|Bearer|Digest|Negotiate)\s++)?)[^\s\"',}]++"
)
#: What a text holds somewhere if _NAMED_VALUE can match in it (ASCII text; the part of each ending before "_").
_NAME_STEMS = tuple(sorted({ending.split("_")[0] for ending in SECRET_NAME_ENDINGS}))
_BEARER = re.compile(r"(?P<keep>Bearer\s++)[A-Za-z0-9._~+/=-]++")
#: sk-..., tfk-..., tfs-... keys of 16+ characters at a word start (the look-behinds are `\b` before them); in a
#: text cut short, also a shorter one at the very end (the rest of it is past the cut).
_API_KEY = re.compile(r"(?P<keep>)(?:sk(?<!\w..)|tf[ks](?<!\w...))-?[A-Za-z0-9_-]{16,}+")
_API_KEY_CUT = re.compile(r"(?P<keep>)(?:sk(?<!\w..)|tf[ks](?<!\w...))-?(?:[A-Za-z0-9_-]{16,}+|[A-Za-z0-9_-]*+\Z)")


def _mask_kept(match: re.Match[str]) -> str:
    return match.group("keep") + "***"


def _mask_query_param(match: re.Match[str]) -> str:
    return match.group("keep") + "***" if is_secret_query_param(match.group("name")) else match.group()


def _password_start(text: str, at: int, end: int) -> int:
    """Where the password of the first `://user:password` in text[at:end] starts, or -1 (none, or empty)."""
    while at != -1:
        user = _USERINFO_USER.match(text, at + 3, end)
        if user is not None and user.end() < end:
            return user.end()
        at = text.find("://", at + 3, end)
    return -1


def _mask_url_passwords(text: str, cut: bool) -> str:
    """`scheme://user:password@` with the password masked: in a run without whitespace or "@", from the first
    "://" to the "@" that ends the run (or to the end of a `cut` text: the password may go on past the cut)."""
    pieces: list[str] = []
    done = 0
    at = text.find("://")
    while at != -1:
        stop = _RUN_END.search(text, at)
        end = stop.start() if stop else len(text)
        if (stop.group() == "@") if stop else cut:
            password = _password_start(text, at, end)
            if password != -1:
                pieces += (text[done:password], "***")
                done = end
        at = text.find("://", end)
    return "".join((*pieces, text[done:])) if pieces else text


def _scrub(text: str, cut: bool) -> str:
    """Every mask, each pass skipped when the text cannot hold its pattern; `cut`: the text goes on unseen."""
    if "://" in text:
        text = _mask_url_passwords(text, cut)
    if "=" in text:
        text = _QUERY_PARAM.sub(_mask_query_param, text)
    lowered = text.lower() if text.isascii() else ""
    if not lowered or any(stem in lowered for stem in _NAME_STEMS):
        text = _NAMED_VALUE.sub(_mask_kept, text)
    if "Bearer" in text:
        text = _BEARER.sub(_mask_kept, text)
    if "sk" in text or "tf" in text:
        text = (_API_KEY_CUT if cut else _API_KEY).sub(_mask_kept, text)
    return text


#: stdlib loggers routed into loguru, and those kept at WARNING or above (they log every HTTP request or pooled
#: connection).
LIBRARY_LOGGERS = ("fastmcp", "mcp", "LiteLLM", "litellm", "httpx", "clickhouse_driver", "psycopg", "uvicorn")
NOISY_LOGGERS = ("httpx", "httpcore", "LiteLLM", "litellm", "psycopg.pool")

_handler_id: int | None = None
#: The sink and its options as installed by setup_logging (set_level re-installs it at another level).
_sink: dict[str, Any] = {}
_current = {"level": "INFO"}


def scrub_secrets(text: str, max_chars: int | None = None) -> str:
    """Mask URL passwords and secret query parameters, secret-named values, bearer tokens and API keys.

    Linear in the length of ``text``. With ``max_chars``, only the first ``max_chars`` characters are read
    and at most that many come back; a secret cut in two by the limit is masked all the same.
    """
    if max_chars is None or len(text) <= max_chars:
        return _scrub(text, cut=False)
    return _scrub(text[:max_chars], cut=True)[:max_chars]


class _InterceptHandler(logging.Handler):
    """Send stdlib log records to loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(exception=record.exc_info, depth=6).log(level, record.getMessage())


def _patch(record: dict) -> None:
    """Scrub every message; cut one over MAX_LOG_MESSAGE_CHARS (the scrubber then reads only that much)."""
    message = record["message"]
    if len(message) <= MAX_LOG_MESSAGE_CHARS:
        record["message"] = scrub_secrets(message)
        return
    kept = scrub_secrets(message, MAX_LOG_MESSAGE_CHARS)
    record["message"] = f"{kept} [... cut: {len(message):,} characters in all]"


def setup_logging(settings: LoggingSettings | None = None) -> None:
    """Install the one loguru sink (stderr or a file) and route stdlib logging into it."""
    global _handler_id
    level = settings.level if settings else "INFO"
    fmt = settings.format if settings else "text"
    output = settings.output if settings else "stderr"
    logger.remove()
    _sink.clear()
    _sink.update(
        sink=sys.stderr if output in ("stderr", "") else output,
        format=TEXT_FORMAT,
        serialize=fmt == "json",
        backtrace=False,
        diagnose=False,
        colorize=False,
    )
    # The level on the handler itself: loguru then skips a dropped record before building it.
    _handler_id = logger.add(level=level, **_sink)
    _current["level"] = level
    logger.configure(patcher=_patch)
    logging.basicConfig(handlers=[_InterceptHandler()], level=0, force=True)
    for name in LIBRARY_LOGGERS:
        lib = logging.getLogger(name)
        lib.handlers = [_InterceptHandler()]
        lib.propagate = False
    _set_library_levels(level)


def _set_library_levels(level: str) -> None:
    """Libraries create no records below our level (building records they would drop costs per request)."""
    stdlib_level = max(logging.DEBUG, logging.getLevelName("DEBUG" if level == "TRACE" else level))
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(stdlib_level)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(max(stdlib_level, logging.WARNING))


def set_level(level: str) -> str:
    """Change the stderr log level at run time; accepts MCP or loguru level names."""
    global _handler_id
    resolved = MCP_TO_LOGURU.get(level.lower(), level.upper())
    logger.level(resolved)  # raises ValueError for unknown names
    if _sink:  # the new handler first, then the old one out: no record falls between them
        previous, _handler_id = _handler_id, logger.add(level=resolved, **_sink)
        if previous is not None:
            logger.remove(previous)
    _current["level"] = resolved
    _set_library_levels(resolved)
    return resolved


def current_level() -> str:
    """The level the sink currently passes."""
    return _current["level"]
