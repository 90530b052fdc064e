"""LLM layer without HTTP: the catalog, provider inference, credentials, model resolution, history budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from tests.support.fixtures_llm import LLM_ENV_VARS, fake_key
from tfo_mcp import config
from tfo_mcp.llm import conversations, litellm_loader, providers


def install(environ: dict[str, str]) -> None:
    config.set_settings(config.load_settings(environ=environ))


@pytest.fixture
def no_llm_settings(clean_llm_env: None) -> None:
    install({})


# --------------------------------------------------------------------------- catalog


def test_catalog_holds_111_models_of_11_providers_plus_the_custom_placeholder() -> None:
    entries = providers.catalog()
    counts = Counter(entry.provider for entry in entries)
    assert len(entries) == 112
    assert counts == {
        "anthropic": 11, "google": 10, "openai": 10, "deepseek": 10, "qwen": 10, "ollama": 10,
        "mistral": 10, "grok": 10, "kimi": 10, "zhipu": 10, "mimo": 10, "custom": 1,
    }  # fmt: skip
    assert len({entry.model for entry in entries}) == 112, "model ids are unique"
    prefixes = {name: spec.litellm_prefix for name, spec in providers.PROVIDERS.items()}
    for entry in entries:
        assert entry.route == f"{prefixes[entry.provider]}/{entry.model}", entry


def test_catalog_routes_are_the_documented_litellm_routes() -> None:
    routes = {entry.model: entry.route for entry in providers.catalog()}
    assert routes["claude-sonnet-4-20250514"] == "anthropic/claude-sonnet-4-20250514"
    assert routes["gemini-2.5-flash"] == "gemini/gemini-2.5-flash"
    assert routes["qwen3.6-plus"] == "dashscope/qwen3.6-plus"
    assert routes["qwen3:32b"] == "ollama_chat/qwen3:32b"
    assert routes["grok-4.3"] == "xai/grok-4.3"
    assert routes["kimi-k2"] == "moonshot/kimi-k2"
    assert routes["glm-4.6"] == "zai/glm-4.6"
    assert routes["mimo-v2.5-pro"] == "xiaomi_mimo/mimo-v2.5-pro"
    assert routes["custom-model-v1"] == "openai/custom-model-v1"


def test_list_models_filters_by_provider_alias_and_by_configured_credentials(clean_llm_env: None) -> None:
    install({"TELEMETRYFLOW_MCP_LLM__PROVIDERS__GROK__API_KEY": fake_key("grok")})
    rows = providers.list_models()
    assert len(rows) == 112
    assert set(rows[0]) == {"provider", "model", "route", "credentials_configured"}
    xai = providers.list_models(provider="xai")
    assert len(xai) == 10 and all(row["provider"] == "grok" and row["credentials_configured"] for row in xai)
    available = providers.list_models(available_only=True)
    assert {row["provider"] for row in available} == {"grok"}
    assert providers.list_models(provider="openai", available_only=True) == []
    with pytest.raises(ValueError, match="unknown provider 'nope'"):
        providers.list_models(provider="nope")


# --------------------------------------------------------------------------- inference and resolution


@pytest.mark.parametrize(
    ("model", "provider"),
    [
        ("claude-sonnet-4-20250514", "anthropic"),
        ("gemini-2.5-pro", "google"),
        ("gpt-5", "openai"),
        ("o3", "openai"),
        ("deepseek-reasoner", "deepseek"),
        ("qwen3.6-plus", "qwen"),
        ("qwen3:32b", "qwen"),  # TFO v1.2.0's order: qwen before ollama
        ("deepseek-r1:70b", "deepseek"),
        ("llama3.3:70b", "ollama"),
        ("mistral-small:2603", "ollama"),
        ("codestral-2508", "mistral"),
        ("grok-4.3", "grok"),
        ("moonshot-v1-8k", "kimi"),
        ("glm-4.6", "zhipu"),
        ("mimo-v2.5", "mimo"),
        ("custom-model-v1", "custom"),
        ("o3-mini", None),
        ("llama-3-70b", None),
    ],
)
def test_provider_inference_follows_the_earlier_servers_order(model: str, provider: str | None) -> None:
    assert providers.infer_provider(model) == provider


def test_ambiguous_id_resolves_to_qwen_unless_only_ollama_is_configured(clean_llm_env: None) -> None:
    both = {
        "TELEMETRYFLOW_MCP_LLM__PROVIDERS__QWEN__API_KEY": fake_key("qwen"),
        "TELEMETRYFLOW_MCP_LLM__PROVIDERS__OLLAMA__BASE_URL": "http://127.0.0.1:9",
    }
    install(both)
    resolved = providers.resolve_model("qwen3:32b")
    assert (resolved.provider, resolved.route) == ("qwen", "dashscope/qwen3:32b")
    explicit = providers.resolve_model("ollama/qwen3:32b")
    assert (explicit.provider, explicit.route, explicit.base_url) == (
        "ollama",
        "ollama_chat/qwen3:32b",
        both["TELEMETRYFLOW_MCP_LLM__PROVIDERS__OLLAMA__BASE_URL"],
    )
    install({"TELEMETRYFLOW_MCP_LLM__PROVIDERS__OLLAMA__BASE_URL": "http://127.0.0.1:9"})
    assert providers.resolve_model("qwen3:32b").provider == "ollama"


def test_provider_slash_model_accepts_names_aliases_and_litellm_prefixes(clean_llm_env: None, monkeypatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", fake_key("google"))
    monkeypatch.setenv("XAI_API_KEY", fake_key("grok"))
    monkeypatch.setenv("ZHIPU_API_KEY", fake_key("zhipu"))
    install({})
    assert providers.resolve_model("gemini/gemini-9-ultra").route == "gemini/gemini-9-ultra"
    assert providers.resolve_model("google/gemini-2.5-pro").provider == "google"
    assert providers.resolve_model("xai/grok-9").provider == "grok"
    assert providers.resolve_model("grok/grok-3").route == "xai/grok-3"
    assert providers.resolve_model("glm/glm-4.6").route == "zai/glm-4.6"
    # a bare id the catalog does not list still goes to its inferred provider
    assert providers.resolve_model("gemini-2.0-pro-exp").route == "gemini/gemini-2.0-pro-exp"


def test_default_model_comes_from_config(clean_llm_env: None) -> None:
    install(
        {
            "TELEMETRYFLOW_MCP_CLAUDE_DEFAULT_MODEL": "glm-4.6",
            "TELEMETRYFLOW_MCP_LLM__PROVIDERS__ZHIPU__API_KEY": fake_key("zhipu"),
        }
    )
    assert providers.resolve_model(None).route == "zai/glm-4.6"


def test_any_litellm_route_of_another_provider_passes_through(no_llm_settings: None) -> None:
    resolved = providers.resolve_model("groq/llama-3.3-70b-versatile")
    assert (resolved.provider, resolved.route, resolved.managed) == ("groq", "groq/llama-3.3-70b-versatile", False)


def test_unknown_model_error_lists_configured_providers(clean_llm_env: None) -> None:
    install({"TELEMETRYFLOW_MCP_LLM__PROVIDERS__MISTRAL__API_KEY": fake_key("mistral")})
    for name in ("totally-unknown-model", "nosuchprovider/some-model", "openai/"):
        with pytest.raises(providers.LLMError) as caught:
            providers.resolve_model(name)
        text = str(caught.value)
        assert "Unknown model" in text and "Configured providers: mistral" in text, text
        assert "mistral-medium-3-5" in text  # an example from a configured provider
        assert caught.value.error_type == "not_found"


def test_missing_credentials_error_names_what_to_set_and_what_is_configured(clean_llm_env: None) -> None:
    install({})
    with pytest.raises(providers.LLMError) as caught:
        providers.resolve_model("claude-sonnet-4-20250514")
    text = str(caught.value)
    assert "ANTHROPIC_API_KEY" in text and "llm.providers.anthropic.api_key" in text
    assert "Configured providers: none" in text
    install({"TELEMETRYFLOW_MCP_LLM__PROVIDERS__DEEPSEEK__API_KEY": fake_key("deepseek")})
    with pytest.raises(providers.LLMError, match=r"OLLAMA_HOST.*Configured providers: deepseek"):
        providers.resolve_model("llama3.3:70b")
    with pytest.raises(providers.LLMError, match="GEMINI_API_KEY or GOOGLE_API_KEY"):
        providers.resolve_model("gemini-2.5-flash")


@pytest.mark.parametrize(
    "hostile",
    ["", "   ", "../../etc/passwd", "gpt-5; rm -rf /", "gpt 5", "x" * 500, "gpt-5\x00", "gpt-5\nset", "模型"],
)
def test_hostile_model_names_are_refused_before_any_call(no_llm_settings: None, hostile: str) -> None:
    with pytest.raises(providers.LLMError) as caught:
        providers.resolve_model(hostile)
    assert caught.value.error_type in {"bad_request", "not_found", "config"}
    assert len(str(caught.value)) < 600


# --------------------------------------------------------------------------- credentials


def test_config_beats_environment_and_env_aliases_are_read(clean_llm_env: None, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-0000000000000000")
    monkeypatch.setenv("GOOGLE_API_KEY", "google-from-env")
    monkeypatch.setenv("QWEN_API_KEY", "qwen-from-env")
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0:11434")
    monkeypatch.setenv("MISTRAL_BASE_URL", "https://proxy.example/mistral/")
    install({"TELEMETRYFLOW_MCP_LLM__PROVIDERS__OPENAI__API_KEY": "sk-from-config-111111111111111"})
    openai = providers.provider_credentials("openai")
    assert (openai.api_key, openai.key_source) == (
        "sk-from-config-111111111111111",
        "config:llm.providers.openai.api_key",
    )
    assert providers.provider_credentials("google").key_source == "env:GOOGLE_API_KEY"
    assert providers.provider_credentials("qwen").key_source == "env:QWEN_API_KEY"
    ollama = providers.provider_credentials("ollama")
    assert ollama.configured and ollama.base_url == "http://127.0.0.1:11434"
    assert providers.provider_credentials("mistral").base_url == "https://proxy.example/mistral"
    assert not providers.provider_credentials("mistral").configured  # a base URL is not a key
    assert "sk-from-config" not in repr(openai)


@pytest.mark.parametrize("provider", list(providers.PROVIDERS))
def test_every_provider_takes_its_key_and_base_url_from_its_customary_variables(
    clean_llm_env: None, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    spec = providers.PROVIDERS[provider]
    for name in spec.key_env[:1]:
        monkeypatch.setenv(name, fake_key(provider))
    monkeypatch.setenv(spec.base_url_env[0], f"http://127.0.0.1:9/{provider}/")
    install({})
    model = next(entry.model for entry in providers.catalog() if entry.provider == provider)
    resolved = providers.resolve_model(f"{provider}/{model}")
    assert resolved.base_url == f"http://127.0.0.1:9/{provider}"
    assert resolved.api_key == (fake_key(provider) if spec.key_env else None)
    assert providers.provider_credentials(provider).base_url_source == f"env:{spec.base_url_env[0]}"


def test_the_claude_section_configures_anthropic(clean_llm_env: None) -> None:
    install(
        {
            "TELEMETRYFLOW_MCP_CLAUDE_API_KEY": fake_key("anthropic"),
            "TELEMETRYFLOW_MCP_CLAUDE_BASE_URL": "http://127.0.0.1:9/anthropic",
        }
    )
    creds = providers.provider_credentials("anthropic")
    assert creds.configured and creds.key_source == "config:llm.api_key"
    assert creds.base_url == "http://127.0.0.1:9/anthropic"
    assert providers.configured_providers() == ["anthropic"]


def test_custom_endpoint_needs_a_base_url_and_never_borrows_the_openai_key(clean_llm_env: None, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-openai-key-must-not-leak-000")
    install({})
    assert not providers.provider_credentials("custom").configured
    monkeypatch.setenv("CUSTOM_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    resolved = providers.resolve_model("custom/my-finetune")
    assert resolved.route == "openai/my-finetune" and resolved.base_url == "http://127.0.0.1:9/v1"
    assert resolved.api_key == "EMPTY"


def test_providers_status_shows_sources_but_never_keys(clean_llm_env: None, monkeypatch) -> None:
    monkeypatch.setenv("MOONSHOT_API_KEY", fake_key("kimi"))
    install({"TELEMETRYFLOW_MCP_LLM__PROVIDERS__CUSTOM__BASE_URL": "http://user:hunter2@127.0.0.1:9/v1"})
    status = {row["provider"]: row for row in providers.providers_status()}
    assert len(status) == 12
    assert status["kimi"]["configured"] and status["kimi"]["key_source"] == "env:MOONSHOT_API_KEY"
    assert status["custom"]["base_url"] == "http://user:***@127.0.0.1:9/v1"
    assert "ANTHROPIC_API_KEY" in status["anthropic"]["how_to_configure"]
    dumped = repr(status)
    assert fake_key("kimi") not in dumped and "hunter2" not in dumped


# --------------------------------------------------------------------------- history budget


def _turns(count: int, size: int = 10) -> list[dict[str, str]]:
    messages = []
    for i in range(count):
        messages.append({"role": "user", "content": f"u{i}".ljust(size, ".")})
        messages.append({"role": "assistant", "content": f"a{i}".ljust(size, ".")})
    return messages


def test_history_keeps_the_newest_whole_turns_within_the_turn_budget() -> None:
    kept = conversations.trim_history(_turns(30), max_turns=20, max_chars=1_000_000)
    assert len(kept) == 40 and kept[0]["content"].startswith("u10") and kept[-1]["content"].startswith("a29")


def test_history_drops_oldest_turns_past_the_character_budget() -> None:
    kept = conversations.trim_history(_turns(10, size=100), max_turns=20, max_chars=1_000, reserved_chars=350)
    assert [m["content"][:2] for m in kept] == ["u7", "a7", "u8", "a8", "u9", "a9"]
    assert conversations.trim_history(_turns(3, size=100), max_turns=20, max_chars=1_000, reserved_chars=5_000) == []


def test_history_never_starts_with_an_orphan_reply() -> None:
    messages = [{"role": "assistant", "content": "orphan"}, *_turns(2)]
    kept = conversations.trim_history(messages, max_turns=5, max_chars=10_000)
    assert kept[0]["role"] == "user" and "orphan" not in {m["content"] for m in kept}


# --------------------------------------------------------------------------- process hygiene


def test_importing_the_server_does_not_import_litellm() -> None:
    modules = "tfo_mcp.llm.providers, tfo_mcp.llm.completion, tfo_mcp.llm.conversations, tfo_mcp.llm.litellm_loader"
    code = f"import sys, tfo_mcp.server, {modules}; print('litellm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"


def test_the_llm_layer_imports_nothing_above_it() -> None:
    """Completion (and through it providers and the LiteLLM loader) imports no tool, server or LiteLLM module."""
    above = ("tfo_mcp.app", "tfo_mcp.server", "tfo_mcp.tools", "litellm")
    code = (
        "import sys, tfo_mcp.llm.completion; "
        f"print(sorted(n for n in sys.modules if any(n == m or n.startswith(m + '.') for m in {above!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_llm_module_imported_first_and_the_models_command_work() -> None:
    code = (
        "from tfo_mcp.llm import providers; import sys; print(len(providers.list_models()), 'litellm' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["112", "False"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEMETRYFLOW_MCP_") and k != "XAI_API_KEY"}
    env["XAI_API_KEY"] = fake_key("grok")
    cli = subprocess.run(
        [sys.executable, "-m", "tfo_mcp", "models", "--available", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in env.items() if k not in LLM_ENV_VARS or k == "XAI_API_KEY"},
    )
    assert cli.returncode == 0, cli.stderr
    rows = json.loads(cli.stdout)
    assert {row["provider"] for row in rows} == {"grok"} and len(rows) == 10
    assert fake_key("grok") not in cli.stdout + cli.stderr


async def test_litellm_is_quieted_when_first_used(no_llm_settings: None) -> None:
    import logging
    import os

    litellm = await litellm_loader.load_async()
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert litellm.suppress_debug_info is True
    assert litellm.drop_params is True
    # nothing that logs or phones home ("cache" is LiteLLM's own no-op hook, added by its Gemini module)
    for name in ("callbacks", "success_callback", "failure_callback", "_async_success_callback"):
        assert set(getattr(litellm, name)) <= {"cache"}, (name, getattr(litellm, name))
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
        for handler in logging.getLogger(name).handlers:
            assert not type(handler).__module__.startswith("litellm"), f"{name} still writes through {handler}"


def test_shutdown_closes_litellm_clients() -> None:
    from tfo_mcp import app

    assert any(c.stop is litellm_loader.close_litellm_clients for c in app.CAPABILITIES)
