"""Configuration precedence, validation errors, redaction, and the `config` CLI commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tfo_mcp.config import ConfigError, load_settings, redact_url, redacted_dump


def write_yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tfo-mcp.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TELEMETRYFLOW_MCP_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "tfo_mcp", *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=60
    )


def test_defaults_without_file_or_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    loaded = load_settings(environ={})
    assert loaded.config_file is None
    assert loaded.settings.server.transport == "stdio"
    assert loaded.settings.server.host == "127.0.0.1"
    assert loaded.settings.security.allowed_roots == [tmp_path]
    assert set(loaded.sources.values()) == {"default"}


def test_env_beats_yaml_beats_defaults(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, "server:\n  port: 9001\n  name: from-yaml\nlogging:\n  level: debug\n")
    loaded = load_settings(path, environ={"TELEMETRYFLOW_MCP_SERVER__PORT": "9002"})
    assert loaded.settings.server.port == 9002
    assert loaded.settings.server.name == "from-yaml"
    assert loaded.settings.logging.level == "DEBUG"
    assert loaded.sources["server.port"] == "env:TELEMETRYFLOW_MCP_SERVER__PORT"
    assert loaded.sources["server.name"] == f"yaml:{path}"
    assert loaded.sources["server.transport"] == "default"


def test_seed_style_section_prefixes_and_claude_alias(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, "claude:\n  default_model: gpt-5\n")
    env = {
        "TELEMETRYFLOW_MCP_POSTGRES_URL": "postgresql://u:pw@db:5432/x",
        "TELEMETRYFLOW_MCP_CLAUDE_MAX_TOKENS": "99",
        "TELEMETRYFLOW_MCP_LOG_FORMAT": "json",
        "TELEMETRYFLOW_MCP_SECURITY_ALLOWED_COMMANDS": "ls,cat",
    }
    settings = load_settings(path, environ=env).settings
    assert settings.llm.default_model == "gpt-5"
    assert settings.llm.max_tokens == 99
    assert settings.logging.format == "json"
    assert settings.postgres.url is not None
    assert settings.postgres.url.get_secret_value() == "postgresql://u:pw@db:5432/x"
    assert settings.security.allowed_commands == ["ls", "cat"]


def test_json_list_from_env(tmp_path: Path) -> None:
    roots = [str(tmp_path / "a"), str(tmp_path / "b")]
    settings = load_settings(environ={"TELEMETRYFLOW_MCP_SECURITY__ALLOWED_ROOTS": json.dumps(roots)}).settings
    assert [str(p) for p in settings.security.allowed_roots] == roots


@pytest.mark.parametrize(
    ("env", "yaml_text", "expected"),
    [
        ({"TELEMETRYFLOW_MCP_SERVER__TRANSPORT": "carrier-pigeon"}, None, "server.transport (from env:"),
        ({"TELEMETRYFLOW_MCP_SERVER__PORT": "70000"}, None, "server.port (from env:TELEMETRYFLOW_MCP_SERVER__PORT)"),
        ({}, "server:\n  port: 0\n", "server.port (from yaml:"),
        ({}, "server:\n  colour: blue\n", "unknown key 'server.colour' (from yaml:"),
        ({"TELEMETRYFLOW_MCP_NOPE__X": "1"}, None, "unknown key 'nope'"),
        ({}, "server: [unclosed\n", "invalid YAML at line"),
        ({}, "- just\n- a list\n", "top level must be a mapping"),
    ],
)
def test_bad_values_fail_with_one_clear_line(
    tmp_path: Path, env: dict[str, str], yaml_text: str | None, expected: str
) -> None:
    path = write_yaml(tmp_path, yaml_text) if yaml_text is not None else None
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ=env)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_unreadable_yaml_is_a_clear_error(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, "server: {}\n")
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything: use a directory instead
        path.chmod(0o644)
        path = tmp_path / "dir.yaml"
        path.mkdir()
    with pytest.raises(ConfigError, match=r"not found or not a file|cannot be read"):
        load_settings(path, environ={})


def test_redaction_hides_passwords_and_keys() -> None:
    assert redact_url("postgresql://alice:hunter2@db:5432/x") == "postgresql://alice:***@db:5432/x"
    assert redact_url("clickhouse://db:9000/x") == "clickhouse://db:9000/x"
    settings = load_settings(
        environ={
            "TELEMETRYFLOW_MCP_POSTGRES__URL": "postgresql://alice:hunter2@db/x",
            "TELEMETRYFLOW_MCP_LLM__API_KEY": "sk-ant-verysecretvalue",
            "TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN": "tok-abcdef",
        }
    ).settings
    dumped = json.dumps(redacted_dump(settings))
    for secret in ("hunter2", "verysecretvalue", "tok-abcdef"):
        assert secret not in dumped
    assert "postgresql://alice:***@db/x" in dumped


def test_config_show_prints_sources_and_redacts(tmp_path: Path) -> None:
    write_yaml(tmp_path, "server:\n  name: yaml-name\n")
    result = run_cli(
        "config", "show", "--json",
        env={"TELEMETRYFLOW_MCP_POSTGRES_URL": "postgresql://bob:pa55word@h/db"}, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["values"]["server.name"] == "yaml-name"
    assert body["sources"]["server.name"].startswith("yaml:")
    assert body["sources"]["postgres.url"] == "env:TELEMETRYFLOW_MCP_POSTGRES_URL"
    assert "pa55word" not in result.stdout + result.stderr


@pytest.mark.parametrize("command", [["serve"], ["config", "validate"], []])
def test_bad_config_exits_2_with_nothing_on_stdout(tmp_path: Path, command: list[str]) -> None:
    result = run_cli(*command, env={"TELEMETRYFLOW_MCP_SERVER__PORT": "99999"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "server.port" in lines[0] and "TELEMETRYFLOW_MCP_SERVER__PORT" in lines[0]


def test_config_validate_accepts_a_good_file(tmp_path: Path) -> None:
    path = write_yaml(tmp_path, "server:\n  transport: http\n  port: 8181\n")
    result = run_cli("config", "validate", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout
