"""Which rows of the demo estate go to which table, in write order: the statements that generate rows inside
ClickHouse, the ClickHouse tables built in Python and the PostgreSQL tables (platform-wide, then per organization
in foreign-key order).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

from tfo_mcp.demo import (
    aiops,
    alerting,
    audit,
    changes,
    costs,
    database_stats,
    databases,
    infrastructure,
    kubernetes,
    llm_usage,
    network,
    security,
    services,
    tenancy,
    uptime,
)
from tfo_mcp.demo.plan import OrgPlan, Window, org_users
from tfo_mcp.demo.series import series_statements

#: Tables ``seed()`` writes directly (the rollups fill from them).
SEEDED_CLICKHOUSE_TABLES = (
    "metrics",
    "traces",
    "logs",
    "exemplars",
    "service_map_metrics",
    "uptime_checks",
    "audit_logs",
    "vm_metrics",
    "kubernetes_metrics",
    "kubernetes_events",
    "cache_metrics",
    "queue_metrics",
    "load_balancer_metrics",
    "network_map_traffic",
    "network_map_connection_metrics",
    "network_dns_queries",
    "network_firewall_events",
    "signal_correlations",
    "anomaly_events",
    "predictions",
    "change_events",
    "security_events",
    "cost_data",
    "llm_usage_raw",
    "db_mysql_metrics",
    "db_mysql_queries",
    "db_postgresql_queries",
    "db_clickhouse_queries",
    "db_mongodb_queries",
    "db_sqlite3_metrics",
    "db_sqlite3_integrity",
    "db_timescaledb_metrics",
    "db_aurora_metrics",
    "db_aurora_queries",
    "db_aurora_events",
    "db_mssql_metrics",
    "db_mssql_queries",
    "db_mssql_waits",
    "db_table_stats",
    "db_index_stats",
)

#: (target table, builder, hash salt) of every generated gauge-series table.
SERIES: tuple[tuple[str, Callable[[OrgPlan, Window], list[dict[str, Any]]], int], ...] = (
    ("vm_metrics", infrastructure.host_series, 101),
    ("kubernetes_metrics", kubernetes.kubernetes_series, 102),
    ("cache_metrics", infrastructure.cache_series, 103),
    ("queue_metrics", infrastructure.queue_series, 104),
    ("load_balancer_metrics", infrastructure.load_balancer_series, 105),
    ("db_mysql_metrics", databases.mysql_series, 106),
    ("db_mssql_metrics", databases.mssql_series, 107),
    ("db_timescaledb_metrics", databases.timescale_series, 108),
    ("db_sqlite3_metrics", databases.sqlite_series, 109),
    ("db_aurora_metrics", databases.aurora_series, 110),
    ("metrics", databases.engine_metric_series, 111),
)

#: Organization-level tables in deletion order (children first); the rest go with them through ON DELETE CASCADE.
POSTGRES_DELETE_ORDER = (
    "alert_instances",
    "slo_definitions",
    "alert_rules",
    "report_executions",
    "report_definitions",
    "notification_channels",
    "remediation_plans",
    "uptime_monitors",
    "security_incidents",
    "security_vulnerabilities",
    "compliance_controls",
    "mssql_instances",
    "aurora_cluster_topology",
    "database_monitoring_rules",
    "database_instances",
    "network_map_connections",
    "network_map_nodes",
    "service_map_dependencies",
    "service_map_services",
    "agents",
    "kubernetes_clusters",
    "llm_providers",
    "retention_policies",
    "data_masking_policies",
    "sso_providers",
    "api_keys",
    "users",
    "subscriptions",
)


def clickhouse_statements(plan: OrgPlan, window: Window, scale: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every generated statement (sql/clickhouse/demo/<name>.sql, parameters) of one organization that reads no
    table; a statement whose rows lie in one UTC day carries it (``day``)."""
    yield from services.trace_statements(plan, window, scale)
    yield from services.metric_statements(plan, window)
    yield from services.log_statements(plan, window, scale)
    for table, builder, salt in SERIES:
        yield from series_statements(table, plan, window, builder(plan, window), salt)
    yield from uptime.check_statements(plan, window, scale)
    yield from network.traffic_statements(plan, window)


def derived_statements(plan: OrgPlan, window: Window, scale: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """The generated statements of one organization that read its traces (written by ``clickhouse_statements``)."""
    yield from services.derived_statements(plan, window, scale)


def clickhouse_tables(
    plan: OrgPlan, window: Window, seed: int, trace_ids: list[str]
) -> list[tuple[str, list[str], list[tuple[Any, ...]]]]:
    """Every Python-built ClickHouse table of one organization: (table, columns, rows).

    Each table draws from its own ``random.Random(seed/table/org)``, so adding a table never shifts another's rows.
    ``trace_ids`` are failed traces of the incident for the signal correlations to point at.
    """

    def rng(table: str) -> random.Random:
        return random.Random(f"{seed}/{table}/{plan.index}")

    stats = database_stats
    tables: list[tuple[str, list[str], list[tuple[Any, ...]]]] = [
        ("audit_logs", audit.AUDIT_COLUMNS, audit.audit_rows(plan, window, rng("audit_logs"))),
        ("kubernetes_events", kubernetes.K8S_EVENT_COLUMNS,
         kubernetes.kubernetes_event_rows(plan, window, rng("kubernetes_events"))),
        ("change_events", changes.CHANGE_COLUMNS, changes.change_rows(plan, window, rng("change_events"))),
        ("anomaly_events", aiops.ANOMALY_COLUMNS, aiops.anomaly_rows(plan, window, rng("anomaly_events"))),
        ("predictions", aiops.PREDICTION_COLUMNS, aiops.prediction_rows(plan, window, rng("predictions"))),
        ("signal_correlations", aiops.SIGNAL_COLUMNS,
         aiops.signal_rows(plan, window, rng("signal_correlations"), trace_ids)),
        ("security_events", security.SECURITY_COLUMNS,
         security.security_event_rows(plan, window, rng("security_events"))),
        ("network_dns_queries", network.DNS_COLUMNS, network.dns_rows(plan, window, rng("network_dns_queries"))),
        ("network_firewall_events", network.FIREWALL_COLUMNS,
         network.firewall_rows(plan, window, rng("network_firewall_events"))),
        ("cost_data", costs.COST_COLUMNS, costs.cost_rows(plan, window, rng("cost_data"))),
        ("llm_usage_raw", llm_usage.LLM_COLUMNS, llm_usage.llm_usage_rows(plan, window, rng("llm_usage_raw"))),
        ("db_mysql_queries", stats.MYSQL_QUERY_COLUMNS, stats.mysql_query_rows(plan, window, rng("db_mysql_queries"))),
        ("db_postgresql_queries", stats.PG_QUERY_COLUMNS,
         stats.pg_query_rows(plan, window, rng("db_postgresql_queries"))),
        ("db_sqlite3_integrity", stats.SQLITE_INTEGRITY_COLUMNS,
         stats.sqlite_integrity_rows(plan, window, rng("sqlite"))),
    ]  # fmt: skip
    columns = {
        "db_clickhouse_queries": stats.CH_QUERY_COLUMNS,
        "db_mongodb_queries": stats.MONGO_QUERY_COLUMNS,
        "db_mssql_queries": stats.MSSQL_QUERY_COLUMNS,
        "db_mssql_waits": stats.MSSQL_WAIT_COLUMNS,
        "db_aurora_queries": stats.AURORA_QUERY_COLUMNS,
        "db_aurora_events": stats.AURORA_EVENT_COLUMNS,
        "db_table_stats": stats.TABLE_STAT_COLUMNS,
        "db_index_stats": stats.INDEX_STAT_COLUMNS,
    }
    for group in (
        stats.other_query_rows(plan, window, rng("db_other_queries")),
        stats.mssql_rows(plan, window, rng("db_mssql")),
        stats.aurora_rows(plan, window, rng("db_aurora")),
        stats.table_stat_rows(plan, window, rng("db_table_stats")),
    ):
        tables += [(table, columns[table], rows) for table, rows in group.items()]
    return tables


def postgres_org_tables(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every organization-level PostgreSQL row of one organization, in insertion (foreign key) order.

    The builders draw from ``rng`` in this order, so the list is built front to back."""
    now = window.now
    users = org_users(plan)
    return [
        *tenancy.organization_tables(plan, now, rng, users),
        ("llm_providers", llm_usage.llm_provider_rows(plan, now, users)),
        *alerting.alert_tables(plan, window, rng, users),
        *alerting.report_tables(plan, now, users),
        ("uptime_monitors", uptime.monitor_rows(plan)),
        ("slo_definitions", alerting.slo_rows(plan, now, users)),
        ("remediation_plans", aiops.remediation_plan_rows(plan, now)),
        *kubernetes.inventory_tables(plan, window, rng),
        ("agents", infrastructure.agent_rows(plan, now)),
        *services.service_map_tables(plan),
        *network.network_map_tables(plan),
        *databases.instance_tables(plan, now, rng),
        *security.security_tables(plan, now, rng, users),
    ]
