"""The demo estate's databases: their instances (PostgreSQL database_instances, database_monitoring_rules,
database_instance_tags, aurora_cluster_topology, aurora_instance_status, mssql_instances) and engine gauge series
(ClickHouse db_mysql_metrics, db_mssql_metrics, db_timescaledb_metrics, db_sqlite3_metrics, db_aurora_metrics,
and the db.* engine metrics in metrics).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from tfo_mcp.demo.plan import (
    INCIDENT_MIN,
    OrgPlan,
    Window,
    aurora_instances,
    db_labels,
    incident_window_ms,
    org_databases,
    tenancy,
)

# --------------------------------------------------------------------------- ClickHouse: engine gauge series


def mysql_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
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


def mssql_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
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


def timescale_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
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


def sqlite_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
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


def aurora_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
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


def engine_metric_series(plan: OrgPlan, window: Window) -> list[dict[str, Any]]:
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


# --------------------------------------------------------------------------- PostgreSQL: the instances


def instance_tables(plan: OrgPlan, now: datetime, rng: random.Random) -> list[tuple[str, list[dict[str, Any]]]]:
    topology, aurora_status = _aurora_rows(plan, now, rng)
    return [
        ("database_instances", _instance_rows(plan, now)),
        ("database_monitoring_rules", _rule_rows(plan)),
        ("database_instance_tags", _tag_rows(plan)),
        ("aurora_cluster_topology", topology),
        ("aurora_instance_status", aurora_status),
        ("mssql_instances", _mssql_instance_rows(plan, now)),
    ]


def _instance_rows(plan: OrgPlan, now: datetime) -> list[dict[str, Any]]:
    """Every database of the profile; org A's slow-query instance is degraded, SQLite has stopped reporting and
    (outside org A) MongoDB lags; replicas point at the primary of their engine."""
    story = plan.story if plan.incident else {}
    slow_instance = story.get("slow_query", {}).get("instance")
    instances = []
    primary_ids = {}
    for n, db in enumerate(plan.profile["databases"]):
        db_id = plan.uid("database", db["name"])
        status = "online"
        last_error = None
        if db["name"] == slow_instance:
            status, last_error = "degraded", "slow query ratio above 5% of calls"
        elif db["type"] == "sqlite3":
            status, last_error = "unknown", "agent has not reported for 20 minutes"
        elif not plan.incident and db["type"] == "mongodb":
            status, last_error = "degraded", "replication lag above 30 s"
        role = db.get("role", "primary")
        if role == "primary":
            primary_ids[db["type"]] = db_id
        instances.append(
            {
                "id": db_id,
                "organization_id": plan.id,
                "workspace_id": plan.workspaces[-1]["id"],
                "name": db["name"],
                "type": db["type"],
                "host": db["host"],
                "port": db["port"],
                "status": status,
                "provider": db["provider"],
                "version": db["version"],
                "environment": "production",
                "role": role,
                "replication_source_id": primary_ids.get(db["type"]) if role == "replica" else None,
                "max_connections": 200,
                "storage_bytes": (n + 1) * 120 * 10**9,
                "last_error": last_error,
                "last_seen_at": now - timedelta(minutes=20 if status == "unknown" else 1),
                "created_at": now - timedelta(days=200 - 10 * n),
            }
        )
    return instances


def _rule_rows(plan: OrgPlan) -> list[dict[str, Any]]:
    """A connections rule on every instance and a replication-lag rule (enabled on every other one)."""
    rules = []
    for n, db in enumerate(plan.profile["databases"]):
        for key, metric, threshold, enabled in (
            ("connections", "connections.active_pct", 80.0, True),
            ("replication", "replication.lag_seconds", 30.0, n % 2 == 0),
        ):
            rules.append(
                {
                    "id": plan.uid("db_rule", db["name"], key),
                    "organization_id": plan.id,
                    "instance_id": plan.uid("database", db["name"]),
                    "name": f"{db['name']} {key}",
                    "metric_name": metric,
                    "threshold": threshold,
                    "severity": "warning",
                    "enabled": enabled,
                }
            )
    return rules


def _tag_rows(plan: OrgPlan) -> list[dict[str, Any]]:
    profile = plan.profile
    tags = []
    for n, db in enumerate(profile["databases"]):
        db_id = plan.uid("database", db["name"])
        for key, value in (
            ("env", "production"),
            ("team", profile["namespaces"][n % 2]),
            ("tier", "1" if n < 3 else "2"),
        ):
            tags.append({"id": plan.uid("db_tag", db["name"], key), "instance_id": db_id, "key": key, "value": value})
    return tags


def _aurora_rows(plan: OrgPlan, now: datetime, rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Topology of every Aurora cluster (serverless v2, one writer, two readers) and the status of its instances."""
    topology, aurora_status = [], []
    for db in plan.profile["databases"]:
        if not db["type"].startswith("aurora"):
            continue
        db_id = plan.uid("database", db["name"])
        topo_id = plan.uid("aurora", db["name"])
        members = aurora_instances(plan, db)
        topology.append(
            {
                "id": topo_id,
                "organization_id": plan.id,
                "database_instance_id": db_id,
                "cluster_identifier": db["name"],
                "engine_type": db["type"],
                "engine_version": db["version"],
                "cluster_status": "available",
                "writer_instance_id": members[0][0],
                "reader_instance_ids": [m[0] for m in members[1:]],
                "is_serverless_v2": True,
                "min_acu": 2,
                "max_acu": 32,
                "is_global_database": False,
                "last_topology_sync_at": now - timedelta(minutes=2),
            }
        )
        for identifier, role_name, zone in members:
            aurora_status.append(
                {
                    "id": plan.uid("aurora_instance", identifier),
                    "cluster_topology_id": topo_id,
                    "instance_identifier": identifier,
                    "role": role_name,
                    "instance_class": "db.serverless",
                    "availability_zone": zone,
                    "status": "available",
                    "is_serverless_v2": True,
                    "current_acu": 12 if role_name == "writer" else 6,
                    "replica_lag_ms": None if role_name == "writer" else round(rng.uniform(10, 30), 1),
                }
            )
    return topology, aurora_status


def _mssql_instance_rows(plan: OrgPlan, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "id": plan.uid("mssql", db["name"]),
            "organization_id": plan.id,
            "database_instance_id": plan.uid("database", db["name"]),
            "name": db["name"],
            "host": db["host"],
            "port": db["port"],
            "edition": "Enterprise Edition (64-bit)",
            "product_version": db["version"],
            "engine_edition": "Enterprise",
            "status": "online",
            "last_seen_at": now - timedelta(minutes=1),
        }
        for db in plan.profile["databases"]
        if db["type"] == "mssql"
    ]
