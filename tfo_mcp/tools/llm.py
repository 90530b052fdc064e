"""The LLM capability: the `claude_conversation` tool and the `llm://models` and `llm://providers` resources."""

from __future__ import annotations

import json
import uuid
from typing import Literal

from fastmcp import Context
from fastmcp.exceptions import ToolError
from fastmcp.server.providers import LocalProvider
from pydantic import Field

from tfo_mcp import sessions
from tfo_mcp.auth.identity import current_identity
from tfo_mcp.config import Settings, get_settings
from tfo_mcp.llm import conversations
from tfo_mcp.llm.completion import CompletionResult, complete
from tfo_mcp.llm.providers import list_models, providers_status
from tfo_mcp.tools.annotations import READ_ONLY_OPEN_WORLD

MAX_MESSAGE_CHARS = 400_000
MAX_SYSTEM_PROMPT_CHARS = 100_000


class ConversationReply(CompletionResult):
    conversation_id: str = Field(description="Pass it back as conversation_id to continue this conversation")
    new_conversation: bool = Field(description="True when no earlier turn of this conversation was found")
    history_messages: int = Field(description="Earlier messages sent with this call (bounded by the history budget)")
    history_store: Literal["memory", "postgres"] = Field(description="Where this conversation's turns are kept")


def _session_id(ctx: Context | None) -> str | None:
    """The server's session id for the calling connection (for usage records), if known."""
    if ctx is None:
        return None
    try:
        key = ctx.session_id
    except Exception:
        return None
    return sessions.session_id_for(key)


def _owned(conversation_id: str) -> str:
    """Where a conversation is kept: one identity's conversation id names nothing for another identity (a remote
    caller's conversations are keyed by its identity too; the local user's by the id alone)."""
    identity = current_identity()
    if identity.is_local:
        return conversation_id
    return str(uuid.uuid5(uuid.UUID(conversation_id), identity.subject))


def _conversation_id(value: str | None) -> str:
    if value is None or not value.strip():
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ToolError("conversation_id must be the UUID returned by an earlier claude_conversation call") from None


async def claude_conversation(
    message: str = Field(description="Your message to the model", min_length=1, max_length=MAX_MESSAGE_CHARS),
    model: str | None = Field(
        None,
        description="Catalog id (e.g. claude-sonnet-4-20250514, gpt-5, glm-4.6, qwen3:32b), 'provider/model' "
        "(e.g. ollama/qwen3:32b) or a LiteLLM model string; default: llm.default_model",
    ),
    system_prompt: str | None = Field(
        None,
        description="System instructions; kept for the rest of the conversation until replaced",
        max_length=MAX_SYSTEM_PROMPT_CHARS,
    ),
    conversation_id: str | None = Field(
        None, description="Continue this conversation (from an earlier reply); omit to start a new one"
    ),
    max_tokens: int | None = Field(None, ge=1, le=1_000_000, description="Reply length limit; default llm.max_tokens"),
    temperature: float | None = Field(
        None, ge=0.0, le=2.0, description="Sampling temperature; default llm.temperature"
    ),
    ctx: Context | None = None,
) -> ConversationReply:
    """Chat with any configured LLM (12 providers through LiteLLM; catalog: resource llm://models).

    Omit conversation_id to start; pass the returned one to continue (earlier turns are sent along). Returns the
    reply, model, provider, token usage, cost in USD (null when unknown), latency and the conversation id.
    Listed even when no provider has credentials; the call then names what to set (e.g. ANTHROPIC_API_KEY).
    """
    cid = _conversation_id(conversation_id)
    stored = _owned(cid)
    session_id = _session_id(ctx)

    async def report(chars: int, text: str) -> None:
        if ctx is not None:
            await ctx.report_progress(progress=chars, total=None, message=text)

    settings = get_settings().llm
    async with conversations.lock(stored):
        previous, stored_system, known = await conversations.load_history(stored)
        system = system_prompt if system_prompt is not None else stored_system
        reserved = len(message) + len(system or "")
        history = conversations.trim_history(previous, settings.history_max_turns, settings.history_max_chars, reserved)
        messages = ([{"role": "system", "content": system}] if system else []) + history
        messages.append({"role": "user", "content": message})
        result = await complete(
            messages,
            model=model,
            max_tokens=max_tokens,
            temperature=temperature,
            progress=report if ctx is not None else None,
            session_id=session_id,
            conversation_id=cid,
        )
        store = await conversations.save_turn(stored, result, system, message)
    return ConversationReply(
        **result.model_dump(),
        conversation_id=cid,
        new_conversation=not known,
        history_messages=len(history),
        history_store=store,
    )


def models_resource() -> str:
    """The model catalog: provider, model, LiteLLM route and whether the provider's credentials are configured."""
    return json.dumps(list_models(), indent=2)


def providers_resource() -> str:
    """The 12 providers: configured or not, where the key and base URL come from (never the key itself)."""
    return json.dumps(providers_status(), indent=2)


def provider(settings: Settings) -> LocalProvider:
    """`claude_conversation` and the catalog resources."""
    components = LocalProvider()
    components.tool(claude_conversation, name="claude_conversation", annotations=READ_ONLY_OPEN_WORLD)
    components.resource("llm://models", mime_type="application/json")(models_resource)
    components.resource("llm://providers", mime_type="application/json")(providers_resource)
    return components
