"""One payload per tool result within its token budget: the cutting, rounding and rendering rules, every tool over
real stdio on the demo estate, a client that reads only ``content``, and the 78 context types' default sizes
(content and structuredContent together)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client

from tests.support.fixtures_demo import DemoDataset
from tests.support.fixtures_llm import FakeProvider, provider_environ
from tests.support.mcp_process import StdioServer
from tests.test_stdio_e2e import GOOD_ARGS
from tfo_mcp import results, toolsets
from tfo_mcp.app import build_server
from tfo_mcp.context.types import ContextType
from tfo_mcp.tokens import count_tokens

#: the most content + structuredContent may weigh, over the larger of the two (issue: one payload, not two)
PAYLOAD_RATIO = 1.05


def _findings(count: int) -> dict[str, Any]:
    return {
        "summary": "checkout p95 rose from 120 ms to 940 ms after deploy 4812",
        "findings": [{"rank": rank, "entity": f"service-{rank}", "text": "p95 rose " * 12} for rank in range(count)],
        "rows": [[rank, f"row {rank} " * 5] for rank in range(count)],
    }


def test_a_payload_within_its_budget_is_sent_as_it_is() -> None:
    payload = _findings(3)
    assert results.fit(payload, 4000) == payload
    assert "cut" not in results.fit(payload, count_tokens(results.dumps(payload)))  # exactly at the budget


def test_an_oversized_payload_is_cut_by_rank_and_says_what_left_and_how_to_get_it() -> None:
    payload = _findings(400)
    before = count_tokens(results.dumps(payload))
    fitted = results.fit(payload, 2000, rest="raise max_tokens; or narrow the window")
    assert before > 2000 >= count_tokens(results.dumps(fitted)) > 1500, "cut to the budget, not far below it"
    ranks = [item["rank"] for item in fitted["findings"]]
    assert ranks == list(range(len(ranks))) and ranks, "the best-ranked items stay, in order"
    assert all(len(row) == 2 for row in fitted["rows"]), "a row is never cut into"
    (cut,) = fitted["cut"]
    assert cut["limit"] == "tokens" and cut["budget"] == 2000
    assert cut["removed"]["findings"] == 400 - len(fitted["findings"])
    assert cut["removed"]["rows"] == 400 - len(fitted["rows"])
    assert cut["rest"] == "raise max_tokens; or narrow the window"
    assert payload["findings"][-1]["rank"] == 399, "the caller's payload is not changed"


def test_a_payload_without_lists_has_its_longest_text_shortened() -> None:
    fitted = results.fit({"summary": "ok", "text": "word " * 5000}, 500)
    assert count_tokens(results.dumps(fitted)) <= 500 and fitted["text"].endswith("[cut]")
    assert fitted["cut"][0]["shortened_strings"] >= 1


def test_text_outside_ascii_is_counted_in_tokens_not_characters() -> None:
    payload = {"items": ["🙂🚀漢字"] * 300}  # ~2,100 characters, ~2,700 tokens
    assert len(results.dumps(payload)) < 2500 < count_tokens(results.dumps(payload))
    fitted = results.fit(payload, 2500)
    assert count_tokens(results.dumps(fitted)) <= 2500 and fitted["cut"][0]["removed"]["items"] > 0


def test_a_table_cut_to_its_budget_says_how_many_rows_it_holds() -> None:
    table = {"columns": ["n", "label"], "rows": [[n, f"label {n}"] for n in range(5000)], "row_count": 5000,
             "truncated": False, "truncated_reason": None}  # fmt: skip
    fitted = results.fit(table, 1000)
    assert 0 < fitted["row_count"] == len(fitted["rows"]) < 5000 and fitted["rows"][0] == [0, "label 0"]
    assert fitted["truncated"] is True and fitted["truncated_reason"] == "max_tokens"
    assert fitted["cut"][0]["removed"] == {"rows": 5000 - fitted["row_count"]}


def test_figures_keep_four_significant_digits_and_every_integer_digit() -> None:
    rounded = results.round_figures({"rate": 7.463768115942029, "p95_ms": [1234.56, 0.000123456], "n": 3,
                                     "epoch": 1733212345.123, "zero": 0.0, "label": "7.4637"})  # fmt: skip
    assert rounded == {"rate": 7.464, "p95_ms": [1235.0, 0.0001235], "n": 3, "epoch": 1733212345.0, "zero": 0.0,
                       "label": "7.4637"}  # fmt: skip


def test_the_rendering_beside_structured_content_stays_within_its_share() -> None:
    payload = _findings(40)
    size = len(results.dumps(payload))
    (block,) = results.brief(payload, size)
    assert block.text.startswith("checkout p95 rose from 120 ms to 940 ms")
    assert _wire_bytes(block.model_dump(exclude_none=True)) <= size * results.BRIEF_SHARE
    assert results.brief({"message": "hi"}, 17) == []  # too small a payload to say anything beside it
    table = {"columns": ["service", "p95_ms"], "rows": [["checkout", 940]] * 200}
    assert results.brief(table, len(results.dumps(table)))[0].text.startswith("200 rows of service, p95_ms")


# --------------------------------------------------------------------------- over real stdio, every tool


def _good_arguments(org: str) -> dict[str, dict[str, Any]]:
    """The stdio suite's arguments for every tool, with results large enough to be cut or rendered."""
    return GOOD_ARGS | {
        "list_organizations": {},
        "whoami": {},
        "investigate": {"organization_id": org},
        "collect_context": {"context_type": "logs", "organization_id": org},
        "ch_query": {"query": "SELECT number, toString(number) AS label FROM system.numbers LIMIT 5000",
                     "max_rows": 5000},
        "pg_query": {"query": "SELECT g, md5(g::text) FROM generate_series(1, 3000) g", "max_rows": 3000},
        "pg_describe_table": {"table": "organizations"},
        "analyze_telemetry": {"context_type": "errors", "organization_id": org, "model": "gpt-5"},
        "build_prompt": {"context_type": "errors", "organization_id": org},
        "claude_conversation": {"message": "What changed?", "model": "gpt-5"},
        "ch_session_analytics": {},
        "ch_error_analytics": {},
        "ch_api_usage": {},
    }  # fmt: skip


def _wire_bytes(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _sizes(result: dict[str, Any]) -> tuple[int, int]:
    """Bytes of the result's content blocks and of its structuredContent as the wire carries them (compact UTF-8
    JSON; an empty content list carries no block)."""
    content = sum(_wire_bytes(block) for block in result["content"])
    return content, (_wire_bytes(result["structuredContent"]) if "structuredContent" in result else 0)


def test_every_tool_sends_its_payload_once(tmp_path: Path, demo_dataset: DemoDataset, fake_llm: FakeProvider) -> None:
    (tmp_path / "notes.txt").write_text("hello from the sandbox\n" * 40, encoding="utf-8")
    fake_llm.behaviour.reply = "Error rate doubled on checkout after the deploy."
    server = StdioServer(tmp_path, env=demo_dataset.environ() | provider_environ(fake_llm))
    worst: tuple[float, str] = (0.0, "")
    try:
        server.initialize()
        arguments = _good_arguments(demo_dataset.org_a)
        assert set(arguments) == set(toolsets.catalog())
        for name, given in arguments.items():
            reply = server.request("tools/call", {"name": name, "arguments": given}, timeout=120)
            result = reply["result"]
            assert not result.get("isError"), (name, result)
            content, structured = _sizes(result)
            ratio = (content + structured) / max(content, structured)
            worst = max(worst, (ratio, name))
            assert ratio <= PAYLOAD_RATIO, f"{name}: content {content} B beside structuredContent {structured} B"
            if structured:
                assert content <= structured * results.BRIEF_SHARE
    finally:
        server.stop()
    print(f"\nworst content+structuredContent over the larger: {worst[0]:.3f} ({worst[1]})")


def test_a_client_that_reads_only_content_gets_the_whole_result(tmp_path: Path, demo_dataset: DemoDataset) -> None:
    """A 2025-03-26 client has no structuredContent: the payload comes whole in content, and only there."""
    end = demo_dataset.now
    arguments = {"context_type": "logs", "organization_id": demo_dataset.org_a, "time_to": end.isoformat(),
                 "time_from": (end - timedelta(hours=1)).isoformat()}  # fmt: skip

    def collected(protocol: str) -> dict[str, Any]:
        server = StdioServer(tmp_path, env=demo_dataset.environ())  # one at a time: chDB opens a store once
        try:
            server.initialize(protocol=protocol)
            return server.request("tools/call", {"name": "collect_context", "arguments": arguments}, timeout=120)
        finally:
            server.stop()

    before, after = collected("2025-03-26")["result"], collected("2025-06-18")["result"]
    assert "structuredContent" not in before
    (block,) = before["content"]
    whole = json.loads(block["text"])
    assert whole["summary"] and whole["data"] and whole["type"] == "logs"
    assert set(whole) == set(after["structuredContent"])
    assert whole["summary"] == after["structuredContent"]["summary"]
    assert after["content"][0]["text"].startswith(whole["summary"][:40])


# --------------------------------------------------------------------------- the 78 types' default sizes


@pytest.mark.usefixtures("demo_store")
async def test_every_context_type_fits_its_default_budget_on_the_demo(demo_dataset: DemoDataset) -> None:
    budget = toolsets.entry("collect_context").budget
    sizes: dict[str, int] = {}
    cut: list[str] = []
    async with Client(build_server()) as client:
        for context_type in ContextType:
            arguments = {"context_type": context_type.value, "organization_id": demo_dataset.org_a}
            if context_type is ContextType.CUSTOM:
                arguments["context_id"] = "ch: SELECT count() AS logs FROM logs WHERE organization_id = {org}"
            result = await client.call_tool("collect_context", arguments, raise_on_error=False)
            assert not result.is_error, (context_type, result.content)
            blocks = "".join(results.dumps(block.model_dump(exclude_none=True)) for block in result.content)
            sizes[context_type.value] = count_tokens(blocks + results.dumps(result.structured_content))
            if result.structured_content.get("cut"):
                cut.append(context_type.value)
    largest = max(sizes, key=sizes.__getitem__)
    print(f"\nlargest default context result: {largest} {sizes[largest]} tokens (budget {budget}); cut: {cut}")
    assert sizes[largest] <= budget
