"""PromptBuilder: analyst personas and the system, context and insight prompts.

All prose lives in the packaged `tfo_mcp/prompts/` folder (`personas/`, `system/`, `insights/`), so it can be edited
without touching code; this module only assembles it.
"""

from __future__ import annotations

import json
import re

from loguru import logger

from tfo_mcp.context.types import (
    ContextType,
    InsightType,
    TelemetryContext,
    available_context_types,
    iso,
    jsonable,
)
from tfo_mcp.prompt_files import read_prompt

__all__ = [
    "MAX_CONTEXT_DATA_CHARS",
    "available_context_types",
    "build_context_prompt",
    "build_insight_prompt",
    "build_system_prompt",
    "persona",
]

#: The pretty-printed JSON of a context's data is cut after this many characters.
MAX_CONTEXT_DATA_CHARS = 10_000

DEFAULT_PERSONA_FILE = "personas/_default.md"
INSTRUCTIONS_FILE = "system/instructions.md"
INSIGHT_STRUCTURE_FILE = "insights/_structure.md"

_BACKTICK_RUN = re.compile(r"`+")


def _required_text(relative: str) -> str:
    """Text of a prompt file the package cannot work without."""
    text = read_prompt(relative)
    if text is None or not text.strip():
        raise FileNotFoundError(f"prompt text prompts/{relative} is missing or empty in this installation")
    return text.strip()


def persona(context_type: ContextType | str) -> str:
    """The analyst persona for a context type; the general analyst for unknown types or a missing file."""
    try:
        kind = ContextType.parse(context_type)
    except ValueError:
        logger.debug("no persona for unknown context type {!r}; using the default analyst", str(context_type)[:80])
        return _required_text(DEFAULT_PERSONA_FILE)
    text = read_prompt(f"personas/{kind.value}.md")
    if text is None or not text.strip():
        logger.warning("persona file prompts/personas/{}.md is missing; using the default analyst", kind.value)
        return _required_text(DEFAULT_PERSONA_FILE)
    return text.strip()


def build_system_prompt(context_type: ContextType | str, custom_prompt: str | None = None) -> str:
    """Persona, then the IMPORTANT INSTRUCTIONS block, then the caller's own instructions when given."""
    parts = [persona(context_type), _required_text(INSTRUCTIONS_FILE)]
    if custom_prompt and custom_prompt.strip():
        parts.append(f"Additional instructions:\n{custom_prompt.strip()}")
    return "\n\n".join(parts)


def _fence(text: str) -> str:
    """A backtick fence longer than any backtick run inside `text`, so the data cannot close the block early."""
    longest = max((len(run) for run in _BACKTICK_RUN.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def build_context_prompt(context: TelemetryContext) -> str:
    """The "## Current Context" markdown: type, ISO-8601 window, summary, and the data as JSON.

    The JSON (2-space indent, non-JSON values converted by `jsonable`) is cut after `MAX_CONTEXT_DATA_CHARS`
    characters; a cut is always followed by a line saying how many characters were left out.
    """
    data_text = json.dumps(jsonable(context.data), indent=2, ensure_ascii=False)
    omitted = max(0, len(data_text) - MAX_CONTEXT_DATA_CHARS)
    shown = data_text[:MAX_CONTEXT_DATA_CHARS]
    fence = _fence(shown)
    lines = [
        "## Current Context",
        "",
        f"**Type:** {context.type.value}",
        f"**Time Range:** {iso(context.time_range.start)} to {iso(context.time_range.end)}",
        "",
        "### Summary",
        "",
        context.summary.strip() or "(no summary)",
        "",
        "### Detailed Data",
        "",
        f"{fence}json",
        shown,
        fence,
    ]
    if omitted:
        lines.append(f"... (truncated: {omitted} more characters)")
    return "\n".join(lines)


def build_insight_prompt(insight_type: InsightType | str, context: TelemetryContext) -> str:
    """Context prompt, then "## Task" with the insight type's instructions, then the 4-part answer structure.

    Raises ValueError (listing the valid types) for an unknown insight type.
    """
    kind = InsightType.parse(insight_type)
    task = _required_text(f"insights/{kind.value}.md")
    structure = _required_text(INSIGHT_STRUCTURE_FILE)
    return "\n\n".join([build_context_prompt(context), "## Task", task, structure])
