"""One chat completion from any configured provider: streamed, retried on 429/5xx with backoff, errors mapped to
short messages that never echo a key, token usage and cost measured, and every call recorded (`api_usage`, and in
telemetry a ``chat <model>`` span with provider, model and token counts: :func:`tfo_mcp.telemetry.record_llm_call`)."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from loguru import logger
from pydantic import BaseModel, Field

from tfo_mcp import telemetry
from tfo_mcp.analytics import recorder
from tfo_mcp.config import LLMSettings, get_settings
from tfo_mcp.llm import litellm_loader
from tfo_mcp.llm.providers import (
    PROVIDERS,
    LLMError,
    ResolvedModel,
    how_to_configure,
    infer_provider,
    resolution_needs_litellm,
    resolve_model,
)
from tfo_mcp.logs import scrub_secrets

if TYPE_CHECKING:
    from types import ModuleType

ProgressCallback = Callable[[int, str], Awaitable[None]]

#: Seconds between two progress notifications while a reply streams in.
PROGRESS_INTERVAL = 0.1


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
    ll = litellm_loader.loaded()
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
        where = f"; {how_to_configure(spec)}" if spec else ""
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
        recorder.record("api_usage", row)
        telemetry.record_llm_call(
            provider=provider,
            model=model,
            input_tokens=row["input_tokens"],
            output_tokens=row["output_tokens"],
            cost_usd=cost_usd,
            seconds=duration_ms / 1000,
            error_type=error_type,
        )
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
        if resolution_needs_litellm(requested):
            await litellm_loader.load_async()
        resolved = resolve_model(requested)  # fails fast (no LiteLLM import) for missing credentials
        litellm = await litellm_loader.load_async()
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
