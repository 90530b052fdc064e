"""ClickHouse fixtures: one chDB data dir per test process, and a real native clickhouse-server.

The native server is ``TFO_TEST_CLICKHOUSE_URL`` when set; otherwise (and always for the tests that
must stop and restart it, or need its read-only users) Debian's ``clickhouse-server`` is started as a
throwaway process with its own config, data dir and port under a temp dir, and stopped at the end.
If it cannot be started the fixture FAILS: a missing server must never turn into a skipped test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tfo_mcp import config

NATIVE_PASSWORD = "s3cret-Tfo-pw"
START_TIMEOUT = 60.0

CONFIG_XML = """<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <console>0</console>
        <log>{root}/log/server.log</log>
        <errorlog>{root}/log/error.log</errorlog>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>{port}</tcp_port>
{tls}    <path>{root}/data/</path>
    <tmp_path>{root}/tmp/</tmp_path>
    <user_files_path>{root}/user_files/</user_files_path>
    <format_schema_path>{root}/format_schemas/</format_schema_path>
    <users_config>{root}/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>67108864</mark_cache_size>
    <uncompressed_cache_size>67108864</uncompressed_cache_size>
    <max_concurrent_queries>50</max_concurrent_queries>
</yandex>
"""

TLS_XML = """    <tcp_port_secure>{port}</tcp_port_secure>
    <openSSL><server>
        <certificateFile>{root}/server.crt</certificateFile><privateKeyFile>{root}/server.key</privateKeyFile>
        <verificationMode>none</verificationMode><loadDefaultCAFile>false</loadDefaultCAFile>
        <cacheSessions>true</cacheSessions><disableProtocols>sslv2,sslv3</disableProtocols>
        <preferServerCiphers>true</preferServerCiphers>
    </server></openSSL>
"""

USERS_XML = """<?xml version="1.0"?>
<yandex>
    <profiles>
        <default><max_memory_usage>2000000000</max_memory_usage></default>
        <ro1><readonly>1</readonly></ro1>
        <ro2><readonly>2</readonly></ro2>
    </profiles>
    <users>
        <default><password></password><networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile><quota>default</quota></default>
        <tfo><password>{password}</password><networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile><quota>default</quota></tfo>
        <ro1><password></password><networks><ip>127.0.0.1</ip></networks>
            <profile>ro1</profile><quota>default</quota></ro1>
        <ro2><password></password><networks><ip>127.0.0.1</ip></networks>
            <profile>ro2</profile><quota>default</quota></ro2>
    </users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
        <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_command() -> list[str]:
    for candidate in ("clickhouse-server", "/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"):
        found = shutil.which(candidate)
        if found:
            return [found]
    single = shutil.which("clickhouse")
    if single:
        return [single, "server"]
    pytest.fail(
        "clickhouse-server is not installed: run scripts/test.sh (installs Debian's clickhouse-server as root) "
        "or set TFO_TEST_CLICKHOUSE_URL=clickhouse://user:pass@host:9000/db",
        pytrace=False,
    )


@dataclass
class NativeServer:
    """A throwaway clickhouse-server the tests may kill and restart."""

    root: Path
    port: int
    tls_port: int | None = None
    process: subprocess.Popen[bytes] | None = None
    starts: int = field(default=0)

    def url(self, user: str = "tfo", database: str = "default") -> str:
        password = f":{NATIVE_PASSWORD}" if user == "tfo" else ""
        return f"clickhouse://{user}{password}@127.0.0.1:{self.port}/{database}"

    @property
    def certificate(self) -> Path:
        return self.root / "server.crt"

    def start(self) -> None:
        command = [*_server_command(), f"--config-file={self.root / 'config.xml'}"]
        log = open(self.root / "log" / "stdout.log", "ab")  # noqa: SIM115 - kept open by the child
        self.process = subprocess.Popen(command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=self.root)
        self.starts += 1
        self._wait_ready()

    def _wait_ready(self) -> None:
        from clickhouse_driver import Client

        deadline = time.monotonic() + START_TIMEOUT
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                break
            try:
                client = Client("127.0.0.1", port=self.port, connect_timeout=1, send_receive_timeout=5)
                client.execute("SELECT 1")
                client.disconnect()
                return
            except Exception as exc:  # not up yet
                last = exc
                time.sleep(0.2)
        tail = ""
        for name in ("error.log", "stdout.log"):
            path = self.root / "log" / name
            if path.exists():
                tail += f"\n--- {name}\n" + path.read_text(errors="replace")[-2000:]
        self.stop()
        pytest.fail(f"clickhouse-server did not start on port {self.port}: {last}{tail}", pytrace=False)

    def kill(self) -> None:
        """SIGKILL the server (a crash, not a clean shutdown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


def _make_certificate(root: Path) -> bool:
    """A self-signed certificate for 127.0.0.1 (for clickhouses://); False when openssl is missing."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return False
    key, certificate = str(root / "server.key"), str(root / "server.crt")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate],
        check=True, capture_output=True,
    )  # fmt: skip
    return True


@pytest.fixture(scope="session")
def native_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NativeServer]:
    """A clickhouse-server of our own (read-only users, kill/restart), started once per test run."""
    root = tmp_path_factory.mktemp("clickhouse-server")
    for name in ("data", "tmp", "user_files", "format_schemas", "log"):
        (root / name).mkdir()
    server = NativeServer(root=root, port=_free_port())
    tls = ""
    if _make_certificate(root):
        server.tls_port = _free_port()
        tls = TLS_XML.format(root=root, port=server.tls_port)
    (root / "config.xml").write_text(CONFIG_XML.format(root=root, port=server.port, tls=tls))
    (root / "users.xml").write_text(USERS_XML.format(password=NATIVE_PASSWORD))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def native_url(request: pytest.FixtureRequest) -> str:
    """URL of the native server for the general tests: TFO_TEST_CLICKHOUSE_URL, else our own server."""
    external = os.environ.get("TFO_TEST_CLICKHOUSE_URL")
    if external:
        return external
    return request.getfixturevalue("native_server").url()


@pytest.fixture(scope="session", autouse=True)
def _isolated_data_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the embedded default store (XDG data dir) of every test, and of servers the tests start, in a
    temp dir instead of the user's home."""
    previous = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("XDG_DATA_HOME", None)
        else:
            os.environ["XDG_DATA_HOME"] = previous


@pytest.fixture(scope="session")
def chdb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one chDB data directory of this test process (chDB allows one path per process)."""
    from tfo_mcp.stores.clickhouse import chdb_available

    if not chdb_available():
        pytest.fail("chdb-core (the embedded engine) is not installed: uv sync installs it", pytrace=False)
    return tmp_path_factory.mktemp("chdb")


@contextlib.contextmanager
def clickhouse_settings(url: str, **extra: str) -> Iterator[config.Settings]:
    """Install settings with this ClickHouse URL (plus ``TELEMETRYFLOW_MCP_*`` extras); restore afterwards."""
    previous = config._current
    environ = {"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": url, **extra}
    loaded = config.load_settings(environ=environ)
    config.set_settings(loaded)
    try:
        yield loaded.settings
    finally:
        config._current = previous


@pytest.fixture
async def chdb_store(chdb_dir: Path) -> AsyncIterator[config.Settings]:
    """Settings pointing at the chDB store (migrated), with a server_id unique to the test."""
    from tfo_mcp.analytics import recorder
    from tfo_mcp.stores import clickhouse

    await clickhouse.reset()
    server_id = f"test-{uuid.uuid4().hex[:12]}"
    with clickhouse_settings(
        f"chdb://{chdb_dir}",
        TELEMETRYFLOW_MCP_CLICKHOUSE_SERVER_ID=server_id,
        TELEMETRYFLOW_MCP_CLICKHOUSE_ANALYTICS_FLUSH_INTERVAL="0.05",
    ) as settings:
        await clickhouse.migrate("server")
        recorder.reset_stats()
        try:
            yield settings
        finally:
            await recorder.stop()
            recorder.reset_stats()
            await clickhouse.reset()


@pytest.fixture
async def native_store(native_url: str) -> AsyncIterator[config.Settings]:
    """Settings pointing at the native server (pool of 2)."""
    from tfo_mcp.stores import clickhouse

    await clickhouse.reset()
    with clickhouse_settings(native_url, TELEMETRYFLOW_MCP_CLICKHOUSE_POOL_SIZE="2") as settings:
        try:
            yield settings
        finally:
            await clickhouse.reset()
