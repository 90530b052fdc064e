"""The organization a call may read: the credential's, whatever the arguments say.

An organization-scoped identity (an API key, a token or a JWT bound to an organization) reads only its own
organization: naming another is refused with the same words whether that organization exists or not, and no
other organization's name is ever suggested. Operators (and the local user) may name any organization;
``server.default_organization`` is what they mean when they name none.
"""

from __future__ import annotations

from tfo_mcp.auth.identity import Identity, current_identity
from tfo_mcp.errors import CallerError

__all__ = [
    "ForeignOrganization",
    "MissingScope",
    "RateLimited",
    "Refused",
    "Unisolated",
    "confine",
    "default_organization",
    "refuse_unisolated",
]


class Refused(CallerError):
    """A call the caller's credential does not allow (the audit records its outcome as ``refused``)."""


class ForeignOrganization(Refused):
    """An organization-scoped caller named an organization other than its own."""


class Unisolated(Refused):
    """A tool that reads across organizations, called by an organization-scoped caller."""


class MissingScope(Refused):
    """A tool the caller's scopes do not grant."""


class RateLimited(CallerError):
    """A call over the caller's rate limit (the audit records ``rate_limited``)."""


def default_organization(identity: Identity | None = None) -> str | None:
    """What a call that names no organization means: the caller's own, else ``server.default_organization``."""
    from tfo_mcp.config import get_settings

    identity = identity or current_identity()
    return identity.organization_id or get_settings().server.default_organization


def confine(organization_id: str, given: str, identity: Identity | None = None) -> str:
    """``organization_id`` (what ``given`` resolved to) when the caller may read it; ForeignOrganization if not."""
    identity = identity or current_identity()
    own = identity.organization_id
    if own is not None and organization_id.lower() != own.lower():
        raise ForeignOrganization(
            f"This credential reads only its own organization ({own}); {given!r} is not it. Omit organization_id "
            "to mean your own."
        )
    return organization_id


def refuse_unisolated(what: str, reason: str, identity: Identity | None = None) -> None:
    """Raise Unisolated when an organization-scoped caller asks for ``what``, which reads across organizations."""
    identity = identity or current_identity()
    if identity.organization_id is not None:
        raise Unisolated(
            f"{what} is not available to a credential scoped to one organization: {reason}. Use collect_context "
            "or investigate, which read only your organization."
        )
