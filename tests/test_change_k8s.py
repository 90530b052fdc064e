"""Pods without the inventory: restarts from the cumulative restart counters and failure events counted once,
compared with the baseline window, on real chDB (own database) with an empty PostgreSQL inventory.

Organization A: a pod that starts OOM-killing in the window (``shop/checkout-...-x2k4q``) among a pod that has
crash-looped all day (``notify/mailer-...``), a stateful pod recreated under the same name (its counter resets)
and a healthy pod; organization B has the healthy and the chronic pod only (a window with no fault).
Kubernetes events are written as the exporter writes them: an event again each time Kubernetes updates it, with
its growing cumulative ``count`` and the same ``first_timestamp``, and sometimes unchanged.
"""

from __future__ import annotations

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
from tfo_mcp.context.collector import collect_context

#: The windows end on the hour before now (the tables drop rows past their TTL).
END = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
CLUSTER = "6f1d2c3b-0000-4000-8000-00000000c1a5"
CHRONIC = "notify/mailer-6d5f7c9b8-k2x7p"
OOM = "shop/checkout-7f9c8d6b5-x2k4q"
HEALTHY = "shop/checkout-7f9c8d6b5-abcde"
RECREATED = "ledger/ledger-0"
#: The chronic pod's container restarts every RESTART_EVERY; kubelet updates its BackOff event every 5 minutes.
RESTART_EVERY = timedelta(minutes=10)
BACKOFF_EVERY = timedelta(minutes=5)
#: The OOM kills in the last half hour of every window (minutes before its end); kubelet's BackOff after three.
OOM_KILLS = (25, 18, 11, 4)
OOM_BACKOFFS = (24, 17, 10)
#: The stateful pod is recreated this many minutes before the end (counter back to 0), then restarts twice.
RECREATED_AT = 20
EVENT_COLUMNS = ["timestamp", "cluster_id", "organization_id", "namespace", "type", "reason", "message", "source",
                 "involved_kind", "involved_name", "count", "first_timestamp", "last_timestamp"]  # fmt: skip
METRIC_COLUMNS = ["timestamp", "cluster_id", "resource_type", "resource_name", "namespace", "metric_name", "value",
                  "unit", "labels", "organization_id"]  # fmt: skip


@dataclass
class Estate:
    org_a: str
    org_b: str


def _split(entity: str) -> tuple[str, str]:
    namespace, pod = entity.split("/")
    return namespace, pod


def _minutes(start: datetime, end: datetime) -> list[datetime]:
    """One sample a minute, 30 s into each minute (as a 60 s scrape interval would)."""
    out, moment = [], start + timedelta(seconds=30)
    while moment < end:
        out.append(moment)
        moment += timedelta(minutes=1)
    return out


def _metric(org: str, at: datetime, entity: str, metric: str, value: float, unit: str) -> tuple[Any, ...]:
    namespace, pod = _split(entity)
    return (at, CLUSTER, "pod", pod, namespace, metric, value, unit, {"k8s.cluster.name": "prod-eu"}, org)


def _event(org: str, at: datetime, entity: str, kind: str, reason: str, message: str, count: int,
           first: datetime) -> tuple[Any, ...]:  # fmt: skip
    namespace, pod = _split(entity)
    return (at, CLUSTER, org, namespace, kind, reason, message, "kubelet", "Pod", pod, count, first, at)


def _restart_counter(entity: str, at: datetime, since: datetime, end: datetime) -> float:
    """The cumulative restart count of a pod at ``at``."""
    if entity == CHRONIC:
        return 40 + (at - since) // RESTART_EVERY
    if entity == OOM:
        return sum(1 for m in OOM_KILLS if at >= end - timedelta(minutes=m))
    if entity == RECREATED:
        recreated = end - timedelta(minutes=RECREATED_AT)
        return 3.0 if at < recreated else float((at - recreated) // timedelta(minutes=5))
    return 1.0  # restarted once, days ago


def _series(org: str, pods: tuple[str, ...], since: datetime, ends: list[datetime]) -> list[tuple[Any, ...]]:
    """Restart counters and CPU of ``pods`` from ``since`` to the last of ``ends``; OOM kills and the recreation
    happen before each of ``ends`` (the end of each window the tests read)."""
    rows = []
    for at in _minutes(since, ends[-1]):
        end = next(e for e in ends if at < e)
        for entity in pods:
            value = _restart_counter(entity, at, since, end)
            rows.append(_metric(org, at, entity, "k8s.pod.restarts", value, "{restart}"))
            rows.append(_metric(org, at, entity, "k8s.pod.cpu.usage", 120.0, "m"))
    return rows


#: Nodes of organization A: the first runs hot in the last hour only, the second is steady.
HOT_NODE, STEADY_NODE = "ip-10-0-1-12", "ip-10-0-1-13"


def _infrastructure(org: str, since: datetime, end: datetime) -> list[tuple[Any, ...]]:
    """Node CPU/memory utilization and the checkout deployment's replicas (one of three unavailable)."""
    rows = []
    for at in _minutes(since, end):
        hot = at >= end - timedelta(hours=1)
        for node, cpu in ((HOT_NODE, 91.0 if hot else 34.0), (STEADY_NODE, 41.0)):
            base = (at, CLUSTER, "node", node, "", "k8s.node.cpu.utilization", cpu, "%", {}, org)
            rows.append(base)
            rows.append((*base[:5], "k8s.node.memory.utilization", 63.0, *base[7:]))
        for metric, value in (("k8s.deployment.replicas.desired", 3.0), ("k8s.deployment.replicas.available", 2.0)):
            rows.append((at, CLUSTER, "deployment", "checkout", "shop", metric, value, "{replica}", {}, org))
    return rows


def _chronic_backoff(org: str, since: datetime, end: datetime) -> list[tuple[Any, ...]]:
    """The crash-looping pod's one BackOff event, written again on every update with its cumulative count."""
    message = f"Back-off restarting failed container mailer in pod {_split(CHRONIC)[1]}"
    rows, count, at = [], 0, since + timedelta(seconds=10)
    while at < end:
        count += 1
        rows.append(_event(org, at, CHRONIC, "Warning", "BackOff", message, count, since + timedelta(seconds=10)))
        at += BACKOFF_EVERY
    return rows


def _oom_events(org: str, end: datetime) -> list[tuple[Any, ...]]:
    """The new pod's OOMKilled event (updated at each kill, then re-sent unchanged) and the BackOff after it."""
    kills = [end - timedelta(minutes=m) for m in OOM_KILLS]
    message = "Memory cgroup out of memory: Killed process 4121 (java) total-vm:2097152kB"
    rows = [_event(org, at, OOM, "Warning", "OOMKilled", message, n, kills[0]) for n, at in enumerate(kills, 1)]
    rows.append(_event(org, end - timedelta(minutes=2), OOM, "Warning", "OOMKilled", message, len(kills), kills[0]))
    backoffs = [end - timedelta(minutes=m) for m in OOM_BACKOFFS]
    message = f"Back-off restarting failed container checkout in pod {_split(OOM)[1]}"
    rows += [_event(org, at, OOM, "Warning", "BackOff", message, n, backoffs[0]) for n, at in enumerate(backoffs, 1)]
    return rows


def _routine_events(org: str, pods: tuple[str, ...], since: datetime, end: datetime) -> list[tuple[Any, ...]]:
    rows, at = [], since + timedelta(minutes=7)
    while at < end:
        for entity in pods:
            rows.append(_event(org, at, entity, "Normal", "Pulled", "Container image already present", 1, at))
        at += timedelta(minutes=30)
    return rows


async def _seed(org: str, *, fault: bool, ends: list[datetime], since: datetime) -> None:
    from tfo_mcp.stores.clickhouse import get_clickhouse

    pods = (CHRONIC, HEALTHY, OOM, RECREATED) if fault else (CHRONIC, HEALTHY)
    events = _chronic_backoff(org, since, ends[-1]) + _routine_events(org, pods, since, ends[-1])
    if fault:
        for end in ends:
            events += _oom_events(org, end)
    backend = get_clickhouse()
    await backend.insert("kubernetes_metrics", METRIC_COLUMNS, _series(org, pods, since, ends))
    if fault:
        await backend.insert("kubernetes_metrics", METRIC_COLUMNS, _infrastructure(org, since, ends[-1]))
    await backend.insert("kubernetes_events", EVENT_COLUMNS, events)


#: The windows the tests read: the last hour (raw samples) and the last 6 hours (5-minute rollups).
HOURS = (1, 6)


@pytest_asyncio.fixture(scope="module")
async def estate(chdb_dir: Path, pg_db: Any) -> AsyncIterator[Estate]:
    """A chDB database of its own and an empty PostgreSQL platform schema (no inventory); 13 hours of rows, so
    both windows (1 h and 6 h, ending at END) have their baseline window and the events' look-back."""
    from tfo_mcp import demo
    from tfo_mcp.stores import clickhouse

    database = f"tfo_k8s_{secrets.token_hex(3)}"
    env = {"TELEMETRYFLOW_MCP_CLICKHOUSE_URL": f"chdb://{chdb_dir}?database={database}",
           "TELEMETRYFLOW_MCP_POSTGRES_URL": pg_db.app_url}  # fmt: skip
    previous = await _install(env)
    await demo.migrate_platform()
    estate = Estate(org_a=str(uuid.uuid4()), org_b=str(uuid.uuid4()))
    since = END - timedelta(hours=2 * max(HOURS) + 1)
    await _seed(estate.org_a, fault=True, ends=[END], since=since)
    await _seed(estate.org_b, fault=False, ends=[END], since=since)
    try:
        yield estate
    finally:
        await clickhouse.get_clickhouse().execute(f"DROP DATABASE IF EXISTS {database}")
        await _restore(previous)


async def _collect(kind: str, org: str, hours: int) -> Any:
    result = await collect_context(kind, org, time_from=END - timedelta(hours=hours), time_to=END, budget=120)
    assert result.status == "available", result.summary
    assert "unavailable_sources" not in result.data, result.data["unavailable_sources"]
    return result


def _finding(result: Any, entity: str, signal: str) -> dict[str, Any]:
    found = [f for f in result.data["findings"] if f["entity"] == entity and f["signal"] == signal]
    assert len(found) == 1, (entity, signal, result.data["findings"])
    return found[0]


# --------------------------------------------------------------------------- kubernetes-pods


@pytest.mark.parametrize("hours", HOURS)
async def test_the_pod_that_starts_oom_killing_ranks_first_without_the_inventory(estate: Estate, hours: int) -> None:
    result = await _collect("kubernetes-pods", estate.org_a, hours)
    assert result.data["status_counts"] == []  # nothing in the PostgreSQL inventory
    first = result.data["findings"][0]
    assert (first["entity"], first["signal"], first["status"]) == (OOM, "restarts", "new")
    assert (first["before"], first["after"], first["severity"]) == (0, 4, "critical")
    failures = _finding(result, OOM, "pod_failures")
    assert (failures["before"], failures["after"]) == (0, 7)  # 4 OOM kills and 3 back-offs, each counted once
    assert failures["status"] == "new"
    summary = result.summary
    assert summary.startswith("4 pods;"), summary
    changed = summary.split("Changed against the preceding window: ", 1)[1]
    assert changed.startswith(OOM) and "OOMKilled x4, BackOff x3" in changed
    since = (END - timedelta(minutes=OOM_KILLS[0])).strftime("%H:%M")
    assert f"since {since} UTC" in changed
    assert "Chronic: " in summary and CHRONIC in summary.split("Chronic: ", 1)[1]


@pytest.mark.parametrize("hours", HOURS)
async def test_a_pod_that_restarts_all_day_is_chronic_not_new(estate: Estate, hours: int) -> None:
    result = await _collect("kubernetes-pods", estate.org_a, hours)
    rises = hours * 60 // (RESTART_EVERY.seconds // 60)
    restarts = _finding(result, CHRONIC, "restarts")
    assert restarts["status"] == "chronic"
    # the counter's increase, not the sum of its samples (which would be thousands); the rise at the window's
    # very start falls between two samples and may count in either window
    assert rises - 1 <= restarts["after"] <= rises and rises - 1 <= restarts["before"] <= rises
    backoff = _finding(result, CHRONIC, "pod_failures")
    updates = hours * 60 // (BACKOFF_EVERY.seconds // 60)
    # one BackOff event re-written every 5 minutes with its cumulative count: its updates, not the counts' sum
    assert backoff["status"] == "chronic" and backoff["after"] == backoff["before"] == updates
    pods = {f"{row['namespace']}/{row['name']}": row for row in result.data["pods"]}
    assert pods[CHRONIC]["failure_events"] == {"BackOff": updates}
    assert pods[CHRONIC]["restart_count"] >= 40 + 2 * rises


@pytest.mark.parametrize("hours", HOURS)
async def test_a_pod_recreated_under_its_name_counts_restarts_after_the_reset(estate: Estate, hours: int) -> None:
    result = await _collect("kubernetes-pods", estate.org_a, hours)
    restarts = _finding(result, RECREATED, "restarts")
    assert (restarts["before"], restarts["after"], restarts["status"]) == (0, 3, "new")
    assert HEALTHY not in {f["entity"] for f in result.data["findings"]}


@pytest.mark.parametrize("hours", HOURS)
async def test_a_window_without_a_fault_says_nothing_changed(estate: Estate, hours: int) -> None:
    result = await _collect("kubernetes-pods", estate.org_b, hours)
    assert "Nothing changed measurably against the preceding window." in result.summary
    assert {f["status"] for f in result.data["findings"]} == {"chronic"}
    assert {f["entity"] for f in result.data["findings"]} == {CHRONIC}
    assert "OOMKilled" not in result.summary
    events = await _collect("kubernetes-events", estate.org_b, hours)
    assert "Nothing changed measurably" in events.summary
    assert all(f["status"] == "chronic" for f in events.data["findings"])


async def test_a_namespace_filter_keeps_its_pods_only(estate: Estate) -> None:
    result = await collect_context(
        "kubernetes-pods", estate.org_a, time_from=END - timedelta(hours=1), time_to=END, budget=120,
        context_id="notify",
    )  # fmt: skip
    assert {f["entity"] for f in result.data["findings"]} == {CHRONIC}
    assert "Nothing changed measurably" in result.summary


# --------------------------------------------------------------------------- kubernetes-events


@pytest.mark.parametrize("hours", HOURS)
async def test_events_count_each_event_once(estate: Estate, hours: int) -> None:
    result = await _collect("kubernetes-events", estate.org_a, hours)
    updates = hours * 60 // (BACKOFF_EVERY.seconds // 60)
    by_reason = {(row["type"], row["reason"]): row for row in result.data["by_type_and_reason"]}
    assert by_reason[("Warning", "OOMKilled")]["occurrences"] == len(OOM_KILLS)
    assert by_reason[("Warning", "BackOff")]["occurrences"] == updates + len(OOM_BACKOFFS)
    assert by_reason[("Warning", "BackOff")]["events"] == 2  # two event objects, however often re-written
    assert result.data["warnings"] == updates + len(OOM_BACKOFFS) + len(OOM_KILLS)
    first = result.data["findings"][0]
    assert (first["entity"], first["status"], first["after"]) == (f"Pod {OOM}", "new", 7)
    chronic = next(f for f in result.data["findings"] if f["entity"] == f"Pod {CHRONIC}")
    assert chronic["status"] == "chronic" and chronic["after"] == updates


# --------------------------------------------------------------------------- kubernetes-nodes, -deployments


async def test_nodes_from_metrics_alone_name_the_node_that_got_hot(estate: Estate) -> None:
    result = await _collect("kubernetes-nodes", estate.org_a, 1)
    assert result.summary.startswith("2 Kubernetes nodes report metrics"), result.summary
    first = result.data["findings"][0]
    assert (first["entity"], first["signal"], first["status"]) == (f"prod-eu/{HOT_NODE}", "cpu_percent", "new")
    assert (first["before"], first["after"]) == (34, 91)
    assert STEADY_NODE not in {f["entity"].split("/")[-1] for f in result.data["findings"]}
    quiet = await _collect("kubernetes-nodes", estate.org_a, 6)  # the hot hour is a sixth of this window
    assert all(f["entity"] != f"prod-eu/{STEADY_NODE}" for f in quiet.data["findings"])


async def test_deployments_from_metrics_alone_name_the_short_one(estate: Estate) -> None:
    result = await _collect("kubernetes-deployments", estate.org_a, 1)
    assert result.summary.startswith("1 deployments report replica metrics; 1 short"), result.summary
    assert "Deployment shop/checkout averaged 2.0 of 3 desired replicas available" in result.data["highlights"]
