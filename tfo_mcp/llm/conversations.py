"""Conversation history of `claude_conversation`: in process memory, and in PostgreSQL when it is configured
(memory takes over, with a warning at most once a minute, while PostgreSQL cannot be reached)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Literal

from tfo_mcp.config import get_settings
from tfo_mcp.llm.completion import CompletionResult
from tfo_mcp.llm.notices import warn_once
from tfo_mcp.logs import scrub_secrets
from tfo_mcp.stores import postgres


@dataclass
class _Conversation:
    system_prompt: str | None = None
    messages: list[dict[str, str]] = field(default_factory=list)


class MemoryConversations:
    """Conversations in process memory: least recently used dropped past `llm.max_conversations`."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, _Conversation] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}

    def get(self, conversation_id: str) -> _Conversation | None:
        item = self._items.get(conversation_id)
        if item is not None:
            self._items.move_to_end(conversation_id)
        return item

    def lock(self, conversation_id: str) -> asyncio.Lock:
        return self._locks.setdefault(conversation_id, asyncio.Lock())

    def add_turn(self, conversation_id: str, system_prompt: str | None, user: str, assistant: str) -> None:
        settings = get_settings().llm
        item = self._items.get(conversation_id) or _Conversation()
        item.system_prompt = system_prompt
        item.messages.extend(({"role": "user", "content": user}, {"role": "assistant", "content": assistant}))
        item.messages = trim_history(item.messages, settings.history_max_turns, settings.history_max_chars)
        self._items[conversation_id] = item
        self._items.move_to_end(conversation_id)
        while len(self._items) > settings.max_conversations:
            dropped, _ = self._items.popitem(last=False)
            lock = self._locks.get(dropped)
            if lock is not None and not lock.locked():
                del self._locks[dropped]

    def clear(self) -> None:
        self._items.clear()
        self._locks.clear()

    def __len__(self) -> int:
        return len(self._items)


_memory = MemoryConversations()


def reset_conversations() -> None:
    """Forget every in-memory conversation."""
    _memory.clear()


def lock(conversation_id: str) -> asyncio.Lock:
    """The lock that serialises the turns of one conversation."""
    return _memory.lock(conversation_id)


def trim_history(messages: list[dict[str, str]], max_turns: int, max_chars: int, reserved_chars: int = 0) -> list[dict]:
    """The newest whole turns (user message + replies) within the turn and character budgets."""
    turns: list[list[dict[str, str]]] = []
    for message in messages:
        if message.get("role") == "user":
            turns.append([message])
        elif turns and message.get("role") == "assistant":
            turns[-1].append(message)
    turns = turns[-max_turns:] if max_turns > 0 else []
    budget = max_chars - reserved_chars
    kept: list[list[dict[str, str]]] = []
    used = 0
    for turn in reversed(turns):
        size = sum(len(m.get("content", "")) for m in turn)
        if used + size > budget:
            break
        kept.append(turn)
        used += size
    return [message for turn in reversed(kept) for message in turn]


def _postgres_configured() -> bool:
    """True when conversations go to PostgreSQL (configured), else they are kept in memory only."""
    try:
        return postgres.is_configured()
    except Exception as exc:
        warn_once("pg-config", f"PostgreSQL conversation store check failed ({type(exc).__name__}): using memory")
        return False


async def load_history(conversation_id: str) -> tuple[list[dict[str, str]], str | None, bool]:
    """(previous messages, stored system prompt, known conversation) from PostgreSQL if configured, else memory."""
    if _postgres_configured():
        try:
            loaded = await postgres.load_conversation(conversation_id)
        except Exception as exc:
            warn_once("pg-load", f"PostgreSQL conversation store unavailable ({_short(exc)}): using memory")
        else:
            if loaded is not None:
                system = next((m.get("content") for m in loaded if m.get("role") == "system"), None)
                previous = [
                    {"role": m["role"], "content": str(m.get("content", ""))}
                    for m in loaded
                    if m.get("role") in ("user", "assistant")
                ]
                return previous, system, True
    item = _memory.get(conversation_id)
    if item is None:
        return [], None, False
    return list(item.messages), item.system_prompt, True


async def save_turn(
    conversation_id: str, result: CompletionResult, system_prompt: str | None, user_message: str
) -> Literal["memory", "postgres"]:
    """Keep one turn in memory and, when configured, in PostgreSQL; returns where the conversation is kept."""
    _memory.add_turn(conversation_id, system_prompt, user_message, result.reply)
    if not _postgres_configured():
        return "memory"
    try:
        await postgres.save_turn(
            conversation_id,
            result.model,
            result.provider,
            system_prompt,
            user_message,
            result.reply,
            result.usage.input_tokens,
            result.usage.output_tokens,
        )
    except Exception as exc:
        warn_once("pg-save", f"PostgreSQL conversation store unavailable ({_short(exc)}): turn kept in memory")
        return "memory"
    return "postgres"


def _short(exc: BaseException) -> str:
    return scrub_secrets(f"{type(exc).__name__}: {exc}")[:200]
