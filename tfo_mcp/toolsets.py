"""Toolsets: every tool's group, list order, output-schema choice and result budget (``data/tools.tsv``).

A connection sees the tools of the toolsets it selected: over HTTP the ``toolsets`` query parameter or the
``X-MCP-Toolsets`` header (comma-separated), else ``mcp.toolsets``; ``default`` names the profile for the
common case (:data:`DEFAULT_PROFILE`) and ``all`` every toolset. A selection may only name toolsets in
``mcp.allowed_toolsets``. Toolsets spend the model's context window carefully; they are not a permission (the
switches in ``security.*`` and ``mcp.enable_tools`` are).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = [
    "DEFAULT_PROFILE",
    "HARD_CAP_TOKENS",
    "ToolEntry",
    "catalog",
    "entry",
    "parse_selection",
    "toolset_names",
]

_CATALOG_PATH = Path(__file__).resolve().parent / "data" / "tools.tsv"
#: the toolsets a connection gets when it asks for none and ``mcp.toolsets`` is left at ``default``
DEFAULT_PROFILE: tuple[str, ...] = ("context", "sql")
#: the most tokens one call may ask for with ``max_tokens``
HARD_CAP_TOKENS = 32_000
#: the selection words that are not toolset names
PROFILES = ("default", "all")


@dataclass(frozen=True)
class ToolEntry:
    """One tool's line of the catalog."""

    name: str
    toolset: str
    position: int
    output_schema: bool
    budget: int
    budget_argument: bool
    narrow: str
    #: the scope a caller needs (``data/scopes.tsv``; empty: none)
    scope: str
    #: ``organization``, ``none`` or ``operator`` (see ``tools.tsv``)
    tenant: str
    #: why an ``operator`` tool is refused to an organization-scoped caller
    why_operator: str

    @property
    def rest(self) -> str:
        """How a caller gets the rest of a result cut to its budget."""
        raise_it = f"raise max_tokens (up to {HARD_CAP_TOKENS})" if self.budget_argument else ""
        return "; or ".join(part for part in (raise_it, self.narrow) if part)


@cache
def catalog() -> dict[str, ToolEntry]:
    """Every tool by name, in catalog order."""
    with _CATALOG_PATH.open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        return {
            row["tool"]: ToolEntry(
                name=row["tool"],
                toolset=row["toolset"],
                position=position,
                output_schema=row["output_schema"] == "yes",
                budget=int(row["budget"]),
                budget_argument=row["max_tokens"] == "yes",
                narrow=row["narrow"],
                scope=row["scope"],
                tenant=row["tenant"],
                why_operator=row["why_operator"],
            )
            for position, row in enumerate(rows)
        }


def entry(tool: str) -> ToolEntry:
    """The catalog line of ``tool``; a tool missing from the catalog is a programming error."""
    try:
        return catalog()[tool]
    except KeyError:
        raise KeyError(f"tool {tool!r} is not in {_CATALOG_PATH.name}: give it a toolset there") from None


def toolset_names() -> tuple[str, ...]:
    """The toolsets, in list order."""
    return tuple(dict.fromkeys(item.toolset for item in catalog().values()))


def parse_selection(words: Iterable[str]) -> frozenset[str]:
    """The toolsets that ``words`` (toolset names, ``default``, ``all``) select; ValueError names an unknown one."""
    known = toolset_names()
    chosen: set[str] = set()
    for word in (w.strip().lower() for w in words):
        if not word:
            continue
        if word == "all":
            chosen.update(known)
        elif word == "default":
            chosen.update(DEFAULT_PROFILE)
        elif word in known:
            chosen.add(word)
        else:
            raise ValueError(f"unknown toolset {word!r}; known: {', '.join((*known, *PROFILES))}")
    return frozenset(chosen)
