"""Organizations given by name or slug: ``resolve_organization`` (tfo_mcp/tools/organizations.py) and every tool,
resource and prompt that takes an organization, over a real MCP client on the seeded demo estate.

An id (UUID form) passes unchanged without a store lookup; a name or slug (trimmed, any case) that matches exactly
one organization becomes its id; none or several are clear errors; a PostgreSQL that is down is a clear error that
never shows its URL or password. Names come from PostgreSQL's organizations table, or from the demo estate's names
when PostgreSQL is not configured.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError

from tests.support.collect_helpers import leaked
from tests.support.fixtures_demo import DemoDataset, _install, _restore
from tests.support.fixtures_postgres import PgDatabase
from tfo_mcp.app import build_server
from tfo_mcp.config import load_settings
from tfo_mcp.context.collector import collect_context
from tfo_mcp.tools import organizations
from tfo_mcp.tools.organizations import OrganizationNotResolved, resolve_organization

#: Every tool that takes an organization (the resource template and the prompt are checked apart).
ORGANIZATION_TOOLS = ("collect_context", "investigate", "build_prompt", "analyze_telemetry")


@pytest.fixture(autouse=True)
def fresh_names() -> Iterator[None]:
    organizations.clear_organization_names()
    yield
    organizations.clear_organization_names()


@pytest.fixture
def pg_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every PostgreSQL read the resolver makes (they still run)."""
    seen: list[str] = []
    real = organizations.postgres.fetch_all

    async def counting(sql: str, params: Any = None, *, timeout: float | None = None) -> list[dict[str, Any]]:
        seen.append(sql)
        return await real(sql, params, timeout=timeout)

    monkeypatch.setattr(organizations.postgres, "fetch_all", counting)
    return seen


def window(dataset: DemoDataset, hours: int = 1) -> dict[str, str]:
    return {"time_from": (dataset.now - timedelta(hours=hours)).isoformat(), "time_to": dataset.now.isoformat()}


async def call(name: str, arguments: dict[str, Any]) -> Any:
    async with Client(build_server()) as client:
        return await client.call_tool(name, arguments, raise_on_error=False)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- the resolver


async def test_name_any_case_and_slug_resolve_to_the_id(demo_store: DemoDataset, pg_reads: list[str]) -> None:
    for given in ("Acme Retail", "acme retail", "  ACME RETAIL\t", "acme-retail", "Acme-Retail"):
        assert await resolve_organization(given) == demo_store.org_a, given
    for given in ("Northwind Freight", "northwind freight", "northwind-freight"):
        assert await resolve_organization(given) == demo_store.org_b, given
    # names come from PostgreSQL, read once and then reused from the cache
    assert len(pg_reads) == 1 and "FROM organizations" in pg_reads[0]
    organizations.clear_organization_names()
    assert await resolve_organization("acme retail") == demo_store.org_a
    assert len(pg_reads) == 2


async def test_an_id_passes_unchanged_without_a_store_lookup(
    demo_store: DemoDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an id must not be looked up")

    monkeypatch.setattr(organizations.postgres, "fetch_all", refuse)
    monkeypatch.setattr(organizations.postgres, "ensure_reachable", refuse)
    unknown = str(uuid.uuid4())
    for given in (demo_store.org_a, demo_store.org_b, unknown, demo_store.org_a.upper()):
        assert await resolve_organization(given) == given
    assert await resolve_organization(f"  {demo_store.org_b} ") == demo_store.org_b  # trimmed, nothing else


async def test_an_unknown_name_says_what_was_given_and_where_to_look(demo_store: DemoDataset) -> None:
    with pytest.raises(OrganizationNotResolved) as refused:
        await resolve_organization("Acme Retial")
    text = str(refused.value)
    assert "'Acme Retial'" in text and "list_organizations" in text
    assert "Acme Retail (acme-retail)" in text and "Northwind Freight (northwind-freight)" in text
    # exact matches only: a part of a name is no name
    for given in ("Acme", "retail", "acme-retail-eu", "Acme Retail Inc"):
        with pytest.raises(OrganizationNotResolved):
            await resolve_organization(given)
    with pytest.raises(ValueError, match="organization_id is required"):
        await resolve_organization("   ")


async def test_several_matches_list_their_ids_and_a_live_organization_wins_over_a_deleted_one(
    demo_dataset: DemoDataset, pg_db: PgDatabase
) -> None:
    twin, deleted = str(uuid.uuid4()), str(uuid.uuid4())
    await pg_db.setup(
        "CREATE TABLE organizations (organization_id uuid PRIMARY KEY, name varchar(255) NOT NULL, "
        "code varchar(100) NOT NULL UNIQUE, deleted_at timestamptz)"
    )
    await pg_db.setup(
        "INSERT INTO organizations VALUES (%s, 'Acme Retail', 'acme-retail', NULL), "
        "(%s, 'Northwind Freight', 'northwind-freight', NULL), (%s, 'Acme Retail', 'acme-retail-eu', NULL), "
        "(%s, 'Northwind Freight', 'nwf-old', now())",
        (demo_dataset.org_a, demo_dataset.org_b, twin, deleted),
    )
    previous = await _install(demo_dataset.environ(TELEMETRYFLOW_MCP_POSTGRES_URL=pg_db.app_url))
    try:
        with pytest.raises(OrganizationNotResolved) as refused:
            await resolve_organization("acme retail")
        text = str(refused.value)
        assert "names 2 organizations" in text and demo_dataset.org_a in text and twin in text
        assert "acme-retail-eu" in text and "organization_id" in text
        assert await resolve_organization("ACME-RETAIL-EU") == twin  # the slug is unique
        assert await resolve_organization("acme-retail") == demo_dataset.org_a
        assert await resolve_organization("Northwind Freight") == demo_dataset.org_b
        assert await resolve_organization("nwf-old") == deleted  # only a deleted one matches: it is the one
        # through the tool, the same answer as an MCP error
        result = await call("collect_context", {"context_type": "traces", "organization_id": "Acme Retail"})
        assert result.is_error and twin in result.content[0].text and demo_dataset.org_a in result.content[0].text
    finally:
        await _restore(previous)


async def test_names_come_from_the_demo_estate_without_postgres(demo_dataset: DemoDataset) -> None:
    previous = await _install({"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": demo_dataset.clickhouse_url})
    try:
        assert await resolve_organization("acme retail") == demo_dataset.org_a
        assert await resolve_organization("northwind-freight") == demo_dataset.org_b
        with pytest.raises(OrganizationNotResolved) as refused:
            await resolve_organization("Contoso")
        assert "demo estate" in str(refused.value) and "Acme Retail" in str(refused.value)
        result = await call(
            "collect_context",
            {"context_type": "traces", "organization_id": "Acme Retail", **window(demo_dataset)},
        )
        assert not result.is_error, result.content
        assert result.structured_content["status"] == "available"
    finally:
        await _restore(previous)


async def test_a_postgres_that_is_down_is_a_clear_error_without_its_url(demo_dataset: DemoDataset) -> None:
    port = closed_port()
    password = "n0t-for-your-eyes"
    url = f"postgresql://tfo_owner:{password}@127.0.0.1:{port}/tfo_platform"
    previous = await _install(
        {"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": demo_dataset.clickhouse_url, "TELEMETRYFLOW_MCP_POSTGRES_URL": url}
    )
    try:
        with pytest.raises(ToolError):
            await resolve_organization("Acme Retail")
        for name, arguments in (
            ("collect_context", {"context_type": "traces", "organization_id": "Acme Retail"}),
            ("investigate", {"organization_id": "acme-retail"}),
        ):
            result = await call(name, arguments)
            assert result.is_error, name
            text = result.content[0].text
            assert "organization names could not be read" in text and "PostgreSQL" in text, text
            assert "organization id" in text
            for secret in (password, str(port), "tfo_owner", "tfo_platform", "postgresql://", "Traceback"):
                assert secret not in text, (secret, text)
        # an id needs no lookup: ClickHouse contexts still answer
        result = await call(
            "collect_context", {"context_type": "traces", "organization_id": demo_dataset.org_a, **window(demo_dataset)}
        )
        assert not result.is_error, result.content
        assert result.structured_content["status"] == "available"
    finally:
        await _restore(previous)


async def test_while_the_demo_estate_is_prepared_its_names_stand_in_for_an_unready_postgres(
    demo_dataset: DemoDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tfo_mcp import health

    monkeypatch.setattr(health, "_preparations", {})
    preparation = health.begin_preparation("test-demo-estate")
    url = f"postgresql://tfo_owner:pw@127.0.0.1:{closed_port()}/tfo_platform"
    previous = await _install(demo_dataset.environ(TELEMETRYFLOW_MCP_POSTGRES_URL=url))
    try:
        assert await resolve_organization("Acme Retail") == demo_dataset.org_a
        result = await call("collect_context", {"context_type": "traces", "organization_id": "acme-retail"})
        assert not result.is_error, result.content
        assert result.structured_content["summary"].startswith("[SYSTEM] The demo estate is being prepared")
        preparation.finish()
        organizations.clear_organization_names()
        with pytest.raises(OrganizationNotResolved, match="could not be read"):
            await resolve_organization("Acme Retail")
    finally:
        await _restore(previous)


# --------------------------------------------------------------------------- every tool, resource and prompt


async def test_every_tool_takes_a_name_over_mcp_and_answers_for_that_organization_only(
    demo_store: DemoDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tfo_mcp.context import collector

    monkeypatch.setattr(collector, "DEFAULT_BUDGET", 120.0)  # figures, not speed
    mine, theirs = demo_store.org_values(0), demo_store.org_values(1)
    by_id = await call("collect_context", {"context_type": "traces", "organization_id": demo_store.org_a,
                                           **window(demo_store)})  # fmt: skip
    for given in ("Acme Retail", "acme retail", "acme-retail"):
        result = await call("collect_context", {"context_type": "traces", "organization_id": given,
                                                **window(demo_store)})  # fmt: skip
        assert not result.is_error, result.content
        body = result.structured_content
        assert body["status"] == "available"
        same = by_id.structured_content
        assert (body["summary"], body["data"]) == (same["summary"], same["data"])
        text = json.dumps(body)
        assert not [value for value in theirs if value in text], "org B's values in org A's context"
    northwind = await call("collect_context", {"context_type": "traces", "organization_id": "Northwind Freight",
                                               **window(demo_store)})  # fmt: skip
    assert northwind.structured_content["status"] == "available"
    assert northwind.structured_content["summary"] != by_id.structured_content["summary"]

    investigation = await call("investigate", {"organization_id": "ACME RETAIL", **window(demo_store)})
    assert not investigation.is_error, investigation.content
    assert investigation.structured_content["organization_id"] == demo_store.org_a

    prompt = await call("build_prompt", {"context_type": "uptime", "organization_id": "acme-retail",
                                         **window(demo_store)})  # fmt: skip
    assert not prompt.is_error and prompt.structured_content["context_status"] == "available"
    assert "Acme Checkout API" in prompt.structured_content["user_prompt"]

    async with Client(build_server()) as client:
        for uri in ("telemetry://acme-retail/uptime", "telemetry://Acme%20Retail/uptime"):
            body = json.loads((await client.read_resource(uri))[0].text)
            assert body["status"] == "available" and "Acme Checkout API" in json.dumps(body), uri
        northwind_uptime = json.loads((await client.read_resource("telemetry://northwind-freight/uptime"))[0].text)
        assert not [value for value in mine if value in json.dumps(northwind_uptime)], "org A's values in org B's"
        text = (
            (await client.get_prompt("analyze_context", {"context_type": "uptime", "organization_id": "Acme Retail"}))
            .messages[0]
            .content.text
        )
        assert "## Current Context" in text and "Acme Checkout API" in text


async def test_a_name_never_returns_the_other_organizations_data(demo_store: DemoDataset) -> None:
    kinds = ("logs", "kubernetes-pods", "security-events", "infra-hosts", "db-overview", "slo")
    for given, other in (("Acme Retail", 1), ("northwind-freight", 0)):
        organization = await resolve_organization(given)
        for kind in kinds:
            start = demo_store.now - timedelta(hours=1)
            context = await collect_context(kind, organization, time_from=start, time_to=demo_store.now, budget=60)
            assert context.status == "available", (given, kind, context.summary)
            assert leaked(context, demo_store.org_values(other)) == [], (given, kind)


async def test_unknown_names_are_mcp_errors_naming_list_organizations(demo_store: DemoDataset) -> None:
    for name, arguments in (
        ("collect_context", {"context_type": "traces", "organization_id": "Contoso"}),
        ("investigate", {"organization_id": "Contoso"}),
        ("build_prompt", {"context_type": "logs", "organization_id": "Contoso"}),
    ):
        result = await call(name, arguments)
        assert result.is_error, name
        assert "'Contoso'" in result.content[0].text and "list_organizations" in result.content[0].text
    # a bad argument is named first, before any lookup
    bad = await call("collect_context", {"context_type": "metrix", "organization_id": "Contoso"})
    assert bad.is_error and "metrics" in bad.content[0].text
    async with Client(build_server()) as client:
        with pytest.raises(Exception, match="list_organizations"):
            await client.read_resource("telemetry://Contoso/uptime")


async def test_the_descriptions_say_id_name_or_slug() -> None:
    every_tool = load_settings(environ={"TELEMETRYFLOW_MCP_MCP__TOOLSETS": "all"}).settings
    async with Client(build_server(every_tool)) as client:
        tools = {tool.name: tool for tool in await client.list_tools()}
        for name in ORGANIZATION_TOOLS:
            description = tools[name].inputSchema["properties"]["organization_id"]["description"]
            assert "id, name or slug" in description, (name, description)
        prompt = next(p for p in await client.list_prompts() if p.name == "analyze_context")
        argument = next(a for a in prompt.arguments or [] if a.name == "organization_id")
        assert "id, name or slug" in (argument.description or "")
    # every other tool taking an organization must be listed above (and so resolve it)
    takers = {name for name, tool in tools.items() if "organization_id" in tool.inputSchema.get("properties", {})}
    assert takers == set(ORGANIZATION_TOOLS)
