"""The telemetry tools, resource and prompt on the demo dataset, through the in-memory MCP client."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastmcp import Client
from mcp.shared.exceptions import MCPError

from tests.support.collect_helpers import EMPTY_ORG
from tests.support.fixtures_demo import DemoDataset
from tests.support.fixtures_llm import FakeProvider, provider_environ
from tfo_mcp import config
from tfo_mcp.context import collector
from tfo_mcp.llm import conversations
from tfo_mcp.server import mcp


def window(dataset: DemoDataset, hours: int = 1) -> dict[str, str]:
    return {
        "time_from": (dataset.now - timedelta(hours=hours)).isoformat(),
        "time_to": dataset.now.isoformat(),
    }


async def call(name: str, arguments: dict[str, Any], **kwargs: Any) -> Any:
    async with Client(mcp) as client:
        return await client.call_tool(name, arguments, raise_on_error=False, **kwargs)


async def test_list_context_types_has_all_78_with_categories() -> None:
    result = await call("list_context_types", {})
    body = result.structured_content
    assert body["count"] == 78 == len(body["context_types"])
    values = [entry["value"] for entry in body["context_types"]]
    assert values[0] == "metrics" and values[-1] == "custom"
    assert all(entry["category"] and entry["description"] for entry in body["context_types"])


async def test_collect_context_scoped_to_one_organization(
    demo_store: DemoDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Figures, not speed: a loaded machine must not turn the context unavailable (the budget has its own tests).
    monkeypatch.setattr(collector, "DEFAULT_BUDGET", 120.0)
    mine = await call("collect_context", {"context_type": "traces", "organization_id": demo_store.org_a,
                                          **window(demo_store)})  # fmt: skip
    body = mine.structured_content
    assert body["status"] == "available" and body["type"] == "traces"
    text = json.dumps(body)
    for value in demo_store.org_values(1):
        assert value not in text, f"org B value {value!r} leaked into org A's context"
    nobody = await call("collect_context", {"context_type": "traces", "organization_id": EMPTY_ORG,
                                            **window(demo_store)})  # fmt: skip
    assert nobody.structured_content["status"] == "empty"
    assert nobody.structured_content["summary"].startswith("[SYSTEM]")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"context_type": "metrix", "organization_id": "a"}, "metrics"),
        ({"context_type": "metrics", "organization_id": "a", "time_from": "2026-01-02T00:00:00"}, "timezone"),
        ({"context_type": "metrics", "organization_id": "a", "time_from": "2026-01-02T00:00:00Z",
          "time_to": "2026-01-01T00:00:00Z"}, "before"),
    ],
)  # fmt: skip
async def test_collect_context_rejects_bad_arguments_clearly(arguments: dict[str, str], message: str) -> None:
    result = await call("collect_context", arguments)
    assert result.is_error
    assert message in result.content[0].text.lower() or message in result.content[0].text


async def test_build_prompt_combines_persona_context_and_insight(demo_store: DemoDataset) -> None:
    result = await call(
        "build_prompt",
        {"context_type": "logs", "organization_id": demo_store.org_a, "insight_type": "root-cause",
         "custom_prompt": "Answer in French.", **window(demo_store)},
    )  # fmt: skip
    body = result.structured_content
    assert body["context_status"] == "available"
    assert "IMPORTANT INSTRUCTIONS" in body["system_prompt"] and "Answer in French." in body["system_prompt"]
    assert "## Current Context" in body["user_prompt"] and "## Task" in body["user_prompt"]
    assert "```json" in body["user_prompt"]
    bad = await call("build_prompt", {"context_type": "logs", "organization_id": "a", "insight_type": "vibes"})
    assert bad.is_error and "chronology" in bad.content[0].text


async def test_analyze_telemetry_sends_the_context_to_the_model_and_reports_progress(
    demo_store: DemoDataset, fake_llm: FakeProvider, clean_llm_env: None
) -> None:
    config.set_settings(config.load_settings(environ={**demo_store.environ(), **provider_environ(fake_llm)}))
    conversations.reset_conversations()
    fake_llm.behaviour.reply = "Checkout errors started after the deploy."
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    result = await call(
        "analyze_telemetry",
        {"context_type": "traces", "organization_id": demo_store.org_a, "question": "What is wrong with checkout?",
         "model": "gpt-5", **window(demo_store)},
        progress_handler=on_progress,
    )  # fmt: skip
    body = result.structured_content
    assert not result.is_error, result.content
    assert body["analysis"] == "Checkout errors started after the deploy."
    assert body["provider"] == "openai" and body["context_status"] == "available"
    sent = json.dumps(fake_llm.requests[-1].body)
    assert "What is wrong with checkout?" in sent and "## Current Context" in sent
    for value in demo_store.org_values(1):
        assert value not in sent
    messages = [message for _, _, message in progress]
    assert any("collecting" in (m or "") for m in messages) and any("model" in (m or "") for m in messages)


async def test_telemetry_resource_and_prompt(demo_store: DemoDataset) -> None:
    async with Client(mcp) as client:
        templates = {t.uri_template for t in await client.list_resource_templates()}
        assert "telemetry://{organization_id}/{context_type}" in templates
        contents = await client.read_resource(f"telemetry://{demo_store.org_a}/uptime")
        body = json.loads(contents[0].text)
        assert body["type"] == "uptime" and body["status"] == "available"
        prompt = await client.get_prompt(
            "analyze_context",
            {"context_type": "uptime", "organization_id": demo_store.org_a, "insight_type": "pattern"},
        )
        text = prompt.messages[0].content.text
        assert "## Current Context" in text and "## Task" in text
        with pytest.raises(MCPError):
            await client.read_resource(f"telemetry://{demo_store.org_a}/not-a-type")
