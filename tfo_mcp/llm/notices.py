"""Warnings of the LLM layer that would otherwise repeat on every call: each key is logged at most once a minute."""

from __future__ import annotations

import time

from loguru import logger

#: Seconds before the same warning is logged again.
WARNING_INTERVAL = 60.0

_warned: dict[str, float] = {}


def warn_once(key: str, message: str, interval: float = WARNING_INTERVAL) -> None:
    """Log ``message`` as a warning unless the warning ``key`` was logged within the last ``interval`` seconds."""
    now = time.monotonic()
    if now - _warned.get(key, -interval - 1) >= interval:
        _warned[key] = now
        logger.warning(message)
