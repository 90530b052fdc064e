"""Every one of the 78 context types gives a real answer on the demo estate, for both organizations.

The demo estate (ClickHouse + PostgreSQL, ``demo_dataset``) holds every kind of data for both organizations, so
over its last hour (the story's incident is inside it) and over its whole day every context must be ``available``
with a summary a user can act on. ``hollow()`` inspects
any summary, whatever its type, for the signs of an answer that only looks like one:

* nothing said, or a ``[SYSTEM]`` notice instead of figures;
* a zero count of an inventory entity ("0 pods", "0 Kubernetes deployments", "7 nodes, 0 Ready") that no nonzero
  count of the same entity puts in proportion ("28 pods; 0 failing" is an answer, "0 deployments" alone is not,
  when the estate has them);
* a "?", "None" or an empty quote standing where a name belongs ("? -> ?", "service ?"), or a template left
  unfilled ("{service}");
* a bare UUID where a name exists (the estate names everything: services, hosts, monitors, users);
* a value of the other organization.
"""

from __future__ import annotations

import re

import pytest

from tests.support.collect_helpers import collect_many, leaked
from tests.support.fixtures_demo import DemoDataset, _install, _restore
from tfo_mcp.context.types import ContextType, TelemetryContext

#: The windows every type is read over, as hours before the estate's end: its last hour (the story's incident is
#: inside it) and its whole day (24 h: the comparison windows then lie before the estate's first row).
WINDOWS = {"last-hour": 1, "whole-day": 24}
#: Seconds each context may take: figures, not speed, are tested here.
BUDGET = 60
#: The query of the `custom` context (it has no default query).
CUSTOM_QUERY = (
    "ch:SELECT service_name, count() AS spans FROM traces WHERE organization_id = {org} "
    "AND timestamp >= {start} AND timestamp < {end} GROUP BY service_name ORDER BY spans DESC"
)
ORGS = {"a": 0, "b": 1}

#: Entities the estate has (both organizations): a zero count of one of them needs a nonzero one beside it.
ENTITIES = (
    "pods?",
    "containers?",
    "deployments?",
    "nodes?",
    "Ready",
    "services?",
    "hosts?",
    "dependenc(?:y|ies)",
    "edges?",
    "replicas?",
    "clusters?",
    "namespaces?",
    "monitors?",
    "agents?",
    "databases?",
    "instances?",
    "tables?",
    "indexes",
    "users?",
    "accounts?",
    "members?",
    "queues?",
    "caches?",
    "brokers?",
    "load balancers?",
    "target groups?",
    "connections?",
    "secrets?",
    "ConfigMaps?",
    "autoscalers?",
    "rules?",
    "SLOs?",
    "controls?",
    "definitions?",
    "checks?",
    "requests?",
    "spans?",
    "log lines?",
    "samples?",
    "metric series",
    "series",
)
_NOUN = "(?P<noun>" + "|".join(ENTITIES) + r")\b"
#: "0 pods", "0 Kubernetes deployments", "0 registered replicas": a zero, at most two words, an entity.
_ZERO = re.compile(r"(?<![\w.,/-])0 (?:(?!of\b)[A-Za-z][\w-]* ){0,2}" + _NOUN)
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
#: A "?" standing alone (not a SQL placeholder after an operator, not a question mark ending a word).
_LONE_QUESTION = re.compile(r"(?:^|(?<=[\s\[{]))\?(?=$|[\s.,;)\]])")
_SQL_BEFORE = re.compile(r"(?:[=<>:(,!+*/%-]|\b(?:IN|LIKE|AND|OR|BY|LIMIT|OFFSET|THEN|ELSE|SET|VALUES|NOT))\s*$", re.I)
_NAMELESS = re.compile(r"\bNone\b|\bNaN\b|\bnan\b|\bundefined\b|(?<![\w'])''(?![\w'])|(?<![\w\"])\"\"(?![\w\"])")
_TEMPLATE = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)s|%s\b")


def _stem(noun: str) -> str:
    word = noun.split()[-1].lower()
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)]
    return word


def _counted(summary: str, noun: str) -> bool:
    """Whether the summary gives a nonzero count of this entity anywhere ("28 pods", "17 services and ...")."""
    stem = _stem(noun)
    for match in re.finditer(r"(?<![\w.])(?:[1-9]\d*(?:[.,]\d+)?) (?:[A-Za-z][\w-]* ){0,2}" + _NOUN, summary):
        if _stem(match["noun"]) == stem:
            return True
    return False


def hollow(summary: str) -> list[str]:
    """What in this summary stands for missing content (empty when it reads as a real answer)."""
    problems: list[str] = []
    text = summary.strip()
    if not text:
        return ["the summary is empty"]
    if text.startswith("[SYSTEM]"):
        problems.append("a [SYSTEM] notice, not an answer")
    for match in _ZERO.finditer(text):
        clause = text[match.end() : match.end() + 60].split(";")[0]
        if _counted(text, match["noun"]) or re.search(r"\bof [1-9]", clause):
            continue  # a part of a counted whole ("28 pods; 0 failing", "0 series anomalous (of 141 examined)")
        problems.append(f"zero count {match[0]!r} with no count of the {match['noun']} the estate has")
    for match in _LONE_QUESTION.finditer(text):
        before = text[max(0, match.start() - 12) : match.start()]
        if "->" in text[match.start() : match.start() + 4] or before.rstrip().endswith("->"):
            problems.append(f"a '?' in an edge: {text[max(0, match.start() - 20) : match.end() + 20]!r}")
        elif not _SQL_BEFORE.search(before):
            problems.append(f"a '?' standing for a name: {text[max(0, match.start() - 30) : match.end() + 10]!r}")
    for match in _NAMELESS.finditer(text):
        problems.append(f"{match[0]!r} standing for a value: {text[max(0, match.start() - 30) : match.end() + 10]!r}")
    for match in _TEMPLATE.finditer(text):
        problems.append(f"an unfilled template {match[0]!r}")
    for match in _UUID.finditer(text):
        problems.append(f"a bare id {match[0]} where a name belongs")
    return problems


def test_hollow_recognises_hollow_summaries() -> None:
    """The inspector itself: what it must flag, and real answers it must leave alone."""
    flagged = [
        "",
        "[SYSTEM] No rows in the window.",
        "0 deployments recorded in the window; 0 Kubernetes deployments rolled out, 0 with unavailable replicas.",
        "7 Kubernetes nodes, 0 Ready.",
        "0 registered replicas, 3 Aurora cluster members.",
        "22 dependencies; worst edge ? -> ? fails 30% of calls.",
        "Highest error rate on service ? (12%).",
        "Monitor 0b0e7e47-1a5c-4e0f-9d47-1f7a4ab0c0de is down.",
        "Pod None in storefront is failing.",
        "Deploy {service} 2.14.0 at 11:04 UTC.",
    ]
    for summary in flagged:
        assert hollow(summary), summary
    fine = [
        "30 pods; 2 failing (Failed/Unknown); 0 restarted in the window.",
        "28 pods; 0 failing; 0 restarted or had failure events in the window.",
        "Network map: 11 nodes and 10 connections; 0 nodes not healthy, 0 lossy connections.",
        "2 anomalies labelled by TFO (0 critical) and 0 series anomalous in the data (of 141 examined).",
        "acme-orders-mysql: SELECT * FROM orders WHERE customer_email = ? ORDER BY created_at DESC averages 2424 ms.",
        "db.declarations.find({ status: ?, country: ? }) runs without an index (682 calls).",
        "16800 sequential scans on 49140000 rows (a missing index?).",
        "0 of 4 monitors under 99% availability; error rate rose from 0% to 25.8%.",
        "Deployment storefront/cart-abandonment-mailer has 0 of 1 replicas ready.",
    ]
    for summary in fine:
        assert hollow(summary) == [], (summary, hollow(summary))


Collected = dict[tuple[str, str], dict[ContextType, TelemetryContext]]


@pytest.fixture(scope="module")
async def estate_contexts(demo_dataset: DemoDataset) -> Collected:
    """Every type for both organizations over each window, collected once for the module: (window, org) -> type."""
    previous = await _install(demo_dataset.environ())
    try:
        collected: Collected = {}
        kinds = [kind for kind in ContextType if kind is not ContextType.CUSTOM]
        for name, hours in WINDOWS.items():
            for org, index in ORGS.items():
                organization = demo_dataset.org_a if index == 0 else demo_dataset.org_b
                contexts = await collect_many(demo_dataset, kinds, organization, hours, budget=BUDGET)
                contexts |= await collect_many(
                    demo_dataset, [ContextType.CUSTOM], organization, hours, budget=BUDGET, context_id=CUSTOM_QUERY
                )
                collected[name, org] = contexts
        return collected
    finally:
        await _restore(previous)


def test_all_78_types_are_collected(estate_contexts: Collected) -> None:
    assert len(ContextType) == 78
    assert set(estate_contexts) == {(name, org) for name in WINDOWS for org in ORGS}
    for contexts in estate_contexts.values():
        assert set(contexts) == set(ContextType)


@pytest.mark.parametrize("org", list(ORGS))
@pytest.mark.parametrize("kind", list(ContextType), ids=lambda kind: kind.value)
@pytest.mark.parametrize("window", list(WINDOWS))
def test_every_type_answers_with_real_content(
    estate_contexts: Collected, demo_dataset: DemoDataset, window: str, kind: ContextType, org: str
) -> None:
    context = estate_contexts[window, org][kind]
    where = f"{kind.value} for org {org} over the {window}"
    assert context.status == "available", f"{where}: {context.status}: {context.summary}"
    assert context.type is kind and isinstance(context.data, dict) and context.data
    problems = hollow(context.summary)
    assert problems == [], f"{where} reads hollow: {problems}\n{context.summary}"
    other = 1 - ORGS[org]
    assert leaked(context, demo_dataset.org_values(other)) == [], f"{where}: the other organization's values"
