"""Bearer credentials to identities, through FastMCP's auth hook (``FastMCP.auth``).

:class:`Credentials` tries, in turn, every way ``server.auth_mode`` enables: static tokens (``server.auth_token``,
the operator's, and ``server.tokens``), TFO API keys (PostgreSQL's ``api_keys`` table) and OIDC JWTs (a JWKS URL
or a PEM key: issuer, audience, expiry). A credential nothing accepts gets 401 with ``WWW-Authenticate: Bearer``
from FastMCP's ``RequireAuthMiddleware``. FastMCP's ``BearerAuthBackend`` takes the scheme case-insensitively.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from fastmcp.server.auth import AccessToken, TokenVerifier
from loguru import logger

from tfo_mcp.auth.identity import (
    ALL_SCOPES,
    OPERATOR_SCOPE,
    Identity,
    known_scopes,
    scope_catalog,
    token_claims,
)
from tfo_mcp.config import ApiKeySettings, ConfigError, JwtSettings, ServerSettings

#: a TFO API key's ``key_prefix``: its first characters
API_KEY_PREFIX_CHARS = 12
#: the most API keys (and unknown keys) remembered between lookups
API_KEY_CACHE_ENTRIES = 10_000
#: seconds between writes of ``last_used_at`` / ``usage_count`` (off the request path)
USAGE_FLUSH_SECONDS = 2.0


def auth_modes(server: ServerSettings) -> list[str]:
    """The configured ways to authenticate HTTP callers (``none`` when nothing is configured)."""
    if server.auth_mode:
        modes = list(dict.fromkeys(server.auth_mode))
        if "none" in modes and len(modes) > 1:
            raise ConfigError("config error: server.auth_mode `none` cannot be combined with another mode")
        return modes
    return ["token"] if server.auth_token or server.tokens else ["none"]


def remote_default_scopes() -> frozenset[str]:
    """The scopes of a remote credential that names none."""
    return frozenset(name for name, scope in scope_catalog().items() if scope.remote_default)


def _scopes(granted: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    return known_scopes(granted) or remote_default_scopes()


def _presented(token: str) -> bytes | None:
    """The token's bytes as sent (RFC 7235 allows several spaces after the scheme); None if not latin-1."""
    try:
        return token.lstrip(" ").encode("latin-1")  # Starlette decodes header bytes as latin-1
    except UnicodeEncodeError:
        return None


def _access(raw: bytes, identity: Identity) -> AccessToken:
    return AccessToken(
        token=raw.decode("latin-1"),
        client_id=identity.subject,
        scopes=sorted(identity.scopes),
        claims=token_claims(identity),
    )


class ApiKeys:
    """TFO API keys: looked up by ``key_prefix``, checked against ``key_hash`` in constant time, cached briefly."""

    def __init__(self, settings: ApiKeySettings) -> None:
        if settings.hash_scheme == "hmac-sha256" and settings.pepper is None:
            raise ConfigError("config error: server.api_keys.hash_scheme hmac-sha256 needs server.api_keys.pepper")
        self.settings = settings
        self._cache: OrderedDict[str, tuple[float, Identity | None, datetime | None]] = OrderedDict()
        self._usage: dict[str, int] = {}
        self._flush: asyncio.Task[None] | None = None

    def key_hash(self, key: bytes) -> str:
        """The ``key_hash`` TFO stores for ``key`` under the configured scheme (hex)."""
        if self.settings.hash_scheme == "hmac-sha256":
            assert self.settings.pepper is not None
            return hmac.new(self.settings.pepper.get_secret_value().encode(), key, hashlib.sha256).hexdigest()
        return hashlib.sha256(key).hexdigest()

    async def identify(self, key: bytes) -> Identity | None:
        """The identity of a valid, active, unexpired, unrevoked key; None otherwise."""
        if len(key) <= API_KEY_PREFIX_CHARS:
            return None
        digest = self.key_hash(key)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is None or cached[0] <= now:
            identity, expires_at = await self._lookup(key, digest)
            self._cache[digest] = (now + self.settings.cache_seconds, identity, expires_at)
            while len(self._cache) > API_KEY_CACHE_ENTRIES:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(digest)
            _, identity, expires_at = cached
        if identity is None or (expires_at is not None and expires_at <= datetime.now(UTC)):
            return None
        self._count_use(identity.subject.removeprefix("api_key:"))
        return identity

    async def _lookup(self, key: bytes, digest: str) -> tuple[Identity | None, datetime | None]:
        from tfo_mcp.stores import postgres

        prefix = key[:API_KEY_PREFIX_CHARS].decode("latin-1")
        try:
            rows = await postgres.api_keys_with_prefix(prefix)
        except Exception as exc:  # a store that is down refuses the key (401), and says why in the log only
            logger.warning("api key lookup failed: {}", type(exc).__name__)
            return None, None
        for row in rows:
            if not hmac.compare_digest(str(row["key_hash"]).lower().encode(), digest.encode()):
                continue
            if not row["is_active"] or row["revoked_at"] is not None:
                return None, None
            granted = [*_strings(row["scopes"]), *_strings(row["permissions"])]
            limit = row["rate_limit"] if isinstance(row["rate_limit"], int) and row["rate_limit"] > 0 else None
            identity = Identity(
                subject=f"api_key:{row['id']}",
                method="api_key",
                organization_id=str(row["organization_id"]),
                scopes=_scopes(_tfo_scopes(granted)) - {OPERATOR_SCOPE},
                rate_limit=limit,
            )
            return identity, row["expires_at"]
        return None, None

    def _count_use(self, key_id: str) -> None:
        self._usage[key_id] = self._usage.get(key_id, 0) + 1
        if self._flush is None or self._flush.done():
            self._flush = asyncio.get_running_loop().create_task(self._write_usage())

    async def _write_usage(self) -> None:
        """``last_used_at`` and ``usage_count`` of the keys used since the last write, a little later."""
        await asyncio.sleep(USAGE_FLUSH_SECONDS)
        await self._flush_usage()

    async def _flush_usage(self) -> None:
        """Write the pending uses now (best effort: a store that is down loses them, and says so at debug)."""
        from tfo_mcp.stores import postgres

        pending, self._usage = self._usage, {}
        for key_id, uses in pending.items():
            try:
                await postgres.record_api_key_use(key_id, uses)
            except Exception as exc:
                logger.debug("api key usage not recorded: {}", type(exc).__name__)

    async def close(self) -> None:
        """Write the pending usage now."""
        if self._flush is not None and not self._flush.done():
            self._flush.cancel()
        self._flush = None
        await self._flush_usage()


def _strings(value: Any) -> list[str]:
    """The strings of a jsonb ``scopes``/``permissions`` value: a list, or an object's true-valued keys."""
    if isinstance(value, str):
        return value.replace(",", " ").split()
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, str)]
    if isinstance(value, dict):
        return [str(name) for name, granted in value.items() if granted]
    return []


#: TFO permission words and what they grant here (a ``<signal>:read`` permission reads telemetry)
_TFO_WORDS = {"read": "telemetry:read", "admin": ALL_SCOPES}


def _tfo_scopes(granted: list[str]) -> list[str]:
    mapped = []
    for word in granted:
        word = word.strip().lower()
        if word in scope_catalog() or word == ALL_SCOPES:
            mapped.append(word)
        elif word in _TFO_WORDS:
            mapped.append(_TFO_WORDS[word])
        elif word.endswith(":read"):
            mapped.append("telemetry:read")
    return mapped


class JwtIdentities:
    """OIDC bearer tokens: FastMCP's ``JWTVerifier`` checks signature, issuer, audience and expiry; the claims
    named in ``server.jwt`` give the organization and the scopes."""

    def __init__(self, settings: JwtSettings) -> None:
        from fastmcp.server.auth.providers.jwt import JWTVerifier

        if not settings.jwks_url and settings.public_key is None:
            raise ConfigError("config error: server.auth_mode jwt needs server.jwt.jwks_url or server.jwt.public_key")
        self.settings = settings
        self.verifier = JWTVerifier(
            public_key=settings.public_key.get_secret_value() if settings.public_key else None,
            jwks_uri=settings.jwks_url,
            issuer=settings.issuer,
            audience=settings.audience,
            algorithm=settings.algorithm,
        )

    async def identify(self, raw: bytes) -> Identity | None:
        checked = await self.verifier.verify_token(raw.decode("latin-1"))
        if checked is None:
            return None
        claims = checked.claims
        scopes = _scopes(_strings(claims.get(self.settings.scopes_claim)))
        organization = claims.get(self.settings.organization_claim)
        if organization is not None and not isinstance(organization, str):
            organization = str(organization)
        if not organization and not (OPERATOR_SCOPE in scopes or ALL_SCOPES in scopes):
            logger.info("jwt refused: no {} claim and no operator scope", self.settings.organization_claim)
            return None
        return Identity(
            subject=f"jwt:{claims.get('iss', '')}:{claims.get('sub', checked.client_id)}",
            method="jwt",
            organization_id=organization or None,
            scopes=scopes,
        )


class Credentials(TokenVerifier):
    """Every enabled way to present a credential, tried in turn: static tokens, JWTs, then API keys."""

    def __init__(self, server: ServerSettings, modes: list[str]) -> None:
        super().__init__()
        self._static: dict[bytes, Identity] = {}
        if "token" in modes:
            if server.auth_token is not None:
                operator = Identity("token:operator", "token", None, frozenset({ALL_SCOPES}))
                self._static[hashlib.sha256(server.auth_token.get_secret_value().encode()).digest()] = operator
            for entry in server.tokens:
                identity = Identity(
                    subject=f"token:{entry.name}",
                    method="token",
                    organization_id=entry.organization,
                    scopes=_scopes(entry.scopes),
                )
                self._static[hashlib.sha256(entry.token.get_secret_value().encode()).digest()] = identity
            if not self._static:
                raise ConfigError("config error: server.auth_mode token needs server.auth_token or server.tokens")
        self.api_keys = ApiKeys(server.api_keys) if "api_keys" in modes else None
        self.jwt = JwtIdentities(server.jwt) if "jwt" in modes else None

    async def verify_token(self, token: str) -> AccessToken | None:
        """The access token carrying the caller's identity, or None (the caller answers 401)."""
        raw = _presented(token)
        if not raw:
            return None
        # a digest lookup: equal-length digests, so neither content nor length of a token leaks through timing
        identity = self._static.get(hashlib.sha256(raw).digest())
        if identity is None and self.jwt is not None and raw.count(b".") == 2:
            identity = await self.jwt.identify(raw)
        if identity is None and self.api_keys is not None:
            identity = await self.api_keys.identify(raw)
        return _access(raw, identity) if identity is not None else None
