"""Spawn `tfo-mcp` as a real process and talk raw JSON-RPC to it over stdio, or wait for its HTTP port."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

PROTOCOL = "2025-06-18"


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The parent environment without our config variables (nor OpenTelemetry's: a server exports only where a
    test says), plus `extra`; every toolset is listed unless `extra` chooses (the suite calls every tool)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEMETRYFLOW_MCP_", "OTEL_"))}
    env["TELEMETRYFLOW_MCP_MCP_TOOLSETS"] = "all"
    env.update(extra or {})
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StdioServer:
    """A `python -m tfo_mcp serve` child; every stdout line is kept for inspection."""

    def __init__(self, cwd: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ("serve",)) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tfo_mcp", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=server_env(env),
            text=True,
            bufsize=1,
        )
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._next_id = 1000
        self._readers = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.stdout_lines.append(line)
            with contextlib.suppress(json.JSONDecodeError):
                self._messages.put(json.loads(line))

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def send_line(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send_line(json.dumps(message))

    def request(self, method: str, params: dict[str, Any] | None = None, timeout: float = 60) -> dict[str, Any]:
        """Send one request and return its response (notifications in between are skipped)."""
        self._next_id += 1
        request_id = self._next_id
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send_line(json.dumps(message))
        return self.wait_for(lambda m: m.get("id") == request_id, timeout)

    def wait_for(self, predicate: Any, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        skipped: list[dict[str, Any]] = []
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no matching message; stderr: {''.join(self.stderr_lines)[-2000:]}")
                message = self._messages.get(timeout=remaining)
                if predicate(message):
                    return message
                skipped.append(message)
        except queue.Empty:
            raise TimeoutError(f"no matching message; stderr: {''.join(self.stderr_lines)[-2000:]}") from None
        finally:
            for message in skipped:
                self._messages.put(message)

    def initialize(self, client_name: str = "e2e-test", protocol: str = PROTOCOL) -> dict[str, Any]:
        response = self.request(
            "initialize",
            {"protocolVersion": protocol, "capabilities": {}, "clientInfo": {"name": client_name, "version": "1.0"}},
        )
        self.notify("notifications/initialized")
        return response

    def close_stdin_and_wait(self, timeout: float = 30) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout=timeout)
        self.join_readers()
        return code

    def join_readers(self) -> None:
        """Wait until everything the process wrote has been read."""
        for reader in self._readers:
            reader.join(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.join_readers()

    @property
    def stderr_text(self) -> str:
        return "".join(self.stderr_lines)


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"port {port} not open after {timeout}s")


def result_text(result: Any) -> str:
    """The text of a tool result's content blocks: a failed call's message, else the short rendering beside its
    structured payload ('' for a payload too small to render beside)."""
    return "".join(getattr(block, "text", "") for block in result.content)


class HttpServer:
    """A `python -m tfo_mcp serve --transport http|sse` child. Its stdout and stderr are read as they come, by
    threads: a pipe nobody reads fills at 64 KiB and then stops the server mid-log. The lines are kept for
    assertions and failure messages."""

    def __init__(self, cwd: Path, *extra: str, env: dict[str, str] | None = None, transport: str = "http") -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tfo_mcp", "serve", "--transport", transport, "--port", str(self.port), *extra],
            cwd=cwd,
            env=server_env(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self._readers = [
            threading.Thread(target=_collect, args=(self.proc.stdout, self.stdout_lines), daemon=True),
            threading.Thread(target=_collect, args=(self.proc.stderr, self.stderr_lines), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    @property
    def stdout_text(self) -> str:
        return "".join(self.stdout_lines)

    @property
    def stderr_text(self) -> str:
        return "".join(self.stderr_lines)

    def wait_ready(self, timeout: float = 60) -> HttpServer:
        """Return once the port accepts connections; a server that exited first fails with its last stderr."""
        try:
            wait_for_port(self.port, self.proc, timeout)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{exc}; stderr: {self.stderr_text[-2000:]}") from None
        return self

    def wait_exit(self, timeout: float = 30) -> int:
        """The exit code once the process ends and everything it wrote has been read."""
        code = self.proc.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=10)
        return code

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then the exit code; a server still running after ``timeout`` is killed and that fails."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.wait_exit(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.wait_exit(10)
            raise AssertionError(
                f"the server did not stop within {timeout:g} s of SIGTERM; stderr: {self.stderr_text[-2000:]}"
            ) from None


def _collect(stream: Any, lines: list[str]) -> None:
    for line in stream:
        lines.append(line)
