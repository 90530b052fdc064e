"""A PostgreSQL server for tests and benchmarks: ``TFO_TEST_POSTGRES_URL`` if set, else a throwaway one.

The throwaway server is Debian's ``postgresql`` package run by ``initdb`` + ``pg_ctl`` in a temporary directory,
on a free TCP port of 127.0.0.1 (password auth, scram) with its unix socket in the same directory. PostgreSQL
refuses to run as root, so as root the server runs as the ``postgres`` system user (else ``nobody``) through
``runuser``. Also TCP proxy helpers that simulate an outage without touching the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ADMIN_USER = "tfo_admin"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL for the tests: the message says how to get one."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_database(url: str, database: str, user: str | None = None, password: str | None = None) -> str:
    """The same server URL pointing at another database (and optionally another login)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if user is not None:
        netloc = f"{quote(user, safe='')}:{quote(password or '', safe='')}@{netloc}"
    elif "@" in parts.netloc:
        netloc = parts.netloc
    return urlunsplit(parts._replace(netloc=netloc, path="/" + database))


def _bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    for directory in reversed(candidates):
        if (Path(directory) / "initdb").exists():
            return Path(directory)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install them (`apt-get install postgresql`, "
        "scripts/test.sh does this when run as root) or set TFO_TEST_POSTGRES_URL to a server URL"
    )


@dataclass
class ThrowawayPostgres:
    """initdb + pg_ctl in a temporary directory; ``stop()`` removes everything."""

    bin_dir: Path = field(default_factory=_bin_dir)
    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    root: Path | None = None
    run_as: str | None = None

    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def admin_url(self) -> str:
        return f"postgresql://{ADMIN_USER}:{self.password}@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = list(argv)
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, cwd="/")

    def start(self) -> ThrowawayPostgres:
        if self.root is None:
            self._init()
        log = self.root / "server.log"  # type: ignore[operator]
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB"
        )
        done = self._run(
            str(self.bin_dir / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data_dir), "-l", str(log),
            "-o", options,
        )  # fmt: skip
        if done.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise PostgresUnavailable(f"pg_ctl start failed ({done.returncode}): {done.stderr.strip()}\n{tail}")
        return self

    def _init(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="tfo-pg-"))
        if os.geteuid() == 0:
            self.run_as = _system_user()
            entry = pwd.getpwnam(self.run_as)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.root.chmod(0o700)
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        done = self._run(
            str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", ADMIN_USER, f"--pwfile={pwfile}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        pwfile.unlink()
        if done.returncode != 0:
            raise PostgresUnavailable(f"initdb failed ({done.returncode}): {done.stderr.strip()[-2000:]}")

    def stop(self, remove: bool = True) -> None:
        if self.root is None:
            return
        if self.data_dir.exists():
            self._run(str(self.bin_dir / "pg_ctl"), "stop", "-m", "immediate", "-w", "-D", str(self.data_dir))
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


def _system_user() -> str:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise PostgresUnavailable("running as root but neither the postgres nor the nobody user exists")


def wait_until_accepting(url: str, timeout: float = 30.0) -> None:
    """Block until the server answers a query (raises PostgresUnavailable after ``timeout``)."""
    import psycopg

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(url, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
                return
        except psycopg.Error as exc:
            last = exc
            time.sleep(0.2)
    raise PostgresUnavailable(f"PostgreSQL at {url.split('@')[-1]} did not answer: {last}")


class TcpProxy:
    """A TCP forwarder in front of PostgreSQL: ``stop()`` is an outage (connections cut, port refused)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            await self._server.wait_closed()
            self._server = None
        self._writers.clear()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.update((client_writer, upstream_writer))

        async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                writer.transport.abort()
                self._writers.discard(writer)

        await asyncio.gather(pump(client_reader, upstream_writer), pump(upstream_reader, client_writer))
