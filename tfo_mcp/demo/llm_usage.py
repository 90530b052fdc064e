"""The demo estate's LLM use: the assistant's usage records (ClickHouse llm_usage_raw) and the organization's LLM
providers (PostgreSQL llm_providers).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from tfo_mcp.demo.plan import OrgPlan, Window, every, org_users

LLM_COLUMNS = [
    "id",
    "created_at",
    "timestamp",
    "message_id",
    "conversation_id",
    "provider_id",
    "provider_type",
    "model_id",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "latency_ms",
    "time_to_first_token_ms",
    "prompt_cost_micros",
    "completion_cost_micros",
    "total_cost_micros",
    "role",
    "context_type",
    "context_id",
    "is_streaming",
    "status",
    "error_type",
    "error_message",
    "organization_id",
    "workspace_id",
    "user_id",
    "tenant_id",
]


def llm_usage_rows(plan: OrgPlan, window: Window, rng: random.Random) -> list[tuple[Any, ...]]:
    llm = plan.profile["llm"]
    users = org_users(plan)
    ws = plan.workspaces[0]
    provider_id = plan.uid("llm_provider", llm["name"])
    rows = []
    for moment in every(window, 11, offset=rng.random() * 11):
        user = rng.choice(users)
        prompt, completion = rng.randint(900, 9000), rng.randint(120, 1400)
        failed = rng.random() < 0.03
        prompt_cost, completion_cost = prompt * 3, completion * 15
        rows.append(
            (
                plan.uid("llm_usage", moment.isoformat()),
                moment,
                moment,
                plan.uid("llm_message", moment.isoformat()),
                plan.uid("conversation", user["email"], moment.hour),
                provider_id,
                llm["provider_type"],
                llm["model_id"],
                prompt,
                completion,
                prompt + completion,
                rng.randint(800, 9000),
                rng.randint(250, 1500),
                prompt_cost,
                completion_cost,
                prompt_cost + completion_cost,
                "assistant",
                rng.choice(("traces", "logs", "metrics", "alert", "kubernetes-pods", "errors")),
                "",
                int(rng.random() < 0.7),
                "error" if failed else "success",
                "rate_limit" if failed else "",
                "429 from provider" if failed else "",
                plan.id,
                ws["id"],
                user["id"],
                ws["tenant_id"],
            )
        )
    return rows


def llm_provider_rows(plan: OrgPlan, now: datetime, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The profile's default provider (the one the usage records name) and an inactive local Ollama."""
    llm = plan.profile["llm"]
    return [
        {
            "id": plan.uid("llm_provider", llm["name"]),
            "organization_id": plan.id,
            "name": llm["name"],
            "provider_type": llm["provider_type"],
            "api_key_hint": "...k3y9",
            "model_id": llm["model_id"],
            "is_default": True,
            "is_active": True,
            "last_used_at": now - timedelta(minutes=7),
            "usage_count": 1840,
            "created_by": users[0]["id"],
        },
        {
            "id": plan.uid("llm_provider", "local"),
            "organization_id": plan.id,
            "name": f"{plan.profile['code']} local Ollama",
            "provider_type": "ollama",
            "base_url": "http://127.0.0.1:11434",
            "model_id": "llama3.3:70b",
            "is_default": False,
            "is_active": False,
            "usage_count": 12,
            "created_by": users[0]["id"],
        },
    ]
