"""Hostile HTTP against real spawned servers (raw sockets): Host/Origin (DNS rebinding), huge bodies, the token.

Every server here is a `python -m tfo_mcp serve --transport http|sse` child; requests are written byte by byte
on a socket, so a lying Host header and a lazily generated 100 MB chunked body reach the server as sent.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.support.mcp_process import PROTOCOL, HttpServer, server_env
from tfo_mcp.config import ConfigError, load_settings
from tfo_mcp.http_guard import FORBIDDEN_ORIGIN, MISDIRECTED, HostPolicy

MB = 1024 * 1024
TOKEN = "hostile-test-token-0123456789"
INIT = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
).encode()
MCP_HEADERS = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
#: Generous: two shared cores, other suites running beside this one.
TIMEOUT = 60.0


# --------------------------------------------------------------------------- servers


@contextlib.contextmanager
def running(cwd: Path, transport: str, *extra: str, env: dict[str, str] | None = None) -> Iterator[HttpServer]:
    server = HttpServer(cwd, *extra, env=env, transport=transport).wait_ready(TIMEOUT)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def http_open(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """The default exposure: streamable HTTP on 127.0.0.1, no token."""
    with running(tmp_path_factory.mktemp("http-open"), "http") as server:
        yield server


@pytest.fixture(scope="module")
def sse_open(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    with running(tmp_path_factory.mktemp("sse-open"), "sse") as server:
        yield server


@pytest.fixture(scope="module")
def http_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    env = {"TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN": TOKEN}
    with running(tmp_path_factory.mktemp("http-token"), "http", env=env) as server:
        yield server


@pytest.fixture(scope="module")
def sse_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    env = {"TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN": TOKEN}
    with running(tmp_path_factory.mktemp("sse-token"), "sse", env=env) as server:
        yield server


@pytest.fixture(scope="module")
def http_public(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """Bound to every interface with a token and explicit allow-lists (reached here over loopback)."""
    env = {
        "TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN": TOKEN,
        "TELEMETRYFLOW_MCP_SERVER__ALLOWED_HOSTS": "mcp.example.test, alt.example.test:9443",
        "TELEMETRYFLOW_MCP_SERVER__ALLOWED_ORIGINS": '["https://app.example.test"]',
    }
    with running(tmp_path_factory.mktemp("http-public"), "http", "--host", "0.0.0.0", env=env) as server:
        yield server


# --------------------------------------------------------------------------- raw HTTP


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def read_reply(sock: socket.socket) -> Reply:
    """One response: status and headers, and the body when it has a Content-Length (not for streams)."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    except ConnectionResetError:
        # the server closed on an unread upload; what it answered first is still in our receive buffer
        if b"\r\n\r\n" not in data:
            raise
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    assert lines[0].startswith("HTTP/1."), f"not an HTTP response: {data[:200]!r}"
    return Reply(int(lines[0].split()[1]), headers, body)


def raw(
    port: int,
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    body: bytes = b"",
    version: str = "HTTP/1.1",
) -> Reply:
    """Send exactly these headers (nothing added but Content-Length and Connection: close)."""
    lines = [f"{method} {path} {version}", *(f"{name}: {value}" for name, value in headers)]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        return read_reply(sock)


def host(port: int, value: str = "127.0.0.1:{port}") -> tuple[str, str]:
    return ("Host", value.format(port=port, other=port + 1 if port < 65535 else port - 1))


def initialize(port: int, *extra: tuple[str, str], host_value: str = "127.0.0.1:{port}") -> Reply:
    return raw(port, "POST", "/mcp", [host(port, host_value), *MCP_HEADERS, *extra], INIT)


def sse_connect(port: int, *extra: tuple[str, str], host_value: str = "127.0.0.1:{port}") -> Reply:
    """GET /sse: a refusal has a body; an accepted stream is read up to its headers only."""
    return raw(port, "GET", "/sse", [host(port, host_value), ("Accept", "text/event-stream"), *extra])


def assert_refused(reply: Reply, status: int, body: bytes, *hostile: str) -> None:
    assert reply.status == status, reply
    assert reply.body == body
    assert reply.headers["content-type"] == "application/json"
    for value in hostile:  # the refusal echoes nothing the client sent
        if value:
            assert value.encode() not in reply.body


# --------------------------------------------------------------------------- Host (DNS rebinding)

LOOPBACK_HOSTS = [
    "127.0.0.1:{port}",
    "localhost:{port}",
    "[::1]:{port}",
    "LOCALHOST:{port}",
    "LocalHost:{port}",
    "[0:0:0:0:0:0:0:1]:{port}",  # the same IPv6 literal spelled out
    "localhost",  # no port: only a non-browser client sends that to a non-default port
    "127.0.0.1",
    "[::1]",
]
HOSTILE_HOSTS = [
    "evil.com",
    "evil.com:{port}",
    "127.0.0.1.evil.com:{port}",
    "localhost.evil.com:{port}",
    "evil.localhost:{port}",
    "127.0.0.1:{other}",  # a loopback name at another port
    "localhost:{other}",
    "[::1]:{other}",
    "localhost.:{port}",  # trailing dot: another name as far as the allow-list goes
    "localhost.",
    "LOCALHOST.:{port}",
    "::1:{port}",  # unbracketed IPv6
    "[::1",
    "[::1]{port}",
    "[::1]:{port}:{port}",
    "[evil.com]:{port}",
    "127.0.0.1:",
    "127.0.0.1:abc",
    "127.0.0.1:{port}:{port}",
    "127.0.0.1:+{port}",
    "127.0.0.1:99999",
    "localhost:0",
    "user@localhost:{port}",
    "localhost:{port}/x",
    "localhost:{port}@evil.com",
    "evil.com#@localhost:{port}",
    "0.0.0.0:{port}",
    "127.1:{port}",  # inet_aton shorthand for 127.0.0.1
    "2130706433:{port}",  # 127.0.0.1 as a number
    "0x7f.0.0.1:{port}",
    "127.0.0.01:{port}",
    "*",
    "localhost localhost:{port}",
]


@pytest.mark.parametrize("value", LOOPBACK_HOSTS)
def test_loopback_host_names_are_served(http_open: HttpServer, sse_open: HttpServer, value: str) -> None:
    assert initialize(http_open.port, host_value=value).status == 200
    assert sse_connect(sse_open.port, host_value=value).status == 200


@pytest.mark.parametrize("value", HOSTILE_HOSTS)
def test_hostile_host_is_421_on_both_transports(http_open: HttpServer, sse_open: HttpServer, value: str) -> None:
    shown = value.format(port=http_open.port, other=http_open.port + 1)
    assert_refused(initialize(http_open.port, host_value=value), 421, MISDIRECTED, shown)
    assert_refused(sse_connect(sse_open.port, host_value=value), 421, MISDIRECTED, shown)
    message = raw(sse_open.port, "POST", "/messages/?session_id=0", [host(sse_open.port, value), *MCP_HEADERS], INIT)
    assert_refused(message, 421, MISDIRECTED, shown)


@pytest.mark.parametrize(("method", "path"), [("GET", "/mcp"), ("DELETE", "/mcp"), ("POST", "/mcp/"), ("GET", "/x")])
def test_every_path_but_healthz_checks_the_host(http_open: HttpServer, method: str, path: str) -> None:
    reply = raw(http_open.port, method, path, [("Host", f"evil.com:{http_open.port}"), *MCP_HEADERS])
    assert_refused(reply, 421, MISDIRECTED)


def test_two_host_headers_or_none_are_refused(http_open: HttpServer, sse_open: HttpServer) -> None:
    port = http_open.port
    for hosts in ([f"127.0.0.1:{port}", "evil.com"], ["evil.com", f"127.0.0.1:{port}"], [f"127.0.0.1:{port}"] * 2):
        reply = raw(port, "POST", "/mcp", [*(("Host", value) for value in hosts), *MCP_HEADERS], INIT)
        assert reply.status in (400, 421), reply  # h11 refuses a repeated Host itself; the guard would too
    # HTTP/1.0 may leave Host out; that names nothing this server answers for
    assert_refused(raw(port, "POST", "/mcp", MCP_HEADERS, INIT, version="HTTP/1.0"), 421, MISDIRECTED)
    sse = raw(sse_open.port, "GET", "/sse", [("Accept", "text/event-stream")], version="HTTP/1.0")
    assert_refused(sse, 421, MISDIRECTED)


def test_healthz_answers_any_host_and_origin_and_reveals_nothing(http_open: HttpServer, sse_open: HttpServer) -> None:
    for port in (http_open.port, sse_open.port):
        reply = raw(port, "GET", "/healthz", [("Host", "10.1.2.3:8080"), ("Origin", "http://evil.com")])
        assert reply.status == 200
        assert reply.json() == {"status": "ok"}


def test_a_refused_host_is_logged_once_not_per_request(tmp_path: Path) -> None:
    with running(tmp_path, "http") as server:
        for _ in range(20):
            assert initialize(server.port, host_value="flood.evil.com").status == 421
        assert initialize(server.port).status == 200
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and not any("flood.evil.com" in line for line in server.stderr_lines):
            time.sleep(0.1)
    warnings = [line for line in server.stderr_lines if "flood.evil.com" in line]
    assert len(warnings) in (1, 2), warnings  # one warning per 10 s, the rest at debug level
    assert "WARNING" in warnings[0]
    assert "server.allowed_hosts" in warnings[0]


# --------------------------------------------------------------------------- Origin

LOOPBACK_ORIGINS = [
    "http://127.0.0.1:{port}",
    "http://localhost:{port}",
    "http://[::1]:{port}",
    "HTTP://LOCALHOST:{port}",
]
HOSTILE_ORIGINS = [
    "http://evil.com",
    "https://evil.com",
    "null",
    "",
    "http://localhost:{other}",  # another web app on this machine is another origin
    "http://127.0.0.1:{other}",
    "http://localhost",  # port 80
    "https://localhost:{port}",  # another scheme
    "http://localhost.:{port}",
    "http://localhost.evil.com:{port}",
    "http://127.0.0.1.evil.com:{port}",
    "http://localhost:{port}.evil.com",
    "http://localhost:{port}@evil.com",
    "http://user@localhost:{port}",
    "http://localhost:{port}/",
    "http://localhost:{port}/path",
    "http://evil.com http://localhost:{port}",
    "http://localhost:{port} http://evil.com",
    "file://",
    "chrome-extension://abcdefghijklmnop",
    "*",
    "localhost:{port}",
]


@pytest.mark.parametrize("value", [None, *LOOPBACK_ORIGINS])
def test_absent_or_own_loopback_origin_is_served(
    http_open: HttpServer, sse_open: HttpServer, value: str | None
) -> None:
    for server, request in ((http_open, initialize), (sse_open, sse_connect)):
        extra = [("Origin", value.format(port=server.port))] if value is not None else []
        assert request(server.port, *extra).status == 200


@pytest.mark.parametrize("value", HOSTILE_ORIGINS)
def test_hostile_origin_is_403_on_both_transports(http_open: HttpServer, sse_open: HttpServer, value: str) -> None:
    for server, request in ((http_open, initialize), (sse_open, sse_connect)):
        origin = value.format(port=server.port, other=server.port + 1)
        assert_refused(request(server.port, ("Origin", origin)), 403, FORBIDDEN_ORIGIN, origin)
    origin = value.format(port=sse_open.port, other=sse_open.port + 1)
    headers = [host(sse_open.port), ("Origin", origin), *MCP_HEADERS]
    assert_refused(raw(sse_open.port, "POST", "/messages/?session_id=0", headers, INIT), 403, FORBIDDEN_ORIGIN)


def test_two_origin_headers_are_refused(http_open: HttpServer) -> None:
    own = f"http://127.0.0.1:{http_open.port}"
    assert_refused(initialize(http_open.port, ("Origin", own), ("Origin", "http://evil.com")), 403, FORBIDDEN_ORIGIN)
    assert_refused(initialize(http_open.port, ("Origin", own), ("Origin", own)), 403, FORBIDDEN_ORIGIN)


# --------------------------------------------------------------------------- non-loopback binds


@pytest.mark.parametrize(
    "value",
    [
        "mcp.example.test",
        "mcp.example.test:{port}",
        "MCP.Example.Test:1234",
        "alt.example.test:9443",
        "localhost:{port}",
    ],
)
def test_public_bind_serves_the_configured_names(http_public: HttpServer, value: str) -> None:
    reply = initialize(http_public.port, ("Authorization", f"Bearer {TOKEN}"), host_value=value)
    assert reply.status == 200


@pytest.mark.parametrize(
    "value",
    [
        "alt.example.test",  # listed with a port: that port only
        "alt.example.test:{port}",
        "example.test",
        "x.mcp.example.test",
        "mcp.example.test.evil.com",
        "evil.com:{port}",
        "0.0.0.0:{port}",
    ],
)
def test_public_bind_refuses_other_names(http_public: HttpServer, value: str) -> None:
    reply = initialize(http_public.port, ("Authorization", f"Bearer {TOKEN}"), host_value=value)
    assert_refused(reply, 421, MISDIRECTED)
    # also without a token: the Host check comes first, so nothing about auth is revealed
    assert_refused(initialize(http_public.port, host_value=value), 421, MISDIRECTED)


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://app.example.test", True),
        ("https://app.example.test:443", True),
        ("HTTPS://APP.EXAMPLE.TEST", True),
        ("http://app.example.test", False),
        ("https://app.example.test:8443", False),
        ("https://evil.app.example.test", False),
        ("https://evil.com", False),
        ("null", False),
    ],
)
def test_public_bind_checks_origins_against_the_list(http_public: HttpServer, origin: str, allowed: bool) -> None:
    extra = [("Authorization", f"Bearer {TOKEN}"), ("Origin", origin)]
    reply = initialize(http_public.port, *extra, host_value="mcp.example.test")
    if allowed:
        assert reply.status == 200
    else:
        assert_refused(reply, 403, FORBIDDEN_ORIGIN, origin)


def test_public_bind_without_allowed_hosts_does_not_start(tmp_path: Path) -> None:
    env = server_env({"TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN": TOKEN})
    argv = [sys.executable, "-m", "tfo_mcp", "serve", "--transport", "sse", "--host", "0.0.0.0", "--port", "1"]
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "server.allowed_hosts" in done.stderr
    assert "421" in done.stderr
    assert TOKEN not in done.stderr


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ALLOWED_HOSTS", "*"),
        ("ALLOWED_HOSTS", "http://mcp.example.com"),
        ("ALLOWED_HOSTS", "mcp.example.com/mcp"),
        ("ALLOWED_HOSTS", "mcp.example.com:99999"),
        ("ALLOWED_HOSTS", "*.example.com"),
        ("ALLOWED_ORIGINS", "*"),
        ("ALLOWED_ORIGINS", "null"),
        ("ALLOWED_ORIGINS", "app.example.com"),
        ("ALLOWED_ORIGINS", "https://app.example.com/app"),
        ("ALLOWED_ORIGINS", "ftp://app.example.com"),
    ],
)
def test_bad_allow_list_entries_are_config_errors(key: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={f"TELEMETRYFLOW_MCP_SERVER__{key}": value})
    message = str(caught.value)
    assert message.startswith(f"config error: server.{key.lower()} (from env:TELEMETRYFLOW_MCP_SERVER__{key})")
    assert "is not a host name" in message or "is not an origin" in message


def test_allow_list_entries_are_normalised() -> None:
    loaded = load_settings(
        environ={
            "TELEMETRYFLOW_MCP_SERVER__ALLOWED_HOSTS": "MCP.Example.com, [FD00:0:0::5]:8443",
            "TELEMETRYFLOW_MCP_SERVER__ALLOWED_ORIGINS": "HTTPS://App.Example.com:443/,http://127.0.0.1:3000",
        }
    )
    assert loaded.settings.server.allowed_hosts == ["mcp.example.com", "[fd00::5]:8443"]
    assert loaded.settings.server.allowed_origins == ["https://app.example.com", "http://127.0.0.1:3000"]


def test_the_address_a_connection_reached_is_a_valid_host() -> None:
    """An IP literal cannot be rebound; on a 0.0.0.0 bind a client may name the address it dialled."""
    policy = HostPolicy(8080, "0.0.0.0", ["mcp.example.com"], [])
    assert policy.host_allowed("10.0.0.5:8080", "10.0.0.5")
    assert policy.host_allowed("[fd00::5]:8080", "fd00::5")
    assert not policy.host_allowed("10.0.0.5:9090", "10.0.0.5")
    assert not policy.host_allowed("10.0.0.6:8080", "10.0.0.5")
    assert not policy.host_allowed("evil.com:8080", "10.0.0.5")


# --------------------------------------------------------------------------- bearer token

ACCEPTED_AUTH = [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER {TOKEN}", f"BeArEr {TOKEN}", f"Bearer  {TOKEN}"]
REFUSED_AUTH = [
    None,
    "",
    "Bearer",
    "Bearer ",
    "Bearer wrong-token",
    f"Bearer {TOKEN}x",
    f"Bearer x{TOKEN}",
    f"Bearer {TOKEN[:-1]}",
    f"Bearer {TOKEN.upper()}",
    f"Bearer {TOKEN} {TOKEN}",
    f"Bearer {TOKEN},",
    f"Bearer\t{TOKEN}",
    f"Bearer{TOKEN}",
    f"Basic {TOKEN}",
    f"Token {TOKEN}",
    TOKEN,
]


@pytest.mark.parametrize("auth", ACCEPTED_AUTH)
def test_bearer_scheme_is_case_insensitive(http_token: HttpServer, sse_token: HttpServer, auth: str) -> None:
    assert initialize(http_token.port, ("Authorization", auth)).status == 200
    assert sse_connect(sse_token.port, ("Authorization", auth)).status == 200


@pytest.mark.parametrize("auth", REFUSED_AUTH)
def test_missing_or_wrong_token_is_401_with_a_challenge(
    http_token: HttpServer, sse_token: HttpServer, auth: str | None
) -> None:
    extra = [("Authorization", auth)] if auth is not None else []
    sse_message = raw(sse_token.port, "POST", "/messages/?session_id=0", [host(sse_token.port), *MCP_HEADERS, *extra])
    for reply in (initialize(http_token.port, *extra), sse_connect(sse_token.port, *extra), sse_message):
        assert reply.status == 401, reply
        assert reply.headers["www-authenticate"].startswith("Bearer")
        assert TOKEN.encode() not in reply.body
        assert TOKEN not in reply.headers["www-authenticate"]


def test_healthz_needs_no_token(http_token: HttpServer, sse_token: HttpServer) -> None:
    for port in (http_token.port, sse_token.port):
        reply = raw(port, "GET", "/healthz", [host(port)])
        assert reply.status == 200
        assert reply.json() == {"status": "ok"}


def test_host_is_checked_before_the_token(http_token: HttpServer) -> None:
    assert_refused(initialize(http_token.port, host_value="evil.com"), 421, MISDIRECTED)
    good = ("Authorization", f"Bearer {TOKEN}")
    assert_refused(initialize(http_token.port, good, host_value="evil.com"), 421, MISDIRECTED)
    assert_refused(initialize(http_token.port, good, ("Origin", "http://evil.com")), 403, FORBIDDEN_ORIGIN)


def test_token_with_spaces_or_control_characters_is_a_config_error_that_hides_it() -> None:
    secret = "my secret token"
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN": secret})
    assert "server.auth_token" in str(caught.value)
    assert "printable ASCII" in str(caught.value)
    assert secret not in str(caught.value)


# --------------------------------------------------------------------------- body size


@dataclass
class Upload:
    reply: Reply
    sent: int  # body bytes the server let us write before it answered and closed


def upload(port: int, path: str, total: int, *, chunked: bool, headers: list[tuple[str, str]] | None = None) -> Upload:
    """POST a body of ``total`` bytes generated lazily while the response is read on this thread."""
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", *(f"{k}: {v}" for k, v in headers or MCP_HEADERS)]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    sent = 0
    answered = threading.Event()

    def pump() -> None:
        nonlocal sent
        piece = b"x" * 65536
        frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
        try:
            while sent < total and not answered.is_set():
                sock.sendall(frame)
                sent += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server stopped reading: what this test wants

    with sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        writer = threading.Thread(target=pump, daemon=True)
        writer.start()
        reply = read_reply(sock)
        answered.set()
        writer.join(timeout=TIMEOUT)
    return Upload(reply, sent)


def head_only(port: int, path: str, length: int) -> tuple[Reply, bytes]:
    """Declare a ``length``-byte body, send none of it: the answer, and what follows it on the socket."""
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", *(f"{k}: {v}" for k, v in MCP_HEADERS)]
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(("\r\n".join([*lines, f"Content-Length: {length}"]) + "\r\n\r\n").encode())
        reply = read_reply(sock)
        try:
            after = sock.recv(1)
        except ConnectionResetError:
            after = b""
    return reply, after


def assert_too_large(reply: Reply, limit: int = 4 * MB) -> None:
    assert reply.status == 413, reply
    assert reply.json() == {
        "error": "payload_too_large",
        "error_description": f"the request body is larger than {limit} bytes (server.max_body_bytes)",
    }
    assert reply.headers["connection"] == "close"


def settle(server: HttpServer) -> int:
    time.sleep(1.0)
    return psutil.Process(server.proc.pid).memory_info().rss


@pytest.mark.parametrize("path", ["/mcp", "/healthz", "/not-a-route"])
def test_declared_100mb_body_is_refused_before_a_byte_of_it_is_read(http_open: HttpServer, path: str) -> None:
    assert initialize(http_open.port).status == 200
    before = settle(http_open)
    reply, after = head_only(http_open.port, path, 100 * MB)
    assert_too_large(reply)
    assert after == b""  # and the connection is closed: the server will not read the rest
    assert settle(http_open) - before < 50 * MB
    assert initialize(http_open.port).status == 200


def test_streamed_100mb_chunked_body_is_cut_off_at_the_limit(http_open: HttpServer) -> None:
    assert initialize(http_open.port).status == 200
    before = settle(http_open)
    sent = upload(http_open.port, "/mcp", 100 * MB, chunked=True)
    assert_too_large(sent.reply)
    assert sent.sent < 50 * MB, f"the server read {sent.sent / MB:.0f} MB before refusing"
    grown = settle(http_open) - before
    assert grown < 50 * MB, f"RSS grew by {grown / MB:.0f} MB"
    assert initialize(http_open.port).status == 200


def test_streamed_100mb_content_length_body_is_cut_off_too(http_open: HttpServer) -> None:
    before = settle(http_open)
    sent = upload(http_open.port, "/mcp", 100 * MB, chunked=False)
    assert_too_large(sent.reply)
    assert sent.sent < 50 * MB
    assert settle(http_open) - before < 50 * MB
    assert initialize(http_open.port).status == 200


def test_sse_message_endpoint_has_the_same_limit(sse_open: HttpServer) -> None:
    before = settle(sse_open)
    sent = upload(sse_open.port, "/messages/?session_id=0", 100 * MB, chunked=True)
    assert_too_large(sent.reply)
    assert sent.sent < 50 * MB
    assert settle(sse_open) - before < 50 * MB
    reply, _ = head_only(sse_open.port, "/messages/?session_id=0", 100 * MB)
    assert_too_large(reply)
    assert sse_connect(sse_open.port).status == 200


def test_body_limit_is_configurable(tmp_path: Path) -> None:
    limit = 64 * 1024
    padded = json.loads(INIT)
    padded["params"]["clientInfo"]["name"] = "p" * (limit - len(INIT) - 100)
    fits = json.dumps(padded).encode()
    assert len(fits) <= limit
    with running(tmp_path, "http", env={"TELEMETRYFLOW_MCP_SERVER__MAX_BODY_BYTES": str(limit)}) as server:
        port = server.port
        assert raw(port, "POST", "/mcp", [host(port), *MCP_HEADERS], fits).status == 200
        assert_too_large(raw(port, "POST", "/mcp", [host(port), *MCP_HEADERS], fits + b" " * 200), limit)
        assert_too_large(upload(port, "/mcp", limit + 65536, chunked=True).reply, limit)
        # a chunked body under the limit is handed on whole
        chunked = [host(port), *MCP_HEADERS, ("Transfer-Encoding", "chunked")]
        pieces = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (fits[:1000], fits[1000:])) + b"0\r\n\r\n"
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            lines = ["POST /mcp HTTP/1.1", *(f"{k}: {v}" for k, v in chunked), "Connection: close"]
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + pieces)
            assert read_reply(sock).status == 200


@pytest.mark.parametrize("value", ["1023", str(4 * MB + 1), "lots"])
def test_body_limit_bounds(value: str) -> None:
    with pytest.raises(ConfigError, match=r"server\.max_body_bytes"):
        load_settings(environ={"TELEMETRYFLOW_MCP_SERVER__MAX_BODY_BYTES": value})
