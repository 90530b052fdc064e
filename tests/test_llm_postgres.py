"""Conversations kept in PostgreSQL survive a restart of the server process; memory takes over when it is down."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastmcp import Client
from loguru import logger

from tests.support.fixtures_llm import FakeProvider, provider_environ, sent_messages
from tests.support.fixtures_postgres import PgDatabase
from tests.support.mcp_process import StdioServer
from tests.support.pg_server import free_port
from tfo_mcp import config
from tfo_mcp.llm import conversations, notices
from tfo_mcp.server import mcp
from tfo_mcp.stores import postgres

pytestmark = pytest.mark.postgres


def _call(server: StdioServer, arguments: dict) -> dict:
    result = server.request("tools/call", {"name": "claude_conversation", "arguments": arguments})["result"]
    assert not result.get("isError"), result
    return result["structuredContent"]


async def test_conversation_survives_a_server_restart(
    pg: PgDatabase, fake_llm: FakeProvider, clean_llm_env: None, tmp_path: Path
) -> None:
    await postgres.migrate()
    env = provider_environ(fake_llm) | {"TELEMETRYFLOW_MCP_POSTGRES__URL": pg.app_url}

    first_process = StdioServer(tmp_path, env=env)
    try:
        first_process.initialize()
        first = _call(
            first_process,
            {"message": "Our SLO is 99.9% for checkout.", "model": "gpt-4.1", "system_prompt": "You are an SRE."},
        )
        assert first["history_store"] == "postgres" and first["new_conversation"] is True
        assert first_process.close_stdin_and_wait() == 0
    finally:
        first_process.stop()

    second_process = StdioServer(tmp_path, env=env)
    try:
        second_process.initialize()
        second = _call(
            second_process,
            {"message": "What is our SLO?", "model": "glm-4.6", "conversation_id": first["conversation_id"]},
        )
        assert second_process.close_stdin_and_wait() == 0
    finally:
        second_process.stop()

    assert second["new_conversation"] is False and second["history_messages"] == 2
    assert second["history_store"] == "postgres"
    assert sent_messages(fake_llm.last) == [
        ("system", "You are an SRE."),
        ("user", "Our SLO is 99.9% for checkout."),
        ("assistant", "Echo: Our SLO is 99.9% for checkout."),
        ("user", "What is our SLO?"),
    ]
    stored = await postgres.load_conversation(first["conversation_id"])
    assert stored is not None and [m["role"] for m in stored] == ["system", "user", "assistant", "user", "assistant"]
    assert stored[-1]["content"] == "Echo: What is our SLO?"


async def test_history_falls_back_to_memory_when_postgres_is_down(fake_llm: FakeProvider, clean_llm_env: None) -> None:
    await postgres.reset()
    environ = provider_environ(fake_llm) | {
        "TELEMETRYFLOW_MCP_POSTGRES__URL": f"postgresql://nobody:secret-pw@127.0.0.1:{free_port()}/nothing",
        "TELEMETRYFLOW_MCP_POSTGRES__CONNECT_TIMEOUT": "1",
    }
    config.set_settings(config.load_settings(environ=environ))
    conversations.reset_conversations()
    notices._warned.clear()
    warnings: list[str] = []
    sink = logger.add(lambda m: warnings.append(str(m)), level="WARNING", format="{message}")
    try:
        async with Client(mcp) as client:
            first = await client.call_tool("claude_conversation", {"message": "one", "model": "grok-3"})
            cid = first.structured_content["conversation_id"]
            second = (
                await client.call_tool(
                    "claude_conversation", {"message": "two", "model": "grok-3", "conversation_id": cid}
                )
            ).structured_content
    finally:
        logger.remove(sink)
        await postgres.reset()
    assert second["history_store"] == "memory" and second["history_messages"] == 2
    assert [text for _, text in sent_messages(fake_llm.last)] == ["one", "Echo: one", "two"]
    assert any("PostgreSQL conversation store unavailable" in line for line in warnings), warnings
    assert not any("secret-pw" in line for line in warnings)
