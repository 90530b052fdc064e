"""Logging: loguru to stderr (or a file) only; stdlib logging of libraries routed into it."""

from __future__ import annotations

import logging
import re
import sys
from typing import TYPE_CHECKING, Any

from loguru import logger

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
_SECRET_PATTERNS = (
    re.compile(r"(?P<keep>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+(?=@)", re.IGNORECASE),
    re.compile(
        r"(?P<keep>(?:api[_-]?key|token|password|secret|authorization)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+", re.IGNORECASE
    ),
    re.compile(r"(?P<keep>Bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?P<keep>)\b(?:sk|tfk|tfs)-?[A-Za-z0-9_-]{16,}"),
)

#: stdlib loggers routed into loguru, and those kept at WARNING or above (they log every HTTP request).
LIBRARY_LOGGERS = ("fastmcp", "mcp", "LiteLLM", "litellm", "httpx", "clickhouse_driver", "psycopg", "uvicorn")
NOISY_LOGGERS = ("httpx", "httpcore", "LiteLLM", "litellm")

_handler_id: int | None = None
#: The sink and its options as installed by setup_logging (set_level re-installs it at another level).
_sink: dict[str, Any] = {}
_current = {"level": "INFO"}


def scrub_secrets(text: str) -> str:
    """Mask passwords in URLs, bearer tokens and key-looking values."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group("keep") + "***", text)
    return text


class _InterceptHandler(logging.Handler):
    """Send stdlib log records to loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(exception=record.exc_info, depth=6).log(level, record.getMessage())


def _patch(record: dict) -> None:
    record["message"] = scrub_secrets(record["message"])


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
