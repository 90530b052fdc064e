"""MCP prompts `code_review`, `explain_code` and `debug_help`; their text lives in `tfo_mcp/prompts/builtin/`."""

from __future__ import annotations

from fastmcp.exceptions import PromptError
from fastmcp.server.providers import LocalProvider
from pydantic import Field

from tfo_mcp.config import Settings
from tfo_mcp.prompt_files import read_prompt


def _template(name: str) -> str:
    text = read_prompt(f"builtin/{name}.md")
    if text is None:
        raise PromptError(f"prompt text prompts/builtin/{name}.md is missing")
    return text


def code_review(
    code: str = Field(description="The code to review"),
    language: str = Field("", description="Programming language (guessed when empty)"),
    focus: str = Field("", description="What to focus on, e.g. security or performance"),
) -> str:
    """Ask the model for a thorough code review."""
    return _template("code_review").format(
        code=code, language=language or "", focus=focus or "correctness, security, performance and readability"
    )


def explain_code(
    code: str = Field(description="The code to explain"),
    language: str = Field("", description="Programming language (guessed when empty)"),
    level: str = Field("intermediate", description="Reader level: beginner, intermediate or expert"),
) -> str:
    """Ask the model to explain a piece of code."""
    return _template("explain_code").format(code=code, language=language or "", level=level or "intermediate")


def debug_help(
    error: str = Field(description="The error message or stack trace"),
    code: str = Field("", description="The code that fails, if any"),
    context: str = Field("", description="What you were doing, environment, recent changes"),
) -> str:
    """Ask the model to help find the cause of an error."""
    code_block = f"\nCode:\n```\n{code}\n```\n" if code else ""
    context_block = f"\nContext: {context}\n" if context else ""
    return _template("debug_help").format(error=error, code_block=code_block, context_block=context_block)


def provider(settings: Settings) -> LocalProvider:
    """The built-in prompts."""
    prompts = LocalProvider()
    for prompt in (code_review, explain_code, debug_help):
        prompts.prompt(prompt)
    return prompts
