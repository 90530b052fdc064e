"""`list_organizations` over a real MCP client (fastmcp.Client(build_server())) on the seeded demo estate, on
ClickHouse alone, and on an empty store; and the server instructions that send the model there first."""

from __future__ import annotations

from typing import Any

from fastmcp import Client

from tests.support.fixtures_demo import DEMO_DATABASE, DemoDataset, _install, _restore
from tfo_mcp import app
from tfo_mcp.app import build_server


async def call(arguments: dict[str, Any] | None = None) -> Any:
    async with Client(build_server()) as client:
        result = await client.call_tool("list_organizations", arguments or {}, raise_on_error=False)
    assert not result.is_error, result.content
    return result.structured_content


async def test_lists_both_demo_organizations_with_names_slugs_and_data(demo_store: DemoDataset) -> None:
    body = await call()
    assert body["sources"] == {"clickhouse": "ok", "postgres": "ok"}
    assert body["count"] == 2 and not body["truncated"]
    orgs = {org["organization_id"]: org for org in body["organizations"]}
    assert set(orgs) == {demo_store.org_a, demo_store.org_b}
    acme, northwind = orgs[demo_store.org_a], orgs[demo_store.org_b]
    assert (acme["name"], acme["slug"], acme["name_source"]) == ("Acme Retail", "acme-retail", "postgres")
    assert northwind["name"] == "Northwind Freight" and northwind["active"] is True
    for org in (acme, northwind):
        assert org["stores"] == ["clickhouse", "postgres"]
        assert {"metrics", "logs", "traces", "kubernetes", "uptime", "security", "tenancy"} <= set(org["data"])
        counted = {c["table"]: c for c in org["clickhouse"]}
        assert counted["metrics"]["rows"] > 100_000 and counted["metrics"]["last_at"]
        assert [c["rows"] for c in org["clickhouse"]] == sorted((c["rows"] for c in org["clickhouse"]), reverse=True)
        pg = {c["table"]: c["rows"] for c in org["postgres"]}
        assert pg["users"] > 0 and pg["workspaces"] > 0 and pg["kubernetes_pods"] > 0
        assert org["last_data_at"] and org["last_data_at"] >= counted["metrics"]["last_at"][:10]
    # each organization's counts are its own: the two estates differ, and the sums match a direct count
    from tfo_mcp.stores.clickhouse import get_clickhouse

    direct = await get_clickhouse().query(
        "SELECT count() FROM metrics WHERE organization_id = %(org)s", {"org": demo_store.org_a}, max_rows=1
    )
    assert {c["table"]: c["rows"] for c in acme["clickhouse"]}["metrics"] == int(direct.rows[0][0])
    assert "investigate" in body["next_steps"] and "collect_context" in body["next_steps"]


async def test_limit_truncates_and_says_so(demo_store: DemoDataset) -> None:
    body = await call({"limit": 1})
    assert body["count"] == 1 and body["truncated"] is True
    assert len(body["organizations"]) == 1


async def test_clickhouse_alone_names_the_demo_organizations(demo_dataset: DemoDataset) -> None:
    previous = await _install({"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": demo_dataset.clickhouse_url})
    try:
        body = await call()
    finally:
        await _restore(previous)
    assert body["sources"] == {"clickhouse": "ok", "postgres": "not configured"}
    orgs = {org["organization_id"]: org for org in body["organizations"]}
    assert orgs[demo_dataset.org_a]["name"] == "Acme Retail"
    assert orgs[demo_dataset.org_a]["name_source"] == "demo"
    assert orgs[demo_dataset.org_a]["stores"] == ["clickhouse"] and orgs[demo_dataset.org_a]["postgres"] == []


async def test_an_empty_store_says_what_to_run(demo_dataset: DemoDataset) -> None:
    url = demo_dataset.clickhouse_url.replace(f"database={DEMO_DATABASE}", "database=tfo_orgs_empty")
    previous = await _install({"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": url})
    try:
        body = await call()
    finally:
        await _restore(previous)
    assert body["organizations"] == [] and body["count"] == 0
    assert any("tfo-mcp demo" in note for note in body["notes"]), body["notes"]


async def test_tool_is_read_only_and_the_instructions_start_there() -> None:
    server = build_server()
    tool = next(t for t in await server.list_tools() if t.name == "list_organizations")
    assert tool.annotations is not None
    assert tool.annotations.readOnlyHint is True and tool.annotations.destructiveHint is False
    async with Client(server) as client:
        instructions = client.instructions
    assert instructions == app.INSTRUCTIONS
    _, rest = instructions.split("list_organizations", 1)
    assert "investigate" in rest and "collect_context" in rest
