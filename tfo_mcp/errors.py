"""Errors shared by the capability modules."""

import logging

from fastmcp.exceptions import ToolError


class StoreUnavailable(ToolError):
    """A datastore is unconfigured or unreachable; the message names the setting to fix."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args, log_level=logging.WARNING)


class SandboxError(ToolError):
    """A path or command was refused by the sandbox rules (an expected refusal, logged as a warning)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args, log_level=logging.WARNING)
