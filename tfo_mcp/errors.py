"""Errors shared by the capability modules."""

from fastmcp.exceptions import ToolError


class StoreUnavailable(ToolError):
    """A datastore is unconfigured or unreachable; the message names the setting to fix."""


class SandboxError(ToolError):
    """A path or command was refused by the sandbox rules."""
