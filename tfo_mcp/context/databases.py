"""Collectors for database monitoring: overview, queries, slow queries, connections, tables, indexes,
replication and locks.

Sources: PostgreSQL ``database_instances`` (+ monitoring rules, tags, Aurora topology) for the inventory;
ClickHouse query analytics (``db_mysql_queries``, ``db_postgresql_queries``, ``db_clickhouse_queries``,
``db_mongodb_queries``, ``db_mssql_queries``, ``db_aurora_queries``), engine metrics (``db_mysql_metrics``,
``db_mssql_metrics``, ``db_aurora_metrics`` and the ``db.*`` metrics of the ``metrics`` table), SQL Server waits,
and, where TFO has no source (reference 3.3 "none"), ``db_table_stats`` / ``db_index_stats``.

The inventory only names things: when PostgreSQL is down the ClickHouse figures still answer (instances then
appear by id), and ``data["unavailable_sources"]`` says so.

``context_id``: a database instance (its ``database_instances`` id or name; an Aurora cluster identifier for
Aurora) narrows db-queries, db-slow-queries, db-tables and db-indexes; the other types ignore it.
"""

from __future__ import annotations

from typing import Any

from tfo_mcp.context._shaping import (
    POOL_NEAR_FULL_PERCENT,
    REPLICATION_LAG_SECONDS,
    SLOW_P95_MS,
    SPIKE_FACTOR,
    STRUCTURE_CAP,
    add_note,
    as_float,
    as_int,
    counts_by,
    fmt,
    optional,
    plural,
    total_of,
)
from tfo_mcp.context.collector import CollectRequest, collector
from tfo_mcp.context.sources import (
    as_uuid,
    available,
    ch,
    empty,
    failures,
    gather_sources,
    number,
    pg,
    raise_if_all_failed,
    rollup,
    rows_of,
)
from tfo_mcp.context.types import ContextType, TelemetryContext

#: Engine metric names per context (exact names; the SQL binds them as lists, never formats them in).
CONNECTION_METRICS = {
    "mysql_names": ("db.mysql.connections.active", "db.mysql.connections.max_used", "db.mysql.threads_running"),
    "mssql_names": ("db.mssql.user_connections",),
    "aurora_names": ("DatabaseConnections",),
    "names": (
        "db.postgresql.connections.active",
        "db.postgresql.connections.max",
        "db.mongodb.connections.current",
        "db.aurora.connections",
    ),
}
REPLICATION_METRICS = {
    "mysql_names": ("db.mysql.replication.lag_seconds",),
    "mssql_names": ("db.mssql.replication.lag_seconds",),
    "aurora_names": ("AuroraReplicaLag",),
    "names": (
        "db.postgresql.replication.lag_seconds",
        "db.mongodb.replication.lag_seconds",
        "db.aurora.replica_lag_ms",
    ),
}
LOCK_METRICS = {
    "mysql_names": ("db.mysql.innodb.row_lock_waits", "db.mysql.innodb.deadlocks"),
    "mssql_names": ("db.mssql.deadlocks_per_sec", "db.mssql.lock_waits_per_sec"),
    "aurora_names": ("Deadlocks",),
    "names": ("db.postgresql.locks.waiting", "db.postgresql.deadlocks"),
}
#: Metric names that are a connection count (the others are limits or thread counts).
ACTIVE_CONNECTION_METRICS = frozenset(
    {
        "db.mysql.connections.active",
        "db.mssql.user_connections",
        "DatabaseConnections",
        "db.postgresql.connections.active",
        "db.mongodb.connections.current",
        "db.aurora.connections",
    }
)
CONNECTION_LIMIT_METRICS = frozenset({"db.postgresql.connections.max"})
#: Lag metrics reported in milliseconds (the others are seconds).
MILLISECOND_LAG_METRICS = frozenset({"AuroraReplicaLag", "db.aurora.replica_lag_ms"})
DEADLOCK_METRICS = frozenset(
    {"db.mysql.innodb.deadlocks", "db.mssql.deadlocks_per_sec", "Deadlocks", "db.postgresql.deadlocks"}
)
#: Ours: table bloat worth vacuuming, an index bloat worth a rebuild, a vacuum older than this many hours,
#: a large table (rows) and the sequential scans in a window that make it worth an index.
TABLE_BLOAT_RATIO = 1.5
INDEX_BLOAT_RATIO = 1.3
STALE_VACUUM_HOURS = 24
LARGE_TABLE_ROWS = 1_000_000
SEQ_SCAN_ALERT = 1000
PROBLEM_STATUSES = ("offline", "degraded", "unknown")


# --------------------------------------------------------------------------- inventory helpers


class Inventory:
    """Database instances keyed by id and by name (an Aurora cluster is known by its name)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.by_key: dict[str, dict[str, Any]] = {}
        for row in rows:
            self.by_key[str(row["id"])] = row
            self.by_key.setdefault(str(row["name"]), row)

    def name(self, key: Any) -> str:
        row = self.by_key.get(str(key))
        return str(row["name"]) if row else str(key)

    def info(self, key: Any) -> dict[str, Any]:
        return self.by_key.get(str(key), {})


async def _inventory(req: CollectRequest) -> list[dict[str, Any]]:
    return await pg(req, "databases_instances", cap=STRUCTURE_CAP)


async def _rows_for_instance(req: CollectRequest, sql_name: str, **params: Any) -> tuple[list[dict[str, Any]], Any]:
    """Rows of a ClickHouse query narrowed to the ``context_id`` instance, and the inventory (rows or Failed).

    Without a filter, or with an instance id (UUID), both run concurrently. A name is first looked up in the
    inventory (an unknown name is used as it is: Aurora clusters are keyed by their identifier).
    """
    wanted = req.context_id or ""
    if not wanted or as_uuid(wanted) is not None:
        rows, inventory = await gather_sources(
            ch(req, sql_name, instance=wanted, **params),
            optional(req, "database_instances", _inventory(req)),
        )
        return rows, inventory
    inventory = await optional(req, "database_instances", _inventory(req))
    instance = next((str(row["id"]) for row in rows_of(inventory) if row["name"] == wanted), wanted)
    return await ch(req, sql_name, instance=instance, **params), inventory


async def _named_metrics(req: CollectRequest, names: tuple[str, ...]) -> list[dict[str, Any]]:
    choice = rollup("metrics", req.time_range)
    return await ch(req, "platform_named_metrics", rollup=choice, names=names)


def _metric_rows(
    engine: list[dict[str, Any]], otel: list[dict[str, Any]], inventory: Inventory
) -> list[dict[str, Any]]:
    """Engine-table and metrics-table rows in one shape: instance (display name), member, metric and figures."""
    out = []
    for row in engine:
        out.append(
            {
                "instance": inventory.name(row["instance"]),
                "type": inventory.info(row["instance"]).get("type") or row["source"],
                "member": row.get("member") or None,
                "metric_name": row["metric_name"],
                "avg": number(row["avg_value"], 3),
                "max": number(row["max_value"], 3),
                "min": number(row["min_value"], 3),
                "last": number(row["last_value"], 3),
                "samples": as_int(row["samples"]),
            }
        )
    for row in otel:
        out.append(
            {
                "instance": inventory.name(row["instance"]),
                "type": inventory.info(row["instance"]).get("type"),
                "member": None,
                "metric_name": row["metric_name"],
                "avg": number(row["avg_value"], 3),
                "max": number(row["max_value"], 3),
                "min": number(row["min_value"], 3),
                "last": number(row["last_value"], 3),
                "samples": as_int(row["samples"]),
            }
        )
    return out


async def _metric_sources(
    req: CollectRequest, names: dict[str, tuple[str, ...]]
) -> tuple[list[dict[str, Any]], Inventory, dict[str, str]]:
    """Engine metrics + metrics-table metrics + inventory, concurrently; the inventory may fail."""
    engine, otel, inventory = await gather_sources(
        optional(
            req,
            "db engine metrics",
            ch(req, "databases_engine_metrics", **{k: v for k, v in names.items() if k != "names"}),
        ),
        optional(req, "metrics", _named_metrics(req, names["names"])),
        optional(req, "database_instances", _inventory(req)),
    )
    raise_if_all_failed(engine, otel)
    inv = Inventory(rows_of(inventory))
    return _metric_rows(rows_of(engine), rows_of(otel), inv), inv, failures(engine, otel, inventory)


# --------------------------------------------------------------------------- overview


@collector(ContextType.DB_OVERVIEW)
async def collect_db_overview(req: CollectRequest) -> TelemetryContext:
    """The database inventory (status, type, provider), monitoring rules, tags and each instance's query load."""
    instances, rules, tags, qan = await gather_sources(
        _inventory(req),
        optional(req, "database_monitoring_rules", pg(req, "databases_rules")),
        optional(req, "database_instance_tags", pg(req, "databases_tags")),
        optional(req, "query analytics", ch(req, "databases_qan", instance="", sort="total", limit=STRUCTURE_CAP)),
    )
    if not instances:
        return empty(req, "database_instances")
    inventory = Inventory(instances)
    load: dict[str, dict[str, Any]] = {}
    for row in rows_of(qan):
        name = inventory.name(row["instance"])
        stats = load.setdefault(name, {"statements": 0, "calls": 0, "total_ms": 0.0, "slowest_avg_ms": 0.0})
        stats["statements"] += 1
        stats["calls"] += as_int(row["total_calls"])
        stats["total_ms"] += as_float(row["total_time_ms"])
        stats["slowest_avg_ms"] = max(stats["slowest_avg_ms"], as_float(row["avg_time_ms"]))
    listed = []
    for row in instances:
        stats = load.get(row["name"], {})
        listed.append(
            {
                "name": row["name"],
                "type": row["type"],
                "status": row["status"],
                "provider": row["provider"],
                "version": row["version"],
                "environment": row["environment"],
                "role": row["role"],
                "replication_source": row["replication_source"],
                "host": row["host"],
                "last_error": row["last_error"],
                "last_seen_at": row["last_seen_at"],
                "query_calls": stats.get("calls"),
                "query_time_ms": number(stats.get("total_ms"), 1),
                "slowest_statement_avg_ms": number(stats.get("slowest_avg_ms"), 1),
            }
        )
    notes: list[str] = []
    for row in instances:
        if row["status"] in PROBLEM_STATUSES:
            reason = f": {row['last_error']}" if row["last_error"] else ""
            add_note(notes, f"{row['name']} ({row['type']}) is {row['status']}{reason}")
    for name, stats in sorted(load.items(), key=lambda item: -item[1]["slowest_avg_ms"]):
        if stats["slowest_avg_ms"] > SLOW_P95_MS:
            add_note(notes, f"{name} has statements averaging {fmt(stats['slowest_avg_ms'], 0)} ms")
    rule_rows = rows_of(rules)
    rule_total = sum(as_int(r["rules"]) for r in rule_rows)
    rule_enabled = sum(as_int(r["enabled"]) for r in rule_rows)
    by_status = counts_by(instances, "status")
    lead = (
        f"{plural(total_of(instances), 'database instance')} "
        f"({', '.join(f'{count} {status}' for status, count in by_status.items())}); "
        f"{rule_enabled} of {rule_total} monitoring rules enabled."
    )
    data = {
        "total_instances": total_of(instances),
        "status_distribution": by_status,
        "type_distribution": counts_by(instances, "type"),
        "provider_distribution": counts_by(instances, "provider"),
        "instances": listed[: req.max_items],
        "monitoring_rules": {"total": rule_total, "enabled": rule_enabled, "by_severity": rule_rows},
        "tags": rows_of(tags),
        "unavailable_sources": failures(rules, tags, qan),
    }
    return available(req, lead, data, notes)


# --------------------------------------------------------------------------- queries


def _statement(row: dict[str, Any], inventory: Inventory) -> dict[str, Any]:
    aurora = row["engine"] == "aurora"
    return {
        "instance": inventory.name(row["instance"]),
        "engine": inventory.info(row["instance"]).get("type") or row["engine"],
        "database": None if aurora else row["database"],
        "member": row["database"] if aurora else None,
        "statement": str(row["fingerprint"])[:500],
        "calls": as_int(row["total_calls"]),
        "total_ms": number(row["total_time_ms"], 1),
        "avg_ms": number(row["avg_time_ms"], 3),
        "max_ms": number(row["max_time_ms"], 3),
        "rows_examined": as_int(row["examined_rows"]),
        "calls_without_index": as_int(row["calls_without_index"]),
        "last_seen": row["last_seen"],
    }


@collector(ContextType.DB_QUERIES, ContextType.DB_SLOW_QUERIES)
async def collect_db_queries(req: CollectRequest) -> TelemetryContext:
    """Normalised statements across engines: by total time (db-queries) or by average latency (db-slow-queries)."""
    slow = req.context_type is ContextType.DB_SLOW_QUERIES
    rows, inventory = await _rows_for_instance(req, "databases_qan", sort="avg" if slow else "total")
    if not rows:
        return empty(req, "db_*_queries (query analytics)")
    inv = Inventory(rows_of(inventory))
    statements = [_statement(row, inv) for row in rows]
    notes: list[str] = []
    total_time = sum(s["total_ms"] or 0 for s in statements)
    slow_count = sum(1 for s in statements if (s["avg_ms"] or 0) > SLOW_P95_MS)
    for s in statements:
        if (s["avg_ms"] or 0) > SLOW_P95_MS:
            add_note(
                notes,
                f"{s['instance']}: {s['statement'][:90]} averages {fmt(s['avg_ms'], 0)} ms over {s['calls']} calls",
            )
    for s in statements:
        if s["calls_without_index"] and (s["avg_ms"] or 0) > 10:
            add_note(
                notes,
                f"{s['instance']}: {s['statement'][:90]} runs without an index ({s['calls_without_index']} calls)",
            )
    if not slow and statements and total_time > 0:
        top = statements[0]
        add_note(
            notes,
            f"the top statement takes {fmt(100 * (top['total_ms'] or 0) / total_time, 1)}% of the listed query time",
        )
    scope = f" on {req.context_id}" if req.context_id else ""
    if slow:
        lead = (
            f"Slowest statements{scope} by average latency; {slow_count} of {len(statements)} listed average "
            f"over {SLOW_P95_MS:g} ms."
        )
    else:
        lead = (
            f"Top {len(statements)} statements{scope} by total time ({fmt(total_time / 1000, 1)} s of database time)."
        )
    data = {
        "ranking": "average latency" if slow else "total time",
        "instance_filter": req.context_id,
        "statements": statements,
        "slow_statements": slow_count,
        "unavailable_sources": failures(inventory),
    }
    return available(req, lead, data, notes)


# --------------------------------------------------------------------------- connections


@collector(ContextType.DB_CONNECTIONS)
async def collect_db_connections(req: CollectRequest) -> TelemetryContext:
    """Connections in use per instance against its limit (pool use), with peaks and spikes."""
    rows, inventory, failed = await _metric_sources(req, CONNECTION_METRICS)
    if not rows:
        return empty(req, "db_*_metrics, metrics (db.*connections*)")
    per_instance: dict[tuple[str, str | None], dict[str, Any]] = {}
    for row in rows:
        key = (row["instance"], row["member"])
        entry = per_instance.setdefault(
            key, {"instance": row["instance"], "member": row["member"], "type": row["type"], "metrics": {}}
        )
        entry["metrics"][row["metric_name"]] = {k: row[k] for k in ("avg", "max", "last")}
        if row["metric_name"] in ACTIVE_CONNECTION_METRICS:
            entry.update(active_avg=row["avg"], active_max=row["max"], active_last=row["last"])
        if row["metric_name"] in CONNECTION_LIMIT_METRICS:
            entry["limit"] = row["max"]
    notes: list[str] = []
    instances = []
    for entry in per_instance.values():
        info = inventory.info(entry["instance"])
        limit = entry.get("limit") or info.get("max_connections")
        entry["limit"] = limit
        peak, mean = entry.get("active_max"), entry.get("active_avg")
        entry["peak_utilization_percent"] = number(100 * peak / limit, 1) if peak is not None and limit else None
        label = entry["instance"] + (f"/{entry['member']}" if entry["member"] else "")
        if (entry["peak_utilization_percent"] or 0) > POOL_NEAR_FULL_PERCENT:
            add_note(
                notes,
                f"{label} peaked at {fmt(peak, 0)} of {limit} connections "
                f"({fmt(entry['peak_utilization_percent'], 1)}%)",
            )
        if mean and peak and peak > SPIKE_FACTOR * mean:
            add_note(
                notes,
                f"{label} connections spiked to {fmt(peak, 0)} ({fmt(peak / mean, 1)}x the average {fmt(mean, 0)})",
            )
        instances.append(entry)
    instances.sort(key=lambda e: (-(e["peak_utilization_percent"] or 0), -(e.get("active_max") or 0)))
    total_active = sum(e.get("active_last") or 0 for e in instances)
    lead = f"{plural(len(instances), 'database')} hold {fmt(total_active, 0)} connections at the end of the window."
    data = {"instances": instances[: req.max_items], "unavailable_sources": failed}
    return available(req, lead, data, notes)


# --------------------------------------------------------------------------- replication


def _replication_lead(
    lags: list[dict[str, Any]], replicas: list[dict[str, Any]], aurora_rows: list[dict[str, Any]]
) -> str:
    """What replicates: the instances reporting lag (worst first), the replicas the inventory registers and the
    Aurora cluster members; a part the estate lacks is said in words, after what it has."""
    parts = []
    if lags:
        worst = lags[0]
        label = worst["instance"] + (f"/{worst['member']}" if worst["member"] else "")
        instances = len({item["instance"] for item in lags})
        parts.append(
            f"Replication lag reported by {plural(instances, 'instance')}, worst {fmt(worst['max_lag_seconds'], 2)} s "
            f"on {label}"
        )
    if aurora_rows:
        clusters = len({row["cluster_identifier"] for row in aurora_rows})
        parts.append(f"{plural(len(aurora_rows), 'Aurora cluster member')} in {plural(clusters, 'cluster')}")
    if replicas:
        parts.append(plural(len(replicas), "registered replica"))
    elif parts:
        parts.append("no replica registered in the database inventory")
    if not lags:
        parts.append("no lag metrics in the window")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


@collector(ContextType.DB_REPLICATION)
async def collect_db_replication(req: CollectRequest) -> TelemetryContext:
    """Replication topology (primaries, replicas, Aurora readers) and replica lag in seconds."""
    (rows, inventory, failed), aurora = await gather_sources(
        _metric_sources(req, REPLICATION_METRICS),
        optional(req, "aurora_instance_status", pg(req, "databases_aurora_replicas")),
    )
    aurora_rows = rows_of(aurora)
    replicas = [row for row in inventory.rows if row["role"] != "primary" or row["replication_source"]]
    if not rows and not aurora_rows and not replicas:
        return empty(req, "db_*_metrics (replication lag), aurora_instance_status")
    lags = []
    for row in rows:
        factor = 0.001 if row["metric_name"] in MILLISECOND_LAG_METRICS else 1.0
        lags.append(
            {
                "instance": row["instance"],
                "member": row["member"],
                "type": row["type"],
                "metric_name": row["metric_name"],
                "avg_lag_seconds": number((row["avg"] or 0) * factor, 3),
                "max_lag_seconds": number((row["max"] or 0) * factor, 3),
                "last_lag_seconds": number((row["last"] or 0) * factor, 3),
            }
        )
    lags.sort(key=lambda item: -(item["max_lag_seconds"] or 0))
    notes: list[str] = []
    for item in lags:
        if (item["max_lag_seconds"] or 0) > REPLICATION_LAG_SECONDS:
            label = item["instance"] + (f"/{item['member']}" if item["member"] else "")
            add_note(notes, f"{label} lagged up to {fmt(item['max_lag_seconds'], 1)} s behind its source")
    for row in replicas:
        source = inventory.info(row["replication_source"]) if row["replication_source"] else {}
        if source.get("status") in PROBLEM_STATUSES:
            add_note(notes, f"{row['name']} replicates from {source['name']}, which is {source['status']}")
        if row["status"] in PROBLEM_STATUSES:
            add_note(notes, f"replica {row['name']} is {row['status']}")
    for row in aurora_rows:
        if row["status"] != "available":
            add_note(
                notes, f"Aurora {row['cluster_identifier']} member {row['instance_identifier']} is {row['status']}"
            )
    topology = [
        {
            "name": row["name"],
            "type": row["type"],
            "role": row["role"],
            "replication_source": row["replication_source"],
            "status": row["status"],
        }
        for row in inventory.rows
        if row["role"] != "primary"
        or row["replication_source"]
        or row["name"] in {r["replication_source"] for r in replicas}
    ]
    lead = _replication_lead(lags, replicas, aurora_rows)
    data = {
        "topology": topology[: req.max_items],
        "aurora_members": aurora_rows[: req.max_items],
        "lag": lags[: req.max_items],
        "unavailable_sources": {**failed, **failures(aurora)},
    }
    return available(req, lead, data, notes)


# --------------------------------------------------------------------------- locks


@collector(ContextType.DB_LOCKS)
async def collect_db_locks(req: CollectRequest) -> TelemetryContext:
    """Lock waits and deadlocks per instance, and SQL Server lock waits against its other waits."""
    (rows, inventory, failed), waits = await gather_sources(
        _metric_sources(req, LOCK_METRICS),
        optional(req, "db_mssql_waits", ch(req, "databases_mssql_waits")),
    )
    wait_rows = rows_of(waits)
    if not rows and not wait_rows:
        return empty(req, "db_*_metrics (locks, deadlocks), db_mssql_waits")
    notes: list[str] = []
    for row in sorted(rows, key=lambda r: -(r["max"] or 0)):
        label = row["instance"] + (f"/{row['member']}" if row["member"] else "")
        if row["metric_name"] in DEADLOCK_METRICS and (row["max"] or 0) > 0:
            add_note(notes, f"{label}: deadlocks recorded ({row['metric_name']} peaked at {fmt(row['max'], 3)})")
        elif (row["avg"] or 0) > 0 and (row["max"] or 0) > SPIKE_FACTOR * (row["avg"] or 0):
            add_note(
                notes,
                f"{label}: {row['metric_name']} spiked to {fmt(row['max'])} "
                f"({fmt(row['max'] / row['avg'], 1)}x average)",
            )
    lock_waits = []
    per_instance_total: dict[str, int] = {}
    for row in wait_rows:
        per_instance_total[row["instance_id"]] = per_instance_total.get(row["instance_id"], 0) + as_int(
            row["total_wait_ms"]
        )
    for row in wait_rows:
        if row["wait_category"] != "Lock":
            continue
        name = inventory.name(row["instance_id"])
        share = 100 * as_int(row["total_wait_ms"]) / max(per_instance_total[row["instance_id"]], 1)
        lock_waits.append(
            {
                "instance": name,
                "wait_types": row["wait_types"],
                "wait_time_ms": as_int(row["total_wait_ms"]),
                "waiting_tasks": as_int(row["waiting_tasks"]),
                "avg_wait_ms": number(row["avg_wait_ms"]),
                "share_of_wait_time_percent": number(share, 1),
            }
        )
        add_note(
            notes,
            f"{name}: lock waits are {fmt(share, 1)}% of SQL Server wait time "
            f"({as_int(row['total_wait_ms']) // 1000} s)",
        )
    deadlocks = [row for row in rows if row["metric_name"] in DEADLOCK_METRICS and (row["max"] or 0) > 0]
    lead = (
        f"Lock metrics for {len({r['instance'] for r in rows})} instances; "
        f"{len({r['instance'] for r in deadlocks})} recorded deadlocks in the window."
    )
    data = {
        "lock_metrics": sorted(rows, key=lambda r: -(r["max"] or 0))[: req.max_items],
        "sqlserver_lock_waits": lock_waits,
        "unavailable_sources": {**failed, **failures(waits)},
    }
    return available(req, lead, data, notes)


# --------------------------------------------------------------------------- tables and indexes


def _hours_before(value: Any, end: Any) -> float | None:
    """Hours from a ClickHouse DateTime text to the window end (None when unknown)."""
    from datetime import UTC, datetime

    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
    except ValueError:
        return None
    return (end - moment).total_seconds() / 3600


@collector(ContextType.DB_TABLES)
async def collect_db_tables(req: CollectRequest) -> TelemetryContext:
    """Largest tables with size, growth, scan mix, churn, dead rows, bloat and vacuum age."""
    rows, inventory = await _rows_for_instance(req, "databases_table_stats")
    if not rows:
        return empty(req, "db_table_stats")
    inv = Inventory(rows_of(inventory))
    tables = []
    notes: list[str] = []
    for row in rows:
        name = f"{row['database_name']}.{row['table_name']}"
        seq, idx = as_int(row["seq_scan_count"]), as_int(row["index_scan_count"])
        vacuum_age = _hours_before(row["vacuumed_at"], req.time_range.end)
        table = {
            "instance": inv.name(row["instance_id"]),
            "engine": row["engine"],
            "table": name,
            "schema": row["schema_name"],
            "rows": as_int(row["rows_now"]),
            "total_bytes": as_int(row["bytes_now"]),
            "index_bytes": as_int(row["index_bytes_now"]),
            "row_growth": as_int(row["row_growth"]),
            "byte_growth": as_int(row["byte_growth"]),
            "seq_scans": seq,
            "index_scans": idx,
            "seq_scan_percent": number(100 * seq / (seq + idx), 2) if seq + idx else None,
            "rows_inserted": as_int(row["inserted"]),
            "rows_updated": as_int(row["updated"]),
            "rows_deleted": as_int(row["deleted"]),
            "dead_rows": as_int(row["dead_rows_now"]),
            "bloat_ratio": number(row["bloat_now"], 3),
            "last_vacuum_at": row["vacuumed_at"],
            "hours_since_vacuum": number(vacuum_age, 1),
        }
        tables.append(table)
        label = f"{table['instance']} {name}"
        if (table["bloat_ratio"] or 0) > TABLE_BLOAT_RATIO:
            add_note(notes, f"{label} is bloated ({fmt(table['bloat_ratio'])}x, {table['dead_rows']} dead rows)")
        if table["rows"] >= LARGE_TABLE_ROWS and seq >= SEQ_SCAN_ALERT:
            add_note(notes, f"{label}: {seq} sequential scans on {table['rows']} rows (a missing index?)")
        if vacuum_age is not None and vacuum_age > STALE_VACUUM_HOURS:
            add_note(notes, f"{label} was last vacuumed {fmt(vacuum_age, 0)} h before the window end")
    total_bytes = sum(t["total_bytes"] for t in tables)
    lead = (
        f"{plural(len(tables), 'table')} listed, {fmt(total_bytes / 1e9, 1)} GB in total; largest {tables[0]['table']}."
    )
    data = {
        "instance_filter": req.context_id,
        "tables": tables,
        "unavailable_sources": failures(inventory),
    }
    return available(req, lead, data, notes)


@collector(ContextType.DB_INDEXES)
async def collect_db_indexes(req: CollectRequest) -> TelemetryContext:
    """Indexes with size, use and bloat: unused ones (drop candidates) first, then the largest."""
    rows, inventory = await _rows_for_instance(req, "databases_index_stats")
    if not rows:
        return empty(req, "db_index_stats")
    inv = Inventory(rows_of(inventory))
    indexes = []
    notes: list[str] = []
    for row in rows:
        index = {
            "instance": inv.name(row["instance_id"]),
            "engine": row["engine"],
            "table": f"{row['database_name']}.{row['table_name']}",
            "index": row["index_name"],
            "type": row["kind"],
            "columns": row["indexed_columns"],
            "unique": bool(as_int(row["unique_index"])),
            "primary": bool(as_int(row["primary_index"])),
            "size_bytes": as_int(row["size_now"]),
            "scans": as_int(row["scan_count"]),
            "tuples_read": as_int(row["read_tuples"]),
            "bloat_ratio": number(row["bloat_now"], 3),
        }
        index["unused"] = index["scans"] == 0 and not index["unique"] and not index["primary"]
        indexes.append(index)
        label = f"{index['instance']} {index['table']}.{index['index']}"
        if index["unused"]:
            add_note(
                notes,
                f"{label} was never used in the window ({fmt(index['size_bytes'] / 1e9, 2)} GB): a drop candidate",
            )
        if (index["bloat_ratio"] or 0) > INDEX_BLOAT_RATIO:
            add_note(notes, f"{label} is bloated ({fmt(index['bloat_ratio'])}x)")
    unused = [i for i in indexes if i["unused"]]
    lead = (
        f"{plural(len(indexes), 'index', 'es')} listed; {len(unused)} unused "
        f"({fmt(sum(i['size_bytes'] for i in unused) / 1e9, 2)} GB)."
    )
    data = {"instance_filter": req.context_id, "indexes": indexes, "unavailable_sources": failures(inventory)}
    return available(req, lead, data, notes)
