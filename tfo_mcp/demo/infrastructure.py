"""The demo estate's hosts, caches, message queues and load balancers: their gauge series (ClickHouse vm_metrics,
cache_metrics, queue_metrics, load_balancer_metrics) and the hosts' agents (PostgreSQL agents).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tfo_mcp.demo.plan import (
    INCIDENT_MIN,
    SATURATED_DISK_START,
    SATURATED_DISK_TREND_PER_HOUR,
    Json,
    OrgPlan,
    Window,
    incident_window_ms,
    tenancy,
)
from tfo_mcp.demo.series import gauge

#: Shape of a percentage series.
_PERCENT = {"hi": 100, "digits": 2}


def host_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    """CPU, load, memory, disk and network of every host; the saturated host's disk fills up."""
    hours = window.total_ms / 3_600_000
    saturated = plan.story.get("saturated_host") if plan.incident else None
    rows = []
    for host in plan.profile["hosts"]:
        entity = {"entity": plan.uid("agent", host["name"]), "name": host["name"], **tenancy(plan, 1)}
        disk_trend = 0.01
        disk_base = float(host["disk"])
        if host["name"] == saturated:
            disk_trend = SATURATED_DISK_TREND_PER_HOUR
            disk_base = SATURATED_DISK_START + max(0.0, 24 - hours) * disk_trend
        cores, net = host["cores"], 2e6 * host["cores"]
        iowait = 9.0 if host["name"] == saturated else 1.2
        rows += [
            gauge(entity, "system.cpu.utilization", "%", host["cpu"], device="all", amp=0.35, noise=0.08, **_PERCENT),
            gauge(entity, "system.cpu.iowait", "%", iowait, device="all", amp=0.2, noise=0.2, **_PERCENT),
            gauge(entity, "system.load_average.1m", "{load}", cores * host["cpu"] / 100, device="all", amp=0.35,
                  noise=0.1, digits=2),
            gauge(entity, "system.memory.utilization", "%", host["mem"], device="ram", noise=0.02, **_PERCENT),
            gauge(entity, "system.memory.swap.utilization", "%", 2.0, device="swap", noise=0.3, **_PERCENT),
            gauge(entity, "system.disk.used_percent", "%", disk_base, device="/", trend=disk_trend, noise=0.001,
                  **_PERCENT),
            gauge(entity, "system.disk.io.read_bytes", "By/s", 4e6 * cores / 8, device="nvme0n1", amp=0.4, noise=0.3,
                  digits=0),
            gauge(entity, "system.disk.io.write_bytes", "By/s", 6e6 * cores / 8, device="nvme0n1", amp=0.4,
                  noise=0.3, digits=0),
            gauge(entity, "system.network.io.receive", "By/s", net, device="eth0", amp=0.5, noise=0.15, digits=0),
            gauge(entity, "system.network.io.transmit", "By/s", net * 0.7, device="eth0", amp=0.5, noise=0.15,
                  digits=0),
            gauge(entity, "system.network.errors", "{error}", 0.4, device="eth0", noise=0.8, digits=0),
            gauge(entity, "system.network.connections", "{connection}", 40 + 8 * cores, device="eth0", amp=0.4,
                  noise=0.1, digits=0),
        ]  # fmt: skip
    return rows


def cache_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    """Hit ratio, memory, evictions, clients, throughput and latency of every cache; org A's first cache runs hot."""
    rows = []
    for n, cache_cfg in enumerate(plan.profile["caches"]):
        entity = {
            "entity": plan.uid("cache", cache_cfg["name"]),
            "name": cache_cfg["name"],
            "engine": cache_cfg["engine"],
            "host": cache_cfg["host"],
            **tenancy(plan),
        }
        hot = plan.incident and n == 0
        rows += [
            gauge(entity, "cache.hit_ratio", "%", 96.5 - 4 * n, noise=0.01, **_PERCENT),
            gauge(entity, "cache.memory.used_pct", "%", 88.0 if hot else 55 + 9 * n, trend=0.08 if hot else 0.0,
                  noise=0.01, **_PERCENT),
            gauge(entity, "cache.evictions", "{key}/min", 140 if hot else 3, noise=0.4, digits=0),
            gauge(entity, "cache.connected_clients", "{client}", 120 + 30 * n, amp=0.3, noise=0.1, digits=0),
            gauge(entity, "cache.ops_per_sec", "{op}/s", 8500 - 2000 * n, amp=0.45, noise=0.1, digits=0),
            gauge(entity, "cache.latency_ms", "ms", 0.35 + 0.1 * n, noise=0.3, digits=3),
        ]  # fmt: skip
    return rows


def queue_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    """Depth, lag, rates and message age of every queue; each broker's second queue backs up during the incident."""
    rows = []
    incident = incident_window_ms(plan, window, INCIDENT_MIN)
    for broker in plan.profile["brokers"]:
        entity = {
            "entity": plan.uid("broker", broker["name"]),
            "name": broker["name"],
            "engine": broker["engine"],
            **tenancy(plan, 1),
        }
        for q_index, queue in enumerate(broker["queues"]):
            dlq = queue.endswith("dlq")
            spike = incident if q_index == 1 else {}
            q = {**entity, "queue": queue}
            rows += [
                gauge(q, "queue.depth", "{message}", 45 if dlq else 120 + 40 * q_index, trend=1.5 if dlq else 0,
                      noise=0.3, digits=0, **spike, spike_mult=12.0),
                gauge(q, "queue.consumer_lag", "{message}", 0 if dlq else 35 + 10 * q_index, noise=0.4, digits=0,
                      **spike, spike_mult=20.0),
                gauge(q, "queue.publish_rate", "{message}/s", 0.05 if dlq else 40 - 6 * q_index, amp=0.45, noise=0.1,
                      digits=2),
                gauge(q, "queue.consume_rate", "{message}/s", 0 if dlq else 39 - 6 * q_index, amp=0.45, noise=0.1,
                      digits=2),
                gauge(q, "queue.oldest_message_age_s", "s", 3600 if dlq else 2.5, noise=0.3, digits=1, **spike,
                      spike_mult=40.0),
            ]  # fmt: skip
    return rows


def load_balancer_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    """Requests, response time, 5xx, targets and connections of every target group; each load balancer's second
    target group slows down and fails during the incident."""
    rows = []
    incident = incident_window_ms(plan, window, INCIDENT_MIN)
    for lb in plan.profile["load_balancers"]:
        entity = {
            "entity": plan.uid("lb", lb["name"]),
            "name": lb["name"],
            "provider": lb["provider"],
            **tenancy(plan),
        }
        for t_index, group in enumerate(lb["target_groups"]):
            spike = incident if t_index == 1 else {}
            g = {**entity, "target_group": group}
            rows += [
                gauge(g, "lb.request_count", "{request}/min", 6000 - 1500 * t_index, amp=0.45, noise=0.08, digits=0),
                gauge(g, "lb.target_response_time_ms", "ms", 45 + 30 * t_index, noise=0.2, digits=2, **spike,
                      spike_mult=4.0),
                gauge(g, "lb.http_5xx_count", "{response}/min", 1.5, noise=0.8, digits=0, **spike, spike_mult=60.0),
                gauge(g, "lb.healthy_targets", "{target}", 6, noise=0, digits=0),
                gauge(g, "lb.unhealthy_targets", "{target}", 0, noise=0, digits=0),
                gauge(g, "lb.active_connections", "{connection}", 900 - 200 * t_index, amp=0.45, noise=0.1, digits=0),
            ]  # fmt: skip
    return rows


def agent_rows(plan: OrgPlan, now: datetime) -> list[dict[str, Any]]:
    """PostgreSQL agents: one per host (the saturated host's is degraded) and one retired, offline agent."""
    profile = plan.profile
    saturated = plan.story.get("saturated_host") if plan.incident else None
    agents = []
    for n, host in enumerate(profile["hosts"]):
        agents.append(
            {
                "id": plan.uid("agent", host["name"]),
                "organization_id": plan.id,
                "workspace_id": plan.workspaces[-1]["id"],
                "name": host["name"],
                "type": "vm" if host["role"] in ("database", "broker") else "host",
                "hostname": f"{host['name']}.{profile['network']['internal_domain']}",
                "ip_address": f"{profile['ip_prefix']}.1.{10 + n}",
                "os": "Ubuntu 22.04.4 LTS",
                "platform": profile["cloud"],
                "region": profile["region"]["code"],
                "status": "degraded" if host["name"] == saturated else "healthy",
                "agent_version": "tfo-agent/1.8.2",
                "cpu_cores": host["cores"],
                "memory_bytes": host["mem_gb"] * 2**30,
                "disk_bytes": host["disk_gb"] * 10**9,
                "last_heartbeat_at": now - timedelta(seconds=20 + n),
                "capabilities": ["metrics", "logs", "process"],
                "metadata": Json({"role": host["role"]}),
            }
        )
    retired = f"{profile['hosts'][0]['name'].split('-')[0]}-legacy-ftp-01"
    agents.append(
        {
            "id": plan.uid("agent", retired),
            "organization_id": plan.id,
            "name": retired,
            "type": "host",
            "hostname": retired,
            "ip_address": f"{profile['ip_prefix']}.9.9",
            "status": "offline",
            "agent_version": "tfo-agent/1.4.0",
            "last_heartbeat_at": now - timedelta(hours=27),
            "capabilities": ["metrics"],
        }
    )
    return agents
