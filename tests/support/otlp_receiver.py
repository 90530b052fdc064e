"""A real OTLP/HTTP receiver for tests: a threaded http.server on a free loopback port that accepts POST
/v1/traces and /v1/metrics (protobuf) and decodes them with the official opentelemetry-proto messages."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


def attributes(key_values: Any) -> dict[str, Any]:
    """OTLP KeyValue list -> {key: python value}."""
    out: dict[str, Any] = {}
    for item in key_values:
        value = item.value
        kind = value.WhichOneof("value")
        out[item.key] = getattr(value, kind) if kind else None
    return out


@dataclass
class Span:
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    kind: int
    attributes: dict[str, Any]
    status_code: int
    service: dict[str, Any]


@dataclass
class Point:
    metric: str
    kind: str
    attributes: dict[str, Any]
    value: float  # the count for a histogram


@dataclass
class Received:
    raw: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)


class OtlpReceiver:
    """``with OtlpReceiver() as receiver:`` -> ``receiver.endpoint`` (http://127.0.0.1:PORT) to point
    OTEL_EXPORTER_OTLP_ENDPOINT at; what arrived is in ``receiver.received``."""

    def __init__(self) -> None:
        self.received = Received()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.headers.get("content-encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path == "/v1/traces":
                    request: Any = ExportTraceServiceRequest()
                    response: Any = ExportTraceServiceResponse()
                elif self.path == "/v1/metrics":
                    request, response = ExportMetricsServiceRequest(), ExportMetricsServiceResponse()
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                request.ParseFromString(body)
                receiver._take(self.path, body, request)
                payload = response.SerializeToString()
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> OtlpReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _take(self, path: str, body: bytes, request: Any) -> None:
        with self.lock:
            self.received.raw.append(body)
            self.received.paths.append(path)
            if path == "/v1/traces":
                for resource_spans in request.resource_spans:
                    service = attributes(resource_spans.resource.attributes)
                    for scope_spans in resource_spans.scope_spans:
                        for span in scope_spans.spans:
                            self.received.spans.append(
                                Span(
                                    name=span.name,
                                    trace_id=span.trace_id.hex(),
                                    span_id=span.span_id.hex(),
                                    parent_span_id=span.parent_span_id.hex(),
                                    kind=span.kind,
                                    attributes=attributes(span.attributes),
                                    status_code=span.status.code,
                                    service=service,
                                )
                            )
                return
            for resource_metrics in request.resource_metrics:
                for scope_metrics in resource_metrics.scope_metrics:
                    for metric in scope_metrics.metrics:
                        kind = metric.WhichOneof("data")
                        data = getattr(metric, kind)
                        for point in data.data_points:
                            if kind == "histogram":
                                value: float = point.count
                            else:
                                value = point.as_double if point.WhichOneof("value") == "as_double" else point.as_int
                            self.received.points.append(Point(metric.name, kind, attributes(point.attributes), value))

    def spans(self) -> list[Span]:
        with self.lock:
            return list(self.received.spans)

    def points(self, metric: str | None = None) -> list[Point]:
        with self.lock:
            return [p for p in self.received.points if metric is None or p.metric == metric]

    def raw(self) -> bytes:
        with self.lock:
            return b"".join(self.received.raw)

    def wait_for(self, what: Callable[[], Any], timeout: float = 30.0, message: str = "") -> Any:
        """Poll ``what()`` until it returns something truthy; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = what()
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"not received within {timeout:g} s: {message}; paths so far: {self.received.paths}")
