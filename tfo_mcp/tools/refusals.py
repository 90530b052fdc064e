"""Sandbox refusals as the tool errors the client sees."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from fastmcp.exceptions import ToolError

from tfo_mcp.sandbox import errors as sandbox_errors


class SandboxError(ToolError, sandbox_errors.SandboxError):
    """A refusal of the sandbox rules as a tool error (an expected refusal, logged as a warning; its class name is
    the error type sessions and analytics record)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args, log_level=logging.WARNING)


@contextmanager
def sandbox_refusals() -> Iterator[None]:
    """Re-raise a :class:`tfo_mcp.sandbox.errors.SandboxError` from the block as :class:`SandboxError`, same
    message: FastMCP passes a ToolError's message to the client even with error details masked."""
    try:
        yield
    except SandboxError:
        raise
    except sandbox_errors.SandboxError as exc:
        raise SandboxError(*exc.args) from None
