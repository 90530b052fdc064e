"""The caller of a request: who it is, which organization its credential confines it to, and its scopes.

The credential decides, never a tool argument. Over HTTP with authentication, a verifier
(:mod:`tfo_mcp.auth.verifiers`) turns the bearer token into FastMCP's ``AccessToken``, whose claims carry the
identity; stdio runs as the local user, and so does loopback HTTP without authentication (``auth_mode: none``).
The scopes and what each grants are in ``tfo_mcp/data/scopes.tsv``; a tool's scope is in ``tools.tsv``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

__all__ = [
    "ALL_SCOPES",
    "LOCAL",
    "OPERATOR_SCOPE",
    "Identity",
    "current_identity",
    "identity_of",
    "scope_catalog",
    "scope_names",
    "token_claims",
]

Method = Literal["local", "token", "api_key", "jwt"]
#: every scope at once
ALL_SCOPES = "*"
#: the scope of an identity that may name any organization
OPERATOR_SCOPE = "operator"
#: the AccessToken claim that carries the identity this server made of the credential
_CLAIM = "tfo_identity"


@dataclass(frozen=True)
class Identity:
    """One caller. ``organization_id`` None means an operator: it may name any organization."""

    subject: str
    method: Method
    organization_id: str | None
    scopes: frozenset[str]
    #: calls per minute this identity may make (an API key's own ``rate_limit``); None: the configured default
    rate_limit: int | None = None

    @property
    def is_local(self) -> bool:
        """The local user (stdio, or loopback HTTP without authentication)."""
        return self.method == "local"

    def allows(self, scope: str) -> bool:
        """True when ``scope`` is granted (an empty scope needs nothing)."""
        return not scope or ALL_SCOPES in self.scopes or scope in self.scopes

    def describe(self) -> dict[str, Any]:
        """What ``whoami`` says: never a credential, only who and what."""
        return {
            "subject": self.subject,
            "method": self.method,
            "organization_id": self.organization_id,
            "operator": self.organization_id is None,
            "scopes": sorted(self.scopes),
            "rate_limit_per_minute": self.rate_limit,
        }


#: the local user: any organization, every scope
LOCAL = Identity(subject="local", method="local", organization_id=None, scopes=frozenset({ALL_SCOPES}))


def token_claims(identity: Identity) -> dict[str, Any]:
    """The AccessToken claims that carry ``identity`` through FastMCP's auth middleware."""
    return {_CLAIM: identity}


def current_identity() -> Identity:
    """The caller of the request being handled (the local user outside an authenticated HTTP request)."""
    from fastmcp.server.dependencies import get_access_token

    try:
        token = get_access_token()
    except RuntimeError:
        return LOCAL
    return identity_of(token) or LOCAL


def identity_of(token: Any) -> Identity | None:
    """The identity an access token carries (None for no token, or one this server did not make)."""
    claims = getattr(token, "claims", None)
    identity = claims.get(_CLAIM) if isinstance(claims, dict) else None
    return identity if isinstance(identity, Identity) else None


@dataclass(frozen=True)
class Scope:
    name: str
    grants: str
    remote_default: bool


@cache
def scope_catalog() -> dict[str, Scope]:
    """The scopes, from ``tfo_mcp/data/scopes.tsv``, in file order."""
    text = resources.files("tfo_mcp.data").joinpath("scopes.tsv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return {
        row["scope"]: Scope(row["scope"], row["grants"], row["remote_default"] == "yes")
        for row in csv.DictReader(lines, delimiter="\t")
    }


def scope_names() -> tuple[str, ...]:
    """Every scope, in catalog order."""
    return tuple(scope_catalog())


def known_scopes(scopes: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    """The scopes of ``scopes`` this server knows (``*`` included); others are ignored."""
    catalog = scope_catalog()
    return frozenset(scope for scope in scopes if scope == ALL_SCOPES or scope in catalog)
