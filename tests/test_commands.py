"""The command sandbox: pure argv policy, then execute_command through the MCP client, then the runner."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from fastmcp import Client

from tests.support.fixtures_sandbox import Sandbox, call, error_text
from tfo_mcp.sandbox.argv import (
    build_argv,
    check_allowed,
    check_command_name,
    check_path_args,
    check_program_args,
    child_environment,
    is_never_allowed,
    resolve_executable,
    search_path,
)
from tfo_mcp.sandbox.errors import SandboxError
from tfo_mcp.sandbox.paths import sandbox_roots
from tfo_mcp.sandbox.runner import run_process

SHELL_STRINGS = ["ls; rm -rf /", "$(id)", "`id`", "ls | sh", "ls && id", "ls\nid", "ls -la", "ls>out", "a'b"]


def _processes_with(marker: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        cmdline = process.info.get("cmdline") or []
        if any(marker in part for part in cmdline) and process.info.get("status") != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


async def _processes_after(marker: str, present: bool, timeout: float = 10.0) -> list[psutil.Process]:
    """The processes with ``marker``, polled until some are running (``present``) or none are, or ``timeout``
    passes (generous for a loaded machine; the commands under test would run 30 s or more)."""
    deadline = time.monotonic() + timeout
    while True:
        found = _processes_with(marker)
        if bool(found) == present or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.05)


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(repo), "GIT_CONFIG_NOSYSTEM": "1"}
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    return subprocess.run(["git", *identity, *args], cwd=repo, env=env, capture_output=True, text=True, check=False)


def _make_repo(repo: Path) -> None:
    (repo / "app.py").write_text("print('v1')\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "app.py")
    _git(repo, "commit", "-q", "-m", "first commit")
    (repo / "app.py").write_text("print('v2')\n")


def _marker_script(folder: Path, marker: Path) -> Path:
    script = folder / "hook.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    return script


# --------------------------------------------------------------------------- pure policy


@pytest.mark.parametrize("command", SHELL_STRINGS)
def test_shell_strings_are_refused_with_a_pointer_to_args(command: str) -> None:
    with pytest.raises(SandboxError, match=r"pass the program name in `command`.*`args`"):
        check_command_name(command)


@pytest.mark.parametrize("command", ["./evil", "/bin/ls", "../bin/ls", "bin/ls"])
def test_paths_as_command_are_refused(command: str) -> None:
    with pytest.raises(SandboxError, match="is a path"):
        check_command_name(command)


def test_plain_names_pass_and_nul_or_empty_fail() -> None:
    assert check_command_name("git") == "git"
    assert check_command_name("g++") == "g++"
    with pytest.raises(SandboxError, match="NUL"):
        check_command_name("ls\x00")
    with pytest.raises(SandboxError, match="empty"):
        check_command_name("")


@pytest.mark.parametrize(
    "name",
    ["sh", "bash", "zsh", "dash", "fish", "python", "python3", "python3.11", "PYTHON.EXE", "perl", "perl5.36",
     "ruby", "node", "php8.2", "lua5.4", "env", "xargs", "sudo", "su", "busybox", "awk", "gawk", "sed", "make",
     "timeout", "nohup", "ssh", "tar"],
)  # fmt: skip
def test_shells_and_interpreters_are_never_allowed(name: str) -> None:
    assert is_never_allowed(name)
    with pytest.raises(SandboxError, match="never allowed"):
        check_allowed(name, [name])  # even when the configuration lists it


@pytest.mark.parametrize("name", ["ls", "git", "grep", "cat", "sort", "find", "wc", "diff", "sleep", "yes"])
def test_ordinary_programs_are_not_interpreters(name: str) -> None:
    assert not is_never_allowed(name)


def test_programs_outside_the_allow_list_are_refused() -> None:
    with pytest.raises(SandboxError, match=r"not in security\.allowed_commands"):
        check_allowed("rm", ["ls", "cat"])
    check_allowed("ls", ["ls", "cat"])


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("find", [".", "-exec", "rm", "{}", ";"]),
        ("find", [".", "-execdir", "sh", "-c", "id", ";"]),
        ("find", [".", "-ok", "rm", "{}", ";"]),
        ("find", [".", "-okdir", "rm", "{}", ";"]),
        ("find", [".", "-delete"]),
        ("find", [".", "-fprint", "out.txt"]),
        ("find", [".", "-fprintf", "out.txt", "%p"]),
        ("find", ["-L", "."]),
        ("git", ["-c", "alias.x=!id", "x"]),
        ("git", ["-c", "core.pager=id", "log"]),
        ("git", ["-C", "/", "status"]),
        ("git", ["--exec-path=/tmp", "status"]),
        ("git", ["config", "alias.x", "!id"]),
        ("git", ["x"]),
        ("git", ["push"]),
        ("git", ["commit", "-m", "x"]),
        ("git", ["checkout", "."]),
        ("git", ["fetch", "--upload-pack=touch /tmp/pwned", "origin"]),
        ("git", ["log", "--upload-pack=id"]),
        ("git", ["log", "--output=/tmp/out"]),
        ("git", ["diff", "--out=notes.txt"]),  # git accepts abbreviations of long options
        ("git", ["diff", "--ext-diff"]),
        ("git", ["show", "--textconv", "HEAD"]),
        ("git", ["log", "--show-signature"]),
        ("git", ["grep", "-O", "needle"]),
        ("git", ["grep", "--open-files-in-pager=vi", "needle"]),
        ("git", ["branch", "new-branch"]),
        ("git", ["branch", "-D", "main"]),
        ("git", ["branch", "--delete", "main"]),
        ("git", ["branch", "--set-upstream-to=origin/main"]),
        ("sort", ["--compress-program=sh", "a.txt"]),
        ("sort", ["--compress=sh", "a.txt"]),
        ("sort", ["-o", "out.txt", "a.txt"]),
        ("sort", ["-uo", "out.txt", "a.txt"]),
        ("tree", ["-o", "out.html"]),
        ("date", ["-s", "2020-01-01"]),
        ("uniq", ["in.txt", "out.txt"]),
        ("uniq", ["-f", "1", "in.txt", "out.txt"]),
        ("date", ["-us", "2020-01-01"]),
        ("tree", ["-fl"]),
        ("grep", ["-R", "x", "."]),
        ("file", ["-C"]),
        ("ls", ["a\x00b"]),
    ],
)
def test_arguments_that_execute_or_write_are_refused(command: str, args: list[str]) -> None:
    with pytest.raises(SandboxError):
        check_program_args(command, args)


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("find", [".", "-name", "*.py", "-type", "f"]),
        ("git", ["status", "--short"]),
        ("git", ["log", "--oneline", "-n", "5"]),
        ("git", ["log", "--output-indicator-new=+", "-p"]),
        ("git", ["diff", "HEAD~1..HEAD", "--", "src"]),
        ("git", ["diff", "-c"]),
        ("git", ["branch"]),
        ("git", ["branch", "-a", "-v"]),
        ("git", ["branch", "--list", "feat*"]),
        ("git", ["branch", "--contains", "HEAD"]),
        ("git", ["grep", "-n", "needle"]),
        ("git", ["rev-parse", "HEAD"]),
        ("sort", ["-u", "-k", "2", "a.txt"]),
        ("uniq", ["-c", "a.txt"]),
        ("uniq", ["-f", "1", "a.txt"]),
        ("sort", ["-to", "a.txt"]),  # -t takes "o" as its separator, not -o
        ("date", ["-Iseconds"]),
        ("date", ["+%s"]),
        ("tree", ["-L", "2", "-a"]),
        ("grep", ["-rn", "needle", "."]),
        ("echo", ["ls; rm -rf /", "$(id)", "`id`", "|", "&&"]),
    ],
)
def test_read_only_arguments_pass(command: str, args: list[str]) -> None:
    check_program_args(command, args)


def test_path_arguments_must_stay_inside_the_roots(sandbox: Sandbox) -> None:
    roots = sandbox_roots()
    (sandbox.root / "link").symlink_to(sandbox.outside / "secret.txt")
    (sandbox.root / "a.txt").write_text("a")
    for hostile in (["/etc/passwd"], ["../outside/secret.txt"], ["--file=/etc/passwd"], ["-f/etc/passwd"], ["link"]):
        with pytest.raises(SandboxError, match="outside the allowed roots"):
            check_path_args(hostile, sandbox.root, roots)
    with pytest.raises(SandboxError):
        check_path_args([str(sandbox.evil_sibling / "secret.txt")], sandbox.root, roots)
    sub = sandbox.root / "sub"
    sub.mkdir()
    check_path_args(["../a.txt", "a.txt", "-la", "HEAD~3..HEAD", "origin/main..HEAD", "-", "--stat"], sub, roots)


def test_search_path_drops_relative_folders_and_folders_inside_the_roots(sandbox: Sandbox) -> None:
    inside = sandbox.root / "bin"
    inside.mkdir()
    env_path = os.pathsep.join(["", ".", "bin", str(inside), "/usr/bin", "/bin", "/usr/bin"])
    assert search_path(env_path, sandbox_roots()) == ["/usr/bin", "/bin"]


def test_executables_inside_the_roots_or_disguised_interpreters_are_refused(sandbox: Sandbox) -> None:
    roots = sandbox_roots()
    planted = sandbox.root / "bin"
    planted.mkdir()
    (planted / "ls").write_text("#!/bin/sh\nid\n")
    (planted / "ls").chmod(0o755)
    with pytest.raises(SandboxError, match="inside the allowed roots"):
        resolve_executable("ls", [str(planted)], roots)
    disguise = sandbox.outside / "bin"
    disguise.mkdir()
    (disguise / "ls").symlink_to(shutil.which("bash") or "/bin/bash")
    with pytest.raises(SandboxError, match="shell or interpreter"):
        resolve_executable("ls", [str(disguise)], roots)
    with pytest.raises(SandboxError, match="not found"):
        resolve_executable("no-such-program-xyz", ["/usr/bin"], roots)
    assert resolve_executable("ls", ["/usr/bin", "/bin"], roots).name == "ls"


def test_git_runs_with_forced_safe_configuration() -> None:
    argv = build_argv(Path("/usr/bin/git"), "git", ["diff", "HEAD"])
    assert argv[:2] == ["/usr/bin/git", "--no-pager"]
    assert "core.fsmonitor=false" in argv and "safe.bareRepository=explicit" in argv
    assert argv[-5:] == ["diff", "--no-ext-diff", "--no-textconv", "--ignore-submodules=all", "HEAD"]
    assert build_argv(Path("/bin/ls"), "ls", ["-la"]) == ["/bin/ls", "-la"]


def test_child_environment_is_minimal(tmp_path: Path) -> None:
    env = child_environment(["/usr/bin", "/bin"], tmp_path)
    assert env["PATH"] == "/usr/bin:/bin" and env["HOME"] == str(tmp_path)
    assert not any(key.startswith(("TELEMETRYFLOW", "OPENAI", "ANTHROPIC", "AWS")) for key in env)


# --------------------------------------------------------------------------- execute_command through MCP


async def test_runs_an_allowed_command_in_the_root(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "hello.txt").write_text("hi\n")
    result = await call(sandbox_client, "execute_command", command="ls", args=["-1"])
    assert not result.is_error
    data = result.structured_content
    assert data["stdout"] == "hello.txt\n" and data["exit_code"] == 0 and data["timed_out"] is False
    assert data["working_dir"] == str(sandbox.root) and data["truncated"] is False
    assert isinstance(data["duration_ms"], int) and data["duration_ms"] >= 0


async def test_non_zero_exit_is_a_normal_result(sandbox: Sandbox, sandbox_client: Client) -> None:
    result = await call(sandbox_client, "execute_command", command="ls", args=["missing-file"])
    assert not result.is_error
    assert result.structured_content["exit_code"] == 2
    assert "missing-file" in result.structured_content["stderr"]


@pytest.mark.parametrize("command", SHELL_STRINGS)
async def test_shell_strings_are_refused_through_mcp(sandbox: Sandbox, sandbox_client: Client, command: str) -> None:
    assert "`args`" in error_text(await call(sandbox_client, "execute_command", command=command))


async def test_shell_syntax_in_args_is_plain_text(sandbox: Sandbox, sandbox_client: Client) -> None:
    hostile = ["a; touch pwned", "$(touch pwned)", "`touch pwned`", "| touch pwned", "&& touch pwned", "x\ntouch pwned"]
    result = await call(sandbox_client, "execute_command", command="echo", args=hostile)
    assert result.structured_content["stdout"] == " ".join(hostile) + "\n"
    assert not (sandbox.root / "pwned").exists()


@pytest.mark.parametrize(
    ("command", "args"),
    [("bash", ["-c", "id"]), ("python3", ["-c", "import os"]), ("env", ["sh", "-c", "id"]), ("sh", ["-c", "id"])],
)
async def test_interpreters_refused_even_when_configured(
    sandbox: Sandbox, sandbox_client: Client, command: str, args: list[str]
) -> None:
    sandbox.configure(allowed_commands=["ls", "bash", "python3", "env", "sh"])
    message = error_text(await call(sandbox_client, "execute_command", command=command, args=args))
    assert "never allowed" in message


async def test_find_exec_and_git_config_tricks_refused(sandbox: Sandbox, sandbox_client: Client) -> None:
    find = await call(sandbox_client, "execute_command", command="find", args=[".", "-exec", "touch", "pwned", ";"])
    assert "-exec" in error_text(find)
    alias = await call(sandbox_client, "execute_command", command="git", args=["-c", "alias.st=!touch pwned", "st"])
    assert "before the subcommand" in error_text(alias)
    config = await call(sandbox_client, "execute_command", command="git", args=["config", "alias.st", "!touch pwned"])
    assert "read-only subcommands" in error_text(config)
    assert not (sandbox.root / "pwned").exists()


async def test_git_read_only_subcommands_work(sandbox: Sandbox, sandbox_client: Client) -> None:
    _make_repo(sandbox.root)
    log = await call(sandbox_client, "execute_command", command="git", args=["log", "--oneline"])
    assert "first commit" in log.structured_content["stdout"]
    status = await call(sandbox_client, "execute_command", command="git", args=["status", "--short"])
    assert status.structured_content["stdout"].strip() == "M app.py"


async def test_repository_config_cannot_make_git_run_programs(sandbox: Sandbox, sandbox_client: Client) -> None:
    _make_repo(sandbox.root)
    marker = sandbox.outside / "ran"
    script = _marker_script(sandbox.outside, marker)
    _git(sandbox.root, "config", "core.fsmonitor", str(script))
    _git(sandbox.root, "config", "diff.external", str(script))
    for control in ("status", "diff"):  # control: plain git does run the configured programs
        _git(sandbox.root, control)
        assert marker.exists(), control
        marker.unlink()
    for args in (["status"], ["diff"], ["log", "-p"]):  # diff.external cannot be switched off: refused
        message = error_text(await call(sandbox_client, "execute_command", command="git", args=args))
        assert "diff.external" in message and "core.fsmonitor" not in message
    _git(sandbox.root, "config", "--unset", "diff.external")
    for args in (["status"], ["diff"], ["log", "-p"]):  # core.fsmonitor is forced off
        result = await call(sandbox_client, "execute_command", command="git", args=args)
        assert not result.is_error
    assert not marker.exists()


async def test_a_planted_bare_repository_is_not_used(sandbox: Sandbox, sandbox_client: Client) -> None:
    marker = sandbox.outside / "ran"
    script = _marker_script(sandbox.outside, marker)
    planted = {
        "bare/HEAD": "ref: refs/heads/main\n",
        "bare/config": f"[core]\n\tbare = true\n\tfsmonitor = {script}\n[log]\n\tshowSignature = true\n",
        "bare/objects/info/keep": "",
        "bare/refs/heads/keep": "",
    }
    for path, content in planted.items():
        written = await call(sandbox_client, "write_file", path=path, content=content, create_dirs=True)
        assert not written.is_error
    result = await call(sandbox_client, "execute_command", command="git", args=["log"], working_dir="bare")
    assert "cannot use bare repository" in result.structured_content["stderr"]
    assert not marker.exists()


async def test_long_output_is_capped_and_flagged(sandbox: Sandbox, sandbox_client: Client) -> None:
    sandbox.configure(max_command_output=1024)
    (sandbox.root / "big.txt").write_text("x" * 200_000)
    result = await call(sandbox_client, "execute_command", command="cat", args=["big.txt"])
    data = result.structured_content
    assert len(data["stdout"]) == 1024 and data["stdout_truncated"] is True and data["truncated"] is True
    assert data["exit_code"] == 0 and data["timed_out"] is False


async def test_runaway_process_is_killed_at_the_timeout(sandbox: Sandbox, sandbox_client: Client) -> None:
    sandbox.configure(allowed_commands=["sleep", "yes"], max_command_output=1024)
    started = time.monotonic()
    result = await call(sandbox_client, "execute_command", command="sleep", args=["31.337"], timeout=0.5)
    assert time.monotonic() - started < 5
    data = result.structured_content
    assert data["timed_out"] is True and data["exit_code"] == -9
    assert _processes_with("31.337") == []
    flood = await call(sandbox_client, "execute_command", command="yes", args=["runaway-yes-7"], timeout=0.5)
    assert flood.structured_content["timed_out"] is True and flood.structured_content["stdout_truncated"] is True
    assert len(flood.structured_content["stdout"]) == 1024
    assert _processes_with("runaway-yes-7") == []


async def test_timeout_never_exceeds_the_configured_maximum(sandbox: Sandbox, sandbox_client: Client) -> None:
    sandbox.configure(allowed_commands=["sleep"], command_timeout=0.5)
    started = time.monotonic()
    result = await call(sandbox_client, "execute_command", command="sleep", args=["32.5"], timeout=60)
    assert result.structured_content["timed_out"] is True and time.monotonic() - started < 5


async def test_working_dir_must_be_inside_the_roots(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "sub").mkdir()
    (sandbox.root / "escape").symlink_to(sandbox.outside, target_is_directory=True)
    inside = await call(sandbox_client, "execute_command", command="pwd", working_dir="sub")
    assert inside.structured_content["stdout"].strip() == str(sandbox.root / "sub")
    for hostile in (str(sandbox.outside), str(sandbox.evil_sibling), "..", "escape", "/"):
        message = error_text(await call(sandbox_client, "execute_command", command="ls", working_dir=hostile))
        assert "outside the allowed roots" in message or "symbolic link" in message
    assert "not an existing folder" in error_text(
        await call(sandbox_client, "execute_command", command="ls", working_dir="nope")
    )


async def test_path_arguments_outside_are_refused(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "link").symlink_to(sandbox.outside / "secret.txt")
    for args in (["/etc/passwd"], ["../outside/secret.txt"], [str(sandbox.evil_sibling / "secret.txt")], ["link"]):
        message = error_text(await call(sandbox_client, "execute_command", command="cat", args=args))
        assert "outside the allowed roots" in message and "secret\n" not in message


async def test_programs_planted_in_the_root_never_run(sandbox: Sandbox, sandbox_client: Client) -> None:
    sandbox.configure(allowed_commands=["ls", "evil"])
    (sandbox.root / "evil").write_text("#!/bin/sh\ntouch pwned\n")
    (sandbox.root / "evil").chmod(0o755)
    assert "is a path" in error_text(await call(sandbox_client, "execute_command", command="./evil"))
    assert "not found" in error_text(await call(sandbox_client, "execute_command", command="evil"))
    assert not (sandbox.root / "pwned").exists()


async def test_child_sees_no_server_secrets(
    sandbox: Sandbox, sandbox_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEMETRYFLOW_MCP_LLM__API_KEY", "sk-test-secret-should-not-leak")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-should-not-leak")
    sandbox.configure(allowed_commands=["printenv"])
    result = await call(sandbox_client, "execute_command", command="printenv")
    output = result.structured_content["stdout"]
    assert "should-not-leak" not in output
    names = {line.split("=", 1)[0] for line in output.splitlines()}
    assert {"PATH", "HOME", "LANG"} <= names and names <= set(child_environment([], Path("/")))
    home = next(line.split("=", 1)[1] for line in output.splitlines() if line.startswith("HOME="))
    assert home != os.environ.get("HOME") and not Path(home).exists()  # a private folder, removed after the run


async def test_execute_command_can_be_disabled(sandbox: Sandbox, sandbox_client: Client) -> None:
    sandbox.configure(enable_execute_command=False)
    message = error_text(await call(sandbox_client, "execute_command", command="ls"))
    assert "security.enable_execute_command=false" in message


async def test_not_allow_listed_program_is_refused(sandbox: Sandbox, sandbox_client: Client) -> None:
    (sandbox.root / "keep.txt").write_text("x")
    message = error_text(await call(sandbox_client, "execute_command", command="rm", args=["keep.txt"]))
    assert "not in security.allowed_commands" in message
    assert (sandbox.root / "keep.txt").exists()


# --------------------------------------------------------------------------- the runner itself


async def test_runner_kills_the_whole_process_group(tmp_path: Path) -> None:
    shell = shutil.which("sh") or "/bin/sh"
    script = "sleep 41.501 & sleep 41.502 & wait"
    outcome = await run_process([shell, "-c", script], tmp_path, {"PATH": "/usr/bin:/bin"}, 0.5, 1024)
    assert outcome.timed_out is True
    assert await _processes_after("41.50", present=False) == []


async def test_runner_kills_the_group_when_cancelled(tmp_path: Path) -> None:
    shell = shutil.which("sh") or "/bin/sh"
    task = asyncio.ensure_future(
        run_process([shell, "-c", "sleep 42.601 & wait"], tmp_path, {"PATH": "/usr/bin:/bin"}, 30, 1024)
    )
    assert await _processes_after("42.601", present=True) != []
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _processes_after("42.601", present=False) == []


async def test_runner_caps_stderr_separately(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import sys; sys.stderr.write('e' * 5000); print('ok')"]
    outcome = await run_process(argv, tmp_path, {}, 10, 1024)
    assert outcome.stdout == b"ok\n" and outcome.stdout_truncated is False
    assert outcome.stderr == b"e" * 1024 and outcome.stderr_truncated is True
