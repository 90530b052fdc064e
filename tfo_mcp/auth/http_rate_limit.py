"""HTTP 429 for a remote caller over its rate limit, before its ``tools/call`` reaches the server.

Runs inside FastMCP's authentication middleware (which puts the verified credential in the ASGI scope), reads
the request body (already bounded by the body guard), and when it holds a ``tools/call`` (alone or in a batch)
takes a token from the caller's buckets (:class:`tfo_mcp.auth.rate_limits.RateLimiter`). A refused call gets 429
with ``Retry-After`` and a JSON-RPC error naming the limit. Other requests, and the local user (limited by the
server's middleware when ``server.rate_limits.local`` is set), pass untouched.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

from tfo_mcp.auth.identity import identity_of
from tfo_mcp.auth.rate_limits import RateLimiter

#: the JSON-RPC error code of a call refused by its rate limit (in the server-defined range)
RATE_LIMITED = -32029


def _tool_call_id(body: bytes) -> tuple[bool, Any]:
    """(whether ``body`` holds a tools/call, the id of the first one)."""
    try:
        message = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False, None
    for item in message if isinstance(message, list) else [message]:
        if isinstance(item, dict) and item.get("method") == "tools/call":
            return True, item.get("id")
    return False, None


class RateLimitGuard:
    """ASGI middleware: 429 for a verified caller's ``tools/call`` beyond its buckets."""

    def __init__(self, app: Any, limiter: RateLimiter) -> None:
        self.app, self.limiter = app, limiter

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        identity = identity_of(getattr(scope.get("user"), "access_token", None)) if scope["type"] == "http" else None
        if identity is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        calls_tool, request_id = _tool_call_id(body)
        if calls_tool:
            refusal = await self.limiter.acquire(
                identity.subject, identity.organization_id, identity_per_minute=identity.rate_limit
            )
            if refusal is not None:
                await _refuse(send, request_id, refusal.per_minute, refusal.bucket, refusal.retry_after)
                return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Any, request_id: Any, per_minute: int, bucket: str, retry_after: float) -> None:
    wait = max(1, math.ceil(retry_after))
    payload = orjson.dumps(
        {
            "jsonrpc": "2.0",
            "id": request_id,
            "error": {
                "code": RATE_LIMITED,
                "message": f"Rate limit: {per_minute} calls a minute per {bucket}; retry after {wait} s",
                "data": {"bucket": bucket, "per_minute": per_minute, "retry_after": wait},
            },
        }
    )
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"retry-after", str(wait).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
