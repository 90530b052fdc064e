"""Locate and read the text files under `prompts/` (shipped inside the wheel as `tfo_mcp/prompts`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def prompts_dir() -> Path:
    """`tfo_mcp/prompts` in an installed wheel, else the source tree's top-level `prompts/`."""
    for candidate in (_PACKAGE_DIR / "prompts", _PACKAGE_DIR.parent / "prompts"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the prompts/ folder is missing from this installation")


def read_prompt(relative: str) -> str | None:
    """The text of `prompts/<relative>`, or None when the file does not exist."""
    path = prompts_dir() / relative
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
