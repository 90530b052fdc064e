"""The deterministic demo estate: TFO platform data for several organizations in ClickHouse and PostgreSQL.

``seed()`` writes a realistic synthetic estate (services with diurnal traffic and latency tails, noisy logs,
traces, Kubernetes, hosts, uptime monitors, audit trail, database monitoring, security, costs, alerts, SLOs,
AI/ops outputs ...) for ``orgs`` organizations over the last ``hours`` hours before ``now``. Same arguments,
same data: every random draw comes from ``random.Random(seed)`` or, for the bulk signals generated inside
ClickHouse (tfo_mcp/sql/clickhouse/demo/), from ``cityHash64(seed, org, row, salt)``. Organization ids do not
depend on the seed (``org_id(i)``), so seeding again replaces the demo organizations' rows.

Organizations (tfo_mcp/data/demo_estate.yaml): index 0 "Acme Retail" (org A: checkout, payments, cart, ...;
hosts acme-*, clusters acme-prod-eu1 / acme-staging-eu1, users @acme-retail.example), index 1 "Northwind
Freight" (org B: edge-proxy, shipment-tracker, route-planner, ...; hosts nwf-*, clusters nwf-*, users
@northwind-freight.example). No name, host, cluster, user, IP or id of one organization appears in another's
data. Further organizations reuse these profiles with every name prefixed "o<N>-".

The story (org A only; T = ``now``, offsets in minutes; ``story(now)`` returns these names and times):

* T-52 .. T-46  failed logins: 40 ``AUTH`` ``login`` audit events with result FAILURE for Diego Alvarez's
  account from 203.0.113.77, two DENIED authorisation events, and a brute_force security event from that IP.
* T-45          deploy: checkout 2.14.0 (was 2.13.4) rolled out on cluster acme-prod-eu1, namespace storefront:
  a change_events row, an audit ``deployment.update`` event, Kubernetes ScalingReplicaSet events, and the
  kubernetes_deployments row at revision 42 with last_rollout_at = T-45. Metrics, spans and logs of checkout
  carry service.version 2.14.0 from then on.
* T-38 .. T-20  incident: about a third of checkout requests fail (``PaymentGatewayTimeout``: payments times out),
  errors on payments and api-gateway too, latencies x3.5; an ERROR log spike on those services; exemplars and
  error logs link to the failed traces; signal correlations (deploy-error, metric-log, log-trace).
* T-37 .. T-34  critical anomalies (checkout error rate, payments latency, checkout error logs), alert instances
  "Checkout error rate above 5%" (critical, firing since T-36) and "Payments p99 latency above 1s" (firing
  since T-35), a security/ops incident is not opened (this is an availability incident).
* T-33 .. T-24  outage: uptime monitor "Acme Checkout API" fails (503 / timeouts) from every region.
* ongoing       pod cart-abandonment-mailer-* in acme-prod-eu1/storefront is crash-looping (status
  CrashLoopBackOff, 17 restarts, BackOff events); a batch pod has phase Failed (OOMKilled); host acme-db-01's
  disk is above 90 % and rising (predictions: disk full within 24h, failure probability 0.87); the Acme
  Payments Webhook TLS certificate expires in 9 days; slow queries on acme-orders-mysql (orders by
  customer_email without an index, ~2.4 s) and acme-catalog-pg; firing alerts, SLOs with a burning error
  budget, open vulnerabilities and a security incident (credential stuffing) under investigation.

Org B has the same kinds of data without the incident (one hot batch host, nwf-batch-02).

Bulk volumes per organization at ``scale=1`` and 24 h: about 520 k metric samples (12 services x 15 metrics x
2 instances per minute), 250 k spans, 250 k log lines and one uptime check a minute per monitor and region (26 k
for Acme's 6 monitors x 3 regions); ``scale=N`` multiplies instances, spans, logs and uptime probes by N
(``scale=10`` gives more than 10 M metric rows, 5 M logs and 5 M spans for two organizations, and an uptime check
every 6 s per monitor and region).
PostgreSQL is seeded only when ``postgres.url`` is configured (a warning says so otherwise).

Modules: ``plan`` (profiles, ids, the story's times, the lookups every module shares), ``seeding`` (every store
access: schema, ``seed()``, ClickHouse statements and inserts, PostgreSQL inserts), ``tables`` (which rows go to
which table, in write order) and one module per table family: ``services`` (service metrics, traces, logs, service
map), ``series`` (gauge series), ``infrastructure`` (hosts, caches, queues, load balancers, agents), ``kubernetes``,
``network``, ``uptime``, ``databases`` (instances and engine series), ``database_stats`` (query, table and index
statistics), ``audit``, ``changes``, ``aiops`` (anomalies, predictions, correlations, remediation plans),
``security``, ``alerting`` (alerts, reports, SLOs), ``tenancy`` (organizations, users, access), ``costs`` and
``llm_usage``. Names are in data/demo_estate.yaml, static catalogs in data/demo_catalog.yaml, generator SQL in
sql/clickhouse/demo/.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Where each name lives. They are imported on first use: `tfo-mcp demo` answers `initialize` before the
#: generators (some 0.2 s of imports) are needed by its background seed.
_HOMES = {
    "SEEDED_CLICKHOUSE_TABLES": "tables",
    "distinctive_values": "plan",
    "is_seeded": "seeding",
    "migrate_platform": "seeding",
    "org_id": "plan",
    "org_profiles": "plan",
    "plan_orgs": "plan",
    "seed": "seeding",
    "story": "plan",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
