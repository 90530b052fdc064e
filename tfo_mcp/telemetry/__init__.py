"""OpenTelemetry traces and metrics of the server itself, and the Prometheus text of its metrics.

What the rest of the server calls is here, and costs one attribute check while telemetry is off: ``active`` is
None then, and nothing of the OpenTelemetry SDK is imported (FastMCP's own spans go to the API's no-op
tracer, as without this module). :func:`start` (the ``telemetry`` capability's start hook) installs a
TracerProvider and a MeterProvider exporting over OTLP/HTTP (:mod:`tfo_mcp.telemetry.sdk`); :func:`stop` flushes
and shuts them down, last of all the capabilities.

- Spans: FastMCP's SERVER span per MCP request (it carries the caller's ``traceparent`` from ``_meta``, or over
  HTTP from the request header: :func:`http_trace_context`), a child span per ClickHouse and PostgreSQL
  statement (:func:`query`), per context collected (:func:`context`) and per LLM call
  (:func:`record_llm_call`).
- Metrics: request duration per method / tool and outcome (:func:`record_request`), context duration per
  type and status, query duration per store and statement, LLM tokens, cost and duration per provider and
  model, and the analytics queue's depth and drops (read from its counters at each collection).

Nothing exported carries a parameter value, a prompt, a reply or a credential: statements are sent by name,
or as text with their literals replaced by ``?``, their secrets masked and cut at
:data:`STATEMENT_CHARS`; exception messages and status descriptions pass through
:func:`tfo_mcp.logs.scrub_secrets`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from tfo_mcp.telemetry.statements import CALLER_STATEMENTS, STATEMENT_CHARS, operation_name, scrub_statement

__all__ = [
    "CALLER_STATEMENTS",
    "STATEMENT_CHARS",
    "active",
    "context",
    "http_trace_context",
    "operation_name",
    "prometheus_text",
    "query",
    "record_llm_call",
    "record_request",
    "scrub_statement",
    "start",
    "stop",
    "wanted",
]

if TYPE_CHECKING:
    from collections.abc import Callable

    from tfo_mcp.config import LoadedSettings
    from tfo_mcp.telemetry.sdk import Telemetry

#: The running telemetry (None while off): every hook below checks this one attribute first.
active: Telemetry | None = None

#: Variables that switch telemetry on while ``telemetry.enabled`` is left unset.
ENDPOINT_VARIABLES = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
)


class _Nothing:
    """What the hooks hand out while telemetry is off: a context manager and recorder that does nothing."""

    __slots__ = ()

    def __enter__(self) -> _Nothing:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def set_status(self, status: str) -> None:
        return None


NOTHING = _Nothing()


def wanted(loaded: LoadedSettings, environ: dict[str, str] | None = None) -> bool:
    """Whether telemetry is on for these settings: ``OTEL_SDK_DISABLED=true`` says no; else ``telemetry.enabled``
    when it was set (YAML, environment, CLI); else whether an OTLP endpoint variable is set."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if loaded.sources.get("telemetry.enabled", "default") != "default":
        return loaded.settings.telemetry.enabled
    return any(env.get(name, "").strip() for name in ENDPOINT_VARIABLES)


async def start(loaded: LoadedSettings | None = None, *, analytics: Callable[[], dict[str, Any]] | None = None) -> None:
    """Install the SDK's providers when telemetry is wanted (idempotent). ``analytics`` gives the analytics
    queue's counters (:func:`tfo_mcp.analytics.recorder.stats`) for its gauges. Without the SDK installed (the
    ``otel`` extra) it says so in the log and the server runs without telemetry."""
    global active
    from tfo_mcp.config import get_loaded

    loaded = loaded or get_loaded()
    if active is not None or not wanted(loaded):
        return
    from loguru import logger

    try:
        from tfo_mcp.telemetry.sdk import Telemetry
    except ImportError as exc:
        logger.warning(
            "telemetry is on but the OpenTelemetry SDK is missing ({}): install tfo-mcp[otel]; running without it",
            exc.name or exc,
        )
        return
    active = Telemetry(loaded, analytics=analytics)


#: The longest stop() waits for the last exports: a collector that is gone does not hold the shutdown longer.
STOP_SECONDS = 3.0


async def stop() -> None:
    """Flush what is pending (spans, a last metrics export) and shut the providers down (idempotent), waiting at
    most :data:`STOP_SECONDS`; what is still being sent then is given up (a daemon thread: exit does not wait)."""
    global active
    running, active = active, None
    if running is None:
        return
    import asyncio
    import contextlib
    import threading

    done = asyncio.Event()
    loop = asyncio.get_running_loop()

    def shut_down() -> None:
        try:
            running.shutdown()
        finally:
            with contextlib.suppress(RuntimeError):  # the loop is gone: stop() gave up already
                loop.call_soon_threadsafe(done.set)

    threading.Thread(target=shut_down, name="tfo-telemetry-shutdown", daemon=True).start()
    try:
        await asyncio.wait_for(done.wait(), STOP_SECONDS)
    except TimeoutError:
        from loguru import logger

        logger.warning("telemetry: the collector did not take the last export within {:g} s; given up", STOP_SECONDS)


# --------------------------------------------------------------------------- hooks (cheap while off)


def query(system: str, name: str | None = None, statement: str | None = None, namespace: str | None = None) -> Any:
    """A context manager around one statement on ``system`` (``clickhouse`` or ``postgresql``): a CLIENT span
    ``<system>.query`` when inside a traced request, and its duration in ``db.client.operation.duration``.
    ``name`` is the statement's name (a packaged query, a tool); ``statement``, its SQL text (never its
    parameters), is sent scrubbed (:func:`scrub_statement`) when it has no name or a :data:`CALLER_STATEMENTS`
    one."""
    if active is None:
        return NOTHING
    return active.query(system, name, statement, namespace)


def context(context_type: str) -> Any:
    """A context manager around collecting one context: span ``context <type>`` and ``tfo.context.duration``;
    ``set_status(status)`` on what it returns names the result's status (available, empty, unavailable)."""
    if active is None:
        return NOTHING
    return active.context(context_type)


def record_request(
    method: str, name: str | None, seconds: float, failure: BaseException | None, result: Any = None
) -> None:
    """One MCP request's duration (``mcp.server.operation.duration``) by method, tool / prompt / resource scheme
    and outcome; a tool result with ``isError`` counts as an error."""
    if active is not None:
        active.record_request(method, name, seconds, failure, result)


def record_llm_call(
    *,
    provider: str | None,
    model: str,
    input_tokens: int,
    output_tokens: int,
    cost_usd: float | None,
    seconds: float,
    error_type: str | None,
) -> None:
    """One LLM call, once it ended: span ``chat <model>`` (timed from its start) with provider, model and token
    counts, never the prompt or the reply; tokens, cost and duration metrics per provider and model."""
    if active is not None:
        active.record_llm_call(provider, model, input_tokens, output_tokens, cost_usd, seconds, error_type)


def prometheus_text() -> str | None:
    """The current metrics in Prometheus text format (0.0.4), or None while telemetry is off."""
    return None if active is None else active.prometheus_text()


def http_trace_context(headers: Any) -> Any:
    """The OpenTelemetry context of a request's ``traceparent`` / ``tracestate`` headers, or None (telemetry off,
    or no such header)."""
    if active is None or headers.get("traceparent") is None:
        return None
    from opentelemetry import propagate

    return propagate.extract({key: headers[key] for key in ("traceparent", "tracestate") if key in headers})
