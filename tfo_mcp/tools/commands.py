"""The `execute_command` tool: an allow-listed program run without a shell inside the allowed roots.

Checked in this order (each refusal is a SandboxError with a short reason, the tool's error message):

1. ``security.enable_execute_command`` must be true. When it is false the tool stays registered (settings are
   read on every call, so the switch works without a restart) and refuses with a message naming the setting.
2. The confinement chosen by ``TFO_MCP_CONFINEMENT`` must be available (:mod:`tfo_mcp.sandbox.confinement`).
3. The argv policy (:mod:`tfo_mcp.sandbox.argv`): the program name, the never-allowed programs, the allow-list,
   the option rules, the working folder and path arguments, the executable.
4. For git, the repository configuration probe (:func:`tfo_mcp.sandbox.runner.check_git_repository`).

The child then runs through :func:`tfo_mcp.sandbox.runner.run_process`, under Landlock where the kernel has it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from fastmcp.server.providers import LocalProvider
from loguru import logger
from pydantic import BaseModel, Field

from tfo_mcp.config import Settings, get_settings
from tfo_mcp.sandbox import confinement
from tfo_mcp.sandbox.argv import (
    WRITING_PROGRAMS,
    build_argv,
    check_allowed,
    check_command_name,
    check_path_args,
    check_program_args,
    child_environment,
    git_ceiling,
    program_family,
    resolve_executable,
    resolve_working_dir,
    search_path,
)
from tfo_mcp.sandbox.errors import SandboxError
from tfo_mcp.sandbox.paths import sandbox_roots
from tfo_mcp.sandbox.runner import check_git_repository, confined_runner
from tfo_mcp.tools.annotations import MAY_DESTROY
from tfo_mcp.tools.refusals import sandbox_refusals


class CommandResult(BaseModel):
    command: str
    args: list[str]
    working_dir: str = Field(description="Real path of the folder the command ran in")
    exit_code: int = Field(description="Exit status; negative when killed by a signal (e.g. -9 after a timeout)")
    stdout: str = Field(description="Standard output (UTF-8, invalid bytes replaced), cut at the output cap")
    stderr: str = Field(description="Standard error (UTF-8, invalid bytes replaced), cut at the output cap")
    stdout_truncated: bool
    stderr_truncated: bool
    truncated: bool = Field(description="True when stdout or stderr was cut at security.max_command_output")
    timed_out: bool = Field(description="True when the timeout expired and the process group was killed")
    duration_ms: int


async def execute_command(
    command: str = Field(description="One program name from security.allowed_commands, e.g. 'ls' or 'git'"),
    args: list[str] = Field(default_factory=list, description="Arguments, one per item (no shell: no quoting)"),
    working_dir: str | None = Field(None, description="Folder to run in (inside the roots); default: first root"),
    timeout: float | None = Field(
        None, gt=0, description="Seconds before the process group is killed; default and maximum: command_timeout"
    ),
) -> CommandResult:
    """Run an allow-listed program with arguments, without a shell, inside the allowed roots.

    No shell: `command` is a single program name and every argument goes in `args` (operators such as ; | &&
    $() are plain text). Shells and interpreters are never allowed; options that run programs or write files
    (find -exec, git -c, ...) are refused; git is limited to read-only subcommands. A non-zero exit is a normal
    result. stdout/stderr are each capped at security.max_command_output (truncated=true); on timeout the
    whole process group is killed (timed_out=true). Disabled when security.enable_execute_command is false.
    """
    with sandbox_refusals():
        security = get_settings().security
        if not security.enable_execute_command:
            raise SandboxError("execute_command is disabled by configuration (security.enable_execute_command=false)")
        mode = confinement.current()
        if mode.refused:
            raise SandboxError(f"execute_command is refused: {mode.reason}")
        argv_only = mode.mode == "argv"
        check_command_name(command)
        check_allowed(command, security.allowed_commands)
        check_program_args(command, args, argv_only)
        if argv_only and not security.enable_write and program_family(command) in WRITING_PROGRAMS:
            raise SandboxError(
                f"{command!r} writes files and security.enable_write is false; without kernel confinement "
                f"({mode.reason}) programs that write are refused"
            )
        roots = sandbox_roots(security)
        cwd = resolve_working_dir(working_dir, roots)
        check_path_args(args, cwd, roots)
        folders = search_path(os.environ.get("PATH", os.defpath), roots)
        executable = resolve_executable(command, folders, roots)
        argv = build_argv(executable, command, args, argv_only)
        limit = min(timeout or security.command_timeout, security.command_timeout)
        with tempfile.TemporaryDirectory(prefix="tfo-mcp-home-") as home:
            env = child_environment(folders, Path(home), git_ceiling(cwd, roots))
            policy = None
            if not argv_only:
                policy = confinement.command_policy(
                    roots, writable=security.enable_write, executable=executable, home=home, program=command
                )
            try:
                with confined_runner(mode, policy, cwd, env, security.max_command_output) as run:
                    if command == "git":
                        await check_git_repository(run, executable, roots, argv_only, limit)
                    outcome = await run(argv, limit)
            except confinement.ConfinementError as exc:
                raise SandboxError(f"{command!r} was not run: kernel confinement could not be set up ({exc})") from None
            except OSError as exc:
                raise SandboxError(f"{command!r} could not be started ({exc.strerror or exc})") from None
        logger.info(
            "execute_command {} {} in {} -> exit {} in {} ms{} [{}]",
            command, args, cwd, outcome.exit_code, outcome.duration_ms, " (timed out)" if outcome.timed_out else "",
            mode.describe(),
        )  # fmt: skip
        return CommandResult(
            command=command,
            args=list(args),
            working_dir=str(cwd),
            exit_code=outcome.exit_code,
            stdout=outcome.stdout.decode("utf-8", errors="replace"),
            stderr=outcome.stderr.decode("utf-8", errors="replace"),
            stdout_truncated=outcome.stdout_truncated,
            stderr_truncated=outcome.stderr_truncated,
            truncated=outcome.stdout_truncated or outcome.stderr_truncated,
            timed_out=outcome.timed_out,
            duration_ms=outcome.duration_ms,
        )


# --------------------------------------------------------------------------- the provider


def provider(settings: Settings) -> LocalProvider:
    """`execute_command`: conservative hints, since an operator can allow programs that write or delete."""
    tools = LocalProvider()
    tools.tool(execute_command, annotations=MAY_DESTROY)
    return tools
