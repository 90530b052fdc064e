"""The LLM capability: the `claude_conversation` tool and the `llm://models` and `llm://providers` resources."""

from __future__ import annotations

from fastmcp.server.providers import LocalProvider

from tfo_mcp.config import Settings
from tfo_mcp.llm import claude_conversation, models_resource, providers_resource
from tfo_mcp.tools.annotations import READ_ONLY_OPEN_WORLD


def provider(settings: Settings) -> LocalProvider:
    """`claude_conversation` and the catalog resources."""
    components = LocalProvider()
    components.tool(claude_conversation, name="claude_conversation", annotations=READ_ONLY_OPEN_WORLD)
    components.resource("llm://models", mime_type="application/json")(models_resource)
    components.resource("llm://providers", mime_type="application/json")(providers_resource)
    return components
