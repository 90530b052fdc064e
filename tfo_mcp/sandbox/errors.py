"""The refusal every sandbox rule raises."""


class SandboxError(Exception):
    """A path or command was refused by the sandbox rules; the message says why and what to change."""
