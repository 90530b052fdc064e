"""The demo estate's cloud costs (ClickHouse cost_data): hourly costs of every workload, database, host and the
network egress.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from tfo_mcp.demo.plan import OrgPlan, Window

COST_COLUMNS = [
    "timestamp",
    "organization_id",
    "workspace_id",
    "tenant_id",
    "provider",
    "account_id",
    "region",
    "service_name",
    "category",
    "resource_id",
    "resource_type",
    "usage_quantity",
    "usage_unit",
    "cost_usd",
    "tags",
]


def cost_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    account = str(int(plan.uid("account").replace("-", "")[:12], 16))[:12]
    hours = []
    moment = window.start.replace(minute=0)
    while moment < window.now:
        hours.append(moment)
        moment += timedelta(hours=1)
    rows = []
    for moment in hours:
        rows += _workload_costs(plan, moment, account, rng)
        rows += _estate_costs(plan, moment, account, rng)
    return rows


def _cost(
    plan: OrgPlan,
    moment: datetime,
    ws: dict[str, Any],
    provider: str,
    account: str,
    name: str,
    category: str,
    resource_id: str,
    resource_type: str,
    quantity: float,
    unit: str,
    cost_usd: float,
    tags: dict[str, str],
) -> tuple[Any, ...]:
    region = plan.profile["region"]["code"]
    return (
        moment,
        plan.id,
        ws["id"],
        ws["tenant_id"],
        provider,
        account,
        region,
        name,
        category,
        resource_id,
        resource_type,
        quantity,
        unit,
        cost_usd,
        tags,
    )


def _workload_costs(plan: OrgPlan, moment: datetime, account: str, rng: random.Random) -> list[tuple[Any, ...]]:
    """One hour of every service: compute (vCPU-hours), and block storage when it has a datastore."""
    cloud = plan.profile["cloud"]
    rows = []
    for service in plan.services:
        ws = next(w for w in plan.workspaces if w["id"] == service.workspace_id)
        tags = {"team": service.namespace}
        vcpu_hours = plan.instances * (0.5 + service.rps / 60)
        compute_usd = round(vcpu_hours * 0.048 * rng.uniform(0.95, 1.05), 4)
        workload = plan.uid("workload", service.name)
        rows.append(
            _cost(plan, moment, ws, cloud, account, service.name, "compute", workload, "kubernetes-workload",
                  round(vcpu_hours, 3), "vCPU-hours", compute_usd, tags)
        )  # fmt: skip
        if service.store_system:
            storage_usd = round(0.0137 * rng.uniform(0.98, 1.02), 4)
            volume = plan.uid("volume", service.name)
            rows.append(
                _cost(plan, moment, ws, cloud, account, service.name, "storage", volume, "block-storage", 250.0,
                      "GB-hours", storage_usd, tags)
            )  # fmt: skip
    return rows


def _estate_costs(plan: OrgPlan, moment: datetime, account: str, rng: random.Random) -> list[tuple[Any, ...]]:
    """One hour of every database (instance-hours, on its own provider), host (vCPU-hours) and the egress."""
    cloud = plan.profile["cloud"]
    ws = plan.workspaces[-1]
    rows = []
    for db in plan.profile["databases"]:
        provider = {"azure": "azure", "atlas": "mongodb-atlas", "aws": "aws", "gcp": "gcp"}.get(db["provider"], cloud)
        rows.append(
            _cost(plan, moment, ws, provider, account, db["name"], "database", plan.uid("database", db["name"]),
                  db["type"], 1.0, "instance-hours", round(rng.uniform(0.35, 1.9), 4), {"engine": db["type"]})
        )  # fmt: skip
    for host in plan.profile["hosts"]:
        host_usd = round(host["cores"] * 0.041 * rng.uniform(0.97, 1.03), 4)
        rows.append(
            _cost(plan, moment, ws, cloud, account, host["name"], "compute", plan.uid("agent", host["name"]),
                  "virtual-machine", float(host["cores"]), "vCPU-hours", host_usd, {"role": host["role"]})
        )  # fmt: skip
    egress_gb = round(rng.uniform(40, 90), 2)
    egress_usd = round(rng.uniform(3.6, 8.1), 4)
    rows.append(
        _cost(plan, moment, ws, cloud, account, "network-egress", "network", plan.uid("egress"), "data-transfer",
              egress_gb, "GB", egress_usd, {})
    )  # fmt: skip
    return rows
