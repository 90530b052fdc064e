"""`investigate`: one ranked answer to "what changed" across the contexts, on the seeded demo estate."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastmcp import Client

from tests.support.collect_helpers import window
from tests.support.fixtures_demo import DemoDataset
from tfo_mcp.app import build_server
from tfo_mcp.context import collector
from tfo_mcp.context.investigate import investigate
from tfo_mcp.tokens import count_tokens

BUDGET = 120.0  # figures are checked; the 5 s default is the tool's and is measured in bench/


async def test_the_incident_hour_names_the_incident_service_first(demo_store: DemoDataset) -> None:
    story = demo_store.story
    start, end = window(demo_store)
    answer = await investigate(demo_store.org_a, time_from=start.isoformat(), time_to=end.isoformat(), budget=BUDGET)
    assert answer["changed"] is True
    top = answer["findings"][0]
    assert top["status"] in ("new", "worsened")
    assert story["incident_service"] in top["entity"] or story["incident_downstream"] in top["entity"]
    assert story["incident_service"] in answer["summary"]
    assert answer["summary"].startswith("What changed in ")
    for finding in answer["findings"]:
        assert finding["context"] in answer["contexts"]
        assert "after" in finding and "before" in finding and finding["text"]
    assert answer["unavailable"] == {}
    assert answer["baseline"]["end"] == answer["window"]["start"]


async def test_one_service_keeps_only_findings_about_it(demo_store: DemoDataset) -> None:
    service = demo_store.story["incident_service"]
    start, end = window(demo_store)
    answer = await investigate(
        demo_store.org_a, service=service, time_from=start.isoformat(), time_to=end.isoformat(), budget=BUDGET
    )
    assert answer["findings"], answer["summary"]
    for finding in answer["findings"]:
        parts = [part.strip() for part in finding["entity"].split("->")]
        assert finding["entity"].startswith(service) or service in parts, finding
    assert answer["summary"].startswith(f"What changed in {service} ")


async def test_an_organization_without_data_is_told_nothing_changed(demo_store: DemoDataset) -> None:
    start, end = window(demo_store)
    answer = await investigate("org-with-no-telemetry", time_from=start.isoformat(), time_to=end.isoformat(),
                               budget=BUDGET)  # fmt: skip
    assert answer["changed"] is False and answer["findings"] == []
    assert answer["summary"].startswith("Nothing changed measurably in ")
    assert set(answer["contexts"].values()) <= {"empty", "available"}


async def test_the_answer_is_cut_to_the_token_cap_and_says_so(demo_store: DemoDataset) -> None:
    start, end = window(demo_store)
    full = await investigate(demo_store.org_a, time_from=start.isoformat(), time_to=end.isoformat(), budget=BUDGET)
    assert count_tokens(json.dumps(full, separators=(",", ":"))) <= 2000
    small = await investigate(
        demo_store.org_a, time_from=start.isoformat(), time_to=end.isoformat(), budget=BUDGET, max_tokens=400
    )
    assert count_tokens(json.dumps(small, separators=(",", ":"))) <= 400 or small["findings"] == []
    assert small["truncated"]["limit_tokens"] == 400
    assert small["truncated"]["findings_shown"] < small["truncated"]["findings_found"]
    assert small["findings"] == full["findings"][: len(small["findings"])]


async def test_bad_arguments_are_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="organization_id is required"):
        await investigate(" ")
    with pytest.raises(ValueError, match="baseline must be one of previous, yesterday, last_week"):
        await investigate("org", baseline="tomorrow")
    with pytest.raises(ValueError, match="max_tokens must be"):
        await investigate("org", max_tokens=10)
    with pytest.raises(ValueError, match="must be before end"):
        await investigate("org", time_from="2026-12-02T10:00:00Z", time_to="2026-12-02T09:00:00Z")


async def test_the_tool_answers_over_mcp_with_the_same_findings(
    demo_store: DemoDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collector, "DEFAULT_BUDGET", BUDGET)  # figures, not speed
    start, end = window(demo_store)
    arguments = {"organization_id": demo_store.org_a, "time_from": start.isoformat(), "time_to": end.isoformat()}
    async with Client(build_server()) as client:
        tools = {tool.name: tool for tool in await client.list_tools()}
        assert tools["investigate"].annotations.readOnlyHint is True
        result = await client.call_tool("investigate", arguments)
        body = result.structured_content
        assert body["organization_id"] == demo_store.org_a and body["findings"]
        refused = await client.call_tool("investigate", {**arguments, "baseline": "tomorrow"}, raise_on_error=False)
        assert refused.is_error and "baseline must be one of" in refused.content[0].text


async def test_yesterday_compares_the_same_hour_a_day_earlier(demo_store: DemoDataset) -> None:
    start, end = window(demo_store)
    answer = await investigate(demo_store.org_a, time_from=start.isoformat(), time_to=end.isoformat(),
                               baseline="yesterday", budget=BUDGET)  # fmt: skip
    assert answer["baseline"]["kind"] == "yesterday"
    assert answer["baseline"]["start"] == (start - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert "against the same window yesterday" in answer["summary"]


def test_a_callers_symptom_ranks_below_the_call_that_explains_it() -> None:
    from tfo_mcp.context.investigate import _merge
    from tfo_mcp.context.types import ContextType

    def finding(entity: str, signal: str, score: float, status: str = "new") -> dict:
        return {"entity": entity, "signal": signal, "score": score, "status": status, "text": entity}

    results = {
        ContextType.ANOMALIES: {"data": {"findings": [finding("api-gateway", "error_percent", 2.4),
                                                      finding("api-gateway", "p95_ms", 1.2)]}},
        ContextType.SERVICE_MAP: {"data": {"findings": [finding("api-gateway -> orders", "error_percent", 1.1)]}},
    }  # fmt: skip
    merged = _merge(results, None, {}, {})
    assert [(f["entity"], f["signal"]) for f in merged] == [
        ("api-gateway", "p95_ms"),  # its calls did not slow down: its own finding keeps its score
        ("api-gateway -> orders", "error_percent"),
        ("api-gateway", "error_percent"),
    ]
    assert merged[2]["explained_by"] == "api-gateway -> orders" and merged[2]["score"] == pytest.approx(0.55)
