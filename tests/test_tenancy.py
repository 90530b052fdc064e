"""The credential decides the tenant, over real HTTP: a spawned server with static tokens, TFO API keys in the demo
PostgreSQL and JWTs signed by a key this test makes. A hostile caller scoped to organization A tries every tool,
resource template and prompt on organization B (ids, names, slugs, SQL, subqueries, UNION, table functions, custom
contexts, resource URIs, results an operator cached); no output may hold any of B's rows."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
import pytest
import pytest_asyncio
from fastmcp import Client
from fastmcp.server.auth.providers.jwt import RSAKeyPair
from mcp.shared.exceptions import MCPError

from tests.support.fixtures_demo import DemoDataset
from tests.support.fixtures_llm import FakeProvider, provider_environ
from tests.support.mcp_process import HttpServer

ISSUER = "https://idp.tenancy.test"
AUDIENCE = "tfo-mcp-tenancy-test"
OPERATOR_TOKEN = "operator-" + secrets.token_hex(12)
TOKEN_A = "org-a-" + secrets.token_hex(12)
KEY_NAME = "tfo-mcp-tenancy-test"
#: what the server remembers a looked-up key for (server.api_keys.cache_seconds)
CACHE_SECONDS = 1


@dataclass
class Estate:
    server: HttpServer
    dataset: DemoDataset
    keys: dict[str, str]
    signer: RSAKeyPair
    stranger: RSAKeyPair

    @property
    def url(self) -> str:
        return self.server.url

    def jwt(self, *, org: str | None, scopes: list[str], signer: RSAKeyPair | None = None, **claims: Any) -> str:
        extra = {"org_id": org} if org else {}
        return (signer or self.signer).create_token(
            subject=claims.pop("subject", "someone"),
            issuer=claims.pop("issuer", ISSUER),
            audience=claims.pop("audience", AUDIENCE),
            scopes=scopes,
            expires_in_seconds=claims.pop("expires_in_seconds", 600),
            additional_claims={**extra, **claims},
        )


def _key() -> str:
    return "tfo_" + secrets.token_hex(20)


async def _insert_keys(dataset: DemoDataset) -> dict[str, str]:
    """API keys in the demo PostgreSQL: valid, revoked, expired and inactive for A; valid for B; a limited one."""
    now = datetime.now(UTC)
    plan = {
        "a": (dataset.org_a, {}, None),
        "a_revoked": (dataset.org_a, {"revoked_at": now}, None),
        "a_expired": (dataset.org_a, {"expires_at": now - timedelta(minutes=1)}, None),
        "a_inactive": (dataset.org_a, {"is_active": False}, None),
        "a_to_revoke": (dataset.org_a, {}, None),
        "a_limited": (dataset.org_a, {}, 3),
        "a_shared": (dataset.org_a, {}, 4),
        "a_files": (dataset.org_a, {"scopes": ["telemetry:read", "files:read"]}, None),
        "b": (dataset.org_b, {}, None),
    }
    keys: dict[str, str] = {}
    async with await psycopg.AsyncConnection.connect(dataset.postgres_url, autocommit=True) as conn:
        for label, (org, extra, limit) in plan.items():
            key = _key()
            keys[label] = key
            await conn.execute(
                "INSERT INTO api_keys (organization_id, name, key_prefix, key_hash, key_hint, scopes, rate_limit, "
                "is_active, expires_at, revoked_at) VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s)",
                [
                    org,
                    f"{KEY_NAME}-{label}",
                    key[:12],
                    hashlib.sha256(key.encode()).hexdigest(),
                    key[-4:],
                    json.dumps(extra.get("scopes", ["telemetry:read"])),
                    limit,
                    extra.get("is_active", True),
                    extra.get("expires_at"),
                    extra.get("revoked_at"),
                ],
            )
    return keys


async def _row_security(dataset: DemoDataset, admin_url: str, login: str) -> None:
    """The tenancy migration on the demo database (``tfo-mcp db migrate --tenancy``), for organization-scoped
    pg_query; the platform's own login reads every row as before."""
    async with await psycopg.AsyncConnection.connect(admin_url, autocommit=True) as conn:
        await conn.execute(f"ALTER ROLE {login} CREATEROLE")
    migration = Path(__file__).resolve().parent.parent / "tfo_mcp/sql/postgres/tenancy/001_row_security.sql"
    async with await psycopg.AsyncConnection.connect(dataset.postgres_url, autocommit=True) as conn:
        await conn.execute(migration.read_text(encoding="utf-8"))


async def _delete_keys(dataset: DemoDataset) -> None:
    async with await psycopg.AsyncConnection.connect(dataset.postgres_url, autocommit=True) as conn:
        await conn.execute("DELETE FROM api_keys WHERE name LIKE %s", [f"{KEY_NAME}-%"])


@pytest_asyncio.fixture(scope="module")
async def estate(
    demo_dataset: DemoDataset,
    postgres_url: str,
    pg_roles: Any,
    fake_llm_server: FakeProvider,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Estate]:
    keys = await _insert_keys(demo_dataset)
    await _row_security(demo_dataset, postgres_url, pg_roles.app)
    signer, stranger = RSAKeyPair.generate(), RSAKeyPair.generate()
    env = demo_dataset.environ(
        **provider_environ(fake_llm_server),
        TELEMETRYFLOW_MCP_SERVER__AUTH_MODE="token,api_keys,jwt",
        TELEMETRYFLOW_MCP_SERVER__AUTH_TOKEN=OPERATOR_TOKEN,
        TELEMETRYFLOW_MCP_SERVER__TOKENS=json.dumps(
            [{"name": "org-a", "token": TOKEN_A, "organization": demo_dataset.org_a, "scopes": ["telemetry:read"]}]
        ),
        TELEMETRYFLOW_MCP_SERVER__API_KEYS__CACHE_SECONDS=str(CACHE_SECONDS),
        TELEMETRYFLOW_MCP_SERVER__JWT__PUBLIC_KEY=signer.public_key,
        TELEMETRYFLOW_MCP_SERVER__JWT__ISSUER=ISSUER,
        TELEMETRYFLOW_MCP_SERVER__JWT__AUDIENCE=AUDIENCE,
        TELEMETRYFLOW_MCP_SERVER__RATE_LIMITS__IDENTITY_PER_MINUTE="1000",
        TELEMETRYFLOW_MCP_SERVER__RATE_LIMITS__ORGANIZATION_PER_MINUTE="10000",
    )
    server = HttpServer(tmp_path_factory.mktemp("tenancy"), env=env).wait_ready()
    try:
        yield Estate(server, demo_dataset, keys, signer, stranger)
    finally:
        server.stop()
        await _delete_keys(demo_dataset)


def _scoped_credentials(estate: Estate) -> dict[str, str]:
    """One credential of each kind bound to organization A."""
    return {
        "api_key": estate.keys["a"],
        "token": TOKEN_A,
        "jwt": estate.jwt(org=estate.dataset.org_a, scopes=["telemetry:read"]),
    }


def _leaks(estate: Estate, output: str, *given: str) -> list[str]:
    """Organization B's distinctive values in ``output`` (what the caller itself sent is not a leak)."""
    for text in given:
        output = output.replace(text, "").replace(text.strip(), "")
    return [value for value in estate.dataset.org_values(1) if value in output]


def _text(result: Any) -> str:
    parts = [getattr(block, "text", "") for block in getattr(result, "content", []) or []]
    structured = getattr(result, "structured_content", None)
    return "\n".join([*parts, json.dumps(structured) if structured is not None else ""])


def _org_b_names(estate: Estate) -> list[str]:
    from tfo_mcp.demo.plan import org_profiles

    profile = org_profiles(estate.dataset.args["orgs"])[1]
    return [estate.dataset.org_b, estate.dataset.org_b.upper(), f"  {estate.dataset.org_b} ", profile["name"],
            profile["code"], profile["name"].upper()]  # fmt: skip


def _hostile_calls(estate: Estate) -> list[tuple[str, dict[str, Any]]]:
    """Tool calls naming organization B in every way an argument can."""
    b = estate.dataset.org_b
    calls: list[tuple[str, dict[str, Any]]] = []
    for name in _org_b_names(estate):
        calls.append(("collect_context", {"context_type": "logs", "organization_id": name}))
    calls += [
        ("investigate", {"organization_id": b}),
        ("collect_context", {"context_type": "service-map", "organization_id": b}),
        ("collect_context", {"context_type": "api-keys", "organization_id": b}),
        ("analyze_telemetry", {"context_type": "errors", "organization_id": b}),
        ("build_prompt", {"context_type": "metrics", "organization_id": b}),
        ("ch_query", {"query": f"SELECT * FROM logs WHERE organization_id = '{b}' LIMIT 5"}),
        ("ch_query", {"query": "SELECT organization_id, count() FROM traces GROUP BY organization_id"}),
        ("ch_query", {"query": f"SELECT 1 UNION ALL SELECT count() FROM metrics WHERE organization_id = '{b}'"}),
        ("ch_query", {"query": "SELECT * FROM merge(currentDatabase(), '^logs$') LIMIT 3"}),
        ("pg_query", {"query": "SELECT name, key_hint FROM api_keys"}),
        (
            "pg_query",
            {"query": "SELECT * FROM organizations WHERE organization_id IN (SELECT organization_id FROM users)"},
        ),
        ("pg_query", {"query": "SELECT name FROM agents UNION SELECT name FROM organizations"}),
        ("pg_list_tables", {}),
        ("pg_describe_table", {"table": "api_keys"}),
        ("ch_tool_analytics", {}),
        ("pg_sessions", {}),
        (
            "collect_context",
            {
                "context_type": "custom",
                "organization_id": estate.dataset.org_a,
                "context_id": f"ch:SELECT * FROM logs WHERE organization_id = {{org}} OR organization_id = '{b}'",
            },
        ),
        (
            "collect_context",
            {
                "context_type": "custom",
                "context_id": "pg:SELECT name FROM agents WHERE organization_id = {org} OR true",
            },
        ),
        ("execute_command", {"command": "cat /etc/hostname"}),
        ("read_file", {"path": "notes.txt"}),
    ]
    return calls


async def test_a_scoped_caller_reads_no_row_of_another_organization(estate: Estate) -> None:
    calls = _hostile_calls(estate)
    assert len(calls) >= 25
    checked = 0
    for kind, credential in _scoped_credentials(estate).items():
        async with Client(estate.url, auth=credential) as client:
            for name, arguments in calls:
                result = await client.call_tool(name, arguments, raise_on_error=False)
                output = _text(result)
                given = [str(value) for value in arguments.values()]
                assert not _leaks(estate, output, *given), (
                    f"{kind}: {name}({arguments}) leaked {_leaks(estate, output)}"
                )
                checked += 1
                if name == "pg_query":  # runs under row-level security: only A's rows, or an error
                    continue
                refused = result.is_error or '"status": "unavailable"' in output or "not run" in output
                assert refused, f"{kind}: {name}({arguments}) was not refused: {output[:300]}"
    assert checked >= 75


async def test_a_scoped_callers_sql_sees_its_own_rows_only(estate: Estate) -> None:
    a, b = estate.dataset.org_a, estate.dataset.org_b
    for kind, credential in _scoped_credentials(estate).items():
        async with Client(estate.url, auth=credential) as client:
            rows = await client.call_tool("pg_query", {"query": "SELECT organization_id::text, name FROM agents"})
            found = rows.structured_content["rows"]
            assert found and {org for org, _ in found} == {a}, kind
            for query in (
                f"SELECT count(*) FROM agents WHERE organization_id = '{b}'",
                f"SELECT name FROM api_keys UNION ALL SELECT name FROM organizations WHERE organization_id = '{b}'",
                f"WITH s AS MATERIALIZED (SELECT set_config('tfo.organization_id', '{b}', true)) "
                "SELECT * FROM s, agents",
            ):
                result = await client.call_tool("pg_query", {"query": query}, raise_on_error=False)
                assert not _leaks(estate, _text(result), b), f"{kind}: {query}"
                if not result.is_error and "count" in query:
                    assert result.structured_content["rows"] == [[0]]


async def test_resources_and_prompts_naming_another_organization_are_refused(estate: Estate) -> None:
    for credential in _scoped_credentials(estate).values():
        async with Client(estate.url, auth=credential) as client:
            for name in _org_b_names(estate)[:1] + _org_b_names(estate)[3:5]:
                with pytest.raises(Exception) as info:
                    await client.read_resource(f"telemetry://{quote(name, safe='')}/logs")
                assert "not it" in str(info.value) and not _leaks(estate, str(info.value), name)
                with pytest.raises(MCPError) as prompt:
                    await client.get_prompt("analyze_context", {"context_type": "logs", "organization_id": name})
                assert "not it" in str(prompt.value) and not _leaks(estate, str(prompt.value), name)


async def test_a_scoped_caller_gets_its_own_organization_by_default(estate: Estate) -> None:
    own_values = estate.dataset.org_values(0)
    for kind, credential in _scoped_credentials(estate).items():
        async with Client(estate.url, auth=credential) as client:
            me = (await client.call_tool("whoami", {})).structured_content
            assert me["organization_id"] == estate.dataset.org_a and me["operator"] is False, kind
            context = await client.call_tool("collect_context", {"context_type": "service-health"})
            output = _text(context)
            assert context.structured_content["status"] == "available", output[:300]
            assert any(value in output for value in own_values) and not _leaks(estate, output)
            listed = (await client.call_tool("list_organizations", {})).structured_content["organizations"]
            assert [org["organization_id"] for org in listed] == [estate.dataset.org_a], kind
            names = {tool.name for tool in await client.list_tools()}
            assert {"collect_context", "pg_query"} <= names, kind
            assert not names & {"ch_query", "pg_list_tables", "ch_tool_analytics"}, kind
            resource = await client.read_resource(f"telemetry://{estate.dataset.org_a}/service-health")
            assert not _leaks(estate, resource[0].text)


async def test_a_result_an_operator_cached_is_not_served_to_a_scoped_caller(estate: Estate) -> None:
    async with Client(estate.url, auth=OPERATOR_TOKEN) as operator:
        seen = await operator.call_tool(
            "collect_context", {"context_type": "logs", "organization_id": estate.dataset.org_b}
        )
        assert _leaks(estate, _text(seen)), "the operator reads B (the check below would prove nothing otherwise)"
        me = (await operator.call_tool("whoami", {})).structured_content
        assert me["operator"] is True and me["method"] == "token"
    async with Client(estate.url, auth=estate.keys["a"]) as scoped:
        again = await scoped.call_tool(
            "collect_context", {"context_type": "logs", "organization_id": estate.dataset.org_b}, raise_on_error=False
        )
        assert again.is_error and not _leaks(estate, _text(again), estate.dataset.org_b)


async def test_organization_b_credentials_do_not_read_a(estate: Estate) -> None:
    async with Client(estate.url, auth=estate.keys["b"]) as client:
        result = await client.call_tool(
            "collect_context", {"context_type": "logs", "organization_id": estate.dataset.org_a}, raise_on_error=False
        )
        assert result.is_error and "not it" in _text(result)
        own = _text(await client.call_tool("collect_context", {"context_type": "service-health"}))
        assert any(value in own for value in estate.dataset.org_values(1))
        assert not any(value in own for value in estate.dataset.org_values(0))


def _status(estate: Estate, credential: str | None) -> int:
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    if credential is not None:
        headers["Authorization"] = f"Bearer {credential}"
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
            "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}  # fmt: skip
    return httpx.post(estate.url, json=body, headers=headers, timeout=60).status_code


def test_bad_credentials_get_401_with_a_challenge(estate: Estate) -> None:
    bad = {
        "none": None,
        "unknown key": _key(),
        "revoked key": estate.keys["a_revoked"],
        "expired key": estate.keys["a_expired"],
        "inactive key": estate.keys["a_inactive"],
        "key with one character changed": estate.keys["a"][:-1] + ("0" if estate.keys["a"][-1] != "0" else "1"),
        "jwt from another signer": estate.jwt(
            org=estate.dataset.org_a, scopes=["telemetry:read"], signer=estate.stranger
        ),
        "expired jwt": estate.jwt(org=estate.dataset.org_a, scopes=["telemetry:read"], expires_in_seconds=-120),
        "jwt for another audience": estate.jwt(org=estate.dataset.org_a, scopes=["telemetry:read"], audience="x"),
        "jwt from another issuer": estate.jwt(org=estate.dataset.org_a, scopes=["telemetry:read"], issuer="https://x"),
        "jwt without organization or operator scope": estate.jwt(org=None, scopes=["telemetry:read"]),
    }
    for label, credential in bad.items():
        assert _status(estate, credential) == 401, label
    response = httpx.post(estate.url, json={}, timeout=60)
    assert response.status_code == 401 and response.headers["www-authenticate"].lower().startswith("bearer")
    assert "resource_metadata=" in response.headers["www-authenticate"]
    assert _status(estate, estate.keys["a"]) == 200


def test_protected_resource_metadata_names_the_issuer(estate: Estate) -> None:
    response = httpx.get(f"http://127.0.0.1:{estate.server.port}/.well-known/oauth-protected-resource/mcp", timeout=60)
    assert response.status_code == 200
    metadata = response.json()
    assert metadata["authorization_servers"] == [ISSUER + "/"] or metadata["authorization_servers"] == [ISSUER]
    assert "telemetry:read" in metadata["scopes_supported"]


async def test_scopes_decide_the_file_and_command_tools(estate: Estate) -> None:
    async with Client(estate.url, auth=estate.keys["a"]) as plain:
        names = {tool.name for tool in await plain.list_tools()}
        assert not names & {"read_file", "execute_command", "write_file"}
        refused = await plain.call_tool("read_file", {"path": "x.txt"}, raise_on_error=False)
        assert refused.is_error and "files:read" in _text(refused)
    async with Client(estate.url, auth=estate.keys["a_files"]) as files:
        names = {tool.name for tool in await files.list_tools()}
        assert {"read_file", "list_directory"} <= names and not names & {"write_file", "execute_command"}
    jwt = estate.jwt(org=None, scopes=["operator", "telemetry:read"])
    async with Client(estate.url, auth=jwt) as operator:
        me = (await operator.call_tool("whoami", {})).structured_content
        assert me["operator"] is True and me["method"] == "jwt"
        rows = await operator.call_tool("ch_query", {"query": "SELECT count() AS n FROM logs"})
        assert rows.structured_content["rows"][0][0] > 0


async def test_a_revoked_key_stops_working_within_the_cache_lifetime(estate: Estate) -> None:
    key = estate.keys["a_to_revoke"]
    assert _status(estate, key) == 200
    async with await psycopg.AsyncConnection.connect(estate.dataset.postgres_url, autocommit=True) as conn:
        await conn.execute("UPDATE api_keys SET revoked_at = now() WHERE key_prefix = %s", [key[:12]])
    revoked_at = time.monotonic()
    while _status(estate, key) != 401:
        # the documented bound is the cache lifetime; a loaded machine may add seconds, never minutes
        assert time.monotonic() - revoked_at < CACHE_SECONDS + 60, "a revoked key kept working"
        time.sleep(0.2)


async def test_key_use_is_recorded_off_the_request_path(estate: Estate) -> None:
    async with Client(estate.url, auth=estate.keys["a"]) as client:
        await client.call_tool("whoami", {})
    deadline = time.monotonic() + 60
    while True:
        async with await psycopg.AsyncConnection.connect(estate.dataset.postgres_url) as conn:
            row = await (
                await conn.execute(
                    "SELECT usage_count, last_used_at FROM api_keys WHERE key_prefix = %s", [estate.keys["a"][:12]]
                )
            ).fetchone()
        if row and row[0] > 0 and row[1] is not None:
            break
        assert time.monotonic() < deadline, f"usage never recorded: {row}"
        time.sleep(0.5)


async def test_a_key_over_its_own_rate_limit_gets_429_with_retry_after(estate: Estate) -> None:
    async with Client(estate.url, auth=estate.keys["a_limited"]) as client:
        for _ in range(3):
            await client.call_tool("echo", {"message": "hi"})
    headers = {"Accept": "application/json, text/event-stream", "Authorization": f"Bearer {estate.keys['a_limited']}",
               "Content-Type": "application/json", "Mcp-Protocol-Version": "2025-06-18"}  # fmt: skip
    body = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": "echo", "arguments": {"message": "x"}},
    }
    response = httpx.post(estate.url, json=body, headers=headers, timeout=60)
    assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1
    error = response.json()["error"]
    assert error["data"]["bucket"] == "identity" and error["data"]["per_minute"] == 3 and response.json()["id"] == 7


async def test_every_call_is_audited_with_identity_organization_and_outcome(estate: Estate) -> None:
    marker = secrets.token_hex(6)
    async with Client(estate.url, auth=estate.keys["a"]) as scoped:
        await scoped.call_tool("echo", {"message": marker})
        await scoped.call_tool("collect_context", {"context_type": "logs", "organization_id": estate.dataset.org_b},
                               raise_on_error=False)  # fmt: skip
    query = (
        "SELECT tool_name, identity, organization_id, outcome, arguments_hash FROM tool_calls "
        "WHERE identity LIKE 'api_key:%' AND tool_name IN ('echo', 'collect_context') ORDER BY timestamp"
    )
    deadline = time.monotonic() + 60
    async with Client(estate.url, auth=OPERATOR_TOKEN) as operator:
        while True:
            rows = (await operator.call_tool("ch_query", {"query": query, "max_rows": 1000})).structured_content["rows"]
            outcomes = {(tool, outcome) for tool, _, org, outcome, _ in rows if org == estate.dataset.org_a}
            if {("echo", "ok"), ("collect_context", "refused")} <= outcomes:
                break
            assert time.monotonic() < deadline, f"audit rows never arrived: {rows[-5:]}"
            time.sleep(1)
    assert all(len(digest) == 32 for *_, digest in rows) and marker not in json.dumps(rows)


async def test_one_identitys_conversation_id_opens_nothing_for_another(estate: Estate) -> None:
    secret = "alpha-" + secrets.token_hex(6)
    async with Client(estate.url, auth=estate.keys["a"]) as owner:
        first = (await owner.call_tool("claude_conversation", {"message": f"remember {secret}"})).structured_content
        cid = first["conversation_id"]
        again = await owner.call_tool("claude_conversation", {"message": "and?", "conversation_id": cid})
        assert again.structured_content["history_messages"] == 2
    async with Client(estate.url, auth=estate.keys["b"]) as other:
        reply = await other.call_tool("claude_conversation", {"message": "what did I say?", "conversation_id": cid})
        assert reply.structured_content["history_messages"] == 0 and reply.structured_content["new_conversation"]
        assert secret not in _text(reply)


def _session_headers(port: int, credential: str) -> dict[str, str]:
    """Headers of an initialized MCP session with ``credential`` on the server at ``port``."""
    headers = {"Accept": "application/json, text/event-stream", "Authorization": f"Bearer {credential}",
               "Content-Type": "application/json"}  # fmt: skip
    url = f"http://127.0.0.1:{port}/mcp"
    body = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
            "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}  # fmt: skip
    response = httpx.post(url, json=body, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    headers |= {"Mcp-Session-Id": response.headers["mcp-session-id"], "Mcp-Protocol-Version": "2025-06-18"}
    httpx.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers, timeout=60)
    return headers


def _tool_call_status(port: int, headers: dict[str, str]) -> int:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "echo", "arguments": {"message": "x"}},
    }
    return httpx.post(f"http://127.0.0.1:{port}/mcp", json=body, headers=headers, timeout=60).status_code


def test_rate_limits_hold_across_two_server_processes_sharing_redis(
    estate: Estate, tmp_path_factory: pytest.TempPathFactory
) -> None:
    servers = []
    try:
        for index in range(2):
            home = tmp_path_factory.mktemp(f"replica{index}")
            env = {
                "TELEMETRYFLOW_MCP_POSTGRES_URL": estate.dataset.postgres_url,
                "TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{home}/store",
                "TELEMETRYFLOW_MCP_SERVER__AUTH_MODE": "api_keys",
                "TELEMETRYFLOW_MCP_REDIS_URL": "redis://127.0.0.1:6379/0",
            }
            servers.append(HttpServer(home, env=env))
        for server in servers:
            server.wait_ready()
        key = estate.keys["a_shared"]  # its own rate_limit: 4 calls a minute
        sessions = [(server.port, _session_headers(server.port, key)) for server in servers]
        statuses = [_tool_call_status(*sessions[n % 2]) for n in range(8)]
        assert statuses.count(200) == 4 and statuses[:4] == [200] * 4, statuses
        assert set(statuses[4:]) == {429}, "the second process saw the first one's calls"
    finally:
        for server in servers:
            server.stop()


async def test_every_tool_called_by_a_scoped_caller_holds_no_row_of_another_organization(estate: Estate) -> None:
    from tests.test_stdio_e2e import GOOD_ARGS
    from tfo_mcp import toolsets

    b = estate.dataset.org_b
    arguments = {
        **GOOD_ARGS,
        "list_organizations": {},
        "whoami": {},
        "collect_context": {"context_type": "logs", "organization_id": b},
        "investigate": {"organization_id": b},
        "analyze_telemetry": {"context_type": "errors", "organization_id": b},
        "build_prompt": {"context_type": "errors", "organization_id": b},
        "pg_describe_table": {"table": "api_keys"},
        "pg_query": {"query": "SELECT * FROM api_keys"},
        "ch_query": {"query": "SELECT * FROM logs LIMIT 50"},
        "ch_session_analytics": {},
        "ch_error_analytics": {},
        "ch_api_usage": {},
    }
    assert set(toolsets.catalog()) <= set(arguments), "a new tool needs its hostile call here"
    async with Client(estate.url, auth=estate.keys["a_files"]) as client:
        for name in toolsets.catalog():
            result = await client.call_tool(name, arguments[name], raise_on_error=False)
            assert not _leaks(estate, _text(result), b), f"{name} leaked {_leaks(estate, _text(result), b)}"


def test_the_server_log_says_what_happened_without_noise(estate: Estate) -> None:
    """At INFO: no line per pooled connection, and refused calls (another organization, a missing scope, bad
    arguments) are warnings, not errors, so an operator's error log holds the server's own faults."""
    log = estate.server.stderr_text
    assert "tfo-mcp" in log and "connection requested" not in log and "returning connection" not in log
    failed = [line for line in log.splitlines() if line.split(" - ", 1)[-1].startswith("Error ")]
    errors = [line for line in failed if "| ERROR" in line]
    assert failed and not errors, errors[:5]
