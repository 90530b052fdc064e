"""The OpenTelemetry SDK set up for the server (imported only when telemetry is on: :func:`tfo_mcp.telemetry.start`).

A TracerProvider (installed globally: FastMCP's spans and ours go through it) with a batch processor and an
OTLP/HTTP span exporter, and a MeterProvider of our own with two readers: a periodic OTLP/HTTP exporter and an
in-memory reader that ``/metrics`` renders as Prometheus text (:mod:`tfo_mcp.telemetry.prometheus`). Every span
passes a scrubbing exporter first (:class:`ScrubbingSpanExporter`).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from loguru import logger
from opentelemetry import trace
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import BaseModel, SecretStr

from tfo_mcp import __version__
from tfo_mcp.config import LoadedSettings, Settings
from tfo_mcp.logs import scrub_secrets
from tfo_mcp.telemetry.prometheus import render
from tfo_mcp.telemetry.statements import CALLER_STATEMENTS, operation_name, scrub_statement

SCOPE = "tfo_mcp"
#: Histogram bounds for durations in seconds (an echo takes about a millisecond, a context up to its budget).
SECONDS_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
#: The port OTLP/gRPC listens on by convention: this server speaks OTLP/HTTP (4318).
GRPC_PORT = 4317
#: How long the last export of each signal may take at shutdown.
SHUTDOWN_MILLIS = 2_000


def _base_endpoint(configured: str) -> str:
    """``telemetry.otlp_endpoint`` as a URL without a trailing slash (``host:port`` means ``http://host:port``)."""
    url = configured.strip().rstrip("/")
    return url if "://" in url else f"http://{url}"


def _known_secrets(settings: Settings) -> tuple[str, ...]:
    """Every secret of the settings (tokens, keys, URL passwords), to be masked wherever it shows up."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, SecretStr):
            secret = value.get_secret_value()
            if "://" in secret:
                try:
                    secret = urlsplit(secret).password or ""
                except ValueError:
                    secret = ""
            if len(secret) >= 4:
                found.add(secret)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(settings)
    return tuple(sorted(found, key=len, reverse=True))


class Scrubber:
    """Masks known secrets (the configured tokens, keys and passwords) and secret-looking text."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        self.secrets = secrets

    def text(self, value: str) -> str:
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, "***")
        return scrub_secrets(value)

    def holds_secret(self, value: str) -> bool:
        return any(secret in value for secret in self.secrets)


class ScrubbingSpanExporter(SpanExporter):
    """Hands spans on to ``inner`` with exception messages, stack traces and status descriptions scrubbed, and
    any attribute that holds a configured secret masked (the span is copied only when something changes)."""

    def __init__(self, inner: SpanExporter, scrubber: Scrubber) -> None:
        self.inner = inner
        self.scrubber = scrubber

    def _attributes(self, attributes: Any, always: bool) -> tuple[Any, bool]:
        if not attributes:
            return attributes, False
        changed = False
        clean: dict[str, Any] = {}
        for key, value in attributes.items():
            if isinstance(value, str) and (always or self.scrubber.holds_secret(value)):
                masked = self.scrubber.text(value)
                changed = changed or masked != value
                value = masked
            clean[key] = value
        return (clean if changed else attributes), changed

    def _clean(self, span: ReadableSpan) -> ReadableSpan:
        attributes, changed = self._attributes(span.attributes, always=False)
        events: list[Event] = []
        for event in span.events:
            event_attributes, event_changed = self._attributes(event.attributes, always=True)
            changed = changed or event_changed
            events.append(Event(event.name, event_attributes, event.timestamp) if event_changed else event)
        status = span.status
        if status.description:
            description = self.scrubber.text(status.description)
            if description != status.description:
                status, changed = Status(status.status_code, description), True
        if not changed:
            return span
        return ReadableSpan(
            name=span.name,
            context=span.context,
            parent=span.parent,
            resource=span.resource,
            attributes=attributes,
            events=events,
            links=span.links,
            kind=span.kind,
            status=status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([self._clean(span) for span in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self.inner.force_flush(timeout_millis)


def _resource(loaded: LoadedSettings) -> Resource:
    """service.name: ``telemetry.service_name`` when set, else OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, else
    the default ``tfo-mcp``; plus service.version, service.instance.id and host.name."""
    cfg = loaded.settings.telemetry
    ours = {
        "service.name": cfg.service_name,
        "service.version": __version__,
        "service.instance.id": str(uuid.uuid4()),
        "host.name": socket.gethostname(),
    }
    resource = Resource.create(ours).merge(OTELResourceDetector().detect())  # the environment wins over defaults
    if loaded.sources.get("telemetry.service_name", "default") != "default":
        resource = resource.merge(Resource({"service.name": cfg.service_name}))
    return resource


def _exporter_off(signal: str) -> bool:
    """OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER = none: no OTLP export of that signal."""
    return os.environ.get(f"OTEL_{signal}_EXPORTER", "").strip().lower() == "none"


class Telemetry:
    """The installed providers, the instruments, and what the hooks of :mod:`tfo_mcp.telemetry` call."""

    def __init__(self, loaded: LoadedSettings, *, analytics: Callable[[], dict[str, Any]] | None = None) -> None:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        cfg = loaded.settings.telemetry
        base = _base_endpoint(cfg.otlp_endpoint) if cfg.otlp_endpoint else None
        if base and urlsplit(base).port == GRPC_PORT:
            logger.warning(
                "telemetry.otlp_endpoint {} is OTLP/gRPC's port; this server exports OTLP/HTTP (usually port 4318)",
                base,
            )
        self.scrubber = Scrubber(_known_secrets(loaded.settings))
        self.resource = _resource(loaded)

        # the sampler: OTEL_TRACES_SAMPLER; shut down by stop() (bounded), not by an atexit hook of the SDK's
        self.tracer_provider = TracerProvider(resource=self.resource, shutdown_on_exit=False)
        if not _exporter_off("TRACES"):
            spans = OTLPSpanExporter(endpoint=f"{base}/v1/traces" if base else None)
            self.tracer_provider.add_span_processor(BatchSpanProcessor(ScrubbingSpanExporter(spans, self.scrubber)))
        trace.set_tracer_provider(self.tracer_provider)
        self.tracer = self.tracer_provider.get_tracer(SCOPE, __version__)

        self.pull = InMemoryMetricReader()
        readers: list[MetricReader] = [self.pull]
        if not _exporter_off("METRICS"):
            exporter = OTLPMetricExporter(endpoint=f"{base}/v1/metrics" if base else None)
            readers.append(PeriodicExportingMetricReader(exporter))  # interval: OTEL_METRIC_EXPORT_INTERVAL
        self.meter_provider = MeterProvider(metric_readers=readers, resource=self.resource, shutdown_on_exit=False)
        meter = self.meter_provider.get_meter(SCOPE, __version__)

        def histogram(name: str, description: str) -> Any:
            return meter.create_histogram(
                name, unit="s", description=description, explicit_bucket_boundaries_advisory=SECONDS_BUCKETS
            )

        self.requests = histogram("mcp.server.operation.duration", "MCP requests by method, tool and outcome")
        self.contexts = histogram("tfo.context.duration", "Telemetry contexts collected, by type and status")
        self.queries = histogram("db.client.operation.duration", "ClickHouse and PostgreSQL statements")
        self.llm_duration = histogram("gen_ai.client.operation.duration", "LLM calls by provider, model, outcome")
        self.llm_tokens = meter.create_counter("tfo.llm.tokens", unit="{token}", description="LLM tokens used")
        self.llm_cost = meter.create_counter("tfo.llm.cost", unit="USD", description="LLM cost (when priced)")
        if analytics is not None:
            self._analytics_instruments(meter, analytics)
        logger.info(
            "telemetry on: traces {}, metrics {} (service.name {})",
            "off" if _exporter_off("TRACES") else f"to {base or 'the OTEL_EXPORTER_OTLP_* endpoint'}",
            "to /metrics only" if _exporter_off("METRICS") else "exported too",
            self.resource.attributes.get("service.name"),
        )

    def _analytics_instruments(self, meter: Any, stats: Callable[[], dict[str, Any]]) -> None:
        def observe(key: str) -> Callable[[CallbackOptions], list[Observation]]:
            def callback(_: CallbackOptions) -> list[Observation]:
                try:
                    return [Observation(int(stats().get(key) or 0))]
                except Exception:  # a gauge must never break a collection
                    return []

            return callback

        meter.create_observable_gauge(
            "tfo.analytics.queue.depth", [observe("queued")], unit="{row}", description="Analytics rows waiting"
        )
        meter.create_observable_counter(
            "tfo.analytics.dropped", [observe("dropped")], unit="{row}", description="Analytics rows dropped"
        )
        meter.create_observable_counter(
            "tfo.analytics.written", [observe("written")], unit="{row}", description="Analytics rows written"
        )

    # -- hooks -------------------------------------------------------------------------------------

    def query(self, system: str, name: str | None, statement: str | None, namespace: str | None) -> QuerySpan:
        return QuerySpan(self, system, name, statement, namespace)

    def context(self, context_type: str) -> ContextSpan:
        return ContextSpan(self, context_type)

    def record_request(
        self, method: str, name: str | None, seconds: float, failure: BaseException | None, result: Any
    ) -> None:
        attributes: dict[str, str] = {"mcp.method.name": method}
        if name is not None:
            if method == "tools/call":
                attributes["gen_ai.tool.name"] = name
            elif method == "prompts/get":
                attributes["gen_ai.prompt.name"] = name
            elif method == "resources/read":
                attributes["mcp.resource.scheme"] = name.split("://", 1)[0] if "://" in name else ""
        if failure is not None:
            attributes["tfo.outcome"] = "error"
            attributes["error.type"] = type(failure).__name__
        elif getattr(result, "is_error", False):
            attributes["tfo.outcome"] = "error"
            attributes["error.type"] = "tool_error"
        else:
            attributes["tfo.outcome"] = "ok"
        self.requests.record(seconds, attributes)

    def record_llm_call(
        self,
        provider: str | None,
        model: str,
        input_tokens: int,
        output_tokens: int,
        cost_usd: float | None,
        seconds: float,
        error_type: str | None,
    ) -> None:
        provider = provider or "unknown"
        model = model[:200]
        attributes = {"gen_ai.provider.name": provider, "gen_ai.request.model": model}
        outcome = {**attributes, "tfo.outcome": "ok" if error_type is None else "error"}
        if error_type is not None:
            outcome["error.type"] = error_type
        parent = trace.get_current_span()
        if parent.is_recording():
            end = time.time_ns()
            span = self.tracer.start_span(
                f"chat {model}",
                kind=SpanKind.CLIENT,
                start_time=end - int(seconds * 1e9),
                attributes={
                    "gen_ai.operation.name": "chat",
                    "gen_ai.system": provider,
                    **outcome,
                    "gen_ai.usage.input_tokens": input_tokens,
                    "gen_ai.usage.output_tokens": output_tokens,
                    **({"tfo.llm.cost_usd": cost_usd} if cost_usd is not None else {}),
                },
            )
            if error_type is not None:
                span.set_status(Status(StatusCode.ERROR, error_type))
            span.end(end_time=end)
        self.llm_duration.record(seconds, outcome)
        if input_tokens:
            self.llm_tokens.add(input_tokens, {**attributes, "gen_ai.token.type": "input"})
        if output_tokens:
            self.llm_tokens.add(output_tokens, {**attributes, "gen_ai.token.type": "output"})
        if cost_usd:
            self.llm_cost.add(cost_usd, attributes)

    def prometheus_text(self) -> str:
        return render(self.pull.get_metrics_data(), self.resource)

    def shutdown(self) -> None:
        """Export what is pending (spans, then a last export of the metrics) and stop the exporters."""
        try:
            self.tracer_provider.force_flush(SHUTDOWN_MILLIS)
            self.tracer_provider.shutdown()
        except Exception as exc:
            logger.warning("telemetry: flushing spans failed: {}", type(exc).__name__)
        try:
            self.meter_provider.shutdown(SHUTDOWN_MILLIS)
        except Exception as exc:
            logger.warning("telemetry: flushing metrics failed: {}", type(exc).__name__)


class QuerySpan:
    """One statement: a CLIENT span when a traced operation is under way (a query of the analytics flusher or
    another background task makes no trace of its own), and always its duration."""

    __slots__ = ("attributes", "name", "owner", "span", "started")

    def __init__(
        self, owner: Telemetry, system: str, name: str | None, statement: str | None, namespace: str | None
    ) -> None:
        self.owner = owner
        self.attributes: dict[str, str] = {"db.system": system}
        self.name = f"{system}.query"
        summary = name or (operation_name(statement) if statement else "") or "query"
        self.attributes["db.query.summary"] = summary
        self.span: Any = None
        if trace.get_current_span().is_recording():
            attributes = {**self.attributes, "db.system.name": system}
            if namespace:
                attributes["db.namespace"] = namespace
            if statement and (not name or name in CALLER_STATEMENTS):
                attributes["db.query.text"] = scrub_statement(statement)
                operation = operation_name(statement)
                if operation:
                    attributes["db.operation.name"] = operation
            self.span = owner.tracer.start_span(self.name, kind=SpanKind.CLIENT, attributes=attributes)

    def __enter__(self) -> QuerySpan:
        self.started = time.perf_counter()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        seconds = time.perf_counter() - self.started
        attributes = self.attributes
        if exc_type is not None:
            attributes = {**attributes, "tfo.outcome": "error", "error.type": exc_type.__name__}
        else:
            attributes = {**attributes, "tfo.outcome": "ok"}
        if self.span is not None:
            if exc_type is not None:
                self.span.set_attribute("error.type", exc_type.__name__)
                self.span.set_status(Status(StatusCode.ERROR, exc_type.__name__))
            self.span.end()
        self.owner.queries.record(seconds, attributes)


class ContextSpan:
    """Collecting one context: span ``context <type>`` (current, so its queries are its children) and its
    duration by type and status."""

    __slots__ = ("context_type", "owner", "scope", "started", "status")

    def __init__(self, owner: Telemetry, context_type: str) -> None:
        self.owner = owner
        self.context_type = context_type
        self.status = "unknown"
        self.scope: Any = None

    def set_status(self, status: str) -> None:
        self.status = status

    def __enter__(self) -> ContextSpan:
        self.started = time.perf_counter()
        if trace.get_current_span().is_recording():
            self.scope = self.owner.tracer.start_as_current_span(
                f"context {self.context_type}", attributes={"tfo.context.type": self.context_type}
            )
            self.scope.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        seconds = time.perf_counter() - self.started
        status = "error" if exc_type is not None else self.status
        if self.scope is not None:
            trace.get_current_span().set_attribute("tfo.context.status", status)
            self.scope.__exit__(exc_type, exc, tb)
        self.owner.contexts.record(seconds, {"tfo.context.type": self.context_type, "tfo.context.status": status})
