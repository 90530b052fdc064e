"""The demo estate's change events (ClickHouse change_events): deployments, configuration changes and scaling
every few hours, a feature flag, an infrastructure change and, for org A, the story's deploy.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime
from typing import Any

from tfo_mcp.demo.plan import DEPLOY_MIN, OrgPlan, Service, Window, every, org_users

CHANGE_COLUMNS = [
    "timestamp",
    "change_id",
    "change_type",
    "source",
    "service_name",
    "environment",
    "cluster_id",
    "namespace",
    "version",
    "previous_version",
    "author",
    "title",
    "description",
    "status",
    "risk",
    "metadata",
    "organization_id",
    "workspace_id",
    "tenant_id",
]


def change_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    rows = _routine_changes(plan, window, rng) + _planned_changes(plan, window)
    if plan.incident:
        rows.append(_story_deploy(plan, window))
    rows.sort(key=lambda row: row[0])
    return rows


def _change(
    plan: OrgPlan,
    moment: datetime,
    kind: str,
    source: str,
    service: Service | None,
    version: str,
    previous: str,
    author: str,
    title: str,
    description: str,
    status: str = "succeeded",
    risk: str = "low",
    meta: dict[str, str] | None = None,
) -> tuple[Any, ...]:
    """One change_events row, in the production cluster and the service's workspace (the first without one)."""
    ws = plan.workspaces[0] if service is None else next(w for w in plan.workspaces if w["id"] == service.workspace_id)
    return (
        moment,
        plan.uid("change", moment.isoformat(), title),
        kind,
        source,
        service.name if service else "",
        "production",
        plan.cluster_ids[plan.profile["clusters"][0]["name"]],
        service.namespace if service else "",
        version,
        previous,
        author,
        title,
        description,
        status,
        risk,
        meta or {},
        plan.id,
        ws["id"],
        ws["tenant_id"],
    )


def _routine_changes(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    """Every 150 minutes a deployment, a configuration change or an autoscaler step of a random service."""
    users = org_users(plan)
    rows = []
    for moment in every(window, 150, offset=rng.random() * 60):
        service = rng.choice(plan.services)
        author = rng.choice(users)
        name = f"{author['first']} {author['last']}"
        roll = rng.random()
        if roll < 0.55:
            previous = service.version
            version = previous.rsplit(".", 1)[0] + f".{int(previous.rsplit('.', 1)[1]) + 1}"
            rows.append(
                _change(
                    plan,
                    moment,
                    "deployment",
                    "argocd",
                    service,
                    version,
                    previous,
                    name,
                    f"Deploy {service.name} {version}",
                    f"Rolling update of {service.name} to {version}",
                    meta={"commit": uuid.UUID(int=rng.getrandbits(128)).hex[:12]},
                )
            )
        elif roll < 0.8:
            title = f"Update {service.name} configuration"
            description = "Raised connection pool timeout from 2s to 3s"
            rows.append(
                _change(
                    plan, moment, "config", "github-actions", service, "", "", name, title, description, risk="medium"
                )
            )
        else:
            title = f"Scale {service.name} to {plan.instances + 1} replicas"
            description = "CPU above target for 3 minutes"
            author_name = "horizontal-pod-autoscaler"
            rows.append(
                _change(plan, moment, "scaling", "kubernetes", service, "", "", author_name, title, description)
            )
    return rows


def _planned_changes(plan: OrgPlan, window: Window) -> list[tuple[Any, ...]]:
    """A feature flag rolled out a few minutes ago and a node-pool resize 200 minutes ago."""
    users = org_users(plan)
    lead = users[min(2, len(users) - 1)]
    flag_service = plan.services[min(3, len(plan.services) - 1)]
    instance_type = plan.profile["clusters"][0].get("instance_type", "standard")
    return [
        _change(
            plan,
            window.ago(15 + 3 * plan.index),
            "feature_flag",
            "launchdarkly",
            flag_service,
            "",
            "",
            f"{lead['first']} {lead['last']}",
            f"Enable flag {flag_service.name}-fast-path for 25% of traffic",
            "Progressive rollout of the fast path",
            risk="low",
        ),
        _change(
            plan,
            window.ago(200),
            "infrastructure",
            "terraform",
            None,
            "",
            "",
            "terraform-cloud",
            "Resize node pool to " + instance_type,
            "Node pool instance type change",
            risk="medium",
        ),
    ]


def _story_deploy(plan: OrgPlan, window: Window) -> tuple[Any, ...]:
    """The incident service's deploy (high risk: the new payment retry policy)."""
    story = plan.story
    service = plan.service(story["incident_service"])
    assert service is not None
    return _change(
        plan,
        window.ago(DEPLOY_MIN),
        "deployment",
        "argocd",
        service,
        story["deploy_version"],
        story["previous_version"],
        story["deploy_author"],
        f"Deploy {service.name} {story['deploy_version']}",
        "New payment retry policy: PSP timeout lowered to 3000 ms, retries disabled",
        risk="high",
        meta={
            "revision": str(story["deploy_revision"]),
            "image_tag": story["deploy_version"],
            "pull_request": "#4821",
        },
    )
