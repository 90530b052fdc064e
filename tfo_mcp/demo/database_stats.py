"""The demo estate's database monitoring rows built in Python (ClickHouse): statement statistics of every engine
(db_mysql_queries, db_postgresql_queries, db_clickhouse_queries, db_mongodb_queries, db_mssql_queries,
db_aurora_queries), SQL Server waits, Aurora events, table and index statistics and SQLite integrity checks.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import timedelta
from typing import Any

from tfo_mcp.demo.plan import OrgPlan, Window, aurora_instances, catalog, every, org_databases

#: (digest text, schema, average ms, rows sent, uses an index) of the MySQL-family statements.
_MYSQL_DIGESTS = catalog()["mysql_digests"]
#: (statement, average ms, rows per call) of the PostgreSQL statements.
_PG_STATEMENTS = catalog()["pg_statements"]


def _db_tenancy(plan: OrgPlan) -> tuple[str, str, str]:
    ws = plan.workspaces[-1]
    return plan.id, ws["id"], ws["tenant_id"]


MYSQL_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "digest",
    "digest_text",
    "schema_name",
    "calls",
    "total_time_us",
    "avg_time_us",
    "max_time_us",
    "rows_sent",
    "rows_examined",
    "rows_affected",
    "tmp_tables",
    "tmp_disk_tables",
    "no_index_used",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def mysql_query_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    slow = plan.story.get("slow_query", {}) if plan.incident else {}
    rows = []
    for db in org_databases(plan, "mysql", "mariadb", "percona"):
        digests = list(_MYSQL_DIGESTS)
        if db["name"] == slow.get("instance"):
            digests.append((slow["text"], "shop", 2400.0, 25, 0))
        instance = plan.uid("database", db["name"])
        for moment in every(window, 5):
            for text, schema, avg_ms, rows_sent, indexed in digests:
                calls = max(1, int(rng.gauss(300, 60) * (0.3 if avg_ms > 100 else 1)))
                avg_us = int(avg_ms * 1000 * rng.uniform(0.85, 1.2))
                examined = rows_sent * (400000 if not indexed else 3)
                rows.append(
                    (
                        moment,
                        instance,
                        hashlib.sha256(text.encode()).hexdigest()[:32],
                        text,
                        schema,
                        calls,
                        avg_us * calls,
                        avg_us,
                        int(avg_us * rng.uniform(1.5, 4)),
                        rows_sent * calls,
                        examined * calls,
                        calls if text.startswith(("UPDATE", "INSERT", "DELETE")) else 0,
                        calls // 20 if avg_ms > 10 else 0,
                        calls // 50 if avg_ms > 1000 else 0,
                        0 if indexed else calls,
                        *_db_tenancy(plan),
                    )
                )
    return rows


PG_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "queryid",
    "fingerprint",
    "database_name",
    "user_name",
    "calls",
    "total_duration_ms",
    "avg_duration_ms",
    "max_duration_ms",
    "rows",
    "shared_blks_hit",
    "shared_blks_read",
    "temp_blks_written",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def pg_query_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    rows = []
    slow_db = next((d["name"] for d in org_databases(plan, "postgresql")), None)
    for db in org_databases(plan, "postgresql"):
        instance = plan.uid("database", db["name"])
        for moment in every(window, 5):
            for text, avg_ms, rows_per_call in _PG_STATEMENTS:
                factor = 45.0 if (plan.incident and db["name"] == slow_db and "popularity" in text) else 1.0
                calls = max(1, int(rng.gauss(250, 50) / (20 if avg_ms > 100 else 1)))
                avg = round(avg_ms * factor * rng.uniform(0.85, 1.2), 3)
                rows.append(
                    (
                        moment,
                        instance,
                        str(int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)),
                        text,
                        db["name"].replace("-", "_"),
                        "app",
                        calls,
                        round(avg * calls, 3),
                        avg,
                        round(avg * rng.uniform(1.5, 5), 3),
                        rows_per_call * calls,
                        calls * 40,
                        calls * (30 if factor > 1 else 2),
                        calls * 8 if factor > 1 else 0,
                        *_db_tenancy(plan),
                    )
                )
    return rows


CH_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "normalized_query_hash",
    "fingerprint",
    "database_name",
    "user_name",
    "calls",
    "total_duration_ms",
    "avg_duration_ms",
    "max_duration_ms",
    "read_rows",
    "read_bytes",
    "memory_usage",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


MONGO_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "query_hash",
    "fingerprint",
    "database_name",
    "collection",
    "operation",
    "calls",
    "total_duration_ms",
    "avg_duration_ms",
    "max_duration_ms",
    "docs_examined",
    "keys_examined",
    "docs_returned",
    "plan_summary",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def other_query_rows(plan: OrgPlan, window: Window, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    """ClickHouse and MongoDB statement statistics (one ``rng``, ClickHouse first)."""
    return {
        "db_clickhouse_queries": _clickhouse_query_rows(plan, window, rng),
        "db_mongodb_queries": _mongodb_query_rows(plan, window, rng),
    }


def _clickhouse_query_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    rows = []
    ch_statements = (
        ("SELECT toStartOfHour(ts), count() FROM events WHERE ts > ? GROUP BY 1", 180.0, 4e7),
        ("INSERT INTO events FORMAT Native", 35.0, 0.0),
        ("SELECT uniqExact(user_id) FROM events WHERE day = ?", 950.0, 2.5e8),
    )
    for db in org_databases(plan, "clickhouse"):
        instance = plan.uid("database", db["name"])
        for moment in every(window, 15):
            for text, avg_ms, read_rows in ch_statements:
                calls = rng.randint(20, 90)
                avg = round(avg_ms * rng.uniform(0.8, 1.3), 3)
                rows.append(
                    (
                        moment,
                        instance,
                        hashlib.sha256(text.encode()).hexdigest()[:16],
                        text,
                        "analytics",
                        "etl",
                        calls,
                        round(avg * calls, 3),
                        avg,
                        round(avg * 3, 3),
                        int(read_rows * calls),
                        int(read_rows * calls * 60),
                        int(2e8 * rng.random()),
                        *_db_tenancy(plan),
                    )
                )
    return rows


def _mongodb_query_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    rows = []
    mongo_shapes = (
        ("reviews", "find", "{ product_id: ? }", 2.1, "IXSCAN { product_id: 1 }", 1.0),
        ("reviews", "aggregate", "[{ $match: { rating: ? } }, { $group: ... }]", 340.0, "COLLSCAN", 900.0),
        ("declarations", "insert", "{ ... }", 1.4, "", 0.0),
        ("declarations", "find", "{ status: ?, country: ? }", 88.0, "COLLSCAN", 400.0),
    )
    for db in org_databases(plan, "mongodb"):
        instance = plan.uid("database", db["name"])
        for moment in every(window, 15):
            for collection, op, shape, avg_ms, plan_summary, examined in mongo_shapes:
                calls = rng.randint(40, 400)
                avg = round(avg_ms * rng.uniform(0.8, 1.3), 3)
                fingerprint = f"db.{collection}.{op}({shape})"
                rows.append(
                    (
                        moment,
                        instance,
                        hashlib.sha256(fingerprint.encode()).hexdigest()[:16],
                        fingerprint,
                        db["name"].replace("-", "_"),
                        collection,
                        op,
                        calls,
                        round(avg * calls, 3),
                        avg,
                        round(avg * 4, 3),
                        int(examined * calls),
                        int(calls if "IXSCAN" in plan_summary else 0),
                        calls,
                        plan_summary,
                        *_db_tenancy(plan),
                    )
                )
    return rows


MSSQL_QUERY_COLUMNS = [
    "timestamp",
    "instance_id",
    "query_hash",
    "sql_text",
    "database_name",
    "execution_count",
    "total_worker_time_us",
    "total_elapsed_time_us",
    "total_logical_reads",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


MSSQL_WAIT_COLUMNS = [
    "timestamp",
    "instance_id",
    "wait_type",
    "wait_category",
    "wait_time_ms",
    "waiting_tasks_count",
    "signal_wait_time_ms",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


_MSSQL_STATEMENTS = catalog()["mssql_statements"]
_MSSQL_WAITS = catalog()["mssql_waits"]


def mssql_rows(plan: OrgPlan, window: Window, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    queries, waits = [], []
    for db in org_databases(plan, "mssql"):
        instance = plan.uid("database", db["name"])
        for moment in every(window, 5):
            for text, avg_ms, reads in _MSSQL_STATEMENTS:
                calls = max(1, int(rng.gauss(120, 30) / (200 if avg_ms > 1000 else 1)))
                elapsed = int(avg_ms * 1000 * calls * rng.uniform(0.85, 1.2))
                queries.append(
                    (
                        moment,
                        instance,
                        "0x" + hashlib.sha256(text.encode()).hexdigest()[:16].upper(),
                        text,
                        "Ledger",
                        calls,
                        int(elapsed * 0.8),
                        elapsed,
                        reads * calls,
                        *_db_tenancy(plan),
                    )
                )
            for wait_type, category, base in _MSSQL_WAITS:
                wait = int(base * rng.uniform(0.6, 1.5))
                waits.append(
                    (moment, instance, wait_type, category, wait, max(1, wait // 40), wait // 12, *_db_tenancy(plan))
                )
    return {"db_mssql_queries": queries, "db_mssql_waits": waits}


AURORA_QUERY_COLUMNS = [
    "timestamp",
    "cluster_identifier",
    "instance_identifier",
    "sql_digest",
    "sql_text",
    "load_aas",
    "avg_latency_ms",
    "calls",
    "rows_examined",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


AURORA_EVENT_COLUMNS = [
    "timestamp",
    "cluster_identifier",
    "source_identifier",
    "event_type",
    "severity",
    "message",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def aurora_rows(plan: OrgPlan, window: Window, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    queries, events = [], []
    statements = (
        ("SELECT * FROM tracking_events WHERE parcel_id = ?", 0.35, 0.9),
        ("INSERT INTO tracking_events (...) VALUES (...)", 0.6, 1.2),
        ("UPDATE parcels SET status = ? WHERE id = ?", 0.25, 2.1),
        ("SELECT * FROM orders WHERE created_at > ? ORDER BY created_at", 1.4, 140.0),
    )
    for db in org_databases(plan, "aurora-mysql", "aurora-postgresql"):
        writer = aurora_instances(plan, db)[0][0]
        for moment in every(window, 5):
            for text, aas, latency in statements:
                calls = rng.randint(2000, 9000)
                queries.append(
                    (
                        moment,
                        db["name"],
                        writer,
                        hashlib.sha256(text.encode()).hexdigest()[:20],
                        text,
                        round(aas * rng.uniform(0.8, 1.3), 3),
                        round(latency * rng.uniform(0.85, 1.2), 3),
                        calls,
                        calls * 3,
                        *_db_tenancy(plan),
                    )
                )
        for moment, kind, severity, message in (
            (window.ago(600), "backup", "info", "Automated cluster snapshot completed"),
            (window.ago(190), "configuration change", "info", "DB cluster parameter group updated"),
            (window.ago(22 + plan.index), "notification", "warning", "Serverless capacity scaled to 16 ACUs"),
        ):
            events.append((window.clamp(moment), db["name"], writer, kind, severity, message, *_db_tenancy(plan)))
    return {"db_aurora_queries": queries, "db_aurora_events": events}


TABLE_STAT_COLUMNS = [
    "timestamp",
    "instance_id",
    "engine",
    "database_name",
    "schema_name",
    "table_name",
    "row_count",
    "total_bytes",
    "data_bytes",
    "index_bytes",
    "seq_scans",
    "index_scans",
    "rows_inserted",
    "rows_updated",
    "rows_deleted",
    "dead_rows",
    "bloat_ratio",
    "last_vacuum_at",
    "last_analyze_at",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


INDEX_STAT_COLUMNS = [
    "timestamp",
    "instance_id",
    "engine",
    "database_name",
    "schema_name",
    "table_name",
    "index_name",
    "index_type",
    "columns",
    "is_unique",
    "is_primary",
    "size_bytes",
    "scans",
    "tuples_read",
    "tuples_fetched",
    "bloat_ratio",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


#: table -> (rows, row bytes, [(index, columns, unique, primary, scans per interval)])
_TABLES = catalog()["tables"]
_ENGINE_TABLES = catalog()["engine_tables"]


def table_stat_rows(plan: OrgPlan, window: Window, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    tables, indexes = [], []
    for db in plan.profile["databases"]:
        names = _ENGINE_TABLES.get(db["type"])
        if not names:
            continue
        instance = plan.uid("database", db["name"])
        database = db["name"].replace("-", "_")
        schema = "public" if db["type"] == "postgresql" else ("dbo" if db["type"] == "mssql" else database)
        for moment in every(window, 15):
            hours = (moment - window.start).total_seconds() / 3600
            for name in names:
                row_count, row_bytes, table_indexes = _TABLES[name]
                count = int(row_count * (1 + 0.001 * hours))
                data = count * row_bytes
                index_bytes = int(data * 0.35)
                bloat = 1.9 if name == "product_views" else round(1.05 + 0.1 * rng.random(), 3)
                seq = 4200 if name == "orders" and plan.incident else rng.randint(0, 40)
                tables.append(
                    (
                        moment,
                        instance,
                        db["type"],
                        database,
                        schema,
                        name,
                        count,
                        data + index_bytes,
                        data,
                        index_bytes,
                        seq,
                        rng.randint(20000, 200000),
                        rng.randint(100, 9000),
                        rng.randint(50, 4000),
                        rng.randint(0, 300),
                        int(count * (bloat - 1) * 0.1),
                        bloat,
                        window.start - timedelta(hours=30) if name == "product_views" else moment - timedelta(hours=2),
                        moment - timedelta(hours=1),
                        *_db_tenancy(plan),
                    )
                )
                for index, columns, unique, primary, scans in table_indexes:
                    indexes.append(
                        (
                            moment,
                            instance,
                            db["type"],
                            database,
                            schema,
                            name,
                            index,
                            "BTREE" if db["type"] != "postgresql" else "btree",
                            columns,
                            unique,
                            primary,
                            int(index_bytes / len(table_indexes)),
                            scans and int(scans * rng.uniform(0.8, 1.2)),
                            scans * 3,
                            scans * 2,
                            1.45 if name == "product_views" else 1.1,
                            *_db_tenancy(plan),
                        )
                    )
    return {"db_table_stats": tables, "db_index_stats": indexes}


SQLITE_INTEGRITY_COLUMNS = [
    "timestamp",
    "instance_id",
    "metric_name",
    "value_float",
    "labels",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def sqlite_integrity_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    rows = []
    for db in org_databases(plan, "sqlite3"):
        instance = plan.uid("database", db["name"])
        for n, moment in enumerate(every(window, 60, offset=30)):
            status = "FAIL" if n % 9 == 4 else "OK"
            labels = json.dumps({"check_type": "quick_check", "status": status, "instance": db["name"]})
            rows.append(
                (
                    moment,
                    instance,
                    "db.sqlite3.integrity.duration_ms",
                    round(rng.uniform(80, 240), 2),
                    labels,
                    *_db_tenancy(plan),
                )
            )
    return rows
