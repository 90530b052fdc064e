"""execute_command under kernel confinement (Landlock) and under argv rules only (TFO_MCP_CONFINEMENT=argv).

Every test runs real child processes under the real kernel: hostile commands through the MCP tool in both
modes, then the confinement module itself (any program, outside the tool's allow-list). The outside secret is
``outside/secret.txt`` (``outside secret``) from the sandbox fixture; the server's own secret is an environment
variable set in this process (the in-memory MCP client runs the server here, so its pid is ``os.getpid()``).
"""

from __future__ import annotations

import ctypes
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from fastmcp import Client

from tests.support.fixtures_sandbox import Sandbox, call, error_text
from tfo_mcp.config import DEFAULT_ALLOWED_COMMANDS
from tfo_mcp.sandbox import confinement
from tfo_mcp.sandbox.argv import check_git_args, check_program_args, git_ceiling, refused_git_keys
from tfo_mcp.sandbox.errors import SandboxError
from tfo_mcp.server import mcp

ABI = confinement.abi_version()
needs_landlock = pytest.mark.skipif(ABI < 1, reason="the kernel has no Landlock (a failure in strict mode)")
SECRET = "outside secret"
WRITERS = ["cp", "touch", "mkdir"]


@pytest.fixture(params=[pytest.param("landlock", marks=needs_landlock), "argv"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with Landlock required, then with argv rules only."""
    monkeypatch.setenv(confinement.MODE_ENV, request.param)
    return str(request.param)


async def run(client: Client, command: str, *args: str, working_dir: str | None = None) -> tuple[bool, str]:
    """(refused, every text the caller gets back: stdout and stderr, or the error message)."""
    arguments: dict[str, object] = {"command": command, "args": list(args)}
    if working_dir is not None:
        arguments["working_dir"] = working_dir
    result = await call(client, "execute_command", **arguments)
    if result.is_error:
        return True, error_text(result)
    return False, result.structured_content["stdout"] + result.structured_content["stderr"]


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Plain git, outside the sandbox (to build repositories and for control runs)."""
    env = {"PATH": os.environ["PATH"], "HOME": str(repo), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "protocol.file.allow=always"]
    done = subprocess.run(["git", *identity, *args], cwd=repo, env=env, capture_output=True, text=True, check=False)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def make_repo(repo: Path, message: str = "first commit") -> None:
    repo.mkdir(parents=True, exist_ok=True)
    (repo / "app.py").write_text("print('v1')\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "app.py")
    git(repo, "commit", "-q", "-m", message)
    (repo / "app.py").write_text("print('v2')\n")


def marker_script(folder: Path, marker: Path) -> Path:
    script = folder / "run-me.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\ncat\n")
    script.chmod(0o755)
    return script


# --------------------------------------------------------------------------- hostile commands through the tool


@pytest.mark.parametrize(
    "args",
    [
        ["du", "--files0-from=list"],
        ["du", "--files0-from", "list"],
        ["du", "--files0=list"],  # GNU abbreviation
        ["wc", "--files0-from=list"],
        ["sort", "--files0-from=list"],
        ["file", "-f", "list"],
        ["file", "--files-from", "list"],
        ["file", "-m", "x:/etc/passwd", "app.py"],
        ["find", "-files0-from", "list"],
        ["git", "ls-files", "--pathspec-from-file=list"],
        ["tree", "--fromfile", "list"],
        ["ls", "-lL"],
        ["ls", "--dereference", "-l"],
        ["du", "-L", "."],
        ["du", "-aD", "linkdir"],
        ["stat", "-L", "app.py"],
        ["file", "-L", "app.py"],
        ["grep", "-R", "secret", "."],
        ["grep", "--dereference-rec", "secret", "."],
        ["find", "-L", "."],
        ["find", ".", "-follow"],
    ],
)
async def test_options_that_read_names_from_a_file_or_follow_links_are_refused(
    sandbox: Sandbox, sandbox_client: Client, mode: str, args: list[str]
) -> None:
    sandbox.configure(allowed_commands=[*DEFAULT_ALLOWED_COMMANDS, "cp"])
    (sandbox.root / "app.py").write_text("print(1)\n")
    (sandbox.root / "list").write_text(f"{sandbox.outside / 'secret.txt'}\0")
    (sandbox.root / "link").symlink_to(sandbox.outside / "secret.txt")
    (sandbox.root / "linkdir").symlink_to(sandbox.outside, target_is_directory=True)
    refused, text = await run(sandbox_client, args[0], *args[1:])
    assert refused, text
    assert SECRET not in text and "not in security.allowed_commands" not in text


async def test_kernel_refuses_what_recursion_finds_through_a_symlink(
    sandbox: Sandbox, sandbox_client: Client, mode: str
) -> None:
    """diff -r follows symbolic links: the kernel (or, without it, --no-dereference) keeps the target closed."""
    for side, content in (("left", None), ("right", "other text\n")):
        (sandbox.root / side).mkdir()
        if content is None:
            (sandbox.root / side / "secret.txt").symlink_to(sandbox.outside / "secret.txt")
        else:
            (sandbox.root / side / "secret.txt").write_text(content)
    control = subprocess.run(["diff", "-r", "left", "right"], cwd=sandbox.root, capture_output=True, text=True)
    assert SECRET in control.stdout  # plain diff -r reads the outside file
    refused, text = await run(sandbox_client, "diff", "-r", "left", "right")
    assert not refused and SECRET not in text
    assert ("Permission denied" in text) if mode == "landlock" else ("symbolic link" in text)


@pytest.mark.parametrize("confine", [pytest.param("landlock", marks=needs_landlock), "argv"])
def test_the_server_environment_and_memory_are_unreachable(tmp_path: Path, confine: str) -> None:
    """A real server process with an API key in its environment; every spelling of its /proc files."""
    from tests.support.mcp_process import StdioServer

    secret = f"sk-server-secret-{uuid.uuid4().hex}"
    root = (tmp_path / "root").resolve()
    root.mkdir()
    env = {
        "ANTHROPIC_API_KEY": secret, confinement.MODE_ENV: confine, "XDG_DATA_HOME": str(tmp_path / "data"),
        "TELEMETRYFLOW_MCP_SECURITY__ALLOWED_ROOTS": json.dumps([str(root)]),
    }  # fmt: skip
    server = StdioServer(root, env=env)
    try:
        server.initialize()
        pid = server.proc.pid
        environ = f"/proc/{pid}/environ"
        assert secret in Path(environ).read_bytes().decode(errors="replace")  # control: the secret is there
        (root / "env").symlink_to(environ)
        (root / "procdir").symlink_to(f"/proc/{pid}", target_is_directory=True)
        for side in ("left", "right"):
            (root / side).mkdir()
        (root / "left" / "environ").symlink_to(environ)
        (root / "right" / "environ").write_text("nothing\n")
        (root / "list").write_text(f"{environ}\0")
        attempts = [
            ["cat", environ],
            ["cat", f"/proc/self/../{pid}/environ"],
            ["cat", f"/proc/thread-self/../../{pid}/environ"],
            ["cat", f"/proc/self/root/proc/{pid}/environ"],
            ["cat", "env"],
            ["cat", "procdir/environ"],
            ["head", "-c", "1000000", f"/proc/{pid}/mem"],
            ["grep", "-a", "-r", "sk-server", f"/proc/{pid}"],
            ["grep", "-a", "-r", "sk-server", "procdir/"],
            ["tail", "-c", "+1", "./env"],
            ["sort", "--files0-from=list"],
            ["wc", "--files0-from=list"],
            ["diff", "-r", "left", "right"],
            ["diff", "-a", "--text", "left/environ", "right/environ"],
            ["grep", "-a", "-r", "sk-server", "left"],
            ["git", "grep", "--no-index", "-a", "sk-server"],
            ["find", ".", "-name", "environ", "-size", "+0"],
        ]
        texts = []
        for number, args in enumerate(attempts):
            params = {"name": "execute_command", "arguments": {"command": args[0], "args": args[1:]}}
            response = server.request("tools/call", params, timeout=120)
            assert "result" in response, (args, response)
            texts.append(json.dumps(response))
            assert "sk-server-secret" not in texts[-1], (number, args)
        assert secret not in "".join(texts) + "".join(server.stdout_lines)
        assert any("Permission denied" in text or "outside the allowed roots" in text for text in texts)
    finally:
        server.stop()


@pytest.mark.parametrize("writer", [["touch", "new.txt"], ["cp", "seed.txt", "copy.txt"], ["mkdir", "newdir"]])
async def test_writes_are_refused_when_writing_is_disabled(
    sandbox: Sandbox, sandbox_client: Client, mode: str, writer: list[str]
) -> None:
    (sandbox.root / "seed.txt").write_text("seed\n")
    target = sandbox.root / writer[-1]
    sandbox.configure(allowed_commands=[*DEFAULT_ALLOWED_COMMANDS, *WRITERS], enable_write=False)
    refused, text = await run(sandbox_client, *writer)
    assert not target.exists()
    if mode == "landlock":  # the program ran, the kernel refused the write
        assert not refused and "Permission denied" in text, text
    else:
        assert refused and "security.enable_write is false" in text
    sandbox.configure(allowed_commands=[*DEFAULT_ALLOWED_COMMANDS, *WRITERS], enable_write=True)
    refused, text = await run(sandbox_client, *writer)
    assert not refused and target.exists(), text


async def test_git_never_discovers_a_repository_above_the_roots(
    sandbox: Sandbox, sandbox_client: Client, mode: str
) -> None:
    base = sandbox.root.parent  # the roots' parent is itself a repository with a secret commit
    (base / "notes.txt").write_text("outer\n")
    git(base, "init", "-q", "-b", "main")
    git(base, "add", "notes.txt")
    git(base, "commit", "-q", "-m", "outer-secret-commit")
    assert "outer-secret-commit" in git(sandbox.root, "log", "--oneline").stdout  # control: plain git finds it
    for args in (["log", "--oneline"], ["status"], ["show", "HEAD:notes.txt"], ["ls-files", "--", "../notes.txt"]):
        _, text = await run(sandbox_client, "git", *args)
        assert "outer-secret-commit" not in text and "outer\n" not in text, (args, text)
    assert git_ceiling(sandbox.root / "sub", [sandbox.root]) == str(base)


async def test_git_pathspec_magic_and_paths_above_the_repository_are_refused(
    sandbox: Sandbox, sandbox_client: Client, mode: str
) -> None:
    make_repo(sandbox.root / "repo")
    (sandbox.root / "repo" / "sub").mkdir()
    for args in (
        ["show", "HEAD:../secret.txt"],
        ["show", "HEAD:/etc/passwd"],
        ["show", ":../x"],
        ["show", ":0:../x"],
        ["ls-files", ":(top)"],
        ["ls-files", "--", ":(top,glob)*"],
        ["log", "--", ":/"],
        ["grep", "-e", "x", "--", ":(top)app.py"],
        ["show", ":/first"],
    ):
        refused, text = await run(sandbox_client, "git", *args, working_dir="repo/sub")
        assert refused and ("pathspec magic" in text or "inside the repository" in text), (args, text)
    for args, expected in (
        (["show", "HEAD:app.py"], "v1"),
        (["show", "HEAD:./app.py"], None),
        (["grep", "-n", "print", "--", ":!nothing"], "app.py"),
        (["log", "--format=%h:%s"], "first commit"),
        (["log", "--grep", "first", "--oneline"], "first commit"),
    ):
        refused, text = await run(sandbox_client, "git", *args, working_dir="repo")
        assert not refused and (expected is None or expected in text), (args, text)


@pytest.mark.parametrize(
    ("keys", "attributes"),
    [
        ({"filter.x.clean": "{script}", "filter.x.smudge": "{script}"}, "* filter=x\n"),
        ({"filter.x.process": "{script}"}, "* filter=x\n"),
        ({"diff.x.textconv": "{script}"}, "*.py diff=x\n"),
        ({"diff.x.command": "{script}"}, "*.py diff=x\n"),
        ({"diff.external": "{script}"}, ""),
        ({"core.worktree": "{outside}"}, ""),
    ],
)
async def test_repository_config_keys_that_run_programs_refuse_git(
    sandbox: Sandbox, sandbox_client: Client, mode: str, keys: dict[str, str], attributes: str
) -> None:
    make_repo(sandbox.root)
    marker = sandbox.outside / "ran"
    script = marker_script(sandbox.outside, marker)
    if attributes:
        (sandbox.root / ".gitattributes").write_text(attributes)
    for key, value in keys.items():
        git(sandbox.root, "config", key, value.format(script=script, outside=sandbox.outside))
    for args in (["status"], ["diff"], ["log", "-p"], ["show"], ["grep", "-n", "print"], ["blame", "app.py"]):
        refused, text = await run(sandbox_client, "git", *args)
        assert refused and any(key in text for key in keys), (args, text)
    assert not marker.exists()


async def test_config_a_repository_includes_from_outside_is_refused_or_unreadable(
    sandbox: Sandbox, sandbox_client: Client, mode: str
) -> None:
    make_repo(sandbox.root)
    marker = sandbox.outside / "ran"
    script = marker_script(sandbox.outside, marker)
    (sandbox.outside / "included").write_text(f"[diff]\n\texternal = {script}\n")
    git(sandbox.root, "config", "include.path", str(sandbox.outside / "included"))
    git(sandbox.root, "diff")
    assert marker.exists()  # control: plain git runs the included diff.external
    marker.unlink()
    refused, text = await run(sandbox_client, "git", "diff")
    assert not marker.exists()
    if mode == "argv":
        assert refused and "diff.external" in text
    else:  # the confined probe cannot read the outside file: git does not run, or runs without it
        assert refused or "v2" in text


async def test_forced_configuration_neutralises_pagers_hooks_fsmonitor_and_signature_programs(
    sandbox: Sandbox, sandbox_client: Client, mode: str
) -> None:
    make_repo(sandbox.root)
    marker = sandbox.outside / "ran"
    script = marker_script(sandbox.outside, marker)
    tree = git(sandbox.root, "rev-parse", "HEAD^{tree}").stdout.strip()
    signed = (
        f"tree {tree}\nauthor a <a@b> 1700000000 +0000\ncommitter a <a@b> 1700000000 +0000\n"
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\nsigned commit\n"
    )
    (sandbox.outside / "commit").write_text(signed)
    commit = git(sandbox.root, "hash-object", "-t", "commit", "-w", str(sandbox.outside / "commit")).stdout.strip()
    git(sandbox.root, "update-ref", "refs/heads/main", commit)
    hooks = sandbox.outside / "hooks"
    hooks.mkdir()
    for hook in ("post-index-change", "reference-transaction", "post-checkout"):
        shutil.copy(script, hooks / hook)
    settings = {
        "core.pager": str(script), "pager.log": str(script), "core.fsmonitor": str(script),
        "core.hooksPath": str(hooks), "gpg.program": str(script), "gpg.format": "openpgp",
        "core.sshCommand": str(script), "credential.helper": str(script),
    }  # fmt: skip
    for key, value in settings.items():
        git(sandbox.root, "config", key, value)
    git(sandbox.root, "log", "--format=%G? %s", "-1")
    assert marker.exists()  # control: plain git runs gpg.program to verify the signature
    marker.unlink()
    for args in (["log", "--format=%G? %s"], ["log", "--show-signature"], ["status"], ["show", "HEAD"]):
        await run(sandbox_client, "git", *args)
    refused, text = await run(sandbox_client, "git", "log", "--format=%G? %s")
    assert not refused and "signed commit" in text
    assert not marker.exists()


async def test_a_submodule_config_cannot_run_programs(sandbox: Sandbox, sandbox_client: Client, mode: str) -> None:
    inner, outer = sandbox.root / "inner", sandbox.root / "outer"
    make_repo(inner)
    (inner / ".gitattributes").write_text("* filter=x\n")
    git(inner, "add", ".gitattributes", "app.py")
    git(inner, "commit", "-q", "-m", "attributes")
    make_repo(outer)
    git(outer, "submodule", "add", "-q", str(inner), "inner")
    git(outer, "commit", "-q", "-m", "submodule")
    marker = sandbox.outside / "ran"
    script = marker_script(sandbox.outside, marker)
    git(outer / "inner", "config", "filter.x.clean", str(script))
    git(outer, "config", "submodule.inner.ignore", "none")
    os.utime(outer / "inner" / "app.py", (1, 1))
    git(outer, "status")
    assert marker.exists()  # control: plain git status runs the submodule's clean filter
    marker.unlink()
    for args in (["status"], ["diff"], ["diff", "--submodule=diff"], ["log", "-p", "-1"], ["show"]):
        os.utime(outer / "inner" / "app.py", (2, 2))
        refused, text = await run(sandbox_client, "git", *args, working_dir="outer")
        assert not refused, (args, text)
    refused, text = await run(sandbox_client, "git", "status", "--ignore-submodules=none", working_dir="outer")
    assert refused and "submodules are always ignored" in text
    assert not marker.exists()


async def test_a_git_file_pointing_outside_the_roots_is_not_used(
    sandbox: Sandbox, sandbox_client: Client, mode: str
) -> None:
    make_repo(sandbox.outside / "repo", message="outside-repo-secret")
    (sandbox.root / ".git").write_text(f"gitdir: {sandbox.outside / 'repo' / '.git'}\n")
    assert "outside-repo-secret" in git(sandbox.root, "log").stdout  # control: plain git follows the .git file
    for args in (["log"], ["show", "HEAD"], ["status"], ["grep", "-n", "print", "HEAD"]):
        refused, text = await run(sandbox_client, "git", *args)
        assert "outside-repo-secret" not in text and "print('v1')" not in text, (args, text)
    refused, text = await run(sandbox_client, "git", "log")
    assert refused and ("outside the allowed roots" in text or "could not be read" in text), text


def _program_cases() -> list[tuple[str, list[str], str]]:
    cases = [
        ("ls", ["-la"], "hello.txt"),
        ("cat", ["hello.txt"], "hello world"),
        ("head", ["-n", "1", "lines.txt"], "b"),
        ("tail", ["-n", "1", "lines.txt"], "c"),
        ("wc", ["-l", "lines.txt"], "4 lines.txt"),
        ("grep", ["-rn", "needle", "."], "sub/code.py:1:needle"),
        ("find", [".", "-name", "*.py", "-type", "f"], "./sub/code.py"),
        ("stat", ["-c", "%s %U", "hello.txt"], "12 "),
        ("file", ["hello.txt", "sub"], "ASCII text"),
        ("du", ["-s", "."], "."),
        ("df", ["."], "Filesystem"),
        ("df", [], "Filesystem"),
        ("pwd", [], "allowed"),
        ("echo", ["a", "b"], "a b"),
        ("date", ["+%Y"], "20"),
        ("uname", ["-s"], "Linux"),
        ("whoami", [], pwd.getpwuid(os.geteuid()).pw_name),
        ("sort", ["-u", "lines.txt"], "a\nb\nc"),
        ("uniq", ["-c", "lines.txt"], "1 b"),
        ("cut", ["-c", "1-5", "hello.txt"], "hello"),
        ("diff", ["hello.txt", "lines.txt"], "< hello world"),
        ("diff", ["-r", "sub", "sub2"], "Only in"),
        ("git", ["status", "--short"], "M app.py"),
        ("git", ["log", "--oneline"], "first commit"),
        ("git", ["diff"], "+print('v2')"),
        ("git", ["show", "HEAD"], "first commit"),
        ("git", ["grep", "-n", "print"], "app.py:1:print"),
        ("git", ["blame", "app.py"], "Not Committed Yet"),
        ("git", ["ls-files"], "app.py"),
        ("git", ["branch", "-a"], "main"),
        ("git", ["rev-parse", "--show-toplevel"], "allowed"),
        ("git", ["ls-tree", "HEAD"], "app.py"),
        ("git", ["shortlog", "-s", "HEAD"], "Test"),
        ("git", ["describe", "--always"], ""),
    ]
    if shutil.which("tree"):  # not installed everywhere: tested where it is, never skipped
        cases.append(("tree", ["-a", "sub"], "code.py"))
    return cases


@pytest.mark.parametrize(("command", "args", "expected"), _program_cases())
async def test_every_default_program_still_works_inside_the_roots(
    sandbox: Sandbox, sandbox_client: Client, mode: str, command: str, args: list[str], expected: str
) -> None:
    make_repo(sandbox.root)
    (sandbox.root / "hello.txt").write_text("hello world\n")
    (sandbox.root / "lines.txt").write_text("b\na\nc\nc\n")
    (sandbox.root / "sub").mkdir()
    (sandbox.root / "sub" / "code.py").write_text("needle\n")
    (sandbox.root / "sub2").mkdir()
    result = await call(sandbox_client, "execute_command", command=command, args=args)
    assert not result.is_error, error_text(result)
    data = result.structured_content
    assert data["exit_code"] in ((1,) if command == "diff" else (0,)), data
    assert expected in data["stdout"], data


@needs_landlock
@pytest.mark.parametrize("command", [["touch", "pwned"], ["df", "."]])  # a confined thread; the child's preexec
async def test_a_failing_confinement_means_the_program_never_runs(
    sandbox: Sandbox, sandbox_client: Client, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """landlock_restrict_self fails for real (a /dev/null fd is no ruleset): the program never runs."""
    monkeypatch.setenv(confinement.MODE_ENV, "landlock")
    sandbox.configure(allowed_commands=["touch", "df"])
    prepare = confinement.Ruleset._prepare_child_calls
    not_a_ruleset = os.open(os.devnull, os.O_RDONLY)

    def sabotaged(self: confinement.Ruleset, proc_self: tuple[str, ...]) -> None:
        prepare(self, proc_self)
        self._restrict_args = (ctypes.c_long(446), ctypes.c_int(not_a_ruleset), ctypes.c_uint32(0))

    monkeypatch.setattr(confinement.Ruleset, "_prepare_child_calls", sabotaged)
    try:
        message = error_text(await call(sandbox_client, "execute_command", command=command[0], args=command[1:]))
    finally:
        os.close(not_a_ruleset)
    assert "was not run" in message and "confinement" in message, message
    assert not (sandbox.root / "pwned").exists()


async def test_landlock_required_but_missing_refuses_every_command(
    sandbox: Sandbox, sandbox_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(confinement, "abi_version", lambda: 0)
    monkeypatch.setenv(confinement.MODE_ENV, "landlock")
    assert confinement.current().refused
    message = error_text(await call(sandbox_client, "execute_command", command="echo", args=["hi"]))
    assert "execute_command is refused" in message and "TFO_MCP_CONFINEMENT=landlock" in message
    monkeypatch.setenv(confinement.MODE_ENV, "auto")  # auto falls back to argv rules only, and says so
    assert confinement.current().describe().startswith("argv rules only (")
    result = await call(sandbox_client, "execute_command", command="echo", args=["hi"])
    assert result.structured_content["stdout"] == "hi\n"
    monkeypatch.setenv(confinement.MODE_ENV, "sandbox-please")
    assert "is not one of auto, landlock, argv" in error_text(
        await call(sandbox_client, "execute_command", command="ls")
    )


async def test_health_reports_the_confinement(monkeypatch: pytest.MonkeyPatch) -> None:
    async with Client(mcp) as client:
        body = json.loads((await client.read_resource("status://health"))[0].text)
        monkeypatch.setenv(confinement.MODE_ENV, "argv")
        forced = json.loads((await client.read_resource("status://health"))[0].text)
    expected = f"landlock ABI {ABI}" if ABI else "argv rules only ("
    assert body["confinement"]["commands"].startswith(expected)
    assert forced["confinement"] == {"commands": "argv rules only (TFO_MCP_CONFINEMENT=argv)"}


def test_doctor_prints_the_confinement_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEMETRYFLOW_MCP_")}
    env.update({"XDG_DATA_HOME": str(tmp_path / "data"), confinement.MODE_ENV: "argv"})
    done = subprocess.run(
        [sys.executable, "-m", "tfo_mcp", "doctor"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warn  confinement commands: argv rules only (TFO_MCP_CONFINEMENT=argv)" in done.stdout.splitlines()


# --------------------------------------------------------------------------- pure policy additions


@pytest.mark.parametrize(
    "args",
    [["show", "HEAD:../x"], ["show", "HEAD:/abs"], ["ls-files", ":(top)"], ["log", "--", ":/"], ["show", ":1:../a"]],
)
def test_git_paths_above_the_repository_are_refused(args: list[str]) -> None:
    with pytest.raises(SandboxError):
        check_git_args(args)


@pytest.mark.parametrize(
    "args",
    [
        ["show", "HEAD:a/b.py"],
        ["log", "HEAD~3..HEAD"],
        ["grep", "a:/b"],
        ["log", "--author", "x:/y"],
        ["log", "--", ":!x"],
    ],
)
def test_git_ordinary_revisions_and_patterns_pass(args: list[str]) -> None:
    check_git_args(args)


def test_git_argv_only_refusals() -> None:
    for args in (["diff", "--no-index", "a", "b"], ["describe", "--dirty"], ["describe", "--broken"]):
        check_program_args("git", args)  # with the kernel confinement: allowed
        with pytest.raises(SandboxError, match="argv rules only"):
            check_program_args("git", args, argv_only=True)


def test_refused_git_keys_come_from_the_repository_not_the_command_line() -> None:
    listing = b"\0".join(
        [b"command", b"core.fsmonitor", b"command", b"diff.external", b"local", b"filter.Big.Files.clean",
         b"local", b"core.hookspath", b"local", b"diff.x.textconv", b"worktree", b"core.worktree",
         b"local", b"protocol.file.allow", b"local", b"alias.st", b"local", b"diff.externalx", b""]
    )  # fmt: skip
    assert refused_git_keys(listing) == ["filter.Big.Files.clean", "diff.x.textconv", "core.worktree"]
    assert refused_git_keys(listing, argv_only=True)[-1] == "protocol.file.allow"


# --------------------------------------------------------------------------- the confinement module itself


def confined_run(
    argv: list[str], cwd: Path, roots: list[Path], *, writable: bool = False, extra_read: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run any program under the command policy (the tool's allow-list is a separate layer)."""
    executable = shutil.which(argv[0]) or argv[0]
    policy = confinement.command_policy(roots, writable=writable, executable=executable, extra_read=extra_read)
    with confinement.Ruleset(policy) as ruleset:
        return subprocess.run(
            [executable, *argv[1:]], cwd=cwd, preexec_fn=ruleset.preexec(), capture_output=True, text=True,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, stdin=subprocess.DEVNULL, timeout=120,
        )  # fmt: skip


def confined_python(code: str, cwd: Path, roots: list[Path], **options: bool) -> subprocess.CompletedProcess[str]:
    python = os.path.realpath(sys.executable)
    return confined_run([python, "-I", "-S", "-c", code], cwd, roots, extra_read=(sys.base_prefix,), **options)


@needs_landlock
def test_the_kernel_refuses_reads_outside_the_policy(sandbox: Sandbox) -> None:
    root = sandbox.root
    (root / "inside.txt").write_text("inside text\n")
    (root / "link").symlink_to(sandbox.outside / "secret.txt")
    (root / "list").write_text(f"{sandbox.outside / 'secret.txt'}\0inside.txt\0")
    assert "inside text" in confined_run(["cat", "inside.txt"], root, [root]).stdout
    for argv in (
        ["cat", "link"],
        ["cat", str(sandbox.outside / "secret.txt")],
        ["cat", f"/proc/self/root{sandbox.outside / 'secret.txt'}"],
        ["sort", "--files0-from=list"],
        ["grep", "-R", "secret", "."],
        ["cat", "/etc/shadow"],  # readable by root without the confinement (the tests may run as root)
    ):
        done = confined_run(argv, root, [root])
        assert SECRET not in done.stdout + done.stderr and "root:" not in done.stdout, argv
        assert "Permission denied" in done.stderr, (argv, done.stderr)
    (root / "list").write_text("inside.txt\0")
    assert "inside text" in confined_run(["sort", "--files0-from=list"], root, [root]).stdout


@needs_landlock
def test_proc_stays_closed_even_when_a_root_contains_it(sandbox: Sandbox) -> None:
    """With / as a root, /proc is still not granted (Landlock's ptrace scoping alone lets a child read its
    parent's environ and maps on Linux 6.18): this process's real environment never reaches the child."""
    pid = os.getpid()
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    marker = max(entries, key=len).decode(errors="replace")  # e.g. PATH=... as this process was started
    assert len(marker) > 8
    for name in ("environ", "mem", "maps", "cmdline", "status", "fd/0", "root/etc/hostname"):
        done = confined_run(["cat", f"/proc/{pid}/{name}"], sandbox.root, [Path("/")])
        assert done.returncode != 0 and marker not in done.stdout, name
    for argv in (["cat", "/proc/self/environ"], ["grep", "-ra", marker[:20], f"/proc/{pid}/"]):
        done = confined_run(argv, sandbox.root, [Path("/")])
        assert marker not in done.stdout + done.stderr
    outside = confined_run(["cat", str(sandbox.outside / "secret.txt")], sandbox.root, [Path("/")])
    assert SECRET in outside.stdout  # / is a root: everything else is readable
    code = f"import ctypes; c = ctypes.CDLL(None, use_errno=True); print(c.ptrace(16, {pid}, 0, 0), ctypes.get_errno())"
    assert confined_python(code, sandbox.root, [sandbox.root]).stdout.split() == ["-1", "1"]  # PTRACE_ATTACH: EPERM


@needs_landlock
def test_writes_need_a_writable_root_and_never_leave_it(sandbox: Sandbox) -> None:
    root = sandbox.root
    code = (
        "import os, sys\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        open(path, 'w').write('x'); print('wrote', path)\n"
        "    except OSError as exc: print('refused', path, exc.errno)\n"
        f"try: os.link({str(sandbox.outside / 'secret.txt')!r}, 'hard'); print('linked')\n"
        "except OSError as exc: print('link refused', exc.errno)\n"
        "try: os.mknod('node', 0o600 | 0o60000, os.makedev(8, 0)); print('mknod')\n"
        "except OSError as exc: print('mknod refused', exc.errno)\n"
    )
    python = os.path.realpath(sys.executable)
    targets = [str(root / "new.txt"), str(sandbox.outside / "new.txt"), "/tmp/tfo-confinement-probe.txt"]
    for writable in (False, True):
        policy = confinement.command_policy([root], writable=writable, executable=python, extra_read=[sys.base_prefix])
        with confinement.Ruleset(policy) as ruleset:
            done = subprocess.run(
                [python, "-I", "-S", "-c", code, *targets], cwd=root, preexec_fn=ruleset.preexec(),
                capture_output=True, text=True, timeout=120,
            )  # fmt: skip
        lines = done.stdout.splitlines()
        assert lines[0] == (f"wrote {targets[0]}" if writable else f"refused {targets[0]} 13"), done
        assert lines[1:3] == [f"refused {targets[1]} 13", f"refused {targets[2]} 13"], done
        assert lines[3].startswith("link refused") and lines[4].startswith("mknod refused"), done
    assert not (sandbox.outside / "new.txt").exists() and not (root / "hard").exists()


@needs_landlock
def test_no_tcp_no_exec_and_scoped_signals_and_abstract_sockets(sandbox: Sandbox) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(f"\0tfo-confinement-{uuid.uuid4().hex}")
    abstract.listen()
    code = (
        "import os, socket, subprocess\n"
        "def attempt(name, action):\n"
        "    try: action(); print(name, 'allowed')\n"
        "    except OSError as exc: print(name, 'refused', exc.errno)\n"
        f"attempt('connect', lambda: socket.create_connection(('127.0.0.1', {listener.getsockname()[1]}), 30))\n"
        "attempt('bind', lambda: socket.socket().bind(('127.0.0.1', 0)))\n"
        "attempt('exec', lambda: subprocess.run(['/bin/true']))\n"
        f"attempt('signal', lambda: os.kill({os.getpid()}, 0))\n"
        f"attempt('abstract', lambda: socket.socket(socket.AF_UNIX).connect({abstract.getsockname()!r}))\n"
    )
    try:
        done = confined_python(code, sandbox.root, [sandbox.root])
    finally:
        listener.close()
        abstract.close()
    outcome = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert outcome["exec"] == "refused 13", done
    assert outcome["connect"] == ("refused 13" if ABI >= 4 else "allowed"), done
    assert outcome["bind"] == ("refused 13" if ABI >= 4 else "allowed"), done
    assert outcome["signal"] == ("refused 1" if ABI >= 6 else "allowed"), done
    assert outcome["abstract"] == ("refused 1" if ABI >= 6 else "allowed"), done


@needs_landlock
def test_the_ruleset_handles_every_right_the_abi_knows(sandbox: Sandbox) -> None:
    policy = confinement.command_policy([sandbox.root], writable=True, executable=shutil.which("ls") or "/bin/ls")
    with confinement.Ruleset(policy) as ruleset:
        assert ruleset.handled_fs == confinement.handled_fs(ABI)
        assert ruleset.handled_net == confinement.handled_net(ABI) and ruleset.scoped == confinement.handled_scopes(ABI)
        granted = dict(ruleset.granted)
    executable = os.path.realpath(shutil.which("ls") or "/bin/ls")
    assert granted[executable] & confinement.FS_EXECUTE
    assert [path for path, rights in granted.items() if rights & confinement.FS_EXECUTE] == [
        executable, os.path.realpath(confinement.elf_interpreter(executable) or executable)
    ]  # fmt: skip
    assert granted[str(sandbox.root)] & confinement.FS_WRITE_FILE and not granted[str(sandbox.root)] & (
        confinement.FS_MAKE_CHAR | confinement.FS_MAKE_BLOCK | confinement.FS_EXECUTE | confinement.FS_IOCTL_DEV
    )
    assert not any(path == "/proc" or path.startswith(("/proc/", "/etc/shadow")) for path in granted)
    assert "/etc" not in granted and "/root" not in granted and "/home" not in granted


def test_rights_by_abi() -> None:
    assert confinement.handled_fs(1) == (1 << 13) - 1 and not confinement.handled_fs(1) & confinement.FS_REFER
    assert confinement.handled_fs(2) & confinement.FS_REFER and not confinement.handled_fs(2) & confinement.FS_TRUNCATE
    assert (
        confinement.handled_fs(3) & confinement.FS_TRUNCATE and not confinement.handled_fs(4) & confinement.FS_IOCTL_DEV
    )
    assert confinement.handled_fs(5) & confinement.FS_IOCTL_DEV and confinement.handled_fs(7) == (1 << 16) - 1
    assert confinement.handled_net(3) == 0 and confinement.handled_net(4) == 3
    assert confinement.handled_scopes(5) == 0 and confinement.handled_scopes(6) == 3
    assert [confinement.ruleset_attr_size(abi) for abi in (1, 3, 4, 5, 6, 7)] == [8, 8, 16, 16, 24, 24]


def test_roots_around_pseudo_file_systems_are_split(tmp_path: Path) -> None:
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "file").write_text("x")
    (tmp_path / "mnt" / "proc").mkdir(parents=True)
    (tmp_path / "mnt" / "data").mkdir()
    (tmp_path / "escape").symlink_to(tmp_path / "mnt" / "proc")
    excluded = [str(tmp_path / "mnt" / "proc")]
    assert confinement.split_root(str(tmp_path), excluded) == [str(tmp_path / "keep"), str(tmp_path / "mnt" / "data")]
    assert confinement.split_root(str(tmp_path / "keep"), excluded) == [str(tmp_path / "keep")]
    assert confinement.split_root(str(tmp_path / "mnt" / "proc" / "1"), excluded) == []
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(
        "22 1 0:5 / /proc rw,nosuid - proc proc rw\n"
        "23 1 0:6 / /with\\040space/proc rw - proc proc rw\n"
        "24 1 8:1 / /data rw - ext4 /dev/sda1 rw\n"
    )
    found = confinement.excluded_mounts(str(mountinfo))
    assert "/with space/proc" in found and "/data" not in found and "/sys" in found


def test_elf_interpreter_of_programs_scripts_and_other_files(tmp_path: Path) -> None:
    loader = confinement.elf_interpreter(os.path.realpath(shutil.which("ls") or "/bin/ls"))
    assert loader is not None and "ld" in Path(loader).name
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\necho\n")
    assert confinement.elf_interpreter(script) is None
    assert confinement.elf_interpreter(tmp_path / "missing") is None


@needs_landlock
async def test_the_confined_runner_times_out_cancels_and_leaves_the_server_unconfined(tmp_path: Path) -> None:
    import asyncio
    import threading

    from tests.test_commands import _processes_after, _processes_with
    from tfo_mcp.sandbox.runner import run_process

    sleep = shutil.which("sleep") or "/bin/sleep"
    env = {"PATH": "/usr/bin:/bin"}
    with confinement.Ruleset(confinement.command_policy([tmp_path], writable=False, executable=sleep)) as ruleset:
        outcome = await run_process([sleep, "43.701"], tmp_path, env, 0.5, 1024, ruleset=ruleset)
        assert outcome.timed_out and outcome.exit_code == -9
        task = asyncio.ensure_future(run_process([sleep, "43.702"], tmp_path, env, 60, 1024, ruleset=ruleset))
        for _ in range(100):
            if _processes_with("43.702"):
                break
            await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert await _processes_after("43.70", present=False) == []
    assert not any(thread.name == "tfo-mcp-confined-spawn" for thread in threading.enumerate())
    assert Path("/etc/passwd").read_text()  # the server itself is not confined
    assert os.path.exists(f"/proc/{os.getpid()}/environ") and Path(f"/proc/{os.getpid()}/status").read_text()
