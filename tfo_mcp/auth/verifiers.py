"""The HTTP bearer token, checked through FastMCP's auth hook (``FastMCP.auth``).

FastMCP's ``BearerAuthBackend`` takes the scheme case-insensitively (``Bearer``, ``bearer``, ``BEARER``)
and ``RequireAuthMiddleware`` answers a missing or wrong token with 401 and ``WWW-Authenticate: Bearer``
on the MCP endpoints (``/mcp``; ``/sse`` and ``/messages/``); custom routes such as ``/healthz`` stay open.
This module only decides whether a presented token is the configured one.
"""

from __future__ import annotations

import hashlib
import hmac

from fastmcp.server.auth import AccessToken, TokenVerifier

#: The identity every holder of the shared token gets (later identity work can map tokens to principals).
CLIENT_ID = "tfo-mcp-bearer"


class StaticTokenVerifier(TokenVerifier):
    """Accepts exactly one configured token, compared in constant time."""

    def __init__(self, token: str) -> None:
        super().__init__()
        if not token:
            raise ValueError("an empty bearer token would accept anyone")
        self._digest = hashlib.sha256(token.encode()).digest()

    async def verify_token(self, token: str) -> AccessToken | None:
        """The access token for the configured secret, else None (the caller answers 401)."""
        # RFC 7235: `credentials = auth-scheme 1*SP token68`, so more than one space may follow the scheme.
        presented = token.lstrip(" ")
        try:
            raw = presented.encode("latin-1")  # the header's bytes as sent (Starlette decodes them as latin-1)
        except UnicodeEncodeError:
            return None
        # Digests of equal length: compare_digest then leaks neither the content nor the token's length.
        if not hmac.compare_digest(hashlib.sha256(raw).digest(), self._digest):
            return None
        return AccessToken(token=presented, client_id=CLIENT_ID, scopes=[])
