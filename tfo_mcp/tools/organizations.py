"""The `list_organizations` tool: which organizations (tenants) exist, their names and slugs, and what data each has.

Where the answer comes from, read-only and bounded:

* PostgreSQL (when ``postgres.url`` is set): the platform's ``organizations`` table (id, name, slug = ``code``,
  domain, active) and row counts in a fixed set of inventory/configuration tables
  (``sql/organizations/postgres_*.sql``), in a READ ONLY transaction with a statement timeout.
* ClickHouse: rows and the newest row's time per organization in a fixed set of raw signal tables
  (``CLICKHOUSE_TABLES``; ``sql/organizations/clickhouse_table_counts.sql``), each query read-only under
  ``max_execution_time``, the tables that exist only. A table whose count fails is named in ``notes``.
* Names of the demo estate's organizations when PostgreSQL does not hold them (``name_source = "demo"``).

:func:`resolve_organization` is the one place a tool's ``organization`` argument becomes an id: an id (UUID form)
passes unchanged without a store lookup; otherwise the text must equal, trimmed and case-insensitively, exactly one
organization's name or slug. The names come from the same sources as here: PostgreSQL's ``organizations`` table
when ``postgres.url`` is set (read at most once a minute per store), else (no PostgreSQL, no platform schema, an
empty table, or a PostgreSQL not reachable while the demo estate is still being prepared) the demo estate's names.

In stdio mode every organization is visible (the caller runs the server); nothing here widens what a caller of
another tool could read.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from functools import cache
from importlib import resources as importlib_resources
from typing import Any, Literal

from fastmcp.exceptions import ToolError
from fastmcp.server.providers import LocalProvider
from loguru import logger
from pydantic import BaseModel, Field

from tfo_mcp.auth.identity import current_identity
from tfo_mcp.auth.tenancy import confine, default_organization
from tfo_mcp.config import Settings, get_settings
from tfo_mcp.context.types import preparing_summary
from tfo_mcp.errors import StoreUnavailable
from tfo_mcp.health import pending_preparation
from tfo_mcp.logs import scrub_secrets
from tfo_mcp.stores import postgres
from tfo_mcp.stores.clickhouse import get_clickhouse
from tfo_mcp.tools.annotations import READ_LIVE

#: Raw ClickHouse tables counted per organization -> (time column, the kind of data it holds).
CLICKHOUSE_TABLES: dict[str, tuple[str, str]] = {
    "metrics": ("timestamp", "metrics"),
    "logs": ("timestamp", "logs"),
    "traces": ("timestamp", "traces"),
    "uptime_checks": ("checked_at", "uptime"),
    "audit_logs": ("timestamp", "audit"),
    "vm_metrics": ("timestamp", "hosts"),
    "kubernetes_metrics": ("timestamp", "kubernetes"),
    "kubernetes_events": ("timestamp", "kubernetes"),
    "network_map_traffic": ("timestamp", "network"),
    "security_events": ("timestamp", "security"),
    "anomaly_events": ("timestamp", "aiops"),
    "change_events": ("timestamp", "changes"),
    "llm_usage_raw": ("timestamp", "llm-usage"),
    "cost_data": ("timestamp", "costs"),
}
#: PostgreSQL tables counted per organization (postgres_table_counts.sql) -> the kind of data.
POSTGRES_KINDS: dict[str, str] = {
    "workspaces": "tenancy",
    "users": "tenancy",
    "alert_rules": "alerting",
    "slo_definitions": "slo",
    "uptime_monitors": "uptime",
    "kubernetes_clusters": "kubernetes",
    "kubernetes_pods": "kubernetes",
    "agents": "hosts",
    "service_map_services": "topology",
    "database_instances": "databases",
    "security_incidents": "security",
    "security_vulnerabilities": "security",
}
QUERY_TIMEOUT = 10.0
MAX_LIMIT = 1000
#: Seconds the organization names read from PostgreSQL are reused by resolve_organization.
NAME_CACHE_SECONDS = 60.0
#: A name missing from cached names older than this re-reads them once (an organization created meanwhile).
NAME_REFRESH_SECONDS = 5.0
#: Seconds a name lookup may take (connecting included) before it is reported as unavailable.
NAME_LOOKUP_TIMEOUT = 5.0
#: Most organizations read for name resolution.
MAX_NAMED = 10_000
#: Names listed in the error for an unknown organization.
HINT_NAMES = 5
#: Demo organizations `tfo-mcp demo` seeds by default (the ones named in an unknown-name error).
DEMO_DEFAULT_ORGS = 2
_UUID_FORM = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class TableCount(BaseModel):
    table: str = Field(description="Table name, e.g. metrics or kubernetes_pods")
    rows: int = Field(description="Rows of this organization in the table")
    last_at: str | None = Field(None, description="Newest row's time (UTC) for ClickHouse signal tables")


class Organization(BaseModel):
    organization_id: str = Field(
        description="The id every other tool takes as organization_id (its name or slug work as well)"
    )
    name: str | None = Field(None, description="Display name (from PostgreSQL, or the demo estate's names)")
    slug: str | None = Field(None, description="Short code of the organization (PostgreSQL organizations.code)")
    domain: str | None = Field(None, description="The organization's domain, when recorded")
    active: bool | None = Field(None, description="False when PostgreSQL marks it inactive or deleted")
    name_source: Literal["postgres", "demo", "none"] = Field(description="Where the name comes from")
    stores: list[str] = Field(description="Stores holding rows of this organization: clickhouse, postgres")
    data: list[str] = Field(description="Kinds of data found, e.g. metrics, logs, traces, kubernetes, security")
    clickhouse: list[TableCount] = Field(description="Row counts in the ClickHouse signal tables, largest first")
    postgres: list[TableCount] = Field(description="Row counts in the PostgreSQL inventory tables, largest first")
    last_data_at: str | None = Field(None, description="Newest signal row of this organization in ClickHouse (UTC)")


class OrganizationsOutput(BaseModel):
    organizations: list[Organization] = Field(description="Organizations, those with the most data first")
    count: int = Field(description="Number of organizations returned")
    truncated: bool = Field(description="True when more organizations exist than `limit`")
    sources: dict[str, str] = Field(description="Per store: 'ok', 'not configured', or why it could not be read")
    notes: list[str] = Field(description="Tables that could not be counted, and what to run when a store is empty")
    next_steps: str = Field(description="How to go on: which tools take the organization (id, name or slug)")


@cache
def _sql(name: str) -> str:
    path = importlib_resources.files("tfo_mcp") / "sql" / "organizations" / f"{name}.sql"
    return path.read_text(encoding="utf-8").strip().rstrip(";")


def _reason(exc: BaseException) -> str:
    return scrub_secrets(" ".join((str(exc) or type(exc).__name__).split()))[:300]


async def _clickhouse_counts(notes: list[str]) -> tuple[dict[str, list[TableCount]], str]:
    """organization -> counts per signal table (only tables that exist); the store's status."""
    try:
        backend = get_clickhouse()
        present = await backend.table_names()
    except Exception as exc:
        return {}, _reason(exc)
    tables = [name for name in CLICKHOUSE_TABLES if name in present]
    if not tables:
        notes.append(
            "ClickHouse has none of the TFO platform tables: run `tfo-mcp demo` (demo estate) or "
            "`tfo-mcp db migrate --platform`, or point TELEMETRYFLOW_MCP_CLICKHOUSE_URL at a TFO deployment"
        )
        return {}, "ok"

    async def count(table: str) -> tuple[str, Any]:
        time_column = CLICKHOUSE_TABLES[table][0]
        sql = _sql("clickhouse_table_counts").replace("{table}", table).replace("{time}", time_column)
        try:
            result = await backend.query(sql, {"limit": MAX_LIMIT * 10}, max_rows=MAX_LIMIT * 10, timeout=QUERY_TIMEOUT)
        except Exception as exc:
            return table, exc
        return table, result.rows

    found: dict[str, list[TableCount]] = {}
    for table, outcome in await asyncio.gather(*(count(t) for t in tables)):
        if isinstance(outcome, Exception):
            notes.append(f"clickhouse.{table} not counted: {_reason(outcome)}")
            continue
        for org, rows, last_at in outcome:
            if org and int(rows) > 0:
                found.setdefault(str(org).lower(), []).append(TableCount(table=table, rows=int(rows), last_at=last_at))
    return found, "ok"


async def _postgres_rows(limit: int, notes: list[str]) -> tuple[list[dict[str, Any]], dict[str, list[TableCount]], str]:
    """The organizations table and counts per inventory table; the store's status."""
    if not postgres.is_configured():
        return [], {}, "not configured"
    try:
        await postgres.ensure_reachable(QUERY_TIMEOUT)
        orgs = await postgres.fetch_all(_sql("postgres_organizations"), {"limit": limit + 1}, timeout=QUERY_TIMEOUT)
    except StoreUnavailable as exc:
        return [], {}, _reason(exc)
    except Exception as exc:
        text = _reason(exc)
        if "does not exist" in text:
            notes.append(
                "PostgreSQL has no TFO platform schema (no organizations table): run `tfo-mcp db migrate --platform`"
                " and `tfo-mcp demo seed`, or point TELEMETRYFLOW_MCP_POSTGRES_URL at a TFO deployment"
            )
            return [], {}, "ok (no platform schema)"
        return [], {}, text
    counts: dict[str, list[TableCount]] = {}
    try:
        for row in await postgres.fetch_all(_sql("postgres_table_counts"), timeout=QUERY_TIMEOUT):
            counts.setdefault(str(row["organization_id"]).lower(), []).append(
                TableCount(table=row["source"], rows=int(row["row_count"]))
            )
    except Exception as exc:
        notes.append(f"PostgreSQL inventory tables not counted: {_reason(exc)}")
    return orgs, counts, "ok"


@cache
def _demo_names() -> dict[str, tuple[str, str]]:
    """Demo organization id -> (name, slug), for stores that hold the demo estate without its PostgreSQL half."""
    from tfo_mcp import demo
    from tfo_mcp.demo.seeding import MAX_ORGS

    return {
        demo.org_id(index): (str(profile.get("name") or ""), str(profile.get("code") or ""))
        for index, profile in enumerate(demo.org_profiles(MAX_ORGS))
    }


def _kinds(ch: list[TableCount], pg: list[TableCount]) -> list[str]:
    kinds = [CLICKHOUSE_TABLES[c.table][1] for c in ch] + [POSTGRES_KINDS.get(c.table, c.table) for c in pg]
    return list(dict.fromkeys(kinds))


async def list_organizations(
    limit: int = Field(100, ge=1, le=MAX_LIMIT, description="Most organizations to return; more sets truncated"),
) -> OrganizationsOutput:
    """List the organizations (tenants) the stores hold: id, name, slug, and what data each has (a credential
    scoped to one organization sees only that one).

    Start here: pass an organization's id, name or slug from this list as organization_id to investigate or
    collect_context. Names and slugs come from PostgreSQL's organizations table; the data summary counts rows per
    organization in a fixed set of ClickHouse signal tables (with the newest row's time) and PostgreSQL inventory
    tables. Read-only.
    """
    notes: list[str] = []
    (ch_counts, ch_status), (pg_orgs, pg_counts, pg_status) = await asyncio.gather(
        _clickhouse_counts(notes), _postgres_rows(limit, notes)
    )
    by_id: dict[str, Organization] = {}
    for row in pg_orgs:
        oid = str(row["organization_id"]).lower()
        by_id[oid] = Organization(
            organization_id=str(row["organization_id"]),
            name=row.get("name"),
            slug=row.get("slug"),
            domain=row.get("domain"),
            active=bool(row.get("active")) and not row.get("deleted"),
            name_source="postgres",
            stores=["postgres"],
            data=[],
            clickhouse=[],
            postgres=[],
        )
    for oid in [*ch_counts, *pg_counts]:
        if oid not in by_id:
            by_id[oid] = Organization(
                organization_id=oid, name_source="none", stores=[], data=[], clickhouse=[], postgres=[]
            )
    for oid, org in by_id.items():
        org.clickhouse = sorted(ch_counts.get(oid, []), key=lambda c: -c.rows)
        org.postgres = sorted(pg_counts.get(oid, []), key=lambda c: -c.rows)
        if org.clickhouse and "clickhouse" not in org.stores:
            org.stores.insert(0, "clickhouse")
        if org.postgres and "postgres" not in org.stores:
            org.stores.append("postgres")
        org.data = _kinds(org.clickhouse, org.postgres)
        times = [c.last_at for c in org.clickhouse if c.last_at]
        org.last_data_at = max(times) if times else None
        if org.name is None and oid in _demo_names():
            org.name, org.slug = _demo_names()[oid]
            org.name_source = "demo"
    own = current_identity().organization_id
    if own is not None:  # an organization-scoped caller sees its own organization only
        by_id = {oid: org for oid, org in by_id.items() if oid == own.lower()}
    ranked = sorted(by_id.values(), key=lambda o: (-sum(c.rows for c in o.clickhouse + o.postgres), o.name or "~"))
    truncated = len(ranked) > limit
    if not ranked and not notes:
        notes.append(
            "No organization holds data yet: run `tfo-mcp demo` for the demo estate, or point "
            "TELEMETRYFLOW_MCP_CLICKHOUSE_URL / TELEMETRYFLOW_MCP_POSTGRES_URL at a TFO deployment"
        )
    preparing = pending_preparation()
    if preparing is not None:  # the counts are of a half-written estate: say so first
        notes.insert(0, preparing_summary("The list of organizations", preparing.percent, preparing.step))
    logger.debug("list_organizations: {} found; ClickHouse {}; PostgreSQL {}", len(ranked), ch_status, pg_status)
    return OrganizationsOutput(
        organizations=ranked[:limit],
        count=min(len(ranked), limit),
        truncated=truncated,
        sources={"clickhouse": ch_status, "postgres": pg_status},
        notes=notes,
        next_steps=(
            "Pass an organization's id, name or slug as organization_id to `investigate` (what is wrong and why) "
            "or to `collect_context` with a context type from `list_context_types`."
        ),
    )


# --------------------------------------------------------------------------- organization names -> ids


class OrganizationNotResolved(ToolError):
    """The organization a caller gave is no id and no single organization's name or slug (or names are unreadable).

    The caller's mistake (or a store outage, logged apart), not the server's: logged at INFO, without a traceback.
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*args, log_level=logging.INFO)


@dataclass(frozen=True)
class NamedOrganization:
    """An organization as name resolution sees it."""

    organization_id: str
    name: str
    slug: str
    deleted: bool = False

    def label(self) -> str:
        return f"{self.name} ({self.slug})" if self.slug and self.slug != self.name else self.name


@dataclass(frozen=True)
class _Names:
    key: str
    source: Literal["postgres", "demo"]
    organizations: tuple[NamedOrganization, ...]
    loaded_at: float
    #: seconds these names are reused (a stand-in for names PostgreSQL does not hold yet: briefly)
    ttl: float = NAME_CACHE_SECONDS


_names_cache: dict[str, _Names] = {}


def clear_organization_names() -> None:
    """Forget the cached organization names (tests; a changed PostgreSQL is a new cache key anyway)."""
    _names_cache.clear()


def is_organization_id(text: str) -> bool:
    """Whether ``text`` has the form of an organization id (a UUID, hyphenated)."""
    return bool(_UUID_FORM.match(text.strip()))


def _demo_named() -> tuple[NamedOrganization, ...]:
    return tuple(NamedOrganization(oid, name, slug) for oid, (name, slug) in _demo_names().items())


def _store_key() -> str:
    """Which name source the current settings point at (a digest: the URL itself is kept nowhere here)."""
    if not postgres.is_configured():
        return "demo"
    url = get_settings().postgres.url
    assert url is not None
    return "postgres:" + hashlib.sha256(url.get_secret_value().encode()).hexdigest()


async def _read_names(key: str) -> _Names:
    """The organizations' names and slugs from PostgreSQL, or the demo estate's when PostgreSQL has none."""
    if key == "demo":
        return _Names(key, "demo", _demo_named(), time.monotonic())
    try:
        async with asyncio.timeout(NAME_LOOKUP_TIMEOUT):
            await postgres.ensure_reachable(NAME_LOOKUP_TIMEOUT)
            rows = await postgres.fetch_all(
                _sql("postgres_organization_names"), {"limit": MAX_NAMED}, timeout=NAME_LOOKUP_TIMEOUT
            )
    except Exception as exc:
        reason = _reason(exc)
        if "does not exist" in reason:  # no platform schema: the names the demo estate's ClickHouse half goes by
            return _Names(key, "demo", _demo_named(), time.monotonic())
        if pending_preparation() is not None:  # the demo estate (and its PostgreSQL) is still being prepared
            return _Names(key, "demo", _demo_named(), time.monotonic(), ttl=NAME_REFRESH_SECONDS)
        logger.warning("organization names could not be read from PostgreSQL: {}", reason)
        down = isinstance(exc, StoreUnavailable | TimeoutError | OSError)
        raise OrganizationNotResolved(
            "The organization names could not be read: PostgreSQL "
            + ("is unreachable or too slow" if down else "refused the lookup")
            + " right now. Pass the organization id (a UUID, see list_organizations) instead, or try again shortly."
        ) from None
    if not rows:  # a platform schema not seeded yet
        return _Names(key, "demo", _demo_named(), time.monotonic(), ttl=NAME_REFRESH_SECONDS)
    named = tuple(
        NamedOrganization(str(row["organization_id"]), str(row["name"] or ""), str(row["slug"] or ""), row["deleted"])
        for row in rows
    )
    return _Names(key, "postgres", named, time.monotonic())


async def _names(*, refresh_older_than: float = NAME_CACHE_SECONDS) -> _Names:
    key = _store_key()
    cached = _names_cache.get(key)
    if cached is None or time.monotonic() - cached.loaded_at >= min(refresh_older_than, cached.ttl):
        cached = _names_cache[key] = await _read_names(key)
    return cached


def _matching(names: _Names, wanted: str) -> list[NamedOrganization]:
    """The organizations whose name or slug equals ``wanted`` (trimmed, case-insensitive); live ones over deleted."""
    folded = wanted.strip().casefold()
    found = [org for org in names.organizations if folded in (org.name.strip().casefold(), org.slug.strip().casefold())]
    return [org for org in found if not org.deleted] or found


def _unknown(given: str, names: _Names) -> OrganizationNotResolved:
    known = names.organizations[:DEMO_DEFAULT_ORGS] if names.source == "demo" else names.organizations
    listed = [org.label() for org in known if not org.deleted][:HINT_NAMES]
    where = "the organizations table of PostgreSQL" if names.source == "postgres" else "the demo estate"
    hint = f" Known organizations include: {', '.join(listed)}." if listed else ""
    return OrganizationNotResolved(
        f"No organization is called {given!r}: it is not an organization id (a UUID) and no name or slug in "
        f"{where} equals it.{hint} Call list_organizations for every organization's id, name and slug."
    )


async def resolve_organization(given: str | None) -> str:
    """The organization id a caller means by ``given``: its id, name or slug; none means the caller's own
    organization (or ``server.default_organization``).

    An id (UUID form) comes back unchanged without a store lookup. Otherwise ``given`` must equal (trimmed,
    case-insensitively) the name or the slug of exactly one organization. An organization-scoped caller may only
    mean its own organization (:func:`tfo_mcp.auth.tenancy.confine`). Raises ValueError for an empty or
    malformed argument, OrganizationNotResolved (a ToolError) when nothing or several organizations match or
    the names cannot be read; its message names what was given and never the store's URL.
    """
    from tfo_mcp.context.collector import validate_organization

    identity = current_identity()
    if given is None or not given.strip():
        given = default_organization(identity)
        if given is None:
            raise ValueError(
                "organization_id is required: pass an organization's id, name or slug (list_organizations shows "
                "them), or set server.default_organization"
            )
    text = validate_organization(given)
    if identity.organization_id is not None:
        return await _own_organization(text, identity.organization_id)
    if is_organization_id(text):
        return text
    names = await _names()
    found = _matching(names, text)
    if not found and names.source == "postgres":
        names = await _names(refresh_older_than=NAME_REFRESH_SECONDS)
        found = _matching(names, text)
    if not found:
        raise _unknown(text, names)
    if len(found) > 1:
        ids = "; ".join(f"{org.organization_id} ({org.label()})" for org in found[: HINT_NAMES * 2])
        raise OrganizationNotResolved(
            f"{text!r} names {len(found)} organizations: {ids}. Pass the organization_id of the one you mean."
        )
    return found[0].organization_id


async def _own_organization(text: str, own: str) -> str:
    """``own`` when ``text`` is its id, name or slug; else the same refusal whether ``text`` names another
    organization or none (no other organization's name is suggested)."""
    if text.lower() == own.lower():
        return own
    if not is_organization_id(text):
        found = _matching(await _names(), text)
        if len(found) == 1 and found[0].organization_id.lower() == own.lower():
            return own
    return confine(text, text)


def provider(settings: Settings) -> LocalProvider:
    """`list_organizations`."""
    tools = LocalProvider()
    tools.tool(list_organizations, annotations=READ_LIVE)
    return tools
