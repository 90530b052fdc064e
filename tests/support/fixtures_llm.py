"""A local fake LLM provider (real HTTP on 127.0.0.1) and fixtures that point every provider at it.

The fake speaks four wire formats, chosen by the request path:

* OpenAI chat completions: ``POST .../chat/completions`` (plain JSON or SSE when ``"stream": true``)
* Anthropic messages: ``POST .../v1/messages`` (plain or SSE events)
* Gemini: ``POST .../models/<model>:generateContent`` and ``:streamGenerateContent?alt=sse``
* Ollama chat: ``POST .../api/chat`` (plain JSON or NDJSON stream)

Each request is recorded (method, path, query, headers, JSON body) so tests can check what LiteLLM sent.
Errors are queued with :meth:`FakeProvider.fail_next`; the error body echoes the caller's API key on purpose,
as some providers do, so tests can prove the key never reaches the client or the logs.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

#: Every environment variable the LLM layer reads; tests start from none of them set.
LLM_ENV_VARS = (
    "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_BASE",
    "GEMINI_API_KEY", "GOOGLE_API_KEY", "GEMINI_BASE_URL", "GEMINI_API_BASE",
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE",
    "DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "DEEPSEEK_API_BASE",
    "DASHSCOPE_API_KEY", "QWEN_API_KEY", "DASHSCOPE_BASE_URL", "DASHSCOPE_API_BASE", "QWEN_BASE_URL",
    "OLLAMA_HOST", "OLLAMA_BASE_URL", "OLLAMA_API_BASE",
    "MISTRAL_API_KEY", "MISTRAL_BASE_URL", "MISTRAL_API_BASE",
    "XAI_API_KEY", "XAI_BASE_URL", "XAI_API_BASE",
    "MOONSHOT_API_KEY", "MOONSHOT_BASE_URL", "MOONSHOT_API_BASE",
    "ZAI_API_KEY", "ZHIPU_API_KEY", "ZAI_BASE_URL", "ZAI_API_BASE", "ZHIPU_BASE_URL",
    "XIAOMI_MIMO_API_KEY", "MIMO_API_KEY", "XIAOMI_MIMO_BASE_URL", "XIAOMI_MIMO_API_BASE", "MIMO_BASE_URL",
    "CUSTOM_LLM_API_KEY", "CUSTOM_LLM_BASE_URL",
)  # fmt: skip

#: Provider -> (base URL path on the fake, API key) used by `llm_env`.
PROVIDER_PATHS = {
    "anthropic": "/anthropic",
    "google": "/gemini/v1beta",
    "openai": "/openai/v1",
    "deepseek": "/deepseek/v1",
    "qwen": "/dashscope/compatible-mode/v1",
    "ollama": "/ollama",
    "mistral": "/mistral/v1",
    "grok": "/xai/v1",
    "kimi": "/moonshot/v1",
    "zhipu": "/zai/api/paas/v4",
    "mimo": "/mimo/v1",
    "custom": "/custom/v1",
}


def fake_key(provider: str) -> str:
    """A distinctive, key-shaped secret per provider (easy to search for in error text and logs)."""
    return f"sk-test-{provider}-SECRETKEY0123456789abcdef"


@dataclass
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any

    @property
    def model(self) -> str | None:
        if isinstance(self.body, dict) and "model" in self.body:
            return self.body["model"]
        if ":" in self.path and "/models/" in self.path:
            return self.path.rsplit("/models/", 1)[1].split(":", 1)[0]
        return None


@dataclass
class QueuedError:
    status: int
    message: str
    code: str | None = None
    retry_after: float | None = None


@dataclass
class FakeBehaviour:
    """What the fake answers; tests change these fields directly."""

    reply: str | None = None  # None: "Echo: <last user message>"
    input_tokens: int = 11
    output_tokens: int = 7
    chunk_count: int = 4
    chunk_delay: float = 0.0
    send_usage_in_stream: bool = True
    errors: list[QueuedError] = field(default_factory=list)
    delay: float = 0.0


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer (timeout tests) is expected: no traceback on stderr."""


class FakeProvider:
    """Threaded HTTP server on 127.0.0.1 (random port) speaking OpenAI, Anthropic, Gemini and Ollama."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.behaviour = FakeBehaviour()
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _make_handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-llm", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.behaviour = FakeBehaviour()

    def fail_next(
        self, status: int, message: str = "", times: int = 1, code: str | None = None, retry_after: float | None = None
    ) -> None:
        """Answer the next `times` requests with an HTTP error in the caller's wire format."""
        with self._lock:
            self.behaviour.errors.extend(QueuedError(status, message, code, retry_after) for _ in range(times))

    def _take_error(self) -> QueuedError | None:
        with self._lock:
            return self.behaviour.errors.pop(0) if self.behaviour.errors else None

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    @property
    def last(self) -> RecordedRequest:
        return self.requests[-1]


def sent_messages(request: RecordedRequest) -> list[tuple[str, str]]:
    """(role, text) pairs of the chat the provider received, whatever its wire format."""
    body = request.body
    pairs: list[tuple[str, str]] = []
    if "contents" in body:  # Gemini
        system = body.get("system_instruction") or body.get("systemInstruction")
        if system:
            pairs.append(("system", " ".join(p["text"] for p in system["parts"])))
        for content in body["contents"]:
            role = "assistant" if content["role"] == "model" else content["role"]
            pairs.append((role, " ".join(p.get("text", "") for p in content["parts"])))
        return pairs
    if isinstance(body.get("system"), list):  # Anthropic
        pairs.append(("system", " ".join(block["text"] for block in body["system"])))
    elif isinstance(body.get("system"), str):
        pairs.append(("system", body["system"]))
    for message in body["messages"]:
        content = message["content"]
        if isinstance(content, list):
            content = " ".join(part.get("text", "") for part in content)
        pairs.append((message["role"], content))
    return pairs


# --------------------------------------------------------------------------- wire formats


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _gemini_user_text(body: dict[str, Any]) -> str:
    for content in reversed(body.get("contents", [])):
        if content.get("role") == "user":
            return " ".join(part.get("text", "") for part in content.get("parts", []))
    return ""


def _split(text: str, parts: int) -> list[str]:
    parts = max(1, min(parts, len(text) or 1))
    size = -(-len(text) // parts) if text else 1
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _make_handler(fake: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # silence stderr access logs
            return

        # ---------------------------------------------------------------- plumbing
        def do_GET(self) -> None:
            self._send_json(200, {"object": "list", "data": []})

        def do_POST(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except json.JSONDecodeError:
                body = raw.decode("utf-8", "replace")
            request = RecordedRequest(
                method="POST",
                path=split.path,
                query=parse_qs(split.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            fake._record(request)
            behaviour = fake.behaviour
            if behaviour.delay:
                time.sleep(behaviour.delay)
            wire = self._wire(split.path)
            error = fake._take_error()
            if error is not None:
                self._send_error(wire, error, request)
                return
            if wire == "openai":
                self._openai(request, behaviour)
            elif wire == "anthropic":
                self._anthropic(request, behaviour)
            elif wire == "gemini":
                self._gemini(request, behaviour)
            elif wire == "ollama":
                self._ollama(request, behaviour)
            else:
                self._send_json(404, {"error": {"message": f"no route {split.path}", "type": "not_found"}})

        @staticmethod
        def _wire(path: str) -> str:
            if path.endswith("/chat/completions"):
                return "openai"
            if path.endswith("/v1/messages"):
                return "anthropic"
            if ":generateContent" in path or ":streamGenerateContent" in path:
                return "gemini"
            if path.endswith("/api/chat"):
                return "ollama"
            return "unknown"

        def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, content_type: str, pieces: Iterator[bytes], delay: float) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for piece in pieces:
                self.wfile.write(piece)
                self.wfile.flush()
                if delay:
                    time.sleep(delay)
            self.close_connection = True

        def _key_of(self, request: RecordedRequest) -> str:
            auth = request.headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                return auth[7:]
            return request.headers.get("x-api-key") or request.headers.get("x-goog-api-key") or ""

        def _send_error(self, wire: str, error: QueuedError, request: RecordedRequest) -> None:
            key = self._key_of(request)
            message = error.message or {
                401: f"Incorrect API key provided: {key}. You can find your API key in your account.",
                403: f"Key {key} is not allowed to use this model.",
                404: f"The model `{request.model}` does not exist or you do not have access to it.",
                429: f"Rate limit reached for requests (key {key}).",
                500: "The server had an error while processing your request.",
                503: "The engine is currently overloaded, please try again later.",
            }.get(error.status, f"error {error.status}")
            headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
            if wire == "anthropic":
                kinds = {401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error"}
                kind = kinds.get(error.status, "api_error")
                payload: Any = {"type": "error", "error": {"type": kind, "message": message}}
            elif wire == "gemini":
                payload = {"error": {"code": error.status, "message": message, "status": "ERROR"}}
            elif wire == "ollama":
                payload = {"error": message}
            else:
                payload = {"error": {"message": message, "type": "invalid_request_error", "code": error.code}}
            self._send_json(error.status, payload, headers)

        def _reply_for(self, behaviour: FakeBehaviour, user_text: str) -> str:
            return behaviour.reply if behaviour.reply is not None else f"Echo: {user_text}"

        # ---------------------------------------------------------------- OpenAI
        def _openai(self, request: RecordedRequest, behaviour: FakeBehaviour) -> None:
            body = request.body or {}
            text = self._reply_for(behaviour, _last_user_text(body.get("messages", [])))
            model = body.get("model", "unknown")
            usage = {
                "prompt_tokens": behaviour.input_tokens,
                "completion_tokens": behaviour.output_tokens,
                "total_tokens": behaviour.input_tokens + behaviour.output_tokens,
            }
            if not body.get("stream"):
                self._send_json(
                    200,
                    {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": text},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": usage,
                    },
                )
                return

            def pieces() -> Iterator[bytes]:
                base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time())}
                base["model"] = model
                first = {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
                yield f"data: {json.dumps(first)}\n\n".encode()
                for part in _split(text, behaviour.chunk_count):
                    chunk = {**base, "choices": [{"index": 0, "delta": {"content": part}, "finish_reason": None}]}
                    yield f"data: {json.dumps(chunk)}\n\n".encode()
                last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                yield f"data: {json.dumps(last)}\n\n".encode()
                if behaviour.send_usage_in_stream:
                    yield f"data: {json.dumps({**base, 'choices': [], 'usage': usage})}\n\n".encode()
                yield b"data: [DONE]\n\n"

            self._stream("text/event-stream", pieces(), behaviour.chunk_delay)

        # ---------------------------------------------------------------- Anthropic
        def _anthropic(self, request: RecordedRequest, behaviour: FakeBehaviour) -> None:
            body = request.body or {}
            text = self._reply_for(behaviour, _last_user_text(body.get("messages", [])))
            model = body.get("model", "unknown")
            if not body.get("stream"):
                self._send_json(
                    200,
                    {
                        "id": "msg_fake",
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": [{"type": "text", "text": text}],
                        "stop_reason": "end_turn",
                        "stop_sequence": None,
                        "usage": {"input_tokens": behaviour.input_tokens, "output_tokens": behaviour.output_tokens},
                    },
                )
                return

            def event(name: str, data: dict[str, Any]) -> bytes:
                return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()

            def pieces() -> Iterator[bytes]:
                message = {
                    "id": "msg_fake",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "usage": {"input_tokens": behaviour.input_tokens, "output_tokens": 1},
                }
                yield event("message_start", {"type": "message_start", "message": message})
                block = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
                yield event("content_block_start", block)
                for part in _split(text, behaviour.chunk_count):
                    delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": part}}
                    yield event("content_block_delta", delta)
                yield event("content_block_stop", {"type": "content_block_stop", "index": 0})
                end = {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": behaviour.output_tokens},
                }
                yield event("message_delta", end)
                yield event("message_stop", {"type": "message_stop"})

            self._stream("text/event-stream", pieces(), behaviour.chunk_delay)

        # ---------------------------------------------------------------- Gemini
        def _gemini(self, request: RecordedRequest, behaviour: FakeBehaviour) -> None:
            body = request.body or {}
            text = self._reply_for(behaviour, _gemini_user_text(body))
            usage = {
                "promptTokenCount": behaviour.input_tokens,
                "candidatesTokenCount": behaviour.output_tokens,
                "totalTokenCount": behaviour.input_tokens + behaviour.output_tokens,
            }

            def candidate(part: str, finish: str | None) -> dict[str, Any]:
                item: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": part}]}, "index": 0}
                if finish:
                    item["finishReason"] = finish
                return item

            if ":streamGenerateContent" not in request.path:
                self._send_json(200, {"candidates": [candidate(text, "STOP")], "usageMetadata": usage})
                return

            def pieces() -> Iterator[bytes]:
                parts = _split(text, behaviour.chunk_count)
                for i, part in enumerate(parts):
                    last = i == len(parts) - 1
                    payload: dict[str, Any] = {"candidates": [candidate(part, "STOP" if last else None)]}
                    if last:
                        payload["usageMetadata"] = usage
                    yield f"data: {json.dumps(payload)}\r\n\r\n".encode()

            self._stream("text/event-stream", pieces(), behaviour.chunk_delay)

        # ---------------------------------------------------------------- Ollama
        def _ollama(self, request: RecordedRequest, behaviour: FakeBehaviour) -> None:
            body = request.body or {}
            text = self._reply_for(behaviour, _last_user_text(body.get("messages", [])))
            model = body.get("model", "unknown")
            final = {
                "model": model,
                "created_at": "2025-01-01T00:00:00Z",
                "message": {"role": "assistant", "content": ""},
                "done": True,
                "done_reason": "stop",
                "prompt_eval_count": behaviour.input_tokens,
                "eval_count": behaviour.output_tokens,
            }
            if not body.get("stream"):
                self._send_json(200, {**final, "message": {"role": "assistant", "content": text}})
                return

            def pieces() -> Iterator[bytes]:
                for part in _split(text, behaviour.chunk_count):
                    chunk = {
                        "model": model,
                        "created_at": "2025-01-01T00:00:00Z",
                        "message": {"role": "assistant", "content": part},
                        "done": False,
                    }
                    yield (json.dumps(chunk) + "\n").encode()
                yield (json.dumps(final) + "\n").encode()

            self._stream("application/x-ndjson", pieces(), behaviour.chunk_delay)

    return Handler


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def fake_llm_server() -> Iterator[FakeProvider]:
    """The fake provider, started once per test session."""
    fake = FakeProvider().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
async def _litellm_clients_closed_at_end() -> AsyncIterator[None]:
    """Close LiteLLM's cached HTTP clients once the session's tests are done (as the server's shutdown does)."""
    yield
    from tfo_mcp.llm import litellm_loader

    await litellm_loader.close_litellm_clients()


@pytest.fixture
def fake_llm(fake_llm_server: FakeProvider, _litellm_clients_closed_at_end: None) -> FakeProvider:
    """The fake provider, with its recorded requests and behaviour reset for this test."""
    fake_llm_server.reset()
    return fake_llm_server


def provider_environ(fake: FakeProvider, providers: tuple[str, ...] | None = None) -> dict[str, str]:
    """`TELEMETRYFLOW_MCP_*` settings giving each provider a key and a base URL on the fake."""
    environ = {"TELEMETRYFLOW_MCP_LLM__RETRY_BACKOFF": "0.01"}
    for name in providers or tuple(PROVIDER_PATHS):
        prefix = f"TELEMETRYFLOW_MCP_LLM__PROVIDERS__{name.upper()}__"
        environ[prefix + "BASE_URL"] = fake.url + PROVIDER_PATHS[name]
        if name != "ollama":
            environ[prefix + "API_KEY"] = fake_key(name)
    return environ


@pytest.fixture
def clean_llm_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No provider credentials from the developer's environment, and fresh settings afterwards."""
    from tfo_mcp import config

    for name in LLM_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    previous = config._current
    yield
    config._current = previous


@pytest.fixture
def llm_env(fake_llm: FakeProvider, clean_llm_env: None) -> FakeProvider:
    """Settings with all 12 providers configured against the fake; fresh in-memory conversations."""
    from tfo_mcp import config
    from tfo_mcp.llm import conversations

    config.set_settings(config.load_settings(config_file=None, environ=provider_environ(fake_llm)))
    conversations.reset_conversations()
    return fake_llm
