"""Read the prompt text files packaged in `tfo_mcp/prompts/` (personas, insight tasks, system and built-ins)."""

from __future__ import annotations

from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"


def read_prompt(relative: str) -> str | None:
    """The text of `tfo_mcp/prompts/<relative>`, or None when the file does not exist."""
    try:
        return (PROMPTS_DIR / relative).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
