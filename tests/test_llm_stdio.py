"""The LLM tool in a real `tfo-mcp` process over stdio: progress notifications, errors, nothing but JSON-RPC."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.fixtures_llm import FakeProvider, fake_key, provider_environ, sent_messages
from tests.support.mcp_process import StdioServer


def test_stdio_conversation_streams_progress_and_keeps_stdout_clean(tmp_path: Path, fake_llm: FakeProvider) -> None:
    fake_llm.behaviour.reply = "Error rate doubled on checkout after the 14:05 deploy; roll back build 4812."
    fake_llm.behaviour.chunk_count = 8
    fake_llm.behaviour.chunk_delay = 0.12
    env = provider_environ(fake_llm) | {
        "TELEMETRYFLOW_MCP_LOG__LEVEL": "DEBUG",
        "LITELLM_LOG": "DEBUG",  # LiteLLM's own handler would print DEBUG lines to stdout: it must be removed
    }
    server = StdioServer(tmp_path, env=env)
    try:
        server.initialize()
        reply = server.request(
            "tools/call",
            {
                "name": "claude_conversation",
                "arguments": {"message": "What changed?", "model": "claude-sonnet-4-6"},
                "_meta": {"progressToken": "p-1"},
            },
        )
        result = reply["result"]
        assert not result.get("isError"), result
        assert result["structuredContent"]["reply"] == fake_llm.behaviour.reply
        cid = result["structuredContent"]["conversation_id"]

        fake_llm.behaviour.chunk_delay = 0.0
        second = server.request(
            "tools/call",
            {"name": "claude_conversation", "arguments": {"message": "And now?", "conversation_id": cid}},
        )["result"]
        assert second["structuredContent"]["history_messages"] == 2
        assert sent_messages(fake_llm.last)[:2] == [("user", "What changed?"), ("assistant", fake_llm.behaviour.reply)]

        fake_llm.fail_next(401)
        failed = server.request(
            "tools/call", {"name": "claude_conversation", "arguments": {"message": "x", "model": "gpt-4.1"}}
        )["result"]
        assert failed["isError"] and "rejected the API key" in failed["content"][0]["text"]
        assert server.close_stdin_and_wait() == 0
    finally:
        server.stop()

    messages = [json.loads(line) for line in server.stdout_lines]  # every stdout line is JSON
    assert all(message.get("jsonrpc") == "2.0" for message in messages)
    progress = [m["params"] for m in messages if m.get("method") == "notifications/progress"]
    assert len(progress) >= 3 and {p["progressToken"] for p in progress} == {"p-1"}
    assert [p["progress"] for p in progress] == sorted(p["progress"] for p in progress)
    everything = "".join(server.stdout_lines) + server.stderr_text
    for provider in ("anthropic", "openai"):
        assert fake_key(provider) not in everything
    assert "LiteLLM async clients closed" in server.stderr_text  # shutdown closed its HTTP clients
