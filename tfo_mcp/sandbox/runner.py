"""Running a command's child process: without a shell, in a new session (its own process group), stdin closed,
with the environment it is given (:func:`tfo_mcp.sandbox.argv.child_environment`), under the confinement's ruleset.

A timeout kills the whole process group; stdout and stderr are each capped at ``security.max_command_output``
bytes (marked truncated). A non-zero exit status is a normal outcome, not an error.

Checking argv cannot see every file a program opens on its own (a symlink met while recursing, a name created
between the check and the open, ``/proc/<server pid>/environ``, a repository's ``.git`` file), so on Linux every
child runs under kernel confinement (Landlock, :mod:`tfo_mcp.sandbox.confinement`): it may read only the roots
and the system locations programs need, write only inside the roots and only when ``security.enable_write`` is
true, execute only the resolved program, never open ``/proc`` (only df gets its own ``/proc/self/mountinfo``),
and never make a TCP connection. If the confinement cannot be applied the program is not run.

Before git runs, :func:`check_git_repository` probes the repository configuration (``git config --list``, under
the same confinement): a key that makes git run a program and that forced configuration cannot switch off
(filters, ``diff.external``, diff drivers, ``core.worktree``...) refuses the command, naming the key. Without
Landlock the probe also checks that the repository's git dir, common dir and alternates are inside the roots,
and refuses lazy fetching and protocol overrides.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel

from tfo_mcp.sandbox import confinement
from tfo_mcp.sandbox.argv import git_prefix, refused_git_keys
from tfo_mcp.sandbox.errors import SandboxError
from tfo_mcp.sandbox.paths import is_inside

#: Seconds to wait for the output pipes after the process group was killed.
DRAIN_GRACE = 2.0


# --------------------------------------------------------------------------- running a child


class ProcessOutcome(BaseModel):
    exit_code: int
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool
    timed_out: bool
    duration_ms: int


class _Capture:
    """The first ``cap`` bytes of a stream; what follows is drained and dropped (kept if the read is cancelled)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.data = bytearray()
        self.truncated = False

    async def drain(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(65536):
            room = self.cap - len(self.data)
            if len(chunk) > room:
                self.truncated = True
                self.data += chunk[: max(room, 0)]
            else:
                self.data += chunk


def kill_group(pgid: int) -> None:
    """SIGKILL a whole process group (no error if it is already gone)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


class _StartedChild:
    """An asyncio view of a ``subprocess.Popen`` started elsewhere (on a confined thread), with the interface of
    ``asyncio.subprocess.Process`` that run_process uses: pipes as StreamReaders, the exit seen on a pidfd."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self.popen = popen
        self.pid = popen.pid
        self.stdout: asyncio.StreamReader | None = None
        self.stderr: asyncio.StreamReader | None = None
        self._transports: list[asyncio.BaseTransport] = []
        self._loop = asyncio.get_running_loop()
        self._exited: asyncio.Future[int] = self._loop.create_future()
        try:
            self._pidfd = os.pidfd_open(popen.pid)
        except OSError:  # pidfd_open refused (a seccomp profile): wait on an executor thread instead
            waiting = self._loop.run_in_executor(None, popen.wait)
            waiting.add_done_callback(lambda done: self._exited.done() or self._exited.set_result(done.result()))
        else:
            self._loop.add_reader(self._pidfd, self._reap)

    @classmethod
    async def attach(cls, popen: subprocess.Popen[bytes]) -> _StartedChild:
        child = cls(popen)
        try:
            for name in ("stdout", "stderr"):
                reader = asyncio.StreamReader(loop=child._loop)
                transport, _ = await child._loop.connect_read_pipe(
                    lambda reader=reader: asyncio.StreamReaderProtocol(reader), getattr(popen, name)
                )
                child._transports.append(transport)
                setattr(child, name, reader)
        except BaseException:
            kill_group(popen.pid)
            child.close()
            raise
        return child

    def _reap(self) -> None:  # the pidfd is readable: the process has exited (it is not reaped yet)
        self._loop.remove_reader(self._pidfd)
        os.close(self._pidfd)
        code = self.popen.wait()
        if not self._exited.done():
            self._exited.set_result(code)

    @property
    def returncode(self) -> int | None:
        return self.popen.returncode

    async def wait(self) -> int:
        return await asyncio.shield(self._exited)

    def close(self) -> None:
        """Close the pipes (the pidfd closes itself when the process exits, and reaps it)."""
        for transport in self._transports:
            transport.close()


async def run_process(
    argv: Sequence[str],
    cwd: Path,
    env: dict[str, str],
    timeout: float,
    cap: int,
    preexec_fn: Callable[[], None] | None = None,
    ruleset: confinement.Ruleset | None = None,
) -> ProcessOutcome:
    """Run argv without a shell in its own process group; kill the group on timeout or cancellation.

    With a ``ruleset`` the child starts under it: from a fresh thread that enforces it on itself
    (``Ruleset.run_confined``), or, when the program needs its own /proc/self files, through the ruleset's
    preexec function. ``preexec_fn`` runs in the child before exec; if it raises, the program is not executed
    and ``subprocess.SubprocessError`` is raised here.
    """
    started = time.perf_counter()
    process: asyncio.subprocess.Process | _StartedChild
    if ruleset is not None and not ruleset.needs_child_setup:
        popen = ruleset.run_confined(
            lambda: subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        )
        process = await _StartedChild.attach(popen)
    else:
        if ruleset is not None:
            preexec_fn = ruleset.preexec()
        extra = {"preexec_fn": preexec_fn} if preexec_fn is not None else {}
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            **extra,
        )
    assert process.stdout is not None and process.stderr is not None
    out, err = _Capture(cap), _Capture(cap)
    readers = [asyncio.ensure_future(out.drain(process.stdout)), asyncio.ensure_future(err.drain(process.stderr))]
    timed_out = False
    try:
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            timed_out = True
        kill_group(process.pid)  # the timeout, or children left behind by a program that exited
        await process.wait()
        _, pending = await asyncio.wait(readers, timeout=DRAIN_GRACE)
        for reader in pending:  # a descendant that left the group still holds a pipe open
            reader.cancel()
    except BaseException:
        kill_group(process.pid)
        for reader in readers:
            reader.cancel()
        raise
    finally:
        if isinstance(process, _StartedChild):
            process.close()
    return ProcessOutcome(
        exit_code=process.returncode if process.returncode is not None else -1,
        stdout=bytes(out.data),
        stderr=bytes(err.data),
        stdout_truncated=out.truncated,
        stderr_truncated=err.truncated,
        timed_out=timed_out,
        duration_ms=round((time.perf_counter() - started) * 1000),
    )


# --------------------------------------------------------------------------- confinement and git probes

Runner = Callable[[Sequence[str], float], Awaitable[ProcessOutcome]]
#: Seconds a git probe (config listing, rev-parse) may take, at most (and never more than the command's limit).
PROBE_TIMEOUT = 15.0
PROBE_OUTPUT = 1024 * 1024


@contextlib.contextmanager
def confined_runner(
    mode: confinement.Confinement, policy: confinement.Policy | None, cwd: Path, env: dict[str, str], cap: int
) -> Iterator[Runner]:
    """A function running argv in ``cwd`` with ``env`` under the confinement (one ruleset for every run)."""
    ruleset = confinement.Ruleset(policy, mode.abi) if mode.mode == "landlock" and policy is not None else None
    try:

        async def run(argv: Sequence[str], timeout: float) -> ProcessOutcome:
            try:
                return await run_process(argv, cwd, env, timeout, cap, ruleset=ruleset)
            except subprocess.SubprocessError:
                raise SandboxError(
                    f"{Path(argv[0]).name!r} was not run: the kernel confinement ({mode.describe()}) could not be "
                    "applied in the child process"
                ) from None

        yield run
    finally:
        if ruleset is not None:
            ruleset.close()


async def check_git_repository(
    run: Runner, executable: Path, roots: Sequence[Path], argv_only: bool, limit: float
) -> None:
    """Probe the repository git would use, under the same confinement, before running the command: refuse
    configuration keys that run programs (GIT_REFUSED_KEYS), and under argv rules only a git dir, common dir or
    object alternate outside the roots."""
    timeout = min(PROBE_TIMEOUT, limit)
    listing = await run([*git_prefix(executable), "config", "--list", "--show-scope", "--name-only", "-z"], timeout)
    if listing.exit_code != 0 or listing.timed_out:
        detail = listing.stderr.decode("utf-8", errors="replace").strip()[:500]
        raise SandboxError(f"git was not run: its configuration could not be read ({detail or 'timed out'})")
    if refused := refused_git_keys(listing.stdout, argv_only):
        raise SandboxError(
            f"git was not run: the repository configuration sets {', '.join(refused)}, which can make git run a "
            "program or leave the allowed roots; remove it from .git/config (or the file it includes) to use git here"
        )
    if not argv_only:
        return  # the kernel refuses reads outside the roots
    where = await run(
        [*git_prefix(executable), "rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir"], timeout
    )
    if where.exit_code != 0:
        return  # no repository (or one git refuses to use): the command fails the same way, reading nothing
    folders = [Path(line) for line in where.stdout.decode("utf-8", errors="replace").splitlines() if line]
    alternates = folders[-1] / "objects" / "info" / "alternates" if folders else None
    if alternates is not None and alternates.is_file():
        for line in alternates.read_text(errors="replace").splitlines():
            if line.strip() and not line.startswith("#"):
                folders.append(folders[-1] / "objects" / line.strip())
    for folder in folders:
        if not is_inside(Path(os.path.realpath(folder)), roots):
            raise SandboxError(
                f"git was not run: the repository uses {folder}, outside the allowed roots (a .git file, "
                "commondir or objects/info/alternates pointing out)"
            )
