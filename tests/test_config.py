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


# --------------------------------------------------------------------------- secrets in URL query parameters

#: Every way a URL here may carry a secret in its query (or fragment), and what must stay visible.
QUERY_SECRETS = {
    "TELEMETRYFLOW_MCP_POSTGRES__URL": "postgresql://alice@127.0.0.1:1/x?sslmode=disable&password=pg-pw-1&sslpassword=pg-ssl-2",
    "TELEMETRYFLOW_MCP_POSTGRES__QUERY_URL": "postgresql:///x?host=/nonexistent&passwd=pg-pw-3;application_name=tfo",
    "TELEMETRYFLOW_MCP_CLICKHOUSE__URL": "clickhouse://default@127.0.0.1:1/db?password=ch-pw-4&verify=false",
    "TELEMETRYFLOW_MCP_LLM__BASE_URL": "https://llm.example/v1?api-key=llm-key-5&Access_Token=llm-tok-6#sig=frag-7",
    "TELEMETRYFLOW_MCP_TELEMETRY__OTLP_ENDPOINT": "https://otel:s3cr3t-8@collector:4318/?X-Amz-Signature=sig-9",
}
QUERY_SECRET_VALUES = (
    "pg-pw-1",
    "pg-ssl-2",
    "pg-pw-3",
    "ch-pw-4",
    "llm-key-5",
    "llm-tok-6",
    "frag-7",
    "s3cr3t-8",
    "sig-9",
)
QUERY_KEPT = ("sslmode=disable", "application_name=tfo", "verify=false", "host=/nonexistent", "password=***")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://db/x?sslmode=require&password=hunter2", "postgresql://db/x?sslmode=require&password=***"),
        ("postgresql://u:pw@db/x?sslpassword=k&sslkey=/k.pem", "postgresql://u:***@db/x?sslpassword=***&sslkey=/k.pem"),
        ("postgresql:///db?host=/tmp&pwd=z", "postgresql:///db?host=/tmp&pwd=***"),
        ("PostgreSQL://db/x?PassWord=a;Secret=b", "PostgreSQL://db/x?PassWord=***;Secret=***"),
        ("clickhouse://db:9000/x?user=u&password=s3&verify=false", "clickhouse://db:9000/x?user=u&password=***&verify=false"),
        ("https://h/?key=AIza&sig=s&token=t&client_secret=c&aws_secret_access_key=k", "https://h/?key=***&sig=***&token=***&client_secret=***&aws_secret_access_key=***"),
        ("https://h/cb#access_token=abc&state=1", "https://h/cb#access_token=***&state=1"),
        ("https://h/?api%5Fkey=x&page=2", "https://h/?api%5Fkey=***&page=2"),
        ("https://h/x?page=2&sort=name", "https://h/x?page=2&sort=name"),
        ("postgresql://db/x?password=", "postgresql://db/x?password="),
        ("http://[broken", "***"),
    ],
)  # fmt: skip
def test_redact_url_masks_the_password_and_secret_query_parameters(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_config_show_masks_secret_query_parameters(tmp_path: Path) -> None:
    for as_json in (False, True):
        result = run_cli("config", "show", *(["--json"] if as_json else []), env=QUERY_SECRETS, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        for secret in QUERY_SECRET_VALUES:
            assert secret not in result.stdout + result.stderr, (as_json, secret)
        for kept in QUERY_KEPT:
            assert kept in result.stdout, (as_json, kept)


def test_config_resource_health_and_logs_mask_secret_query_parameters(tmp_path: Path) -> None:
    """The real server: config://server, status://health (unreachable stores) and its log lines."""
    from tests.support.mcp_process import StdioServer

    server = StdioServer(tmp_path, env={**QUERY_SECRETS, "TELEMETRYFLOW_MCP_LOG__LEVEL": "DEBUG"})
    try:
        server.initialize()
        config_text = server.request("resources/read", {"uri": "config://server"})["result"]["contents"][0]["text"]
        health_text = server.request("resources/read", {"uri": "status://health"})["result"]["contents"][0]["text"]
        failed = server.request("tools/call", {"name": "pg_query", "arguments": {"query": "SELECT 1"}})
        assert server.close_stdin_and_wait() == 0
    finally:
        server.stop()
    settings = json.loads(config_text)["settings"]
    assert settings["postgres"]["url"].endswith("?sslmode=disable&password=***&sslpassword=***")
    assert settings["llm"]["base_url"] == "https://llm.example/v1?api-key=***&Access_Token=***#sig=***"
    everything = config_text + health_text + json.dumps(failed) + "".join(server.stdout_lines) + server.stderr_text
    for secret in QUERY_SECRET_VALUES:
        assert secret not in everything, secret
