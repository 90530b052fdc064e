"""What changed in security-access / security-events (failed-login bursts) and platform-cost (day-over-day cost).

One chDB database of this module's own (in the run's chDB directory) and a PostgreSQL database (the ``pg_db``
fixture) hold four organizations written as TFO writes them: audit_logs rows (AUTH ``login`` events with result
SUCCESS / FAILURE, AUTHZ checks), hourly cost_data billing lines (the daily rollup fills from them) and the
PostgreSQL users the access context lists.

* org BURST: background users who mistype a password now and then, a report bot failing three times an hour,
  an uptime probe failing twice a minute all day (chronic), and 45 failed logins for maria.chen from
  198.51.100.23 within seven minutes, 25 minutes before the window's end (the burst).
* org QUIET: the same background, no burst (a no-fault window).
* org COST: hourly costs of seven services on two providers over three days, steady within 3 %, except
  search-indexer whose cost doubles over the last 24 hours.
* org STEADY: the same costs, none of them moving.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.support.fixtures_demo import _install, _restore
from tests.support.fixtures_postgres import PgDatabase
from tfo_mcp.context.collector import collect_context
from tfo_mcp.context.types import ContextType as T

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
ORG_BURST = str(uuid.UUID(int=0xC4A9_0000_0000_4000_8000_0000_0000_0101))
ORG_QUIET = str(uuid.UUID(int=0xC4A9_0000_0000_4000_8000_0000_0000_0102))
ORG_COST = str(uuid.UUID(int=0xC4A9_0000_0000_4000_8000_0000_0000_0103))
ORG_STEADY = str(uuid.UUID(int=0xC4A9_0000_0000_4000_8000_0000_0000_0104))
VICTIM = "maria.chen@acme.example"
ATTACKER_IP = "198.51.100.23"
BURST_FAILURES = 45
BURST_START = NOW - timedelta(minutes=25)
PROBE = "uptime-probe@acme.example"
PROBE_IP = "10.1.9.10"
JUMPING = "search-indexer"
#: service -> (provider, category, USD per hour)
SERVICES = {
    "checkout-api": ("aws", "compute", 2.40),
    "orders-db": ("aws", "database", 1.10),
    JUMPING: ("aws", "compute", 0.80),
    "object-storage": ("aws", "storage", 0.35),
    "network-egress": ("aws", "network", 0.25),
    "ml-batch": ("gcp", "compute", 3.10),
    "bigquery": ("gcp", "analytics", 0.90),
}
COST_DAYS = 3

AUDIT_COLUMNS = [
    "id", "timestamp", "user_id", "user_email", "user_first_name", "user_last_name", "event_type", "action",
    "resource", "resource_id", "result", "error_message", "error_code", "ip_address", "user_agent",
    "request_method", "request_path", "metadata", "tenant_id", "workspace_id", "organization_id", "region_id",
    "session_id", "correlation_id", "duration_ms",
]  # fmt: skip
COST_COLUMNS = [
    "timestamp", "organization_id", "workspace_id", "tenant_id", "provider", "account_id", "region", "service_name",
    "category", "resource_id", "resource_type", "usage_quantity", "usage_unit", "cost_usd", "tags",
]  # fmt: skip


@dataclass
class User:
    email: str
    ip: str

    @property
    def id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_DNS, self.email))


BACKGROUND = [User(f"{name}@acme.example", f"10.1.0.{n}") for n, name in enumerate(
    ["maria.chen", "li.wei", "omar.haddad", "sara.jones", "tom.berg", "ana.silva"], start=1
)]  # fmt: skip
REPORT_BOT = User("report-bot@acme.example", "10.1.9.9")


def _audit(org: str, moment: datetime, user: User, result: str = "SUCCESS", **fields: Any) -> tuple[Any, ...]:
    """One audit_logs row as TFO writes a login (or ``fields``' event) attempt."""
    failed = result != "SUCCESS"
    event_type = fields.get("event_type", "AUTH")
    code = ("AUTH_INVALID_CREDENTIALS" if event_type == "AUTH" else "AUTHZ_FORBIDDEN") if failed else ""
    first = user.email.split("@")[0].split(".")[0]
    return (
        uuid.uuid4(), moment, user.id, user.email, first, "user", event_type, fields.get("action", "login"),
        fields.get("resource", "session"), "", result, "invalid credentials" if failed else "", code,
        fields.get("ip", user.ip), "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0", "POST", "/api/v1/auth/login",
        "{}", "tenant-1", "workspace-1", org, "eu-west-1", uuid.uuid4().hex, uuid.uuid4().hex, 120,
    )  # fmt: skip


def _background(org: str, rng: random.Random) -> list[tuple[Any, ...]]:
    """Two hours of routine logins (one in eight mistyped), the report bot's three failures an hour and the
    uptime probe's two failures a minute."""
    rows = []
    start = NOW - timedelta(hours=2)
    for user in BACKGROUND:
        moment = start + timedelta(seconds=rng.randint(0, 600))
        while moment < NOW:
            if rng.random() < 0.125:
                rows.append(_audit(org, moment, user, "FAILURE"))
                moment += timedelta(seconds=rng.randint(20, 60))
            rows.append(_audit(org, moment, user))
            rows.append(_audit(org, moment + timedelta(seconds=5), user, event_type="AUTHZ", action="permission.check"))
            moment += timedelta(seconds=rng.randint(480, 900))
    for hour in range(2):
        for minute in (7, 27, 47):
            moment = start + timedelta(hours=hour, minutes=minute, seconds=rng.randint(0, 50))
            rows.append(_audit(org, moment, REPORT_BOT, "FAILURE"))
    probe = User(PROBE, PROBE_IP)
    for minute in range(120):
        for second in (10, 40):
            rows.append(_audit(org, start + timedelta(minutes=minute, seconds=second), probe, "FAILURE"))
    return rows


def _burst(org: str) -> list[tuple[Any, ...]]:
    """45 failed logins for the victim from the attacker's IP over seven minutes, then two denied checks."""
    victim = User(VICTIM, ATTACKER_IP)
    span = timedelta(minutes=7) / BURST_FAILURES
    rows = [_audit(org, BURST_START + n * span, victim, "FAILURE") for n in range(BURST_FAILURES)]
    after = BURST_START + timedelta(minutes=7, seconds=30)
    rows += [
        _audit(org, after + timedelta(seconds=n), victim, "DENIED", event_type="AUTHZ", action="permission.check")
        for n in range(2)
    ]
    rows.append(_audit(org, NOW - timedelta(minutes=50), BACKGROUND[0], "FAILURE"))  # her own typo, another IP
    return rows


def _day_to() -> datetime:
    """The end of the cost comparison: the end of the hour the window ends in."""
    top = NOW.replace(minute=0)
    return top if top == NOW else top + timedelta(hours=1)


def _costs(org: str, jump: bool, rng: random.Random) -> list[tuple[Any, ...]]:
    """Hourly billing lines of every service over COST_DAYS days (lines stamped at the hour's start)."""
    day_to = _day_to()
    rows = []
    for hours_back in range(COST_DAYS * 24, 0, -1):
        moment = day_to - timedelta(hours=hours_back)
        for service, (provider, category, usd) in SERVICES.items():
            factor = 2.0 if jump and service == JUMPING and moment >= day_to - timedelta(days=1) else 1.0
            cost = round(usd * factor * rng.uniform(0.97, 1.03), 4)
            rows.append(
                (moment, org, "workspace-1", "tenant-1", provider, "123456789012", "eu-west-1", service, category,
                 f"{service}-1", "kubernetes-workload", 1.0, "hours", cost, {"team": "platform"})
            )  # fmt: skip
    return rows


def _day_sums(rows: list[tuple[Any, ...]], service: str) -> tuple[float, float]:
    """(cost the day before, cost on the last day) of ``service`` computed from the lines written."""
    day_to = _day_to()
    day_from, before_from = day_to - timedelta(days=1), day_to - timedelta(days=2)
    lines = [row for row in rows if row[7] == service]
    before = sum(row[13] for row in lines if before_from <= row[0] < day_from)
    after = sum(row[13] for row in lines if day_from <= row[0] < day_to)
    return before, after


@dataclass
class Stores:
    cost_rows: list[tuple[Any, ...]]


@pytest_asyncio.fixture(scope="module")
async def stores(chdb_dir: Path, pg_db: PgDatabase) -> AsyncIterator[Stores]:
    """This module's chDB database and PostgreSQL database, migrated and filled."""
    from tfo_mcp import demo
    from tfo_mcp.stores import clickhouse

    database = f"tfo_change_sec_{secrets.token_hex(3)}"
    previous = await _install(
        {
            "TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{chdb_dir}?database={database}",
            "TELEMETRYFLOW_MCP_POSTGRES_URL": pg_db.app_url,
        }
    )
    rng = random.Random(13)
    try:
        await demo.migrate_platform()
        backend = clickhouse.get_clickhouse()
        await backend.insert("audit_logs", AUDIT_COLUMNS, _background(ORG_BURST, rng) + _burst(ORG_BURST))
        await backend.insert("audit_logs", AUDIT_COLUMNS, _background(ORG_QUIET, rng))
        cost_rows = _costs(ORG_COST, True, rng)
        await backend.insert("cost_data", COST_COLUMNS, cost_rows + _costs(ORG_STEADY, False, rng))
        for n, org in enumerate((ORG_BURST, ORG_QUIET)):
            await pg_db.setup(
                "INSERT INTO organizations (organization_id, name, code) VALUES (%s, %s, %s)",
                (org, f"Acme {n}", f"acme-{n}-{secrets.token_hex(2)}"),
            )
            for user in [*BACKGROUND, REPORT_BOT]:
                await pg_db.setup(
                    'INSERT INTO users (email, "firstName", "lastName", organization_id) VALUES (%s, %s, %s, %s)',
                    (f"{n}.{user.email}", user.email.split("@")[0], "user", org),
                )
        yield Stores(cost_rows=cost_rows)
    finally:
        await clickhouse.get_clickhouse().execute(f"DROP DATABASE IF EXISTS {database}")
        await _restore(previous)


async def _collect(kind: T, org: str, hours: float = 1, **options: Any) -> Any:
    return await collect_context(kind, org, time_from=NOW - timedelta(hours=hours), time_to=NOW, budget=120, **options)


# --------------------------------------------------------------------------- failed logins


@pytest.mark.parametrize("kind", [T.SECURITY_ACCESS, T.SECURITY_EVENTS], ids=lambda k: k.value)
async def test_a_failed_login_burst_is_new_and_ranked_first(stores: Stores, kind: T) -> None:
    context = await _collect(kind, ORG_BURST)
    assert context.status == "available", context.summary
    first = context.data["findings"][0]
    assert first["entity"] == f"{VICTIM} from {ATTACKER_IP}"
    assert first["signal"] == "failed_logins" and first["status"] == "new"
    assert first["after"] == BURST_FAILURES and first["before"] == 0
    assert first["since"].startswith(BURST_START.isoformat()[:16])
    started = BURST_START.strftime("%H:%M")
    assert f"{VICTIM} from {ATTACKER_IP} failed logins rose from 0 to {BURST_FAILURES} since {started} UTC" in (
        context.summary
    )
    # the victim's own user source is the same burst: one finding, not two
    assert [f["entity"] for f in context.data["findings"]].count(first["entity"]) == 1
    assert not any(f["entity"].startswith(f"{VICTIM} (") for f in context.data["findings"])


async def test_chronic_failures_are_never_new(stores: Stores) -> None:
    context = await _collect(T.SECURITY_EVENTS, ORG_BURST)
    findings = context.data["findings"]
    probe = next(f for f in findings if f["entity"] == f"{PROBE} from {PROBE_IP}")
    assert probe["status"] == "chronic" and probe["before"] == probe["after"] == 120
    assert "Chronic: " in context.summary and f"{PROBE} from {PROBE_IP} failed logins has stayed" in context.summary
    new = [f["entity"] for f in findings if f["status"] in ("new", "worsened")]
    assert new == [f"{VICTIM} from {ATTACKER_IP}"]  # neither the report bot nor a background typo
    assert not any(REPORT_BOT.email in f["entity"] for f in findings)


@pytest.mark.parametrize("kind", [T.SECURITY_ACCESS, T.SECURITY_EVENTS], ids=lambda k: k.value)
async def test_a_window_without_a_burst_says_nothing_changed(stores: Stores, kind: T) -> None:
    context = await _collect(kind, ORG_QUIET)
    assert context.status == "available", context.summary
    assert "Nothing changed measurably against the preceding window." in context.summary
    assert not [f for f in context.data["findings"] if f["status"] in ("new", "worsened")]
    assert ATTACKER_IP not in context.summary


async def test_the_burst_is_listed_with_its_span(stores: Stores) -> None:
    context = await _collect(T.SECURITY_EVENTS, ORG_BURST)
    burst = next(b for b in context.data["failed_login_bursts"] if b["source"] == f"{VICTIM} from {ATTACKER_IP}")
    assert burst["burst_failures"] == burst["failures"] == BURST_FAILURES
    assert burst["peak_10_minutes"] == BURST_FAILURES
    assert str(burst["burst_from"]).replace("T", " ").startswith(BURST_START.strftime("%Y-%m-%d %H:%M"))


# --------------------------------------------------------------------------- cost


@pytest.mark.parametrize("hours", [1, 72], ids=["hourly-lines", "daily-rollup"])
async def test_a_doubled_daily_cost_names_the_service_with_both_figures(stores: Stores, hours: int) -> None:
    context = await _collect(T.PLATFORM_COST, ORG_COST, hours=hours)
    assert context.status == "available", context.summary
    before, after = _day_sums(stores.cost_rows, JUMPING)
    assert after / before == pytest.approx(2.0, rel=0.05)
    first = context.data["findings"][0]
    assert first["entity"] == JUMPING and first["signal"] == "cost_usd" and first["status"] == "new"
    assert first["before"] == pytest.approx(before, abs=0.01)
    assert first["after"] == pytest.approx(after, abs=0.01)
    assert f"{JUMPING} daily cost rose from {first['before']:.1f} USD to {first['after']:.1f} USD (2.0x)" in (
        context.summary
    )
    moved = [f["entity"] for f in context.data["findings"] if f["status"] in ("new", "worsened")]
    assert moved == [JUMPING]  # steady services and the aws total (explained by search-indexer) are no findings
    change = context.data["day_over_day"]["changes"][0]
    assert change["service"] == JUMPING and change["day_before_usd"] == pytest.approx(before, abs=0.01)


async def test_steady_costs_say_nothing_changed(stores: Stores) -> None:
    context = await _collect(T.PLATFORM_COST, ORG_STEADY, hours=24)
    assert context.status == "available", context.summary
    assert "Nothing changed measurably against the preceding window." in context.summary
    assert context.data["findings"] == []
    assert context.data["day_over_day"]["last_day_usd"] > 0


async def test_cost_against_last_week_without_lines_then_claims_nothing(stores: Stores) -> None:
    """A week ago there were no billing lines: nothing can be compared, so no finding and no "nothing changed"."""
    context = await _collect(T.PLATFORM_COST, ORG_COST, baseline="last_week")
    assert context.status == "available"
    assert "findings" not in context.data
    assert "Nothing changed" not in context.summary


# --------------------------------------------------------------------------- platform performance and health


async def test_platform_performance_and_health_name_the_incident_and_stay_quiet_elsewhere(demo_store: Any) -> None:
    """On the demo estate the last hour holds org A's checkout incident; org B's hour has no fault."""
    from tests.support.collect_helpers import collect_many

    service = demo_store.story["incident_service"]
    kinds = [T.PLATFORM_PERFORMANCE, T.PLATFORM_HEALTH]
    incident = await collect_many(demo_store, kinds, demo_store.org_a, budget=120)
    performance = incident[T.PLATFORM_PERFORMANCE]
    first = performance.data["findings"][0]
    assert first["signal"] == "error_percent" and first["status"] == "new"
    figure = next(s["error_percent"] for s in performance.data["services"] if s["service"] == service)
    mine = next(f for f in performance.data["findings"] if f["entity"] == service and f["signal"] == "error_percent")
    assert mine["status"] == "new" and mine["after"] == pytest.approx(figure, abs=0.01)
    assert f"{service} error rate rose from" in performance.summary
    health = incident[T.PLATFORM_HEALTH]
    assert health.data["findings"][0]["status"] == "new"
    assert any(f["entity"] == demo_store.story["outage_monitor"] for f in health.data["findings"])
    quiet = await collect_many(demo_store, kinds, demo_store.org_b, budget=120)
    for kind in kinds:
        assert "Nothing changed measurably against the preceding window." in quiet[kind].summary, quiet[kind].summary
