"""LLM layer: 12 providers and the model catalog through LiteLLM, and the `claude_conversation` tool.

Credentials and base URL of a provider, first match wins for each value:

1. config ``llm.providers.<name>.api_key`` / ``.base_url`` (YAML, or env such as
   ``TELEMETRYFLOW_MCP_LLM__PROVIDERS__OPENAI__API_KEY``; aliases such as ``gemini``/``xai`` accepted);
   for Anthropic also ``llm.api_key`` / ``llm.base_url`` (the seed's ``claude`` section);
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
model string (``groq/llama-3.3-70b-versatile``, credentials then read by LiteLLM itself). A bare id is routed by the
earlier server's prefix rules (``qwen3:32b`` -> qwen before ollama), unless only the catalog's provider is
configured. LiteLLM is imported on first use only (seconds); importing this module does not import it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import random
import re
import sys
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources as package_files
from typing import TYPE_CHECKING, Any, Literal

from fastmcp import Context
from fastmcp.exceptions import ToolError
from loguru import logger
from pydantic import BaseModel, Field

from tfo_mcp import analytics, sessions
from tfo_mcp.config import LLMSettings, get_settings, redact_url
from tfo_mcp.health import ComponentHealth
from tfo_mcp.logs import scrub_secrets

if TYPE_CHECKING:
    from types import ModuleType

ProgressCallback = Callable[[int, str], Awaitable[None]]

#: Seconds between two progress notifications while a reply streams in.
PROGRESS_INTERVAL = 0.1
MAX_MESSAGE_CHARS = 400_000
MAX_SYSTEM_PROMPT_CHARS = 100_000
MODEL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$")
STORE_WARNING_INTERVAL = 60.0


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

#: The earlier server's provider inference from a bare model id; order matters ("qwen3:32b" is qwen, not ollama).
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
    """The provider of a bare model id by the earlier server's prefix rules, or None."""
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
            _warn_once(f"provider:{name}", f"llm.providers.{name}: unknown provider (known: {', '.join(PROVIDERS)})")
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


def _how_to_configure(spec: ProviderSpec) -> str:
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
                "how_to_configure": None if creds.configured else _how_to_configure(spec),
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
        f"{_how_to_configure(spec)}. Configured providers: {_configured_summary()}.",
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
        # Ambiguous id (e.g. qwen3:32b): the earlier server's rule wins, unless only the catalog's provider
        # has credentials. "provider/model" always selects one explicitly.
        if not provider_credentials(inferred, settings).configured and (
            provider_credentials(entry.provider, settings).configured
        ):
            provider = entry.provider
        logger.debug("model {!r} resolves to {} (catalog lists it under {})", requested, provider, entry.provider)
    if provider is None:
        return _from_litellm(requested, settings)
    return _managed(requested, PROVIDERS[provider], requested, settings)


def _resolution_needs_litellm(name: str) -> bool:
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
    litellm = _litellm()
    if prefix not in set(litellm.provider_list) or not rest:
        raise _unknown_model(requested)
    return ResolvedModel(requested, prefix, rest, requested, None, None, managed=False)


def _from_litellm(requested: str, settings: LLMSettings) -> ResolvedModel:
    litellm = _litellm()
    try:
        _, litellm_provider, _, _ = litellm.get_llm_provider(requested)
    except Exception:
        raise _unknown_model(requested) from None
    canonical = _ALIASES.get(litellm_provider)
    if canonical is not None and canonical != "custom":
        return _managed(requested, PROVIDERS[canonical], requested, settings)
    return ResolvedModel(requested, litellm_provider, requested, f"{litellm_provider}/{requested}", None, None, False)


# --------------------------------------------------------------------------- LiteLLM (lazy)

_litellm_module: ModuleType | None = None
_import_lock = threading.Lock()


def _litellm() -> ModuleType:
    """Import and quiet LiteLLM on first use (seconds; call through :func:`_litellm_async` on the loop)."""
    global _litellm_module
    if _litellm_module is not None:
        return _litellm_module
    with _import_lock:
        if _litellm_module is None:
            os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # no network fetch of the price map at import
            os.environ.setdefault("LITELLM_LOG", "ERROR")
            started = time.perf_counter()
            import litellm

            litellm.suppress_debug_info = True  # it prints to stdout on errors otherwise
            litellm.set_verbose = False
            litellm.turn_off_message_logging = True
            litellm.drop_params = True  # a parameter a model does not take is dropped, not an error
            litellm.disable_hf_tokenizer_download = True
            litellm.num_retries = 0  # retries are ours (config max_retries)
            for name in ("callbacks", "success_callback", "failure_callback", "input_callback", "service_callback"):
                if isinstance(getattr(litellm, name, None), list):
                    setattr(litellm, name, [])
            _quiet_litellm_loggers()
            _litellm_module = litellm
            logger.debug("LiteLLM {} imported in {:.2f}s", _litellm_version(), time.perf_counter() - started)
    return _litellm_module


async def _litellm_async() -> ModuleType:
    """LiteLLM, imported off the event loop the first time so other requests keep being served."""
    if _litellm_module is not None:
        return _litellm_module
    return await asyncio.to_thread(_litellm)


def _litellm_version() -> str:
    try:
        from importlib.metadata import version

        return version("litellm")
    except Exception:
        return "?"


def _quiet_litellm_loggers() -> None:
    """Drop LiteLLM's own stream handler (it writes INFO/DEBUG to stdout) from its loggers."""
    import logging

    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "LiteLLM Proxy.stdout", "litellm"):
        lib = logging.getLogger(name)
        for handler in list(lib.handlers):
            if type(handler).__module__.startswith("litellm"):
                lib.removeHandler(handler)
        if not lib.handlers:
            lib.propagate = True
        if lib.level == logging.NOTSET or lib.level < logging.WARNING:
            lib.setLevel(logging.WARNING)


async def close_litellm_clients() -> None:
    """Close LiteLLM's cached async HTTP clients (only if LiteLLM was ever imported)."""
    if _litellm_module is None:
        return
    close = getattr(_litellm_module, "close_litellm_async_clients", None)
    if close is not None:
        await close()
    # LiteLLM keeps closed clients cached and would hand them out again: forget them so the next call
    # (in-memory test clients and HTTP sessions run the lifespan more than once per process) builds new ones.
    module_client = vars(_litellm_module).get("module_level_aclient")  # built lazily by LiteLLM; not in its cache
    if module_client is not None and hasattr(module_client, "close"):
        await module_client.close()
        vars(_litellm_module).pop("module_level_aclient", None)  # LiteLLM rebuilds it on next use
    cache = getattr(_litellm_module, "in_memory_llm_clients_cache", None)
    if cache is not None and hasattr(cache, "flush_cache"):
        cache.flush_cache()
    handler = getattr(_litellm_module, "base_llm_aiohttp_handler", None)
    session = getattr(handler, "client_session", None)
    if session is not None and getattr(session, "closed", False):
        handler.client_session = None
    logger.debug("LiteLLM async clients closed")


# --------------------------------------------------------------------------- completion


class TokenUsage(BaseModel):
    input_tokens: int = Field(description="Prompt tokens (system prompt, history and message)")
    output_tokens: int = Field(description="Tokens in the reply")
    total_tokens: int
    estimated: bool = Field(False, description="True when the provider reported no usage and it was counted locally")


class CompletionResult(BaseModel):
    reply: str = Field(description="The model's answer")
    model: str = Field(description="The model as the provider knows it")
    provider: str = Field(description="The provider that answered (anthropic, google, openai, ...)")
    route: str = Field(description="The LiteLLM route used, e.g. anthropic/claude-sonnet-4-20250514")
    usage: TokenUsage
    cost_usd: float | None = Field(description="Price of this call in USD when LiteLLM knows it, else null")
    latency_ms: float = Field(description="Wall time of the call, retries included")
    finish_reason: str | None = Field(description="Why the model stopped: stop, length, ...")
    attempts: int = Field(1, description="Provider calls made (more than 1 after retried 429/5xx)")


RETRYABLE = frozenset({"rate_limit", "provider_down"})


_STATUS_KINDS = {401: "auth", 403: "auth", 404: "not_found", 408: "timeout", 413: "context_length", 429: "rate_limit"}


def _classify(exc: BaseException) -> tuple[str, int | None]:
    """(short error type, HTTP status if any) of an exception raised by a LiteLLM call.

    The HTTP status decides first (LiteLLM's exception class differs between providers for the same status),
    then LiteLLM's class; a context-window error is recognised by class whatever its status.
    """
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    ll = _litellm_module
    if isinstance(exc, TimeoutError) or (ll is not None and isinstance(exc, ll.Timeout)):
        return "timeout", status
    if ll is not None and isinstance(exc, ll.ContextWindowExceededError):
        return "context_length", status
    if status in _STATUS_KINDS:
        return _STATUS_KINDS[status], status
    if status is not None and status >= 500:
        return "provider_down", status
    if ll is not None:
        checks: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
            ((ll.AuthenticationError, ll.PermissionDeniedError), "auth"),
            ((ll.RateLimitError,), "rate_limit"),
            ((ll.NotFoundError,), "not_found"),
            ((ll.InternalServerError, ll.ServiceUnavailableError, ll.BadGatewayError, ll.APIConnectionError),
             "provider_down"),
            ((ll.BadRequestError,), "bad_request"),
        )  # fmt: skip
        for classes, kind in checks:
            if isinstance(exc, classes):
                return kind, status
    if status is not None and 400 <= status < 500:
        return "bad_request", status
    return "error", status


def _redact(text: str, secrets: tuple[str | None, ...]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return scrub_secrets(text)


_MESSAGE_FIELD = re.compile(r"""["'](?:message|error)["']\s*:\s*["']((?:[^"'\\]|\\.)*)["']""")


def _provider_detail(exc: BaseException, secrets: tuple[str | None, ...]) -> str:
    """A short, redacted explanation from the provider's error (never used for auth errors)."""
    raw = str(getattr(exc, "message", "") or exc)
    found = _MESSAGE_FIELD.search(raw)
    if found:
        raw = found.group(1)
    else:
        raw = re.sub(r"^(litellm\.\w+:\s*)?(\w+Exception\s*-\s*)?", "", raw)
        raw = re.sub(r"\s*Handle with `litellm\.\w+`\.?", "", raw)
    raw = re.sub(r"\s+", " ", raw).strip() or type(exc).__name__
    detail = _redact(raw, secrets)
    return detail[:300] + ("..." if len(detail) > 300 else "")


def _error_message(kind: str, status: int | None, resolved: ResolvedModel, exc: BaseException, attempts: int) -> str:
    spec = PROVIDERS.get(resolved.provider)
    label = spec.label if spec else resolved.provider
    http = f" (HTTP {status})" if status else ""
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    secrets = (resolved.api_key,)
    if kind == "auth":
        where = f"; {_how_to_configure(spec)}" if spec else ""
        return f"{label} rejected the API key{http} for model {resolved.model!r}{where}."
    if kind == "rate_limit":
        return f"{label} rate limit reached for {resolved.model!r}{http}{tries}; try again later."
    if kind == "not_found":
        return (
            f"{label} does not know model {resolved.model!r}{http}: {_provider_detail(exc, secrets)} "
            "(catalog: resource llm://models)."
        )
    if kind == "context_length":
        return (
            f"The conversation is too long for the context window of {resolved.model!r}{http}; start a new "
            "conversation (omit conversation_id), shorten the message, or lower llm.history_max_chars."
        )
    if kind == "provider_down":
        return f"{label} is unavailable{http}{tries}: {_provider_detail(exc, secrets)}"
    if kind == "timeout":
        return f"{label} did not answer within {get_settings().llm.timeout:g}s (model {resolved.model!r}){tries}."
    if kind == "bad_request":
        return f"{label} refused the request{http}: {_provider_detail(exc, secrets)}"
    return f"{label} call failed ({type(exc).__name__}){http}: {_provider_detail(exc, secrets)}"


def _retry_delay(attempt: int, exc: BaseException, settings: LLMSettings) -> float:
    delay = settings.retry_backoff * (2**attempt)
    headers = getattr(exc, "litellm_response_headers", None) or getattr(getattr(exc, "response", None), "headers", None)
    try:
        retry_after = float(headers.get("retry-after")) if headers and headers.get("retry-after") else None
    except (TypeError, ValueError):
        retry_after = None
    if retry_after is not None and retry_after > delay:
        delay = retry_after
    return min(delay * random.uniform(1.0, 1.25), settings.retry_backoff_max)


_registered_ollama_routes: set[str] = set()


def _register_ollama_model(litellm: ModuleType, route: str) -> None:
    """Tell LiteLLM an Ollama model's shape so it does not ask the Ollama server (blocking, on the loop) for it."""
    name = route.split("/", 1)[1]
    if route in _registered_ollama_routes or any(
        key in litellm.model_cost for key in (route, name, f"ollama/{name}", f"ollama_chat/{name}")
    ):
        return
    litellm.model_cost[route] = {
        "litellm_provider": "ollama",
        "mode": "chat",
        "input_cost_per_token": 0.0,
        "output_cost_per_token": 0.0,
        "max_tokens": None,
        "max_input_tokens": None,
        "max_output_tokens": None,
    }
    _registered_ollama_routes.add(route)


def _cost_usd(litellm: ModuleType, resolved: ResolvedModel, input_tokens: int, output_tokens: int) -> float | None:
    """The price of the call when LiteLLM's price map has the model, else None (never an invented 0)."""
    if resolved.provider == "custom" or resolved.route in _registered_ollama_routes:
        return None  # a self-hosted endpoint's price is not OpenAI's; an Ollama model LiteLLM does not list
    family = resolved.route.split("/", 1)[0].replace("ollama_chat", "ollama")
    model_cost = getattr(litellm, "model_cost", {})
    entry = model_cost.get(resolved.route) or model_cost.get(f"{family}/{resolved.model}")
    if entry is None:
        candidate = model_cost.get(resolved.model)
        if candidate and str(candidate.get("litellm_provider", "")).startswith(family):
            entry = candidate
    if not entry or entry.get("input_cost_per_token") is None or entry.get("output_cost_per_token") is None:
        return None
    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=resolved.route, prompt_tokens=input_tokens, completion_tokens=output_tokens
        )
        return round(float(prompt_cost) + float(completion_cost), 10)
    except Exception:
        cost = entry["input_cost_per_token"] * input_tokens + entry["output_cost_per_token"] * output_tokens
        return round(float(cost), 10)


def _estimate_usage(litellm: ModuleType, route: str, messages: list[dict[str, Any]], reply: str) -> TokenUsage:
    try:
        prompt = int(litellm.token_counter(model=route, messages=messages))
        completion = int(litellm.token_counter(model=route, text=reply)) if reply else 0
    except Exception:
        prompt = sum(len(str(m.get("content", ""))) for m in messages) // 4
        completion = len(reply) // 4
    return TokenUsage(input_tokens=prompt, output_tokens=completion, total_tokens=prompt + completion, estimated=True)


@dataclass
class _StreamState:
    parts: list[str] = field(default_factory=list)
    chars: int = 0
    usage: Any = None
    finish_reason: str | None = None
    provider_model: str | None = None


async def _report(progress: ProgressCallback, chars: int, message: str) -> None:
    """Send one progress update; a client that cannot take it must not fail the call."""
    try:
        await progress(chars, message)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        logger.debug("progress notification not delivered: {}", type(exc).__name__)


async def _stream_once(
    litellm: ModuleType, kwargs: dict[str, Any], state: _StreamState, progress: ProgressCallback | None, label: str
) -> None:
    response = await litellm.acompletion(**kwargs)
    last_report = 0.0
    async for chunk in response:
        choices = getattr(chunk, "choices", None) or []
        if choices:
            choice = choices[0]
            delta = getattr(choice, "delta", None)
            content = getattr(delta, "content", None) if delta is not None else None
            if content:
                state.parts.append(content)
                state.chars += len(content)
            if getattr(choice, "finish_reason", None):
                state.finish_reason = choice.finish_reason
        usage = getattr(chunk, "usage", None)
        if usage is not None and (getattr(usage, "prompt_tokens", 0) or getattr(usage, "completion_tokens", 0)):
            state.usage = usage
        if getattr(chunk, "model", None):
            state.provider_model = chunk.model
        if progress is not None and state.chars:
            now = time.monotonic()
            if now - last_report >= PROGRESS_INTERVAL:
                last_report = now
                await _report(progress, state.chars, f"{label}: received {state.chars} characters")


def _record_usage(
    *,
    session_id: str | None,
    conversation_id: str | None,
    provider: str | None,
    model: str,
    usage: TokenUsage | None,
    cost_usd: float | None,
    duration_ms: float,
    error_type: str | None,
    error_message: str | None,
) -> None:
    row = {
        "session_id": session_id,
        "conversation_id": conversation_id,
        "provider": provider,
        "model": model,
        "input_tokens": usage.input_tokens if usage else 0,
        "output_tokens": usage.output_tokens if usage else 0,
        "total_tokens": usage.total_tokens if usage else 0,
        "cost_usd": cost_usd,
        "duration_ms": round(duration_ms, 3),
        "success": error_type is None,
        "error_type": error_type,
        "error_message": error_message,
    }
    try:
        analytics.record("api_usage", row)
    except Exception as exc:  # recording must never break a call
        logger.warning("could not record LLM usage: {}", type(exc).__name__)


def _validate_messages(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    if not messages:
        raise LLMError("messages is empty: send at least one user message", "bad_request")
    clean = []
    for message in messages:
        role, content = message.get("role"), message.get("content")
        if role not in ("system", "user", "assistant") or not isinstance(content, str):
            raise LLMError("each message needs a role (system, user, assistant) and text content", "bad_request")
        clean.append({"role": role, "content": content})
    return clean


async def complete(
    messages: list[dict[str, Any]],
    model: str | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    progress: ProgressCallback | None = None,
    *,
    session_id: str | None = None,
    conversation_id: str | None = None,
) -> CompletionResult:
    """Stream one chat completion from any configured provider; retries 429/5xx; records the call.

    Raises :class:`LLMError` (a ToolError) with a message safe to show. ``progress(chars, message)`` is awaited
    while the reply arrives (at most every :data:`PROGRESS_INTERVAL` seconds).
    """
    settings = get_settings().llm
    started = time.perf_counter()
    requested = (model or settings.default_model or "").strip()
    resolved: ResolvedModel | None = None
    try:
        clean = _validate_messages(messages)
        if _resolution_needs_litellm(requested):
            await _litellm_async()
        resolved = resolve_model(requested)  # fails fast (no LiteLLM import) for missing credentials
        litellm = await _litellm_async()
    except LLMError as exc:
        _record_usage(
            session_id=session_id,
            conversation_id=conversation_id,
            provider=resolved.provider if resolved else infer_provider(requested),
            model=requested[:200],
            usage=None,
            cost_usd=None,
            duration_ms=(time.perf_counter() - started) * 1000,
            error_type=exc.error_type,
            error_message=str(exc)[:500],
        )
        raise
    kwargs: dict[str, Any] = {
        "model": resolved.route,
        "messages": clean,
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": max_tokens or settings.max_tokens,
        "temperature": settings.temperature if temperature is None else temperature,
        "timeout": settings.timeout,
        "num_retries": 0,
    }
    if resolved.managed:
        kwargs["api_key"] = resolved.api_key
        if resolved.base_url:
            kwargs["api_base"] = resolved.base_url
    if resolved.provider == "ollama":
        _register_ollama_model(litellm, resolved.route)
    label = f"{resolved.provider}/{resolved.model}"
    attempts = 0
    state = _StreamState()

    def record_failure(error_type: str, message: str) -> None:
        _record_usage(
            session_id=session_id,
            conversation_id=conversation_id,
            provider=resolved.provider,
            model=resolved.model,
            usage=None,
            cost_usd=None,
            duration_ms=(time.perf_counter() - started) * 1000,
            error_type=error_type,
            error_message=message,
        )

    while True:
        attempts += 1
        state = _StreamState()
        try:
            async with asyncio.timeout(settings.timeout):
                await _stream_once(litellm, kwargs, state, progress, label)
            break
        except asyncio.CancelledError:
            record_failure("cancelled", "the call was cancelled by the client or the server")
            raise
        except Exception as exc:
            kind, status = _classify(exc)
            if kind in RETRYABLE and attempts <= settings.max_retries and not state.parts:
                delay = _retry_delay(attempts - 1, exc, settings)
                logger.warning(
                    "{}: {}{}; retry {}/{} in {:.2f}s",
                    label,
                    kind,
                    f" (HTTP {status})" if status else "",
                    attempts,
                    settings.max_retries,
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            message = _error_message(kind, status, resolved, exc, attempts)
            logger.warning("LLM call {} failed: {} ({})", label, kind, message)
            record_failure(kind, message[:500])
            raise LLMError(message, kind) from None
    reply = "".join(state.parts)
    if state.usage is not None:
        prompt_tokens = int(getattr(state.usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(state.usage, "completion_tokens", 0) or 0)
        usage = TokenUsage(
            input_tokens=prompt_tokens, output_tokens=completion_tokens, total_tokens=prompt_tokens + completion_tokens
        )
    else:
        usage = _estimate_usage(litellm, resolved.route, clean, reply)
    cost = _cost_usd(litellm, resolved, usage.input_tokens, usage.output_tokens)
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    if progress is not None:
        await _report(progress, state.chars, f"{label}: done, {usage.output_tokens} tokens")
    _record_usage(
        session_id=session_id,
        conversation_id=conversation_id,
        provider=resolved.provider,
        model=resolved.model,
        usage=usage,
        cost_usd=cost,
        duration_ms=latency_ms,
        error_type=None,
        error_message=None,
    )
    return CompletionResult(
        reply=reply,
        model=resolved.model,
        provider=resolved.provider,
        route=resolved.route,
        usage=usage,
        cost_usd=cost,
        latency_ms=latency_ms,
        finish_reason=state.finish_reason,
        attempts=attempts,
    )


# --------------------------------------------------------------------------- conversation history


@dataclass
class _Conversation:
    system_prompt: str | None = None
    messages: list[dict[str, str]] = field(default_factory=list)


class MemoryConversations:
    """Conversations in process memory: least recently used dropped past `llm.max_conversations`."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, _Conversation] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}

    def get(self, conversation_id: str) -> _Conversation | None:
        item = self._items.get(conversation_id)
        if item is not None:
            self._items.move_to_end(conversation_id)
        return item

    def lock(self, conversation_id: str) -> asyncio.Lock:
        return self._locks.setdefault(conversation_id, asyncio.Lock())

    def add_turn(self, conversation_id: str, system_prompt: str | None, user: str, assistant: str) -> None:
        settings = get_settings().llm
        item = self._items.get(conversation_id) or _Conversation()
        item.system_prompt = system_prompt
        item.messages.extend(({"role": "user", "content": user}, {"role": "assistant", "content": assistant}))
        item.messages = trim_history(item.messages, settings.history_max_turns, settings.history_max_chars)
        self._items[conversation_id] = item
        self._items.move_to_end(conversation_id)
        while len(self._items) > settings.max_conversations:
            dropped, _ = self._items.popitem(last=False)
            lock = self._locks.get(dropped)
            if lock is not None and not lock.locked():
                del self._locks[dropped]

    def clear(self) -> None:
        self._items.clear()
        self._locks.clear()

    def __len__(self) -> int:
        return len(self._items)


_memory = MemoryConversations()
_warned: dict[str, float] = {}
_NO_POSTGRES: Any = object()
_postgres_module: Any = None


def reset_conversations() -> None:
    """Forget every in-memory conversation (tests, `llm` reload)."""
    _memory.clear()


def _warn_once(key: str, message: str, interval: float = STORE_WARNING_INTERVAL) -> None:
    now = time.monotonic()
    if now - _warned.get(key, -interval - 1) >= interval:
        _warned[key] = now
        logger.warning(message)


def trim_history(messages: list[dict[str, str]], max_turns: int, max_chars: int, reserved_chars: int = 0) -> list[dict]:
    """The newest whole turns (user message + replies) within the turn and character budgets."""
    turns: list[list[dict[str, str]]] = []
    for message in messages:
        if message.get("role") == "user":
            turns.append([message])
        elif turns and message.get("role") == "assistant":
            turns[-1].append(message)
    turns = turns[-max_turns:] if max_turns > 0 else []
    budget = max_chars - reserved_chars
    kept: list[list[dict[str, str]]] = []
    used = 0
    for turn in reversed(turns):
        size = sum(len(m.get("content", "")) for m in turn)
        if used + size > budget:
            break
        kept.append(turn)
        used += size
    return [message for turn in reversed(kept) for message in turn]


def _postgres() -> Any:
    """The PostgreSQL conversation store when present and configured, else None (memory is used)."""
    global _postgres_module
    if _postgres_module is None:
        try:
            from tfo_mcp import postgres
        except ImportError:
            _postgres_module = _NO_POSTGRES
        else:
            needed = ("is_configured", "load_conversation", "save_turn")
            missing = [name for name in needed if not hasattr(postgres, name)]
            if missing:
                _warn_once("pg-api", f"tfo_mcp.postgres lacks {', '.join(missing)}: conversations kept in memory")
                _postgres_module = _NO_POSTGRES
            else:
                _postgres_module = postgres
    if _postgres_module is _NO_POSTGRES:
        return None
    try:
        return _postgres_module if _postgres_module.is_configured() else None
    except Exception as exc:
        _warn_once("pg-config", f"PostgreSQL conversation store check failed ({type(exc).__name__}): using memory")
        return None


async def _load_history(conversation_id: str) -> tuple[list[dict[str, str]], str | None, bool]:
    """(previous messages, stored system prompt, known conversation) from PostgreSQL if configured, else memory."""
    store = _postgres()
    if store is not None:
        try:
            loaded = await store.load_conversation(conversation_id)
        except Exception as exc:
            _warn_once("pg-load", f"PostgreSQL conversation store unavailable ({_short(exc)}): using memory")
        else:
            if loaded is not None:
                system = next((m.get("content") for m in loaded if m.get("role") == "system"), None)
                previous = [
                    {"role": m["role"], "content": str(m.get("content", ""))}
                    for m in loaded
                    if m.get("role") in ("user", "assistant")
                ]
                return previous, system, True
    item = _memory.get(conversation_id)
    if item is None:
        return [], None, False
    return list(item.messages), item.system_prompt, True


async def _save_turn(
    conversation_id: str, result: CompletionResult, system_prompt: str | None, user_message: str
) -> Literal["memory", "postgres"]:
    _memory.add_turn(conversation_id, system_prompt, user_message, result.reply)
    store = _postgres()
    if store is None:
        return "memory"
    try:
        await store.save_turn(
            conversation_id,
            result.model,
            result.provider,
            system_prompt,
            user_message,
            result.reply,
            result.usage.input_tokens,
            result.usage.output_tokens,
        )
    except Exception as exc:
        _warn_once("pg-save", f"PostgreSQL conversation store unavailable ({_short(exc)}): turn kept in memory")
        return "memory"
    return "postgres"


def _short(exc: BaseException) -> str:
    return scrub_secrets(f"{type(exc).__name__}: {exc}")[:200]


# --------------------------------------------------------------------------- the tool


class ConversationReply(CompletionResult):
    conversation_id: str = Field(description="Pass it back as conversation_id to continue this conversation")
    new_conversation: bool = Field(description="True when no earlier turn of this conversation was found")
    history_messages: int = Field(description="Earlier messages sent with this call (bounded by the history budget)")
    history_store: Literal["memory", "postgres"] = Field(description="Where this conversation's turns are kept")


def _session_id(ctx: Context | None) -> str | None:
    """The server's session id for the calling connection (for usage records), if known."""
    if ctx is None:
        return None
    try:
        key = ctx.session_id
    except Exception:
        return None
    return sessions.session_id_for(key)


def _conversation_id(value: str | None) -> str:
    if value is None or not value.strip():
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ToolError("conversation_id must be the UUID returned by an earlier claude_conversation call") from None


async def claude_conversation(
    message: str = Field(description="Your message to the model", min_length=1, max_length=MAX_MESSAGE_CHARS),
    model: str | None = Field(
        None,
        description="Catalog id (e.g. claude-sonnet-4-20250514, gpt-5, glm-4.6, qwen3:32b), 'provider/model' "
        "(e.g. ollama/qwen3:32b) or a LiteLLM model string; default: llm.default_model",
    ),
    system_prompt: str | None = Field(
        None,
        description="System instructions; kept for the rest of the conversation until replaced",
        max_length=MAX_SYSTEM_PROMPT_CHARS,
    ),
    conversation_id: str | None = Field(
        None, description="Continue this conversation (from an earlier reply); omit to start a new one"
    ),
    max_tokens: int | None = Field(None, ge=1, le=1_000_000, description="Reply length limit; default llm.max_tokens"),
    temperature: float | None = Field(
        None, ge=0.0, le=2.0, description="Sampling temperature; default llm.temperature"
    ),
    ctx: Context | None = None,
) -> ConversationReply:
    """Chat with any configured LLM through LiteLLM: Anthropic, Google Gemini, OpenAI, DeepSeek, Qwen, Ollama,
    Mistral, Grok, Kimi, Zhipu GLM, MiMo or a custom OpenAI-compatible endpoint (catalog: resource llm://models).

    Omit conversation_id to start a conversation; pass the returned conversation_id to continue it (earlier turns
    are sent along, bounded by llm.history_max_turns and llm.history_max_chars). The reply is streamed and progress
    notifications are sent while it arrives when the client asks for progress. Returns the reply, model and provider,
    token usage, cost in USD when LiteLLM knows the price (null otherwise), latency and the conversation id.

    This tool is listed even when no provider has credentials; the call then fails with a message naming what to
    set, e.g. ANTHROPIC_API_KEY, OPENAI_API_KEY, GEMINI_API_KEY, OLLAMA_HOST, or llm.providers.<name>.api_key.
    """
    cid = _conversation_id(conversation_id)
    session_id = _session_id(ctx)

    async def report(chars: int, text: str) -> None:
        if ctx is not None:
            await ctx.report_progress(progress=chars, total=None, message=text)

    settings = get_settings().llm
    async with _memory.lock(cid):
        previous, stored_system, known = await _load_history(cid)
        system = system_prompt if system_prompt is not None else stored_system
        reserved = len(message) + len(system or "")
        history = trim_history(previous, settings.history_max_turns, settings.history_max_chars, reserved)
        messages = ([{"role": "system", "content": system}] if system else []) + history
        messages.append({"role": "user", "content": message})
        result = await complete(
            messages,
            model=model,
            max_tokens=max_tokens,
            temperature=temperature,
            progress=report if ctx is not None else None,
            session_id=session_id,
            conversation_id=cid,
        )
        store = await _save_turn(cid, result, system, message)
    return ConversationReply(
        **result.model_dump(),
        conversation_id=cid,
        new_conversation=not known,
        history_messages=len(history),
        history_store=store,
    )


# --------------------------------------------------------------------------- resources and health


def models_resource() -> str:
    """The model catalog: provider, model, LiteLLM route and whether the provider's credentials are configured."""
    return json.dumps(list_models(), indent=2)


def providers_resource() -> str:
    """The 12 providers: configured or not, where the key and base URL come from (never the key itself)."""
    return json.dumps(providers_status(), indent=2)


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


if "litellm" in sys.modules:  # someone imported it before us: quiet it now
    _litellm()
