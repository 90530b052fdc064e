"""Errors the stores and collectors raise, as the tool errors the client sees."""

import logging

from fastmcp.exceptions import ToolError


class StoreUnavailable(ToolError):
    """A datastore is unconfigured or unreachable; the message names the setting to fix."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args, log_level=logging.WARNING)


class CallerError(ToolError):
    """A call refused for what the caller sent or may do, not a fault of the server: logged at WARNING."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args, log_level=logging.WARNING)
