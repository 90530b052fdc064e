"""The `whoami` tool: who the server takes the caller to be."""

from __future__ import annotations

from fastmcp.server.providers import LocalProvider
from pydantic import BaseModel, Field

from tfo_mcp.auth.identity import current_identity
from tfo_mcp.auth.tenancy import default_organization
from tfo_mcp.config import Settings
from tfo_mcp.tools.annotations import READ_ONLY


class WhoAmI(BaseModel):
    subject: str = Field(description="Who: token:<name>, api_key:<id>, jwt:<issuer>:<subject> or local")
    method: str = Field(description="How the credential was checked: local, token, api_key or jwt")
    organization_id: str | None = Field(description="The one organization this caller reads; null for operators")
    operator: bool = Field(description="True when the caller may name any organization")
    default_organization: str | None = Field(description="What a call that names no organization means")
    scopes: list[str] = Field(description="What the caller may do (see the README's scope table)")
    rate_limit_per_minute: int | None = Field(description="This credential's own call limit, if it has one")


def whoami() -> WhoAmI:
    """Who the server takes you to be: your identity, your organization (or operator) and your scopes."""
    identity = current_identity()
    return WhoAmI(**identity.describe(), default_organization=default_organization(identity))


def provider(settings: Settings) -> LocalProvider:
    """`whoami`."""
    tools = LocalProvider()
    tools.tool(whoami, annotations=READ_ONLY)
    return tools
