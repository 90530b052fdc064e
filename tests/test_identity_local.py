"""The local user (stdio): every organization and scope, limited only when configured, the default organization;
and the README's scope table, which must be the scope catalog. Apart from test_tenancy.py, whose HTTP server
holds the demo's embedded ClickHouse store while its module runs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.fixtures_demo import DemoDataset
from tests.support.mcp_process import StdioServer


def test_stdio_is_the_local_user_limited_only_when_configured(tmp_path: Path) -> None:
    env = {
        "TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{tmp_path}/store",
        "TELEMETRYFLOW_MCP_SERVER__RATE_LIMITS__LOCAL": "true",
        "TELEMETRYFLOW_MCP_SERVER__RATE_LIMITS__IDENTITY_PER_MINUTE": "2",
    }
    server = StdioServer(tmp_path, env=env)
    try:
        server.initialize()
        me = server.request("tools/call", {"name": "whoami", "arguments": {}})["result"]["structuredContent"]
        assert me["method"] == "local" and me["operator"] is True and me["scopes"] == ["*"]
        second = server.request("tools/call", {"name": "echo", "arguments": {"message": "x"}})["result"]
        assert not second.get("isError")
        third = server.request("tools/call", {"name": "echo", "arguments": {"message": "x"}})["result"]
        assert third["isError"] and "Rate limit: 2 calls a minute per identity" in third["content"][0]["text"]
        assert server.request("ping")["result"] == {}, "the server keeps serving"
    finally:
        server.close_stdin_and_wait()


def test_stdio_names_the_default_organization_or_says_how_to_set_it(tmp_path: Path, demo_dataset: DemoDataset) -> None:
    from tfo_mcp.demo.plan import org_profiles

    name = org_profiles(demo_dataset.args["orgs"])[0]["name"]
    for default, expect in ((None, "organization_id is required"), (name, None)):
        extra = {"TELEMETRYFLOW_MCP_SERVER__DEFAULT_ORGANIZATION": default} if default else {}
        server = StdioServer(tmp_path, env=demo_dataset.environ(**extra))
        try:
            server.initialize()
            result = server.request(
                "tools/call", {"name": "collect_context", "arguments": {"context_type": "service-health"}}
            )["result"]
            if expect:
                assert result["isError"] and expect in result["content"][0]["text"]
            else:
                assert result["structuredContent"]["status"] == "available"
                assert any(value in json.dumps(result) for value in demo_dataset.org_values(0))
        finally:
            server.close_stdin_and_wait()


def test_the_readme_scope_table_is_the_scope_catalog() -> None:
    from tfo_mcp.auth.identity import scope_catalog

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("| scope | grants |", 1)[1].split("\n\n", 1)[0]
    rows = [line.strip("|").split("|") for line in table.strip().splitlines()[1:]]
    documented = {name.strip().strip("`"): grants.strip() for name, grants in rows}
    assert documented == {**{s.name: s.grants for s in scope_catalog().values()}, "*": "every scope"}
