"""Fixtures for the file and command sandbox: a tmp_path root, settings installed per test, an MCP client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from fastmcp.client.client import CallToolResult

from tfo_mcp import config
from tfo_mcp.server import mcp

SECURITY_ENV = "TELEMETRYFLOW_MCP_SECURITY__"


@dataclass
class Sandbox:
    """A root folder (``allowed``), a sibling sharing its name prefix (``allowed_evil``) and an outside folder."""

    root: Path
    evil_sibling: Path
    outside: Path
    configure: Callable[..., None]


def install_security(**fields: Any) -> None:
    """Install settings whose security section has these fields (through the real env loader)."""
    environ = {SECURITY_ENV + name.upper(): json.dumps(value) for name, value in fields.items()}
    config.set_settings(config.load_settings(environ=environ))


@pytest.fixture
def restore_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever settings a test installs are replaced by the previous ones afterwards."""
    monkeypatch.setattr(config, "_current", config._current)


@pytest.fixture
def sandbox(tmp_path: Path, restore_settings: None) -> Iterator[Sandbox]:
    """One allowed root under tmp_path, with settings installed; ``configure(**fields)`` changes them."""
    base = Path(tmp_path).resolve()
    root, evil, outside = base / "allowed", base / "allowed_evil", base / "outside"
    for folder in (root, evil, outside):
        folder.mkdir()
    (evil / "secret.txt").write_text("evil sibling secret\n")
    (outside / "secret.txt").write_text("outside secret\n")

    def configure(**fields: Any) -> None:
        install_security(**{"allowed_roots": [str(root)], **fields})

    configure()
    yield Sandbox(root=root, evil_sibling=evil, outside=outside, configure=configure)


@pytest.fixture
async def sandbox_client() -> AsyncIterator[Client]:
    """The real server through the in-memory MCP client."""
    async with Client(mcp) as client:
        yield client


async def call(client: Client, tool: str, **arguments: Any) -> CallToolResult:
    """Call a tool without raising on an error result."""
    return await client.call_tool(tool, arguments, raise_on_error=False)


def error_text(result: CallToolResult) -> str:
    """The error message of an isError result (fails the test if the call succeeded)."""
    assert result.is_error, f"expected an error, got {result.structured_content}"
    return result.content[0].text  # type: ignore[union-attr]
