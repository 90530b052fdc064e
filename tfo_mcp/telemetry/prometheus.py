"""The SDK's metrics (one collection of an in-memory reader) as Prometheus text exposition format 0.0.4.

Rendered here rather than through opentelemetry-exporter-prometheus and prometheus_client: those register
into prometheus_client's process-wide registry and bring a second metrics library (and a beta package) for
what is some eighty lines of text formatting over data the SDK already aggregates. Names follow the
OpenTelemetry-to-Prometheus rules: characters outside ``[a-zA-Z0-9_:]`` become ``_``, the unit is appended
(``s`` -> ``_seconds``; annotations in braces such as ``{row}`` are dropped), a monotonic sum ends in
``_total``, an up-down sum is a gauge, histograms give ``_bucket{le=...}`` (cumulative), ``_sum`` and
``_count``; the resource is ``target_info``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from opentelemetry.sdk.metrics.export import Gauge, Histogram, MetricsData, Sum
from opentelemetry.sdk.resources import Resource

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_NAME_CHARS = re.compile(r"[^a-zA-Z0-9_:]+")
_LABEL_CHARS = re.compile(r"[^a-zA-Z0-9_]+")
_UNITS = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds", "By": "bytes",
          "KiBy": "kibibytes", "MiBy": "mebibytes", "1": "", "%": "percent"}  # fmt: skip


def metric_name(name: str, unit: str | None, counter: bool) -> str:
    """``mcp.server.operation.duration`` + ``s`` -> ``mcp_server_operation_duration_seconds``."""
    base = _NAME_CHARS.sub("_", name).strip("_") or "metric"
    if base[0].isdigit():
        base = "_" + base
    unit = re.sub(r"\{[^}]*\}", "", unit or "").strip()
    suffix = _UNITS.get(unit, _NAME_CHARS.sub("_", unit).strip("_").lower())
    if suffix and not base.endswith("_" + suffix):
        base = f"{base}_{suffix}"
    if counter and not base.endswith("_total"):
        base += "_total"
    return base


def label_name(key: str) -> str:
    name = _LABEL_CHARS.sub("_", key) or "_"
    return "_" + name if name[0].isdigit() else name


def _escape(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = ",".join(str(item) for item in value)
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(attributes: Any, extra: tuple[tuple[str, str], ...] = ()) -> str:
    pairs = [f'{label_name(key)}="{_escape(value)}"' for key, value in sorted((attributes or {}).items())]
    pairs += [f'{key}="{value}"' for key, value in extra]
    return "{" + ",".join(pairs) + "}" if pairs else ""


def _number(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _help(text: str | None) -> str:
    return (text or "").replace("\\", "\\\\").replace("\n", "\\n")


def render(data: MetricsData | None, resource: Resource | None = None) -> str:
    """The exposition text of one collection (metrics of the same name from several scopes share a family)."""
    families: dict[str, tuple[str, str, list[str]]] = {}  # name -> (type, help, sample lines)
    for resource_metrics in data.resource_metrics if data is not None else ():
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                points = metric.data
                if isinstance(points, Histogram):
                    kind = "histogram"
                elif isinstance(points, Sum) and points.is_monotonic:
                    kind = "counter"
                elif isinstance(points, (Sum, Gauge)):
                    kind = "gauge"
                else:  # exponential histograms: not produced by this server's views
                    continue
                name = metric_name(metric.name, metric.unit, kind == "counter")
                _, _, lines = families.setdefault(name, (kind, _help(metric.description), []))
                for point in points.data_points:
                    if kind != "histogram":
                        lines.append(f"{name}{_labels(point.attributes)} {_number(point.value)}")
                        continue
                    family = name.removesuffix("_total")
                    cumulative = 0
                    for bound, count in zip(point.explicit_bounds, point.bucket_counts, strict=False):
                        cumulative += count
                        le = (("le", _number(float(bound))),)
                        lines.append(f"{family}_bucket{_labels(point.attributes, le)} {cumulative}")
                    inf = (("le", "+Inf"),)
                    lines.append(f"{family}_bucket{_labels(point.attributes, inf)} {point.count}")
                    lines.append(f"{family}_sum{_labels(point.attributes)} {_number(point.sum)}")
                    lines.append(f"{family}_count{_labels(point.attributes)} {point.count}")
    out: list[str] = []
    if resource is not None and resource.attributes:
        out += ["# HELP target_info Target metadata", "# TYPE target_info gauge"]
        out.append(f"target_info{_labels(resource.attributes)} 1")
    for name, (kind, text, lines) in families.items():
        out.append(f"# HELP {name} {text}")
        out.append(f"# TYPE {name} {kind}")
        out.extend(lines)
    return "\n".join(out) + "\n"
