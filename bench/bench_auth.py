"""An authenticated echo round trip over HTTP beside the unauthenticated one, and the cost of an API-key lookup.

    uv run python bench/bench_auth.py [--calls 500] [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres]

One run: a scratch PostgreSQL database (on the given server) with the platform tables and one TFO API key; two
`tfo-mcp serve --transport http` processes on the same embedded stores' settings, one with `auth_mode: none`,
one with `token,api_keys,jwt` (rate limits on, in memory). Four sessions (official MCP client): no credential,
a static token, the API key (its lookup cached after the first call), a JWT; calls alternate between them so
machine noise hits all alike. Then, in process: `ApiKeys.identify` on a cached key (per call), and uncached
(a PostgreSQL round trip each).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
from fastmcp.server.auth.providers.jwt import RSAKeyPair
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.support.mcp_process import free_port, wait_for_port  # noqa: E402

ORG = "06be90b2-90bf-5734-89bc-5ee7ceafbf1f"
TOKEN = "bench-token-" + secrets.token_hex(8)
WARM_UP = 100


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def environ(home: Path, postgres_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEMETRYFLOW_MCP_")}
    env.update(
        {
            "TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{home}/store",
            "TELEMETRYFLOW_MCP_POSTGRES_URL": postgres_url,
            "TELEMETRYFLOW_MCP_LOG__LEVEL": "WARNING",
            "TELEMETRYFLOW_MCP_MCP__TOOLSETS": "all",
            **extra,
        }
    )
    return env


def scratch_database(admin_url: str) -> tuple[str, str]:
    name = f"tfo_bench_auth_{secrets.token_hex(3)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return name, psycopg.conninfo.make_conninfo(admin_url, dbname=name)


def seed_key(home: Path, url: str) -> str:
    subprocess.run(
        [sys.executable, "-m", "tfo_mcp", "db", "migrate", "--platform"],
        env=environ(home, url),
        check=True,
        capture_output=True,
        cwd=home,
    )
    key = "tfo_" + secrets.token_hex(20)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO organizations (organization_id, name, code) VALUES (%s, 'Bench', 'bench')", [ORG])
        conn.execute(
            "INSERT INTO api_keys (organization_id, name, key_prefix, key_hash, key_hint) "
            "VALUES (%s, 'bench', %s, %s, 'x')",
            [ORG, key[:12], hashlib.sha256(key.encode()).hexdigest()],
        )
    return key


async def round_trips(port_open: int, port_auth: int, credentials: dict[str, str | None], calls: int) -> dict:
    times: dict[str, list[float]] = {name: [] for name in credentials}
    async with contextlib.AsyncExitStack() as stack:
        sessions = {}
        for name, credential in credentials.items():
            headers = {"Authorization": f"Bearer {credential}"} if credential else {}
            port = port_auth if credential else port_open
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=30, headers=headers))
            read, write = await stack.enter_async_context(
                streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)
            )
            session = await stack.enter_async_context(ClientSession(read, write))
            await session.initialize()
            for _ in range(WARM_UP):
                await session.call_tool("echo", {"message": "warm-up"})
            sessions[name] = session
        for i in range(calls):
            for name, session in sessions.items():
                started = time.perf_counter()
                result = await session.call_tool("echo", {"message": f"m{i}"})
                times[name].append((time.perf_counter() - started) * 1000)
                assert not result.is_error, result
    return times


async def lookup_cost(url: str, key: str) -> tuple[float, float]:
    from tfo_mcp import config
    from tfo_mcp.auth.verifiers import ApiKeys
    from tfo_mcp.config import ApiKeySettings
    from tfo_mcp.stores import postgres

    config.set_settings(config.load_settings(environ={"TELEMETRYFLOW_MCP_POSTGRES_URL": url}))
    cached, uncached = ApiKeys(ApiKeySettings(cache_seconds=300)), ApiKeys(ApiKeySettings(cache_seconds=0))
    raw = key.encode()
    assert await cached.identify(raw) is not None
    n = 20_000
    started = time.perf_counter()
    for _ in range(n):
        await cached.identify(raw)
    per_cached = (time.perf_counter() - started) / n * 1e6
    samples = []
    for _ in range(200):
        started = time.perf_counter()
        assert await uncached.identify(raw) is not None
        samples.append((time.perf_counter() - started) * 1000)
    await cached.close()
    await uncached.close()
    await postgres.close()
    return per_cached, statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    signer = RSAKeyPair.generate()
    name, url = scratch_database(args.postgres_url)
    procs: list[subprocess.Popen] = []
    try:
        with tempfile.TemporaryDirectory(prefix="tfo-bench-auth-") as tmp:
            homes = [Path(tmp) / "open", Path(tmp) / "auth"]
            for home in homes:
                home.mkdir()
            key = seed_key(homes[1], url)
            auth = {
                "TELEMETRYFLOW_MCP_SERVER__AUTH_MODE": "token,api_keys,jwt",
                "TELEMETRYFLOW_MCP_SERVER__TOKENS": json.dumps(
                    [{"name": "bench", "token": TOKEN, "organization": ORG}]
                ),
                "TELEMETRYFLOW_MCP_SERVER__JWT__PUBLIC_KEY": signer.public_key,
                "TELEMETRYFLOW_MCP_SERVER__JWT__ISSUER": "https://idp.bench",
                "TELEMETRYFLOW_MCP_SERVER__JWT__AUDIENCE": "tfo-mcp",
                "TELEMETRYFLOW_MCP_SERVER__RATE_LIMITS__IDENTITY_PER_MINUTE": "1000000",
                "TELEMETRYFLOW_MCP_SERVER__RATE_LIMITS__ORGANIZATION_PER_MINUTE": "1000000",
            }
            ports = [free_port(), free_port()]
            for home, port, extra in zip(homes, ports, ({}, auth), strict=True):
                command = [sys.executable, "-m", "tfo_mcp", "serve", "--transport", "http", "--port", str(port)]
                procs.append(
                    subprocess.Popen(
                        command,
                        cwd=home,
                        env=environ(home, url, **extra),
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
            for proc, port in zip(procs, ports, strict=True):
                wait_for_port(port, proc)
            jwt = signer.create_token(
                issuer="https://idp.bench", audience="tfo-mcp", scopes=["telemetry:read"],
                additional_claims={"org_id": ORG},
            )  # fmt: skip
            credentials = {"no credential": None, "static token": TOKEN, "API key (cached)": key, "JWT": jwt}
            try:
                times = asyncio.run(round_trips(ports[0], ports[1], credentials, args.calls))
            finally:  # before the temporary folder (their stores) goes
                for proc in procs:
                    proc.terminate()
                    proc.wait(timeout=30)
            per_cached, uncached_ms = asyncio.run(lookup_cost(url, key))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        with psycopg.connect(args.postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    base = statistics.median(times["no credential"])
    print(f"echo over streamable HTTP, {args.calls} calls each, alternating")
    print(f"{'credential':22} {'p50 ms':>8} {'p95 ms':>8} {'p50 / none':>11}")
    for label, values in times.items():
        p50 = statistics.median(values)
        print(f"{label:22} {p50:8.3f} {percentile(values, 95):8.3f} {p50 / base:10.3f}x")
    print(
        f"\nApiKeys.identify: cached {per_cached:.2f} µs a call; uncached (PostgreSQL round trip) {uncached_ms:.3f} ms"
    )


if __name__ == "__main__":
    main()
