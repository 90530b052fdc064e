"""The `tfo-mcp` command line as a user runs it (a real subprocess each time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.mcp_process import free_port


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TELEMETRYFLOW_MCP_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "tfo_mcp", *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120
    )


def test_version() -> None:
    result = run_cli("version")
    assert result.returncode == 0
    assert result.stdout.startswith("tfo-mcp ")


def test_tools_lists_every_tool_with_all_annotation_hints(tmp_path: Path) -> None:
    result = run_cli("tools", "--json", "--toolsets", "all", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert {"echo", "read_file", "write_file", "execute_command", "pg_query", "ch_query", "claude_conversation"} <= set(
        rows
    )
    for row in rows.values():
        assert None not in (row["readOnly"], row["destructive"], row["idempotent"], row["openWorld"]), row
    assert rows["write_file"]["destructive"] is True and rows["echo"]["readOnly"] is True


def test_tools_table_is_human_readable(tmp_path: Path) -> None:
    result = run_cli("tools", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].startswith("tool")
    assert any(line.startswith("investigate ") and " context " in line for line in result.stdout.splitlines())
    assert not any(line.startswith("echo ") for line in result.stdout.splitlines())  # not in the default profile


def test_models_filters_by_provider_and_credentials(tmp_path: Path) -> None:
    result = run_cli("models", "--provider", "anthropic", "--json", cwd=tmp_path, env={"ANTHROPIC_API_KEY": ""})
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 11 and {row["provider"] for row in rows} == {"anthropic"}
    available = run_cli("models", "--available", "--json", cwd=tmp_path, env={"DEEPSEEK_API_KEY": "sk-test-1234"})
    assert {row["provider"] for row in json.loads(available.stdout)} >= {"deepseek"}
    unknown = run_cli("models", "--provider", "nope", cwd=tmp_path)
    assert unknown.returncode != 0 and unknown.stdout == ""


def test_doctor_fails_on_an_unreachable_store_without_leaking_the_password(tmp_path: Path) -> None:
    dead = f"postgresql://doc:pw-never-shown@127.0.0.1:{free_port()}/x"
    result = run_cli(
        "doctor",
        cwd=tmp_path,
        env={"TELEMETRYFLOW_MCP_POSTGRES_URL": dead, "XDG_DATA_HOME": str(tmp_path / "data")},
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ok    config")
    postgres_lines = [line for line in lines if " postgres" in line]
    assert postgres_lines and postgres_lines[0].startswith("FAIL")
    assert "pw-never-shown" not in result.stdout + result.stderr


def test_doctor_passes_with_nothing_but_the_embedded_store(tmp_path: Path) -> None:
    result = run_cli("doctor", cwd=tmp_path, env={"XDG_DATA_HOME": str(tmp_path / "data")})
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(line.startswith("ok") and "clickhouse" in line for line in result.stdout.splitlines())


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("serve", "demo", "db", "config", "models", "tools", "doctor", "version"):
        assert command in result.stdout


def test_db_migrate_platform_is_idempotent(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    first = run_cli("db", "migrate", "--platform", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert "clickhouse/platform: 001_telemetry" in first.stdout
    again = run_cli("db", "migrate", "--platform", cwd=tmp_path, env=env)
    assert again.returncode == 0
    assert "clickhouse/server: up to date" in again.stdout and "clickhouse/platform: up to date" in again.stdout


@pytest.mark.parametrize("args", [(), ("serve",), ("serve", "--transport", "stdio"), ("--config", "tfo-mcp.yaml")])
def test_every_way_of_starting_stdio_serves_a_session(tmp_path: Path, args: tuple[str, ...]) -> None:
    """Plain `tfo-mcp` / `tfo-mcp serve` take the direct start-up path; options go through the full CLI."""
    from tests.support.mcp_process import StdioServer

    (tmp_path / "tfo-mcp.yaml").write_text("logging:\n  level: WARNING\n")
    server = StdioServer(tmp_path, args=args)
    try:
        assert server.initialize()["result"]["serverInfo"]["name"] == "tfo-mcp"
        tools = server.request("tools/list")["result"]["tools"]
        assert "echo" in {tool["name"] for tool in tools}
        assert server.close_stdin_and_wait() == 0
    finally:
        server.stop()
    assert all(line.lstrip().startswith("{") for line in server.stdout_lines)


def test_garbage_collection_is_back_on_and_start_up_objects_frozen_once_serving(tmp_path: Path) -> None:
    """Start-up runs without collections (faster); the running server must collect again, or it leaks."""
    probe = (
        "import gc, sys\n"
        "sys.argv = ['tfo-mcp']\n"
        "from tfo_mcp import launch\n"
        "launch.main()\n"
        "print('enabled', gc.isenabled(), 'frozen', gc.get_freeze_count() > 1000, file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEMETRYFLOW_MCP_")}
    result = subprocess.run(
        [sys.executable, "-c", probe], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
        cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "enabled True frozen True" in result.stderr
    assert result.stdout == ""


def test_db_migrate_shows_progress_on_stderr_only(tmp_path: Path) -> None:
    """Plain lines without a terminal (a log, a CI job); stdout keeps only the result."""
    result = run_cli("db", "migrate", "--platform", cwd=tmp_path, env={"XDG_DATA_HOME": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("db migrate:")]
    assert lines[0].startswith("db migrate:   0 %") and lines[-1].startswith("db migrate: 100 %"), lines
    assert "\r" not in result.stderr and "db migrate" not in result.stdout


def test_db_migrate_draws_a_bar_on_a_terminal(tmp_path: Path) -> None:
    import pty

    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEMETRYFLOW_MCP_")}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "tfo_mcp", "db", "migrate"], stdout=subprocess.PIPE, stderr=follower,
            env=env, cwd=tmp_path, timeout=120, check=False,
        )  # fmt: skip
        os.close(follower)
        follower = -1
        drawn = b""
        while chunk := _read_pty(leader):
            drawn += chunk
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert proc.returncode == 0
    text = drawn.decode(errors="replace")
    assert "\rdb migrate [" in text and "100 %" in text, text
    assert b"db migrate" not in proc.stdout


def _read_pty(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO once the writer has closed
        return b""
