"""The 12 providers, the model catalog, credentials, and what a model name resolves to.

Credentials and base URL of a provider, first match wins for each value:

1. config ``llm.providers.<name>.api_key`` / ``.base_url`` (YAML, or env such as
   ``TELEMETRYFLOW_MCP_LLM__PROVIDERS__OPENAI__API_KEY``; aliases such as ``gemini``/``xai`` accepted);
   for Anthropic also ``llm.api_key`` / ``llm.base_url`` (TFO's ``claude`` section);
2. the provider's customary environment variables:

   provider   key                                base URL override                              LiteLLM prefix
   anthropic  ANTHROPIC_API_KEY                  ANTHROPIC_BASE_URL, ANTHROPIC_API_BASE         anthropic/
   google     GEMINI_API_KEY, GOOGLE_API_KEY     GEMINI_BASE_URL, GEMINI_API_BASE               gemini/
   openai     OPENAI_API_KEY                     OPENAI_BASE_URL, OPENAI_API_BASE               openai/
   deepseek   DEEPSEEK_API_KEY                   DEEPSEEK_BASE_URL, DEEPSEEK_API_BASE           deepseek/
   qwen       DASHSCOPE_API_KEY, QWEN_API_KEY    DASHSCOPE_BASE_URL, QWEN_BASE_URL              dashscope/
   ollama     (none)                             OLLAMA_HOST, OLLAMA_BASE_URL, OLLAMA_API_BASE  ollama_chat/
   mistral    MISTRAL_API_KEY                    MISTRAL_BASE_URL, MISTRAL_API_BASE             mistral/
   grok       XAI_API_KEY                        XAI_BASE_URL, XAI_API_BASE                     xai/
   kimi       MOONSHOT_API_KEY                   MOONSHOT_BASE_URL, MOONSHOT_API_BASE           moonshot/
   zhipu      ZAI_API_KEY, ZHIPU_API_KEY         ZAI_BASE_URL, ZHIPU_BASE_URL                   zai/
   mimo       XIAOMI_MIMO_API_KEY, MIMO_API_KEY  XIAOMI_MIMO_BASE_URL, MIMO_BASE_URL            xiaomi_mimo/
   custom     CUSTOM_LLM_API_KEY (optional)      CUSTOM_LLM_BASE_URL (required)                 openai/

   (LiteLLM's own ``<PREFIX>_API_BASE`` names are read too.)

A base URL is what the provider's own SDK calls its base: ``https://api.anthropic.com``,
``https://generativelanguage.googleapis.com/v1beta``, ``https://api.openai.com/v1``, ``http://localhost:11434``
(``OLLAMA_HOST=host:port`` works too)... (:data:`PROVIDERS` ``default_base_url``). Ollama needs no key: it counts
as configured once a base URL is set. The custom endpoint needs a base URL; its key is optional.

Model names: a catalog id (``tfo_mcp/data/models.tsv``), ``provider/model`` (``ollama/qwen3:32b``), or any LiteLLM
model string (``groq/llama-3.3-70b-versatile``, credentials then read by LiteLLM itself). A bare id is routed by
TFO v1.2.0's prefix rules (``qwen3:32b`` -> qwen before ollama), unless only the catalog's provider is configured.
Only a name that neither the catalog nor a known prefix resolves needs LiteLLM's own provider table.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources as package_files
from typing import Any

from fastmcp.exceptions import ToolError
from loguru import logger

from tfo_mcp.config import LLMSettings, get_settings, redact_url
from tfo_mcp.health import ComponentHealth
from tfo_mcp.llm import litellm_loader
from tfo_mcp.llm.notices import warn_once

MODEL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$")


class LLMError(ToolError):
    """An LLM call failed; the message is safe to show (no keys, no stack trace)."""

    def __init__(self, message: str, error_type: str) -> None:
        super().__init__(message)
        self.error_type = error_type


# --------------------------------------------------------------------------- providers


@dataclass(frozen=True)
class ProviderSpec:
    """One of the 12 providers: how LiteLLM routes it and where its credentials come from."""

    name: str
    label: str
    litellm_prefix: str
    key_env: tuple[str, ...]
    base_url_env: tuple[str, ...]
    default_base_url: str | None
    aliases: tuple[str, ...] = ()
    needs_key: bool = True
    needs_base_url: bool = False


PROVIDERS: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec("anthropic", "Anthropic", "anthropic", ("ANTHROPIC_API_KEY",),
                     ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_BASE"), "https://api.anthropic.com", ("claude",)),
        ProviderSpec("google", "Google Gemini", "gemini", ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
                     ("GEMINI_BASE_URL", "GEMINI_API_BASE"), "https://generativelanguage.googleapis.com/v1beta",
                     ("gemini",)),
        ProviderSpec("openai", "OpenAI", "openai", ("OPENAI_API_KEY",),
                     ("OPENAI_BASE_URL", "OPENAI_API_BASE"), "https://api.openai.com/v1"),
        ProviderSpec("deepseek", "DeepSeek", "deepseek", ("DEEPSEEK_API_KEY",),
                     ("DEEPSEEK_BASE_URL", "DEEPSEEK_API_BASE"), "https://api.deepseek.com"),
        ProviderSpec("qwen", "Qwen (DashScope)", "dashscope", ("DASHSCOPE_API_KEY", "QWEN_API_KEY"),
                     ("DASHSCOPE_BASE_URL", "QWEN_BASE_URL", "DASHSCOPE_API_BASE"),
                     "https://dashscope-intl.aliyuncs.com/compatible-mode/v1", ("dashscope",)),
        ProviderSpec("ollama", "Ollama", "ollama_chat", (), ("OLLAMA_HOST", "OLLAMA_BASE_URL", "OLLAMA_API_BASE"),
                     "http://localhost:11434", ("ollama_chat",), needs_key=False, needs_base_url=True),
        ProviderSpec("mistral", "Mistral", "mistral", ("MISTRAL_API_KEY",),
                     ("MISTRAL_BASE_URL", "MISTRAL_API_BASE"), "https://api.mistral.ai/v1"),
        ProviderSpec("grok", "Grok (xAI)", "xai", ("XAI_API_KEY",), ("XAI_BASE_URL", "XAI_API_BASE"),
                     "https://api.x.ai/v1", ("xai",)),
        ProviderSpec("kimi", "Kimi (Moonshot)", "moonshot", ("MOONSHOT_API_KEY",),
                     ("MOONSHOT_BASE_URL", "MOONSHOT_API_BASE"), "https://api.moonshot.ai/v1", ("moonshot",)),
        ProviderSpec("zhipu", "Zhipu (GLM)", "zai", ("ZAI_API_KEY", "ZHIPU_API_KEY"),
                     ("ZAI_BASE_URL", "ZHIPU_BASE_URL", "ZAI_API_BASE"), "https://api.z.ai/api/paas/v4",
                     ("zai", "glm")),
        ProviderSpec("mimo", "MiMo (Xiaomi)", "xiaomi_mimo", ("XIAOMI_MIMO_API_KEY", "MIMO_API_KEY"),
                     ("XIAOMI_MIMO_BASE_URL", "MIMO_BASE_URL", "XIAOMI_MIMO_API_BASE"), "https://api.xiaomimimo.com/v1",
                     ("xiaomi_mimo", "xiaomi")),
        ProviderSpec("custom", "Custom OpenAI-compatible", "openai", ("CUSTOM_LLM_API_KEY",), ("CUSTOM_LLM_BASE_URL",),
                     None, needs_key=False, needs_base_url=True),
    )
}  # fmt: skip

_ALIASES: dict[str, str] = {alias: spec.name for spec in PROVIDERS.values() for alias in (spec.name, *spec.aliases)}

#: TFO v1.2.0's provider inference from a bare model id; order matters ("qwen3:32b" is qwen, not ollama).
_INFERENCE: tuple[tuple[Callable[[str], bool], str], ...] = (
    (lambda m: m.startswith(("claude-", "claude_")), "anthropic"),
    (lambda m: m.startswith("gemini-"), "google"),
    (lambda m: m.startswith("gpt-") or m == "o3", "openai"),
    (lambda m: m.startswith(("deepseek-", "deepseek_")), "deepseek"),
    (lambda m: m.startswith("qwen"), "qwen"),
    (lambda m: ":" in m, "ollama"),
    (lambda m: m.startswith(("mistral-", "ministral-", "codestral-", "devstral-")), "mistral"),
    (lambda m: m.startswith("grok-"), "grok"),
    (lambda m: m.startswith(("kimi-", "moonshot-")), "kimi"),
    (lambda m: m.startswith("glm-"), "zhipu"),
    (lambda m: m.startswith("mimo-"), "mimo"),
    (lambda m: m.startswith("custom-"), "custom"),
)


def provider_spec(name: str) -> ProviderSpec:
    """The provider for a name or alias (``gemini`` -> google, ``xai`` -> grok); ValueError if unknown."""
    canonical = _ALIASES.get(name.strip().lower())
    if canonical is None:
        raise ValueError(f"unknown provider {name!r}; providers: {', '.join(PROVIDERS)}")
    return PROVIDERS[canonical]


def infer_provider(model_id: str) -> str | None:
    """The provider of a bare model id by TFO v1.2.0's prefix rules, or None."""
    lowered = model_id.lower()
    for matches, provider in _INFERENCE:
        if matches(lowered):
            return provider
    return None


# --------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class CatalogModel:
    provider: str
    model: str
    route: str
    credentials: str


@cache
def catalog() -> tuple[CatalogModel, ...]:
    """The model catalog shipped in ``tfo_mcp/data/models.tsv`` (111 models + ``custom-model-v1``)."""
    text = package_files.files("tfo_mcp").joinpath("data/models.tsv").read_text(encoding="utf-8")
    rows = []
    for row in csv.DictReader(io.StringIO(text), delimiter="\t"):
        route = row["litellm_route"].split()[0]  # "openai/custom-model-v1 + api_base" -> the route itself
        rows.append(CatalogModel(provider_spec(row["provider"]).name, row["model"], route, row["credentials"]))
    return tuple(rows)


@cache
def _catalog_index() -> dict[str, CatalogModel]:
    return {entry.model: entry for entry in catalog()}


# --------------------------------------------------------------------------- credentials


@dataclass(frozen=True)
class ProviderCredentials:
    """Where one provider's key and base URL come from. `api_key` is never logged or returned to clients."""

    provider: str
    api_key: str | None = field(repr=False)
    base_url: str | None
    key_source: str | None
    base_url_source: str | None

    @property
    def configured(self) -> bool:
        spec = PROVIDERS[self.provider]
        has_key = self.api_key is not None or not spec.needs_key
        has_base = self.base_url is not None or not spec.needs_base_url
        return has_key and has_base


def _normalise_base_url(provider: str, url: str) -> str:
    url = url.strip().rstrip("/")
    if "://" not in url:  # OLLAMA_HOST is customarily host:port
        url = "http://" + url
    if provider == "ollama":
        url = url.replace("://0.0.0.0", "://127.0.0.1")
    return url


def _config_providers(settings: LLMSettings) -> dict[str, Any]:
    """Config entries keyed by canonical provider name (aliases accepted; unknown names warned about)."""
    entries: dict[str, Any] = {}
    for name, entry in settings.providers.items():
        canonical = _ALIASES.get(name.lower())
        if canonical is None:
            warn_once(f"provider:{name}", f"llm.providers.{name}: unknown provider (known: {', '.join(PROVIDERS)})")
            continue
        entries[canonical] = entry
    return entries


def provider_credentials(provider: str, settings: LLMSettings | None = None) -> ProviderCredentials:
    """The effective key and base URL of a provider: config first, then its environment variables."""
    spec = provider_spec(provider)
    settings = settings or get_settings().llm
    entry = _config_providers(settings).get(spec.name)
    key = key_source = base = base_source = None
    if entry is not None and entry.api_key is not None and entry.api_key.get_secret_value():
        key, key_source = entry.api_key.get_secret_value(), f"config:llm.providers.{spec.name}.api_key"
    if entry is not None and entry.base_url:
        base, base_source = entry.base_url, f"config:llm.providers.{spec.name}.base_url"
    if spec.name == "anthropic":
        if key is None and settings.api_key is not None and settings.api_key.get_secret_value():
            key, key_source = settings.api_key.get_secret_value(), "config:llm.api_key"
        if base is None and settings.base_url:
            base, base_source = settings.base_url, "config:llm.base_url"
    for name in spec.key_env if key is None else ():
        if os.environ.get(name, "").strip():
            key, key_source = os.environ[name].strip(), f"env:{name}"
            break
    for name in spec.base_url_env if base is None else ():
        if os.environ.get(name, "").strip():
            base, base_source = os.environ[name], f"env:{name}"
            break
    if base is not None:
        base = _normalise_base_url(spec.name, base)
    return ProviderCredentials(spec.name, key, base, key_source, base_source)


def configured_providers() -> list[str]:
    """Names of the providers whose credentials are present (nothing is contacted)."""
    settings = get_settings().llm
    return [name for name in PROVIDERS if provider_credentials(name, settings).configured]


def how_to_configure(spec: ProviderSpec) -> str:
    if spec.name == "ollama":
        return "set OLLAMA_HOST (e.g. http://localhost:11434) or llm.providers.ollama.base_url"
    if spec.name == "custom":
        return "set CUSTOM_LLM_BASE_URL (and CUSTOM_LLM_API_KEY if it needs one) or llm.providers.custom.base_url"
    env = " or ".join(spec.key_env)
    return f"set {env} or llm.providers.{spec.name}.api_key"


def providers_status() -> list[dict[str, Any]]:
    """Per provider: configured, where the key/base URL come from (names only), base URL (password redacted)."""
    settings = get_settings().llm
    counts: dict[str, int] = {}
    for entry in catalog():
        counts[entry.provider] = counts.get(entry.provider, 0) + 1
    status = []
    for spec in PROVIDERS.values():
        creds = provider_credentials(spec.name, settings)
        status.append(
            {
                "provider": spec.name,
                "label": spec.label,
                "configured": creds.configured,
                "key_source": creds.key_source,
                "base_url": redact_url(creds.base_url) if creds.base_url else None,
                "base_url_source": creds.base_url_source,
                "default_base_url": spec.default_base_url,
                "key_env": list(spec.key_env),
                "base_url_env": list(spec.base_url_env),
                "catalog_models": counts.get(spec.name, 0),
                "how_to_configure": None if creds.configured else how_to_configure(spec),
            }
        )
    return status


def list_models(provider: str | None = None, available_only: bool = False) -> list[dict[str, Any]]:
    """The catalog as rows {provider, model, route, credentials_configured}; ValueError for an unknown provider."""
    wanted = provider_spec(provider).name if provider else None
    settings = get_settings().llm
    configured = {name: provider_credentials(name, settings).configured for name in PROVIDERS}
    rows = []
    for entry in catalog():
        if wanted and entry.provider != wanted:
            continue
        if available_only and not configured[entry.provider]:
            continue
        rows.append(
            {
                "provider": entry.provider,
                "model": entry.model,
                "route": entry.route,
                "credentials_configured": configured[entry.provider],
            }
        )
    return rows


# --------------------------------------------------------------------------- model resolution


@dataclass(frozen=True)
class ResolvedModel:
    """What a model name resolves to: provider, LiteLLM route and the credentials to send."""

    requested: str
    provider: str
    model: str
    route: str
    api_key: str | None = field(repr=False)
    base_url: str | None
    managed: bool  # one of the 12 providers (False: a LiteLLM route passed through as is)


def _configured_summary() -> str:
    names = configured_providers()
    return ", ".join(names) if names else "none"


def _unknown_model(name: str) -> LLMError:
    configured = configured_providers()
    examples = [e.model for e in catalog() if e.provider in configured][:6] or [e.model for e in catalog()][:4]
    return LLMError(
        f"Unknown model {name!r}. Use a catalog id (resource llm://models or `tfo-mcp models`, e.g. "
        f"{', '.join(examples)}), 'provider/model' with a provider among {', '.join(PROVIDERS)}, "
        f"or a LiteLLM model string. Configured providers: {', '.join(configured) if configured else 'none'}.",
        "not_found",
    )


def _not_configured(spec: ProviderSpec, name: str) -> LLMError:
    return LLMError(
        f"Model {name!r} needs provider {spec.name} ({spec.label}), which has no credentials: "
        f"{how_to_configure(spec)}. Configured providers: {_configured_summary()}.",
        "config",
    )


def resolve_model(name: str | None = None) -> ResolvedModel:
    """Resolve a catalog id, `provider/model` or LiteLLM model string; LLMError if unknown or unconfigured."""
    settings = get_settings().llm
    requested = (name or settings.default_model or "").strip()
    if not MODEL_NAME_RE.match(requested):
        shown = requested[:80] + ("..." if len(requested) > 80 else "")
        raise LLMError(f"Invalid model name {shown!r}: letters, digits and ._:/@+- only, at most 200", "bad_request")
    prefix, slash, rest = requested.partition("/")
    if slash:
        canonical = _ALIASES.get(prefix.lower())
        if canonical is None:
            return _passthrough(requested, prefix, rest)
        if not rest:
            raise _unknown_model(requested)
        return _managed(requested, PROVIDERS[canonical], rest, settings)
    entry = _catalog_index().get(requested)
    inferred = infer_provider(requested)
    provider = inferred or (entry.provider if entry else None)
    if inferred and entry and inferred != entry.provider:
        # Ambiguous id (e.g. qwen3:32b): TFO v1.2.0's rule wins, unless only the catalog's provider
        # has credentials. "provider/model" always selects one explicitly.
        if not provider_credentials(inferred, settings).configured and (
            provider_credentials(entry.provider, settings).configured
        ):
            provider = entry.provider
        logger.debug("model {!r} resolves to {} (catalog lists it under {})", requested, provider, entry.provider)
    if provider is None:
        return _from_litellm(requested, settings)
    return _managed(requested, PROVIDERS[provider], requested, settings)


def resolution_needs_litellm(name: str) -> bool:
    """True when only LiteLLM's own provider table can resolve `name` (not a catalog id or known prefix)."""
    prefix, slash, _ = name.partition("/")
    if slash:
        return prefix.lower() not in _ALIASES
    return name not in _catalog_index() and infer_provider(name) is None


def _managed(requested: str, spec: ProviderSpec, model: str, settings: LLMSettings) -> ResolvedModel:
    creds = provider_credentials(spec.name, settings)
    if not creds.configured:
        raise _not_configured(spec, requested)
    entry = _catalog_index().get(model)
    route = entry.route if entry and entry.provider == spec.name else f"{spec.litellm_prefix}/{model}"
    api_key = creds.api_key
    if api_key is None and spec.name == "custom":
        api_key = "EMPTY"  # never let LiteLLM fall back to OPENAI_API_KEY for someone else's endpoint
    return ResolvedModel(requested, spec.name, model, route, api_key, creds.base_url, managed=True)


def _passthrough(requested: str, prefix: str, rest: str) -> ResolvedModel:
    litellm = litellm_loader.load()
    if prefix not in set(litellm.provider_list) or not rest:
        raise _unknown_model(requested)
    return ResolvedModel(requested, prefix, rest, requested, None, None, managed=False)


def _from_litellm(requested: str, settings: LLMSettings) -> ResolvedModel:
    litellm = litellm_loader.load()
    try:
        _, litellm_provider, _, _ = litellm.get_llm_provider(requested)
    except Exception:
        raise _unknown_model(requested) from None
    canonical = _ALIASES.get(litellm_provider)
    if canonical is not None and canonical != "custom":
        return _managed(requested, PROVIDERS[canonical], requested, settings)
    return ResolvedModel(requested, litellm_provider, requested, f"{litellm_provider}/{requested}", None, None, False)


# --------------------------------------------------------------------------- health


async def llm_health() -> list[ComponentHealth]:
    """One entry per provider: configured means credentials are present; no provider is contacted."""
    items = []
    for status in providers_status():
        if status["configured"]:
            source = status["key_source"] or status["base_url_source"] or "defaults"
            detail = f"credentials from {source}"
        else:
            detail = f"not configured: {status['how_to_configure']}"
        items.append(ComponentHealth(name=f"llm.{status['provider']}", configured=status["configured"], detail=detail))
    return items
