"""The demo estate's gauge series (hosts, Kubernetes, caches, queues, load balancers, database engines).

Each builder returns one dict per series (base value, diurnal amplitude, noise, trend, spike window, clamps and
the target table's own columns); ``tfo_mcp.demo`` expands them over time inside ClickHouse (demo/series*.sql).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tfo_mcp.demo_plan import (
    CRASHLOOP_RESTARTS,
    INCIDENT_MIN,
    SATURATED_DISK_START,
    SATURATED_DISK_TREND_PER_HOUR,
    OrgPlan,
    Window,
    aurora_instances,
    db_labels,
    extra_workloads,
    incident_window_ms,
    node_name,
    org_databases,
    tenancy,
)


def _host_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
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
        net = 2e6 * host["cores"]
        rows += [
            {
                **entity,
                "metric": "system.cpu.utilization",
                "unit": "%",
                "device": "all",
                "base": host["cpu"],
                "amp": 0.35,
                "noise": 0.08,
                "hi": 100,
                "digits": 2,
            },
            {
                **entity,
                "metric": "system.cpu.iowait",
                "unit": "%",
                "device": "all",
                "base": 9.0 if host["name"] == saturated else 1.2,
                "amp": 0.2,
                "noise": 0.2,
                "hi": 100,
                "digits": 2,
            },
            {
                **entity,
                "metric": "system.load_average.1m",
                "unit": "{load}",
                "device": "all",
                "base": host["cores"] * host["cpu"] / 100,
                "amp": 0.35,
                "noise": 0.1,
                "digits": 2,
            },
            {
                **entity,
                "metric": "system.memory.utilization",
                "unit": "%",
                "device": "ram",
                "base": host["mem"],
                "noise": 0.02,
                "hi": 100,
                "digits": 2,
            },
            {
                **entity,
                "metric": "system.memory.swap.utilization",
                "unit": "%",
                "device": "swap",
                "base": 2.0,
                "noise": 0.3,
                "hi": 100,
                "digits": 2,
            },
            {
                **entity,
                "metric": "system.disk.used_percent",
                "unit": "%",
                "device": "/",
                "base": disk_base,
                "trend": disk_trend,
                "noise": 0.001,
                "hi": 100,
                "digits": 2,
            },
            {
                **entity,
                "metric": "system.disk.io.read_bytes",
                "unit": "By/s",
                "device": "nvme0n1",
                "base": 4e6 * host["cores"] / 8,
                "amp": 0.4,
                "noise": 0.3,
                "digits": 0,
            },
            {
                **entity,
                "metric": "system.disk.io.write_bytes",
                "unit": "By/s",
                "device": "nvme0n1",
                "base": 6e6 * host["cores"] / 8,
                "amp": 0.4,
                "noise": 0.3,
                "digits": 0,
            },
            {
                **entity,
                "metric": "system.network.io.receive",
                "unit": "By/s",
                "device": "eth0",
                "base": net,
                "amp": 0.5,
                "noise": 0.15,
                "digits": 0,
            },
            {
                **entity,
                "metric": "system.network.io.transmit",
                "unit": "By/s",
                "device": "eth0",
                "base": net * 0.7,
                "amp": 0.5,
                "noise": 0.15,
                "digits": 0,
            },
            {
                **entity,
                "metric": "system.network.errors",
                "unit": "{error}",
                "device": "eth0",
                "base": 0.4,
                "noise": 0.8,
                "digits": 0,
            },
            {
                **entity,
                "metric": "system.network.connections",
                "unit": "{connection}",
                "device": "eth0",
                "base": 40 + 8 * host["cores"],
                "amp": 0.4,
                "noise": 0.1,
                "digits": 0,
            },
        ]
    return rows


def _k8s_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    hours = window.total_ms / 3_600_000
    rows = []
    for c_index, cluster in enumerate(plan.profile["clusters"]):
        cid = plan.cluster_ids[cluster["name"]]
        base = {"cluster": cid, "cluster_name": cluster["name"], **tenancy(plan, 1)}
        for n in range(cluster["nodes"]):
            node = node_name(cluster, n)
            common = {**base, "rtype": "node", "name": node, "namespace": ""}
            cpu = 38 + 9 * ((n * 37) % 5) if c_index == 0 else 22
            rows += [
                {
                    **common,
                    "metric": "k8s.node.cpu.utilization",
                    "unit": "%",
                    "base": cpu,
                    "amp": 0.35,
                    "noise": 0.08,
                    "hi": 100,
                    "digits": 2,
                },
                {
                    **common,
                    "metric": "k8s.node.memory.utilization",
                    "unit": "%",
                    "base": 62 + 5 * (n % 4),
                    "noise": 0.03,
                    "hi": 100,
                    "digits": 2,
                },
                {
                    **common,
                    "metric": "k8s.node.filesystem.utilization",
                    "unit": "%",
                    "base": 41 + 6 * (n % 3),
                    "trend": 0.02,
                    "noise": 0.005,
                    "hi": 100,
                    "digits": 2,
                },
                {
                    **common,
                    "metric": "k8s.node.network.io",
                    "unit": "By/s",
                    "base": 9e6,
                    "amp": 0.5,
                    "noise": 0.15,
                    "digits": 0,
                },
            ]
        control = {**base, "namespace": "kube-system"}
        rows += [
            {
                **control,
                "rtype": "apiserver",
                "name": "kube-apiserver",
                "metric": "apiserver_request_total",
                "unit": "{request}/min",
                "base": 5200 if c_index == 0 else 900,
                "amp": 0.3,
                "noise": 0.1,
                "digits": 0,
            },
            {
                **control,
                "rtype": "apiserver",
                "name": "kube-apiserver",
                "metric": "apiserver_request_duration_seconds_p99",
                "unit": "s",
                "base": 0.18,
                "noise": 0.25,
                "digits": 4,
            },
            {
                **control,
                "rtype": "apiserver",
                "name": "kube-apiserver",
                "metric": "apiserver_current_inflight_requests",
                "unit": "{request}",
                "base": 14,
                "amp": 0.3,
                "noise": 0.2,
                "digits": 0,
            },
            {
                **control,
                "rtype": "apiserver",
                "name": "etcd",
                "metric": "etcd_request_duration_seconds_p99",
                "unit": "s",
                "base": 0.012,
                "noise": 0.3,
                "digits": 5,
            },
            {
                **control,
                "rtype": "coredns",
                "name": "coredns",
                "metric": "coredns_dns_requests_total",
                "unit": "{request}/min",
                "base": 18000 if c_index == 0 else 2400,
                "amp": 0.45,
                "noise": 0.1,
                "digits": 0,
            },
            {
                **control,
                "rtype": "coredns",
                "name": "coredns",
                "metric": "coredns_dns_responses_nxdomain",
                "unit": "{response}/min",
                "base": 420 if c_index == 0 else 60,
                "amp": 0.3,
                "noise": 0.2,
                "digits": 0,
            },
            {
                **control,
                "rtype": "coredns",
                "name": "coredns",
                "metric": "coredns_dns_request_duration_seconds_p99",
                "unit": "s",
                "base": 0.004,
                "noise": 0.3,
                "digits": 5,
            },
            {
                **control,
                "rtype": "coredns",
                "name": "coredns",
                "metric": "coredns_cache_hit_ratio",
                "unit": "%",
                "base": 87,
                "noise": 0.02,
                "hi": 100,
                "digits": 2,
            },
        ]
        if c_index != 0:
            continue
        for service in plan.services:
            dep = {**base, "namespace": service.namespace}
            rows += [
                {
                    **dep,
                    "rtype": "deployment",
                    "name": service.name,
                    "metric": "k8s.deployment.replicas.desired",
                    "unit": "{replica}",
                    "base": plan.instances,
                    "noise": 0,
                    "digits": 0,
                },
                {
                    **dep,
                    "rtype": "deployment",
                    "name": service.name,
                    "metric": "k8s.deployment.replicas.available",
                    "unit": "{replica}",
                    "base": plan.instances,
                    "noise": 0,
                    "digits": 0,
                },
            ]
            for pod in service.pods:
                pod_row = {**dep, "rtype": "pod", "name": pod}
                rows += [
                    {
                        **pod_row,
                        "metric": "k8s.pod.cpu.usage",
                        "unit": "m",
                        "base": 120 + service.rps * 6,
                        "amp": 0.35,
                        "noise": 0.1,
                        "digits": 1,
                    },
                    {
                        **pod_row,
                        "metric": "k8s.pod.memory.working_set",
                        "unit": "MiB",
                        "base": 380 + 6 * service.latency_ms,
                        "noise": 0.03,
                        "digits": 1,
                    },
                    {**pod_row, "metric": "k8s.pod.restarts", "unit": "{restart}", "base": 0, "noise": 0, "digits": 0},
                ]
        for extra in extra_workloads(plan):
            pod_row = {**base, "namespace": extra["namespace"], "rtype": "pod", "name": extra["pod"]}
            crash = extra["kind"] == "crashloop"
            rows += [
                {
                    **pod_row,
                    "metric": "k8s.pod.cpu.usage",
                    "unit": "m",
                    "base": 35 if crash else 400,
                    "noise": 0.6,
                    "digits": 1,
                },
                {
                    **pod_row,
                    "metric": "k8s.pod.memory.working_set",
                    "unit": "MiB",
                    "base": 96 if crash else 1900,
                    "noise": 0.2,
                    "digits": 1,
                },
                {
                    **pod_row,
                    "metric": "k8s.pod.restarts",
                    "unit": "{restart}",
                    "base": 0,
                    "trend": CRASHLOOP_RESTARTS / max(hours, 1) if crash else 0,
                    "noise": 0,
                    "digits": 0,
                },
            ]
    return rows


def _cache_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
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
            {
                **entity,
                "metric": "cache.hit_ratio",
                "unit": "%",
                "base": 96.5 - 4 * n,
                "noise": 0.01,
                "hi": 100,
                "digits": 2,
            },
            {
                **entity,
                "metric": "cache.memory.used_pct",
                "unit": "%",
                "base": 88.0 if hot else 55 + 9 * n,
                "trend": 0.08 if hot else 0.0,
                "noise": 0.01,
                "hi": 100,
                "digits": 2,
            },
            {
                **entity,
                "metric": "cache.evictions",
                "unit": "{key}/min",
                "base": 140 if hot else 3,
                "noise": 0.4,
                "digits": 0,
            },
            {
                **entity,
                "metric": "cache.connected_clients",
                "unit": "{client}",
                "base": 120 + 30 * n,
                "amp": 0.3,
                "noise": 0.1,
                "digits": 0,
            },
            {
                **entity,
                "metric": "cache.ops_per_sec",
                "unit": "{op}/s",
                "base": 8500 - 2000 * n,
                "amp": 0.45,
                "noise": 0.1,
                "digits": 0,
            },
            {**entity, "metric": "cache.latency_ms", "unit": "ms", "base": 0.35 + 0.1 * n, "noise": 0.3, "digits": 3},
        ]
    return rows


def _queue_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
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
                {
                    **q,
                    "metric": "queue.depth",
                    "unit": "{message}",
                    "base": 45 if dlq else 120 + 40 * q_index,
                    "trend": 1.5 if dlq else 0,
                    "noise": 0.3,
                    "digits": 0,
                    **spike,
                    "spike_mult": 12.0,
                },
                {
                    **q,
                    "metric": "queue.consumer_lag",
                    "unit": "{message}",
                    "base": 0 if dlq else 35 + 10 * q_index,
                    "noise": 0.4,
                    "digits": 0,
                    **spike,
                    "spike_mult": 20.0,
                },
                {
                    **q,
                    "metric": "queue.publish_rate",
                    "unit": "{message}/s",
                    "base": 0.05 if dlq else 40 - 6 * q_index,
                    "amp": 0.45,
                    "noise": 0.1,
                    "digits": 2,
                },
                {
                    **q,
                    "metric": "queue.consume_rate",
                    "unit": "{message}/s",
                    "base": 0 if dlq else 39 - 6 * q_index,
                    "amp": 0.45,
                    "noise": 0.1,
                    "digits": 2,
                },
                {
                    **q,
                    "metric": "queue.oldest_message_age_s",
                    "unit": "s",
                    "base": 3600 if dlq else 2.5,
                    "noise": 0.3,
                    "digits": 1,
                    **spike,
                    "spike_mult": 40.0,
                },
            ]
    return rows


def _lb_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
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
                {
                    **g,
                    "metric": "lb.request_count",
                    "unit": "{request}/min",
                    "base": 6000 - 1500 * t_index,
                    "amp": 0.45,
                    "noise": 0.08,
                    "digits": 0,
                },
                {
                    **g,
                    "metric": "lb.target_response_time_ms",
                    "unit": "ms",
                    "base": 45 + 30 * t_index,
                    "noise": 0.2,
                    "digits": 2,
                    **spike,
                    "spike_mult": 4.0,
                },
                {
                    **g,
                    "metric": "lb.http_5xx_count",
                    "unit": "{response}/min",
                    "base": 1.5,
                    "noise": 0.8,
                    "digits": 0,
                    **spike,
                    "spike_mult": 60.0,
                },
                {**g, "metric": "lb.healthy_targets", "unit": "{target}", "base": 6, "noise": 0, "digits": 0},
                {**g, "metric": "lb.unhealthy_targets", "unit": "{target}", "base": 0, "noise": 0, "digits": 0},
                {
                    **g,
                    "metric": "lb.active_connections",
                    "unit": "{connection}",
                    "base": 900 - 200 * t_index,
                    "amp": 0.45,
                    "noise": 0.1,
                    "digits": 0,
                },
            ]
    return rows


def _mysql_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    rows = []
    incident = incident_window_ms(plan, window, INCIDENT_MIN)
    for db in org_databases(plan, "mysql", "mariadb", "percona"):
        flavor = db["type"]
        entity = {"entity": plan.uid("database", db["name"]), "labels": db_labels(db, flavor), **tenancy(plan)}
        spike = incident if db["name"] == plan.story.get("slow_query", {}).get("instance") else {}
        metrics = [
            ("db.mysql.connections.active", 60, 0.3, 0, {**spike, "spike_mult": 2.8}),
            ("db.mysql.connections.max_used", 140, 0, 0, {}),
            ("db.mysql.threads_running", 8, 0.3, 0, {**spike, "spike_mult": 4.0}),
            ("db.mysql.queries_per_sec", 2400, 0.45, 0, {}),
            ("db.mysql.slow_queries", 3, 0.2, 0, {**spike, "spike_mult": 6.0}),
            ("db.mysql.innodb.buffer_pool.hit_ratio", 99.2, 0, 0, {}),
            ("db.mysql.innodb.row_lock_waits", 4, 0.3, 0, {**spike, "spike_mult": 9.0}),
            ("db.mysql.innodb.deadlocks", 0.2, 0, 0, {**spike, "spike_mult": 15.0}),
            ("db.mysql.replication.lag_seconds", 0.4, 0, 0, {}),
            ("db.mysql.userstats.cpu_time", 55, 0.4, 0, {}),
            ("db.mysql.userstats.rows_read", 180000, 0.45, 0, {}),
            ("db.mysql.userstats.rows_written", 9000, 0.45, 0, {}),
        ]
        if flavor == "mariadb":
            metrics += [
                ("db.mysql.qcache.hit_ratio", 71, 0, 0, {}),
                ("db.mysql.aria.pagecache_blocks_used", 5200, 0, 0, {}),
                ("db.mysql.threadpool.threads", 24, 0.2, 0, {}),
                ("db.mysql.columnstore.disk_usage_pct", 37, 0, 0.01, {}),
                ("db.mysql.spider.direct_sql", 12, 0.3, 0, {}),
            ]
        if flavor == "percona":
            metrics += [
                ("db.mysql.query_response_time.p99_ms", 42, 0.2, 0, {}),
                ("db.mysql.pxc.cluster_size", 3, 0, 0, {}),
                ("db.mysql.pxc.flow_control_paused", 0.01, 0, 0, {}),
                ("db.mysql.threadpool.threads", 32, 0.2, 0, {}),
                ("db.mysql.xtrabackup.last_backup_age_h", 6, 0, 1.0, {}),
                ("db.mysql.audit.events", 150, 0.4, 0, {}),
            ]
        for metric, base, amp, trend, extra in metrics:
            rows.append(
                {
                    **entity,
                    "metric": metric,
                    "base": base,
                    "amp": amp,
                    "trend": trend,
                    "noise": 0.1,
                    "digits": 3,
                    **extra,
                }
            )
    return rows


def _mssql_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    rows = []
    for db in org_databases(plan, "mssql"):
        entity = {"entity": plan.uid("database", db["name"]), "labels": db_labels(db, "mssql"), **tenancy(plan)}
        for metric, base, amp in (
            ("db.mssql.batch_requests_per_sec", 950, 0.45),
            ("db.mssql.page_life_expectancy", 2800, 0.1),
            ("db.mssql.buffer_cache_hit_ratio", 99.1, 0.0),
            ("db.mssql.user_connections", 210, 0.35),
            ("db.mssql.deadlocks_per_sec", 0.03, 0.0),
            ("db.mssql.sql_compilations_per_sec", 85, 0.4),
            ("db.mssql.memory_grants_pending", 0.2, 0.0),
            ("db.mssql.lock_waits_per_sec", 6, 0.4),
        ):
            rows.append({**entity, "metric": metric, "base": base, "amp": amp, "noise": 0.12, "digits": 3})
    return rows


def _timescale_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    rows = []
    for db in org_databases(plan, "timescaledb"):
        entity = {"entity": plan.uid("database", db["name"]), "labels": db_labels(db, "timescaledb"), **tenancy(plan)}
        for metric, base, trend in (
            ("db.timescaledb.hypertable.count", 14, 0),
            ("db.timescaledb.chunks.count", 1860, 2.5),
            ("db.timescaledb.compression.ratio", 11.4, 0),
            ("db.timescaledb.hypertable.total_bytes", 3.8e11, 2.1e8),
            ("db.timescaledb.cagg.count", 6, 0),
            ("db.timescaledb.job.failures", 0.1, 0),
            ("db.timescaledb.retention.dropped_chunks", 2, 0),
        ):
            rows.append({**entity, "metric": metric, "base": base, "trend": trend, "noise": 0.01, "digits": 3})
    return rows


def _sqlite_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    rows = []
    for db in org_databases(plan, "sqlite3"):
        entity = {"entity": plan.uid("database", db["name"]), "labels": db_labels(db, "sqlite3"), **tenancy(plan)}
        for metric, base, trend in (
            ("db.sqlite3.file.size_bytes", 7.4e8, 1.1e5),
            ("db.sqlite3.page.count", 180000, 27),
            ("db.sqlite3.page.freelist_count", 2200, 0),
            ("db.sqlite3.cache.hit_ratio", 97.8, 0),
            ("db.sqlite3.wal.frames", 2600, 0),
            ("db.sqlite3.busy.timeouts", 0.3, 0),
        ):
            rows.append({**entity, "metric": metric, "base": base, "trend": trend, "noise": 0.03, "digits": 3})
    return rows


def _aurora_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    rows = []
    for db in org_databases(plan, "aurora-mysql", "aurora-postgresql"):
        for instance, role, _zone in aurora_instances(plan, db):
            entity = {"cluster": db["name"], "name": instance, **tenancy(plan)}
            writer = role == "writer"
            for metric, base, amp in (
                ("CPUUtilization", 46 if writer else 21, 0.35),
                ("DatabaseConnections", 320 if writer else 140, 0.35),
                ("FreeableMemory", 9.5e9, 0.0),
                ("CommitLatency", 2.4 if writer else 0.0, 0.1),
                ("Deadlocks", 0.05 if writer else 0.0, 0.0),
                ("ServerlessDatabaseCapacity", 12 if writer else 6, 0.3),
                ("AuroraReplicaLag", 0.0 if writer else 18.0, 0.2),
            ):
                rows.append({**entity, "metric": metric, "base": base, "amp": amp, "noise": 0.1, "digits": 3})
    return rows


def _engine_metric_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
    """Engine metrics that TFO reads from the metrics table (db.postgresql.*, db.mongodb.*, db.aurora.*)."""
    rows = []
    incident = incident_window_ms(plan, window, INCIDENT_MIN)
    for db in plan.profile["databases"]:
        kind = db["type"]
        entity = {"name": db["name"], "host": db["host"], "system": kind, **tenancy(plan)}
        replica = db.get("role") == "replica"
        metrics: list[tuple[str, str, str, float, float]] = []
        if kind == "postgresql":
            metrics = [
                ("db.postgresql.connections.active", "gauge", "{connection}", 45, 0.3),
                ("db.postgresql.connections.max", "gauge", "{connection}", 200, 0.0),
                ("db.postgresql.transactions.committed", "counter", "{transaction}", 5200, 0.45),
                ("db.postgresql.transactions.rolled_back", "counter", "{transaction}", 14, 0.4),
                ("db.postgresql.cache.hit_ratio", "gauge", "%", 98.7, 0.0),
                ("db.postgresql.locks.waiting", "gauge", "{lock}", 1.5, 0.3),
                ("db.postgresql.deadlocks", "counter", "{deadlock}", 0.05, 0.0),
                ("db.postgresql.replication.lag_seconds", "gauge", "s", 2.2 if replica else 0.0, 0.2),
                ("db.postgresql.database.size_bytes", "gauge", "By", 4.2e11, 0.0),
                ("db.postgresql.temp_bytes", "counter", "By", 3.1e7, 0.4),
            ]
        elif kind == "mongodb":
            metrics = [
                ("db.mongodb.connections.current", "gauge", "{connection}", 310, 0.3),
                ("db.mongodb.opcounters.query", "counter", "{operation}", 2600, 0.45),
                ("db.mongodb.opcounters.insert", "counter", "{operation}", 420, 0.45),
                ("db.mongodb.replication.lag_seconds", "gauge", "s", 0.8, 0.2),
                ("db.mongodb.wiredtiger.cache.used_pct", "gauge", "%", 74, 0.05),
            ]
            if db.get("provider") == "atlas":
                metrics += [
                    ("db.mongodb_atlas.cluster.cpu_pct", "gauge", "%", 41, 0.35),
                    ("db.mongodb_atlas.disk.iops", "gauge", "{operation}/s", 900, 0.4),
                ]
        elif kind.startswith("aurora"):
            metrics = [
                ("db.aurora.cpu.utilization", "gauge", "%", 44, 0.35),
                ("db.aurora.connections", "gauge", "{connection}", 320, 0.35),
                ("db.aurora.replica_lag_ms", "gauge", "ms", 18, 0.2),
            ]
        elif kind == "clickhouse":
            metrics = [
                ("db.clickhouse.queries_per_sec", "gauge", "{query}/s", 120, 0.45),
                ("db.clickhouse.parts.active", "gauge", "{part}", 2400, 0.0),
                ("db.clickhouse.merges.running", "gauge", "{merge}", 3, 0.3),
            ]
        for metric, mtype, unit, base, amp in metrics:
            spike = {}
            if "connections" in metric and db["name"] == plan.story.get("slow_query_pg"):
                spike = {**incident, "spike_mult": 2.5}
            rows.append(
                {
                    **entity,
                    "metric": metric,
                    "type": mtype,
                    "unit": unit,
                    "base": base,
                    "amp": amp,
                    "noise": 0.08,
                    "digits": 3,
                    **spike,
                }
            )
    return rows


#: (target table, builder, hash salt) of every generated gauge-series table.
SERIES: tuple[tuple[str, Callable[[OrgPlan, Window], list[dict[str, Any]]], int], ...] = (
    ("vm_metrics", _host_series, 101),
    ("kubernetes_metrics", _k8s_series, 102),
    ("cache_metrics", _cache_series, 103),
    ("queue_metrics", _queue_series, 104),
    ("load_balancer_metrics", _lb_series, 105),
    ("db_mysql_metrics", _mysql_series, 106),
    ("db_mssql_metrics", _mssql_series, 107),
    ("db_timescaledb_metrics", _timescale_series, 108),
    ("db_sqlite3_metrics", _sqlite_series, 109),
    ("db_aurora_metrics", _aurora_series, 110),
    ("metrics", _engine_metric_series, 111),
)
