"""The ContextCollector: one async function per context type, run under an overall budget that cancels it.

Collector functions live in the category modules of this package (signals, sre, infrastructure, kubernetes,
... ) and register themselves with :func:`collector`. They receive a :class:`CollectRequest`, query the stores
through :mod:`tfo_mcp.context.sources` and return a :class:`TelemetryContext` (``available`` with a summary and
data, or ``empty_context(...)`` when nothing was recorded). :func:`collect_context` validates the arguments,
runs the function under the budget (5 s by default; the queries are cancelled on both sides when it runs
out) and turns store failures into ``unavailable`` results whose reason never carries a secret.
"""

from __future__ import annotations

import asyncio
import importlib
import math
import pkgutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastmcp.exceptions import ToolError
from loguru import logger

from tfo_mcp import telemetry
from tfo_mcp.context.change import baseline_window
from tfo_mcp.context.sources import BudgetExceeded, failure_reason
from tfo_mcp.context.types import (
    ContextType,
    TelemetryContext,
    TimeRange,
    empty_context,
    preparing_context,
    unavailable_context,
)
from tfo_mcp.health import pending_preparation

__all__ = [
    "COLLECTORS",
    "DEFAULT_BUDGET",
    "DEFAULT_MAX_ITEMS",
    "MAX_ITEMS_LIMIT",
    "CollectRequest",
    "CollectorFunction",
    "collect_context",
    "collector",
    "configured_budget",
    "registered_types",
    "run_collector",
    "validate_organization",
]

#: Seconds a whole context may take (TFO's collector races a 5 s timer; here the work is also cancelled).
DEFAULT_BUDGET = 5.0


def configured_budget() -> float:
    """``mcp.context_budget``, else :data:`DEFAULT_BUDGET` (read per call: tests of figures raise it)."""
    from tfo_mcp.config import get_settings

    return get_settings().mcp.context_budget or DEFAULT_BUDGET


#: Items a list in a context holds unless the caller asks otherwise (TFO's maxItems default).
DEFAULT_MAX_ITEMS = 30
MAX_ITEMS_LIMIT = 500
#: longest caller query the `custom` context accepts (in context_id)
CUSTOM_QUERY_LIMIT = 20_000
#: Modules of this package that are not collector categories.
_NOT_CATEGORIES = frozenset({"types", "collector", "sources", "change", "investigate"})


@dataclass(frozen=True)
class CollectRequest:
    """What a collector function is asked for: type, organization, window, options and the budget's end."""

    context_type: ContextType
    organization_id: str
    time_range: TimeRange
    context_id: str | None = None
    user_id: str | None = None
    max_items: int = DEFAULT_MAX_ITEMS
    #: what the window is compared with: "previous" (the equal window before), "yesterday" or "last_week"
    baseline: str = "previous"
    #: ``time.monotonic()`` value at which the budget ends.
    deadline: float = math.inf

    def remaining(self) -> float:
        """Seconds left in the budget (may be negative once it has run out)."""
        return self.deadline - time.monotonic()


CollectorFunction = Callable[[CollectRequest], Awaitable[TelemetryContext]]

#: The registry: one async function per context type (several types may share a function).
COLLECTORS: dict[ContextType, CollectorFunction] = {}


def collector(*types: ContextType | str) -> Callable[[CollectorFunction], CollectorFunction]:
    """Register the decorated async function as the collector of ``types`` (each type at most once)."""
    if not types:
        raise ValueError("collector() needs at least one context type")
    kinds = [ContextType.parse(kind) for kind in types]

    def register(function: CollectorFunction) -> CollectorFunction:
        if not asyncio.iscoroutinefunction(function):
            raise TypeError(f"collector {function.__qualname__} must be an async function")
        for kind in kinds:
            existing = COLLECTORS.get(kind)
            if existing is not None and existing is not function:
                owner = f"{existing.__module__}.{existing.__qualname__}"
                raise RuntimeError(f"context type {kind.value!r} already has a collector ({owner})")
            COLLECTORS[kind] = function
        return function

    return register


_loaded = False


def _load_collectors() -> None:
    """Import every category module of this package once, so their ``@collector`` decorators run."""
    global _loaded
    if _loaded:
        return
    import tfo_mcp.context as package

    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module.name.startswith("_") or module.name in _NOT_CATEGORIES:
            continue
        importlib.import_module(f"{package.__name__}.{module.name}")
    _loaded = True


def registered_types() -> list[ContextType]:
    """Context types that have a collector, in spec order."""
    _load_collectors()
    return [kind for kind in ContextType if kind in COLLECTORS]


def _validate_max_items(max_items: int | None) -> int:
    if max_items is None:
        return DEFAULT_MAX_ITEMS
    if isinstance(max_items, bool) or not isinstance(max_items, int):
        raise ValueError(f"max_items must be a whole number from 1 to {MAX_ITEMS_LIMIT}")
    if not 1 <= max_items <= MAX_ITEMS_LIMIT:
        raise ValueError(f"max_items must be from 1 to {MAX_ITEMS_LIMIT}, not {max_items}")
    return max_items


def _validate_text(value: str | None, label: str, limit: int = 200, multiline: bool = False) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{label} must be text")
    text = value.strip()
    if not text:
        return None
    if len(text) > limit:
        raise ValueError(f"{label} is longer than {limit} characters")
    allowed = "\n\r\t" if multiline else ""
    if any(ord(ch) < 32 and ch not in allowed for ch in text):
        raise ValueError(f"{label} may not contain control characters")
    return text


def validate_organization(organization_id: str) -> str:
    """The organization id, stripped; ValueError when it is empty, too long or holds control characters."""
    if not isinstance(organization_id, str) or not organization_id.strip():
        raise ValueError("organization_id is required: every context is scoped to one organization")
    text = _validate_text(organization_id, "organization_id", 128)
    assert text is not None
    return text


async def collect_context(
    context_type: ContextType | str,
    organization_id: str,
    time_from: datetime | str | None = None,
    time_to: datetime | str | None = None,
    context_id: str | None = None,
    user_id: str | None = None,
    max_items: int | None = None,
    budget: float | None = None,
    baseline: str = "previous",
) -> TelemetryContext:
    """Collect one context for one organization.

    Raises ValueError for invalid arguments (unknown type with close matches, empty organization, bad
    window, max_items or baseline). ``baseline`` picks the window signal contexts compare with:
    "previous" (the equal-length window just before), "yesterday" or "last_week". Never raises for store
    problems: those, and running out of ``budget`` seconds (the running queries are cancelled, client and
    server side), come back as ``unavailable``.
    """
    kind = ContextType.parse(context_type)
    organization = validate_organization(organization_id)
    window = TimeRange.resolve(time_from, time_to)
    baseline_window(window, baseline)  # validates the name
    items = _validate_max_items(max_items)
    budget = configured_budget() if budget is None else budget
    if not isinstance(budget, int | float) or not 0 < budget <= 600:
        raise ValueError("budget must be a number of seconds in (0, 600]")
    request = CollectRequest(
        context_type=kind,
        organization_id=organization,
        time_range=window,
        # for `custom`, context_id carries the caller's query: longer, and line breaks allowed
        context_id=_validate_text(
            context_id,
            "context_id",
            CUSTOM_QUERY_LIMIT if kind is ContextType.CUSTOM else 200,
            multiline=kind is ContextType.CUSTOM,
        ),
        user_id=_validate_text(user_id, "user_id", 128),
        max_items=items,
        baseline=baseline,
        deadline=time.monotonic() + budget,
    )
    preparing = pending_preparation()
    if preparing is not None:
        return preparing_context(kind, window, preparing.percent, preparing.step)
    _load_collectors()
    function = COLLECTORS.get(kind)
    if function is None:
        return unavailable_context(kind, window, f"no collector is implemented for {kind.value} yet")
    return await run_collector(function, request, budget)


async def run_collector(function: CollectorFunction, request: CollectRequest, budget: float) -> TelemetryContext:
    """Run one collector function under ``budget`` seconds and map its failures to results (in telemetry: a span
    ``context <type>`` over its queries, and its duration by type and status)."""
    with telemetry.context(request.context_type.value) as observed:
        result = await _run_collector(function, request, budget)
        observed.set_status(result.status)
        return result


async def _run_collector(function: CollectorFunction, request: CollectRequest, budget: float) -> TelemetryContext:
    kind, window = request.context_type, request.time_range
    started = time.perf_counter()
    try:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout_at(loop.time() + request.remaining()):
            result = await function(request)
    except (TimeoutError, BudgetExceeded):
        logger.warning("context {} timed out after {:g} s", kind.value, budget)
        return unavailable_context(kind, window, f"collecting the {kind.value} context timed out after {budget:g} s")
    except ToolError as exc:  # StoreUnavailable, ClickHouse / PostgreSQL QueryError: short, scrubbed messages
        logger.warning("context {} unavailable: {}", kind.value, failure_reason(exc))
        return unavailable_context(kind, window, failure_reason(exc))
    except (OSError, ConnectionError) as exc:
        logger.warning("context {} unavailable: {}", kind.value, failure_reason(exc))
        return unavailable_context(kind, window, f"a data source could not be reached ({failure_reason(exc)})")
    except Exception as exc:
        logger.error("context {} collector failed: {}: {}", kind.value, type(exc).__name__, failure_reason(exc))
        return unavailable_context(kind, window, f"the {kind.value} collector failed ({type(exc).__name__})")
    logger.debug("context {} collected in {:.1f} ms", kind.value, (time.perf_counter() - started) * 1000)
    return _checked(result, request)


def _checked(result: Any, request: CollectRequest) -> TelemetryContext:
    """The function's result, with ``None`` / empty data turned into an ``empty`` context."""
    kind, window = request.context_type, request.time_range
    if result is None:
        return empty_context(kind, window, "the platform's stores")
    if not isinstance(result, TelemetryContext):
        raise TypeError(f"the {kind.value} collector returned {type(result).__name__}, not TelemetryContext")
    if result.status == "available" and not result.data:
        return empty_context(kind, window, "the platform's stores")
    if result.type is not kind:  # a shared function must answer with the type it was asked for
        result = result.model_copy(update={"type": kind})
    return result
