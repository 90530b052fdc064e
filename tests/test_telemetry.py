"""The server's own OpenTelemetry traces and metrics, end to end: real server processes (HTTP and stdio) export
over OTLP/HTTP to a real receiver (tests/support/otlp_receiver.py, decoded with opentelemetry-proto); /metrics
is Prometheus text behind the /mcp credentials; with telemetry off nothing of the SDK is even imported."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from prometheus_client.parser import text_string_to_metric_families

from tests.support.fixtures_llm import FakeProvider, fake_key, provider_environ
from tests.support.mcp_process import HttpServer, StdioServer, server_env
from tests.support.otlp_receiver import OtlpReceiver, Span
from tfo_mcp import telemetry
from tfo_mcp.config import load_settings

TOKEN = "otel-test-token-5f0c1d2e3b4a"
#: a caller's W3C trace context: trace id, and the span the server's request spans must hang under
HTTP_TRACE, HTTP_PARENT = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
META_TRACE, META_PARENT = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
#: what a statement or its parameters carry that must never be exported
LITERAL_SECRET = "literal-hunter2"
PARAMETER_SECRET = "parameter-swordfish"
PROMPT_TEXT = "What did the private-prompt-marker deploy change?"
REPLY_TEXT = "The private-reply-marker build doubled the error rate."
SERVER, CLIENT = 2, 3  # OTLP span kinds


def traceparent(trace_id: str, parent: str) -> str:
    return f"00-{trace_id}-{parent}-01"


def exporting_env(receiver: OtlpReceiver, tmp_path: Path, **extra: str) -> dict[str, str]:
    """A server environment exporting to ``receiver`` quickly, with its own data directory (embedded chDB)."""
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "OTEL_METRIC_EXPORT_INTERVAL": "300",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "HOME": str(tmp_path),
        **extra,
    }


def named(spans: list[Span], name: str) -> list[Span]:
    return [span for span in spans if span.name == name]


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as running:
        yield running


# --------------------------------------------------------------------------- HTTP


async def test_http_server_exports_request_query_spans_and_metrics(
    receiver: OtlpReceiver, tmp_path: Path, pg: Any
) -> None:
    env = exporting_env(
        receiver,
        tmp_path,
        TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN=TOKEN,
        TELEMETRYFLOW_MCP_POSTGRES_URL=pg.app_url,
        OTEL_SERVICE_NAME="tfo-mcp-under-test",
        OTEL_RESOURCE_ATTRIBUTES="deployment.environment.name=test",
    )
    server = HttpServer(tmp_path, env=env).wait_ready()
    try:
        headers = {"Authorization": f"Bearer {TOKEN}", "traceparent": traceparent(HTTP_TRACE, HTTP_PARENT)}
        async with (
            httpx.AsyncClient(headers=headers, timeout=60) as http,
            streamable_http_client(server.url, http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            echo = await session.call_tool("echo", {"message": "traced"})
            assert echo.structured_content == {"message": "traced"}
            query = f"SELECT '{LITERAL_SECRET}' AS a, $1::text AS b, 42 AS c"
            rows = await session.call_tool("pg_query", {"query": query, "params": [PARAMETER_SECRET]})
            assert not rows.is_error, rows.content
            assert rows.structured_content["rows"] == [[LITERAL_SECRET, PARAMETER_SECRET, 42]]
            refused = await session.call_tool("pg_query", {"query": "DROP TABLE nothing_here"})
            assert refused.is_error
            chdb = await session.call_tool("ch_query", {"query": f"SELECT '{LITERAL_SECRET}' AS s, 7 AS n"})
            assert not chdb.is_error, chdb.content

        metrics_url = f"http://127.0.0.1:{server.port}/metrics"
        refused_page = httpx.get(metrics_url, timeout=10)
        assert refused_page.status_code == 401
        assert refused_page.headers["www-authenticate"].startswith("Bearer")
        assert httpx.get(metrics_url, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
        page = httpx.get(metrics_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/plain; version=0.0.4")
        families = {family.name: family for family in text_string_to_metric_families(page.text)}
        requests = families["mcp_server_operation_duration_seconds"]
        assert requests.type == "histogram"
        echo_count = [
            s for s in requests.samples
            if s.name.endswith("_count") and s.labels.get("gen_ai_tool_name") == "echo"
        ]  # fmt: skip
        assert echo_count and echo_count[0].value == 1 and echo_count[0].labels["tfo_outcome"] == "ok"
        assert families["db_client_operation_duration_seconds"].type == "histogram"
        assert families["tfo_analytics_queue_depth"].type == "gauge"
        assert families["target_info"].samples[0].labels["service_name"] == "tfo-mcp-under-test"
        assert TOKEN not in page.text and pg.roles.app_password not in page.text

        receiver.wait_for(lambda: named(receiver.spans(), "clickhouse.query"), message="the query spans")
        receiver.wait_for(
            lambda: (
                {p.attributes.get("gen_ai.tool.name") for p in receiver.points("mcp.server.operation.duration")}
                >= {"echo", "pg_query", "ch_query"}
            ),
            message="the request duration of every call",
        )
    finally:
        server.stop()  # flushes what is still pending

    spans = receiver.spans()
    # every request span continues the caller's trace, under the caller's span
    echo_span = named(spans, "tools/call echo")[0]
    assert echo_span.kind == SERVER and echo_span.attributes["gen_ai.tool.name"] == "echo"
    assert echo_span.service["service.name"] == "tfo-mcp-under-test"
    assert echo_span.service["deployment.environment.name"] == "test"
    query_requests = named(spans, "tools/call pg_query")
    assert len(query_requests) == 2
    for span in [echo_span, *query_requests, *named(spans, "tools/call ch_query")]:
        assert (span.trace_id, span.parent_span_id) == (HTTP_TRACE, HTTP_PARENT), span

    # a child span per statement, under its request span: named, scrubbed, no parameter
    by_id = {span.span_id: span for span in spans}
    pg_spans = named(spans, "postgresql.query")
    assert len(pg_spans) == 2, pg_spans
    for span in pg_spans:
        assert span.kind == CLIENT and span.trace_id == HTTP_TRACE
        assert by_id[span.parent_span_id].name == "tools/call pg_query"
        assert span.attributes["db.system"] == "postgresql" and span.attributes["db.query.summary"] == "pg_query"
        assert span.attributes["db.namespace"] == pg.name
    texts = {span.attributes["db.query.text"] for span in pg_spans}
    assert texts == {"SELECT ? AS a, $1::text AS b, ? AS c", "DROP TABLE nothing_here"}
    failed = next(span for span in pg_spans if span.attributes["db.query.text"].startswith("DROP"))
    assert failed.status_code == 2 and failed.attributes["error.type"] == "QueryError"
    ch_span = named(spans, "clickhouse.query")[0]
    assert by_id[ch_span.parent_span_id].name == "tools/call ch_query"
    assert ch_span.attributes["db.system"] == "clickhouse"
    assert ch_span.attributes["db.query.text"] == "SELECT ? AS s, ? AS n"

    # metrics: request duration per tool and outcome, query duration per store
    outcomes = {
        (p.attributes.get("gen_ai.tool.name"), p.attributes["tfo.outcome"])
        for p in receiver.points("mcp.server.operation.duration")
    }
    assert {("echo", "ok"), ("pg_query", "ok"), ("pg_query", "error"), ("ch_query", "ok")} <= outcomes
    assert any(p.attributes.get("mcp.method.name") == "initialize" for p in receiver.points())
    queries = receiver.points("db.client.operation.duration")
    stores = {(p.attributes["db.system"], p.attributes["db.query.summary"]) for p in queries}
    assert {("postgresql", "pg_query"), ("clickhouse", "ch_query")} <= stores
    assert receiver.points("tfo.analytics.queue.depth") and receiver.points("tfo.analytics.dropped")

    # no secret anywhere in what left the process
    exported = receiver.raw()
    for secret in (TOKEN, pg.roles.app_password, LITERAL_SECRET, PARAMETER_SECRET):
        assert secret.encode() not in exported, secret


async def test_metrics_page_can_be_open_while_mcp_needs_the_token(tmp_path: Path) -> None:
    env = {
        "TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN": TOKEN,
        "TELEMETRYFLOW_MCP_TELEMETRY__ENABLED": "true",
        "TELEMETRYFLOW_MCP_TELEMETRY__METRICS_OPEN": "true",
        "OTEL_TRACES_EXPORTER": "none",  # /metrics only: nothing is sent anywhere
        "OTEL_METRICS_EXPORTER": "none",
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    server = HttpServer(tmp_path, env=env).wait_ready()
    try:
        page = httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=10)
        assert page.status_code == 200 and "# TYPE target_info gauge" in page.text
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        mcp = httpx.post(server.url, json=body, headers={"accept": "application/json, text/event-stream"}, timeout=10)
        assert mcp.status_code == 401
    finally:
        server.stop()
    assert "telemetry on: traces off, metrics to /metrics only" in server.stderr_text


async def test_metrics_page_says_404_while_telemetry_is_off(tmp_path: Path) -> None:
    server = HttpServer(tmp_path, env={"XDG_DATA_HOME": str(tmp_path / "data")}).wait_ready()
    try:
        assert httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=10).status_code == 404
    finally:
        server.stop()


# --------------------------------------------------------------------------- stdio


def test_stdio_keeps_the_meta_traceparent_and_flushes_at_shutdown(
    receiver: OtlpReceiver, tmp_path: Path, fake_llm: FakeProvider
) -> None:
    # nothing is exported on its own for a minute: what arrives was flushed when the server stopped
    env = exporting_env(receiver, tmp_path, OTEL_BSP_SCHEDULE_DELAY="60000", OTEL_METRIC_EXPORT_INTERVAL="60000")
    env |= provider_environ(fake_llm, ("anthropic",))
    fake_llm.behaviour.reply = REPLY_TEXT
    del env["OTEL_EXPORTER_OTLP_ENDPOINT"]  # the configuration's keys instead, the endpoint as host:port
    env["TELEMETRYFLOW_MCP_TELEMETRY__ENABLED"] = "true"
    env["TELEMETRYFLOW_MCP_TELEMETRY__OTLP_ENDPOINT"] = receiver.endpoint.removeprefix("http://")
    env["TELEMETRYFLOW_MCP_TELEMETRY__SERVICE_NAME"] = "tfo-mcp-stdio"
    env["OTEL_SERVICE_NAME"] = "loses-to-the-config"
    server = StdioServer(tmp_path, env=env)
    try:
        server.initialize()
        meta = {"traceparent": traceparent(META_TRACE, META_PARENT)}
        answer = server.request("tools/call", {"name": "echo", "arguments": {"message": "hi"}, "_meta": meta})
        assert answer["result"]["structuredContent"] == {"message": "hi"}
        untraced = server.request("tools/call", {"name": "echo", "arguments": {"message": "no parent"}})
        assert "result" in untraced
        missing = server.request("tools/call", {"name": "no_such_tool", "arguments": {}})
        assert missing["error"]["code"] == -32001
        chat = server.request(
            "tools/call",
            {
                "name": "claude_conversation",
                "arguments": {"message": PROMPT_TEXT, "model": "claude-sonnet-4-6"},
                "_meta": meta,
            },
        )["result"]
        assert chat["structuredContent"]["reply"] == REPLY_TEXT, chat
        usage = chat["structuredContent"]["usage"]
        assert receiver.received.paths == []
        assert server.close_stdin_and_wait() == 0
    finally:
        server.stop()
    spans = receiver.spans()
    echoes = named(spans, "tools/call echo")
    assert len(echoes) == 2
    traced = next(span for span in echoes if span.trace_id == META_TRACE)
    assert traced.parent_span_id == META_PARENT
    other = next(span for span in echoes if span is not traced)
    assert other.parent_span_id == ""  # a root of its own trace
    assert traced.service["service.name"] == "tfo-mcp-stdio"
    points = receiver.points("mcp.server.operation.duration")
    echo_points = [p for p in points if p.attributes.get("gen_ai.tool.name") == "echo"]
    assert [p.value for p in echo_points] == [2]  # one export, at shutdown: both calls
    assert any(
        p.attributes.get("gen_ai.tool.name") == "no_such_tool" and p.attributes["tfo.outcome"] == "error"
        for p in points
    )

    # the LLM call: a child of its request span, with provider, model and tokens, never the prompt or the reply
    llm = named(spans, "chat claude-sonnet-4-6")
    assert len(llm) == 1, [span.name for span in spans]
    request = named(spans, "tools/call claude_conversation")[0]
    assert (llm[0].trace_id, llm[0].parent_span_id) == (META_TRACE, request.span_id)
    assert request.parent_span_id == META_PARENT
    assert llm[0].kind == CLIENT and llm[0].attributes["gen_ai.provider.name"] == "anthropic"
    assert llm[0].attributes["gen_ai.usage.input_tokens"] == usage["input_tokens"] > 0
    assert llm[0].attributes["gen_ai.usage.output_tokens"] == usage["output_tokens"] > 0
    tokens = {p.attributes["gen_ai.token.type"]: p.value for p in receiver.points("tfo.llm.tokens")}
    assert tokens == {"input": usage["input_tokens"], "output": usage["output_tokens"]}
    assert receiver.points("gen_ai.client.operation.duration")
    if chat["structuredContent"].get("cost_usd"):
        assert receiver.points("tfo.llm.cost")[0].value == pytest.approx(chat["structuredContent"]["cost_usd"])
    exported = receiver.raw()
    for text in (PROMPT_TEXT, REPLY_TEXT, fake_key("anthropic")):
        assert text.encode() not in exported, text


# --------------------------------------------------------------------------- off

_PROBE = """
import asyncio, json, sys
from fastmcp import Client
from tfo_mcp.app import build_server
from tfo_mcp import config

config.set_settings(config.load_settings())

async def main():
    async with Client(build_server()) as client:
        await client.call_tool("echo", {"message": "off"})

asyncio.run(main())
sdk = ("opentelemetry.sdk", "opentelemetry.exporter", "opentelemetry.proto")
print(json.dumps(sorted(name for name in sys.modules if name.startswith(sdk))))
"""


@pytest.mark.parametrize(
    "switch",
    [
        {},  # nothing asks for it
        {"TELEMETRYFLOW_MCP_TELEMETRY__ENABLED": "false"},  # the configuration says no to the OTEL endpoint
        {"OTEL_SDK_DISABLED": "true", "TELEMETRYFLOW_MCP_TELEMETRY__ENABLED": "true"},
    ],
)
def test_off_imports_nothing_of_the_sdk_and_sends_nothing(
    receiver: OtlpReceiver, tmp_path: Path, switch: dict[str, str]
) -> None:
    env = exporting_env(receiver, tmp_path, **switch)
    if not switch:
        env.pop("OTEL_EXPORTER_OTLP_ENDPOINT")
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], env=server_env(env), cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1]) == []
    server = StdioServer(tmp_path, env=env)
    try:
        server.initialize()
        assert "result" in server.request("tools/call", {"name": "echo", "arguments": {"message": "off"}})
        assert server.close_stdin_and_wait() == 0
    finally:
        server.stop()
    assert receiver.received.paths == []


# --------------------------------------------------------------------------- pieces


def test_wanted_follows_the_settings_then_the_otel_variables() -> None:
    endpoint = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}
    assert not telemetry.wanted(load_settings(environ={}), {})
    assert telemetry.wanted(load_settings(environ={}), endpoint)
    assert telemetry.wanted(
        load_settings(environ={}), {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://x:4318/v1/traces"}
    )
    off = load_settings(environ={"TELEMETRYFLOW_MCP_TELEMETRY__ENABLED": "false"})
    assert not telemetry.wanted(off, endpoint)
    on = load_settings(environ={"TELEMETRYFLOW_MCP_TELEMETRY_ENABLED": "true"})
    assert telemetry.wanted(on, {})
    assert not telemetry.wanted(on, {"OTEL_SDK_DISABLED": "TRUE"})


def test_statements_lose_literals_comments_and_secrets() -> None:
    scrub = telemetry.scrub_statement
    assert scrub("/* tfo:abc */\nSELECT a FROM t WHERE b = 'x''y' AND c > 10.5 -- note\n LIMIT 3") == (
        "SELECT a FROM t WHERE b = ? AND c > ? LIMIT ?"
    )
    assert scrub("SELECT * FROM metrics_1m WHERE v = $$dollar 'quoted'$$") == "SELECT * FROM metrics_1m WHERE v = ?"
    assert "s3cr3t" not in scrub("SELECT * FROM url('http://u:s3cr3t@h/x')")
    assert scrub("ALTER ROLE r PASSWORD 's3cr3t'") == "ALTER ROLE r PASSWORD ?"
    assert "s3cr3t" not in scrub("SELECT * FROM remote(host, db, t, user, password=s3cr3t)")
    long = scrub("SELECT " + ", ".join(f"column_{i}" for i in range(200)))
    assert len(long) == telemetry.STATEMENT_CHARS and long.endswith("...")
    assert telemetry.operation_name("/* x */ with q as (select 1) select * from q") == "WITH"


def test_prometheus_text_of_every_instrument_kind_parses() -> None:
    from opentelemetry.metrics import Observation
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.resources import Resource

    from tfo_mcp.telemetry.prometheus import render

    reader = InMemoryMetricReader()
    resource = Resource({"service.name": 'a "quoted"\nname'})
    provider = MeterProvider(metric_readers=[reader], resource=resource, shutdown_on_exit=False)
    meter = provider.get_meter("test")
    histogram = meter.create_histogram("req.duration", unit="s", explicit_bucket_boundaries_advisory=[0.1, 1])
    for value in (0.05, 0.5, 5):
        histogram.record(value, {"tool": "echo"})
    meter.create_counter("llm.cost", unit="USD").add(0.25, {"gen_ai.provider.name": "openai"})
    meter.create_counter("llm.tokens", unit="{token}").add(12)
    meter.create_up_down_counter("open.sessions").add(-2)
    meter.create_observable_gauge("queue.depth", [lambda _: [Observation(3)]], unit="{row}")
    text = render(reader.get_metrics_data(), resource)
    provider.shutdown()
    families = {family.name: family for family in text_string_to_metric_families(text)}
    buckets = {s.labels["le"]: s.value for s in families["req_duration_seconds"].samples if s.name.endswith("_bucket")}
    assert buckets == {"0.1": 1, "1.0": 2, "+Inf": 3}
    assert families["llm_cost_usd"].type == "counter" and families["llm_cost_usd"].samples[0].value == 0.25
    assert families["llm_tokens"].samples[0].value == 12
    assert families["open_sessions"].type == "gauge" and families["open_sessions"].samples[0].value == -2
    assert families["queue_depth"].samples[0].value == 3
    assert families["target_info"].samples[0].labels["service_name"] == 'a "quoted"\nname'
