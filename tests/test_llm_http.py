"""LLM layer over real HTTP: every provider through LiteLLM against the local fake, via the MCP tool."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from fastmcp import Client
from loguru import logger

from tests.support.fixtures_llm import PROVIDER_PATHS, FakeProvider, fake_key, provider_environ, sent_messages
from tfo_mcp import config
from tfo_mcp.analytics import recorder as analytics
from tfo_mcp.llm import completion, litellm_loader, providers
from tfo_mcp.server import mcp
from tfo_mcp.tools import llm as llm_tools

#: One catalog model per provider and the auth header its wire format carries.
PROVIDER_CASES = [
    ("anthropic", "claude-sonnet-4-20250514", "x-api-key"),
    ("google", "gemini-2.5-flash", "x-goog-api-key"),
    ("openai", "gpt-4.1", "authorization"),
    ("deepseek", "deepseek-chat", "authorization"),
    ("qwen", "qwen3.6-plus", "authorization"),
    ("ollama", "llama3.3:70b", None),
    ("mistral", "mistral-large-2512", "authorization"),
    ("grok", "grok-3", "authorization"),
    ("kimi", "kimi-k2", "authorization"),
    ("zhipu", "glm-4.6", "authorization"),
    ("mimo", "mimo-v2.5", "authorization"),
    ("custom", "custom-model-v1", "authorization"),
]
WIRE_PATHS = {
    "anthropic": "/anthropic/v1/messages",
    "google": "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent",
    "ollama": "/ollama/api/chat",
}


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """The `api_usage` rows handed to analytics.record during the test (other tables pass through)."""
    rows: list[tuple[str, dict[str, Any]]] = []
    original = analytics.record

    def record(table: str, row: dict[str, Any]) -> None:
        if table == "api_usage":
            rows.append((table, row))
        else:
            original(table, row)

    monkeypatch.setattr(analytics, "record", record)
    return rows


@pytest.fixture
def captured_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every loguru message (all levels) and stdlib record (LiteLLM's) emitted during the test."""
    caplog.set_level(logging.DEBUG)
    messages: list[str] = []
    sink = logger.add(lambda m: messages.append(str(m)), level=0, format="{message}")
    yield messages
    logger.remove(sink)
    messages.extend(record.getMessage() for record in caplog.records)


async def call(client: Client, **arguments: Any) -> Any:
    return await client.call_tool("claude_conversation", arguments, raise_on_error=False)


def error_text(result: Any) -> str:
    assert result.is_error, result
    return result.content[0].text


# --------------------------------------------------------------------------- every provider


@pytest.mark.parametrize(("provider", "model", "auth_header"), PROVIDER_CASES, ids=[c[0] for c in PROVIDER_CASES])
async def test_each_provider_answers_through_its_real_route(
    llm_env: FakeProvider, recorded: list, provider: str, model: str, auth_header: str | None
) -> None:
    async with Client(mcp, mode="legacy") as client:  # legacy: an initialize handshake, so a session id
        result = await call(client, message="What is p99 latency?", model=model, system_prompt="You are terse.")
    assert not result.is_error, result.content
    data = result.structured_content
    assert data["reply"] == "Echo: What is p99 latency?"
    assert (data["provider"], data["model"]) == (provider, model)
    assert data["usage"] == {"input_tokens": 11, "output_tokens": 7, "total_tokens": 18, "estimated": False}
    assert data["finish_reason"] == "stop" and data["latency_ms"] > 0
    assert data["new_conversation"] is True and data["history_messages"] == 0

    assert len(llm_env.requests) == 1, [r.path for r in llm_env.requests]
    request = llm_env.last
    assert request.path == WIRE_PATHS.get(provider, PROVIDER_PATHS[provider] + "/chat/completions")
    assert request.model == model
    if auth_header == "authorization":
        assert request.headers["authorization"] == f"Bearer {fake_key(provider)}"
    elif auth_header:
        assert request.headers[auth_header] == fake_key(provider)
    else:
        assert "authorization" not in request.headers
    assert sent_messages(request) == [("system", "You are terse."), ("user", "What is p99 latency?")]

    table, row = recorded[-1]
    assert table == "api_usage"
    assert row["provider"] == provider and row["model"] == model and row["success"] is True
    assert (row["input_tokens"], row["output_tokens"], row["total_tokens"]) == (11, 7, 18)
    assert row["conversation_id"] == data["conversation_id"] and row["session_id"]
    assert row["error_type"] is None and row["error_message"] is None


async def test_environment_variables_alone_configure_a_provider(
    fake_llm: FakeProvider, clean_llm_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", fake_key("deepseek"))
    monkeypatch.setenv("DEEPSEEK_BASE_URL", fake_llm.url + "/deepseek/v1")
    monkeypatch.setenv("OLLAMA_HOST", fake_llm.url.removeprefix("http://") + "/ollama")
    config.set_settings(config.load_settings(environ={}))
    result = await completion.complete([{"role": "user", "content": "hi"}], model="deepseek-reasoner")
    assert result.reply == "Echo: hi" and fake_llm.last.headers["authorization"] == f"Bearer {fake_key('deepseek')}"
    result = await completion.complete([{"role": "user", "content": "hi"}], model="ollama/qwen3:32b")
    assert result.provider == "ollama" and fake_llm.last.path == "/ollama/api/chat"
    assert fake_llm.last.body["model"] == "qwen3:32b"


async def test_complete_sends_max_tokens_and_temperature(llm_env: FakeProvider) -> None:
    await completion.complete(
        [{"role": "user", "content": "x"}], model="mistral-small-2603", max_tokens=77, temperature=0.2
    )
    body = llm_env.last.body
    assert body["max_tokens"] == 77 and body["temperature"] == 0.2 and body["stream"] is True
    await completion.complete([{"role": "user", "content": "x"}], model="claude-haiku-4-5")
    assert llm_env.last.body["max_tokens"] == 4096  # llm.max_tokens default


# --------------------------------------------------------------------------- conversations


async def test_second_turn_sends_the_first_turns_history(llm_env: FakeProvider) -> None:
    async with Client(mcp) as client:
        first = await call(client, message="My service is checkout.", model="gpt-4.1", system_prompt="Be brief.")
        cid = first.structured_content["conversation_id"]
        second = await call(client, message="Which service?", model="gpt-4.1", conversation_id=cid)
        # the conversation can move to another provider and keeps its history
        third = await call(client, message="Again?", model="claude-haiku-4-5", conversation_id=cid)
    assert second.structured_content["conversation_id"] == cid
    assert second.structured_content["new_conversation"] is False
    assert second.structured_content["history_messages"] == 2
    openai_request, anthropic_request = llm_env.requests[1], llm_env.requests[2]
    assert sent_messages(openai_request) == [
        ("system", "Be brief."),
        ("user", "My service is checkout."),
        ("assistant", "Echo: My service is checkout."),
        ("user", "Which service?"),
    ]
    assert sent_messages(anthropic_request)[0] == ("system", "Be brief.")
    assert sent_messages(anthropic_request)[-1] == ("user", "Again?")
    assert len(sent_messages(anthropic_request)) == 6
    assert third.structured_content["history_messages"] == 4


async def test_conversations_are_separate_and_ids_are_checked(llm_env: FakeProvider) -> None:
    async with Client(mcp) as client:
        a = await call(client, message="alpha", model="grok-3")
        b = await call(client, message="beta", model="grok-3")
        assert a.structured_content["conversation_id"] != b.structured_content["conversation_id"]
        await call(client, message="again", model="grok-3", conversation_id=b.structured_content["conversation_id"])
        assert [text for _, text in sent_messages(llm_env.last)] == ["beta", "Echo: beta", "again"]
        for hostile in ("../../etc/passwd", "1; DROP TABLE conversations", "x" * 300):
            result = await call(client, message="hi", model="grok-3", conversation_id=hostile)
            assert "conversation_id must be the UUID" in error_text(result)
    assert len(llm_env.requests) == 3


async def test_unknown_conversation_id_starts_fresh_under_that_id(llm_env: FakeProvider) -> None:
    cid = "5f0c3f9e-2a0b-4c55-9d1e-0a4b4c1f7e21"
    async with Client(mcp) as client:
        result = await call(client, message="hello", model="kimi-k2", conversation_id=cid.upper())
    assert result.structured_content["conversation_id"] == cid
    assert result.structured_content["new_conversation"] is True


async def test_history_is_bounded_by_the_turn_budget(llm_env: FakeProvider) -> None:
    environ = provider_environ(llm_env) | {"TELEMETRYFLOW_MCP_LLM__HISTORY_MAX_TURNS": "2"}
    config.set_settings(config.load_settings(environ=environ))
    async with Client(mcp) as client:
        first = await call(client, message="turn 0", model="glm-4.6")
        cid = first.structured_content["conversation_id"]
        for i in range(1, 5):
            result = await call(client, message=f"turn {i}", model="glm-4.6", conversation_id=cid)
    assert result.structured_content["history_messages"] == 4
    assert [text for _, text in sent_messages(llm_env.last)] == [
        "turn 2", "Echo: turn 2", "turn 3", "Echo: turn 3", "turn 4",
    ]  # fmt: skip


async def test_history_is_bounded_by_the_character_budget(llm_env: FakeProvider) -> None:
    environ = provider_environ(llm_env) | {"TELEMETRYFLOW_MCP_LLM__HISTORY_MAX_CHARS": "2500"}
    config.set_settings(config.load_settings(environ=environ))
    llm_env.behaviour.reply = "r" * 400
    async with Client(mcp) as client:
        cid = (await call(client, message="a" * 400, model="mimo-v2.5")).structured_content["conversation_id"]
        for letter in "bcd":
            result = await call(client, message=letter * 400, model="mimo-v2.5", conversation_id=cid)
    sent = sent_messages(llm_env.last)
    assert sum(len(text) for _, text in sent) <= 2500
    assert sent[-1] == ("user", "d" * 400) and ("user", "a" * 400) not in sent
    assert result.structured_content["history_messages"] == len(sent) - 1


async def test_concurrent_turns_of_one_conversation_are_serialised(llm_env: FakeProvider) -> None:
    llm_env.behaviour.delay = 0.05
    async with Client(mcp) as client:
        cid = (await call(client, message="start", model="deepseek-chat")).structured_content["conversation_id"]
        results = await asyncio.gather(
            *(call(client, message=f"m{i}", model="deepseek-chat", conversation_id=cid) for i in range(3))
        )
    assert sorted(r.structured_content["history_messages"] for r in results) == [2, 4, 6]


async def test_system_prompt_is_kept_until_replaced(llm_env: FakeProvider) -> None:
    async with Client(mcp) as client:
        first = await call(client, message="one", model="qwen3.6-flash", system_prompt="Persona A")
        cid = first.structured_content["conversation_id"]
        await call(client, message="two", model="qwen3.6-flash", conversation_id=cid)
        assert sent_messages(llm_env.last)[0] == ("system", "Persona A")
        await call(client, message="three", model="qwen3.6-flash", conversation_id=cid, system_prompt="Persona B")
        assert sent_messages(llm_env.last)[0] == ("system", "Persona B")


# --------------------------------------------------------------------------- streaming and progress


@pytest.mark.parametrize("model", ["gpt-4.1", "claude-sonnet-4-6", "gemini-2.5-flash", "ollama/llama3.3:70b"])
async def test_streamed_reply_reports_progress_to_a_client_that_asked(llm_env: FakeProvider, model: str) -> None:
    llm_env.behaviour.reply = "The checkout service p99 rose from 180 ms to 2.4 s after the deploy at 14:05."
    llm_env.behaviour.chunk_count = 6
    llm_env.behaviour.chunk_delay = 0.12
    updates: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, total, message))

    async with Client(mcp) as client:
        result = await client.call_tool(
            "claude_conversation", {"message": "why slow?", "model": model}, progress_handler=on_progress
        )
    assert result.structured_content["reply"] == llm_env.behaviour.reply
    assert llm_env.last.body.get("stream") is True or ":streamGenerateContent" in llm_env.last.path
    assert len(updates) >= 3, updates
    values = [progress for progress, _, _ in updates]
    assert values == sorted(values) and values[-1] == len(llm_env.behaviour.reply)
    assert values[0] < values[-1], "progress arrived while the reply streamed, not only at the end"
    assert all("received" in (message or "") or "done" in (message or "") for _, _, message in updates)


async def test_usage_is_estimated_and_flagged_when_the_stream_reports_none(llm_env: FakeProvider) -> None:
    llm_env.behaviour.send_usage_in_stream = False
    result = await completion.complete([{"role": "user", "content": "count my tokens please"}], model="grok-3")
    assert result.reply == "Echo: count my tokens please"
    assert result.usage.output_tokens > 0 and result.usage.input_tokens > 0
    if result.usage.estimated:
        assert result.usage.total_tokens == result.usage.input_tokens + result.usage.output_tokens


async def test_cost_is_reported_only_when_litellm_knows_the_price(llm_env: FakeProvider) -> None:
    priced = await completion.complete([{"role": "user", "content": "x"}], model="gemini-2.5-flash")
    litellm = await litellm_loader.load_async()
    prices = litellm.model_cost["gemini/gemini-2.5-flash"]
    expected = 11 * prices["input_cost_per_token"] + 7 * prices["output_cost_per_token"]
    assert priced.cost_usd == pytest.approx(expected)
    for unpriced in ("grok-3", "ollama/llama3.3:70b", "custom-model-v1", "mimo-v2.5"):
        result = await completion.complete([{"role": "user", "content": "x"}], model=unpriced)
        assert result.cost_usd is None, unpriced


# --------------------------------------------------------------------------- errors


ERROR_CASES = [
    (401, "auth", "rejected the API key"),
    (403, "auth", "rejected the API key"),
    (404, "not_found", "does not know model"),
    (429, "rate_limit", "rate limit reached"),
    (500, "provider_down", "is unavailable"),
    (503, "provider_down", "is unavailable"),
]


@pytest.mark.parametrize(("status", "kind", "phrase"), ERROR_CASES, ids=[str(c[0]) for c in ERROR_CASES])
@pytest.mark.parametrize("model", ["gpt-4.1", "claude-opus-4-5", "gemini-2.5-pro", "kimi-k2-0905"])
async def test_provider_errors_are_mapped_and_never_echo_the_key(
    llm_env: FakeProvider, recorded: list, captured_logs: list[str], status: int, kind: str, phrase: str, model: str
) -> None:
    llm_env.fail_next(status, times=10)  # more than the retries
    async with Client(mcp) as client:
        result = await call(client, message="hi", model=model)
    text = error_text(result)
    assert phrase in text, text
    key = providers.provider_credentials(providers.infer_provider(model)).api_key
    assert key and key not in text and "SECRETKEY" not in text
    assert "Traceback" not in text and len(text) < 600
    leaked = [line for line in captured_logs if "SECRETKEY" in line]
    assert not leaked, leaked
    expected_calls = 4 if kind in ("rate_limit", "provider_down") else 1  # 1 + llm.max_retries (3)
    assert len(llm_env.requests) == expected_calls
    _, row = recorded[-1]
    assert row["success"] is False and row["error_type"] == kind and "SECRETKEY" not in row["error_message"]
    assert row["cost_usd"] is None and row["total_tokens"] == 0
    if kind == "auth":
        assert providers.PROVIDERS[providers.infer_provider(model)].key_env[0] in text


async def test_rate_limit_then_success_is_retried_with_backoff(llm_env: FakeProvider, recorded: list) -> None:
    llm_env.fail_next(429, times=2)
    result = await completion.complete([{"role": "user", "content": "retry me"}], model="deepseek-chat")
    assert result.reply == "Echo: retry me" and result.attempts == 3
    assert len(llm_env.requests) == 3 and recorded[-1][1]["success"] is True


async def test_retry_after_from_the_provider_is_honoured_within_the_cap(llm_env: FakeProvider) -> None:
    environ = provider_environ(llm_env) | {"TELEMETRYFLOW_MCP_LLM__RETRY_BACKOFF_MAX": "0.3"}
    config.set_settings(config.load_settings(environ=environ))
    llm_env.fail_next(429, retry_after=0.25)
    started = asyncio.get_running_loop().time()
    result = await completion.complete([{"role": "user", "content": "x"}], model="gpt-4.1")
    elapsed = asyncio.get_running_loop().time() - started
    assert result.attempts == 2 and 0.25 <= elapsed < 2.0


async def test_no_retries_when_max_retries_is_zero(llm_env: FakeProvider) -> None:
    environ = provider_environ(llm_env) | {"TELEMETRYFLOW_MCP_CLAUDE_MAX_RETRIES": "0"}
    config.set_settings(config.load_settings(environ=environ))
    llm_env.fail_next(500, times=3)
    with pytest.raises(providers.LLMError, match="is unavailable"):
        await completion.complete([{"role": "user", "content": "x"}], model="gpt-4.1")
    assert len(llm_env.requests) == 1


@pytest.mark.parametrize("model", ["gpt-4.1", "glm-4.6"])
async def test_context_too_long_is_explained(llm_env: FakeProvider, recorded: list, model: str) -> None:
    llm_env.fail_next(
        400,
        message="This model's maximum context length is 8192 tokens. However, your messages resulted in 9100 tokens.",
        code="context_length_exceeded",
    )
    with pytest.raises(providers.LLMError) as caught:
        await completion.complete([{"role": "user", "content": "long"}], model=model)
    assert caught.value.error_type == "context_length"
    assert "too long for the context window" in str(caught.value) and "conversation_id" in str(caught.value)
    assert recorded[-1][1]["error_type"] == "context_length"


async def test_slow_provider_times_out(llm_env: FakeProvider, recorded: list) -> None:
    environ = provider_environ(llm_env) | {"TELEMETRYFLOW_MCP_CLAUDE_TIMEOUT": "0.5"}
    config.set_settings(config.load_settings(environ=environ))
    llm_env.behaviour.delay = 1.5
    with pytest.raises(providers.LLMError, match=r"did not answer within 0.5s") as caught:
        await completion.complete([{"role": "user", "content": "x"}], model="mistral-large-2512")
    assert caught.value.error_type == "timeout" and recorded[-1][1]["error_type"] == "timeout"


async def test_provider_that_is_down_is_reported(fake_llm: FakeProvider, clean_llm_env: None) -> None:
    environ = {
        "TELEMETRYFLOW_MCP_LLM__RETRY_BACKOFF": "0.01",
        "TELEMETRYFLOW_MCP_LLM__PROVIDERS__OPENAI__API_KEY": fake_key("openai"),
        "TELEMETRYFLOW_MCP_LLM__PROVIDERS__OPENAI__BASE_URL": "http://127.0.0.1:9/v1",  # discard port: refused
    }
    config.set_settings(config.load_settings(environ=environ))
    with pytest.raises(providers.LLMError, match="OpenAI is unavailable") as caught:
        await completion.complete([{"role": "user", "content": "x"}], model="gpt-4.1")
    assert caught.value.error_type == "provider_down"
    assert fake_key("openai") not in str(caught.value)


# --------------------------------------------------------------------------- without credentials


async def test_tool_is_listed_and_explains_configuration_without_credentials(
    fake_llm: FakeProvider, clean_llm_env: None, recorded: list
) -> None:
    config.set_settings(config.load_settings(environ={}))
    async with Client(mcp) as client:
        tools = {tool.name: tool for tool in await client.list_tools()}
        tool = tools["claude_conversation"]
        result = await call(client, message="hello")
        unknown = await call(client, message="hello", model="no-such-model-xyz")
    assert "even when no provider has credentials" in tool.description
    hints = tool.annotations
    assert (hints.readOnlyHint, hints.destructiveHint, hints.idempotentHint, hints.openWorldHint) == (
        True,
        False,
        False,
        True,
    )
    assert set(tool.input_schema["properties"]) == {
        "message", "model", "system_prompt", "conversation_id", "max_tokens", "temperature",
    }  # fmt: skip
    text = error_text(result)
    assert "ANTHROPIC_API_KEY" in text and "Configured providers: none" in text
    assert "Unknown model 'no-such-model-xyz'" in error_text(unknown)
    assert fake_llm.requests == []
    assert [row["error_type"] for _, row in recorded] == ["config", "not_found"]


@pytest.mark.parametrize(
    "arguments",
    [
        {"message": ""},
        {"message": "hi", "temperature": 5},
        {"message": "hi", "max_tokens": 0},
        {"message": "hi", "max_tokens": -5},
        {"message": "x" * (llm_tools.MAX_MESSAGE_CHARS + 1)},
        {"message": "hi", "system_prompt": "s" * (llm_tools.MAX_SYSTEM_PROMPT_CHARS + 1)},
        {"message": "hi", "model": "gpt-4.1; cat /etc/passwd"},
    ],
    ids=["empty", "temperature", "max_tokens0", "max_tokens_negative", "huge", "huge_system", "model_injection"],
)
async def test_hostile_arguments_are_refused_without_calling_a_provider(
    llm_env: FakeProvider, arguments: dict[str, Any]
) -> None:
    async with Client(mcp) as client:
        try:
            result = await client.call_tool("claude_conversation", arguments, raise_on_error=False)
            refused = result.is_error
        except Exception:  # invalid params come back as a JSON-RPC error
            refused = True
    assert refused
    assert llm_env.requests == []


# --------------------------------------------------------------------------- resources and health


async def test_models_resource_and_health_list_configured_providers(
    fake_llm: FakeProvider, clean_llm_env: None
) -> None:
    environ = provider_environ(fake_llm, ("openai", "ollama"))
    config.set_settings(config.load_settings(environ=environ))
    async with Client(mcp) as client:
        models = json.loads((await client.read_resource("llm://models"))[0].text)
        provider_rows = json.loads((await client.read_resource("llm://providers"))[0].text)
        health = json.loads((await client.read_resource("status://health"))[0].text)
    assert models == providers.list_models() and len(models) == 112
    configured = {row["provider"] for row in models if row["credentials_configured"]}
    assert configured == {"openai", "ollama"}
    assert {row["provider"] for row in provider_rows if row["configured"]} == {"openai", "ollama"}
    llm_items = {item["name"]: item for item in health["components"] if item["name"].startswith("llm.")}
    assert len(llm_items) == 12
    assert llm_items["llm.openai"]["configured"] and llm_items["llm.ollama"]["configured"]
    assert not llm_items["llm.anthropic"]["configured"] and "ANTHROPIC_API_KEY" in llm_items["llm.anthropic"]["detail"]
    assert all(item["reachable"] is None for item in llm_items.values())
    everything = json.dumps([models, provider_rows, health])
    assert fake_key("openai") not in everything
    assert fake_llm.requests == [], "health must not contact providers"


async def test_shutdown_hook_closes_litellm_clients_after_use(llm_env: FakeProvider) -> None:
    await completion.complete([{"role": "user", "content": "x"}], model="gemini-2.5-flash")
    litellm = await litellm_loader.load_async()
    await litellm_loader.close_litellm_clients()
    cache = getattr(litellm.in_memory_llm_clients_cache, "cache_dict", {})
    for handler in cache.values():
        client = getattr(handler, "client", None)
        if client is not None and hasattr(client, "is_closed"):
            assert client.is_closed
    # LiteLLM builds new clients on the next call
    result = await completion.complete([{"role": "user", "content": "again"}], model="gemini-2.5-flash")
    assert result.reply == "Echo: again"


async def test_cancelled_call_is_recorded_and_a_broken_progress_callback_is_harmless(
    llm_env: FakeProvider, recorded: list
) -> None:
    async def broken(chars: int, message: str) -> None:
        raise ConnectionResetError("client went away")

    result = await completion.complete([{"role": "user", "content": "still fine"}], model="gpt-4.1", progress=broken)
    assert result.reply == "Echo: still fine"

    llm_env.behaviour.delay = 1.0
    task = asyncio.create_task(completion.complete([{"role": "user", "content": "slow"}], model="gpt-4.1"))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert recorded[-1][1]["error_type"] == "cancelled" and recorded[-1][1]["success"] is False
