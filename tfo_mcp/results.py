"""One payload per tool result, within a token budget.

A result's payload is its structured dict. It is sent once:

* to a client that reads ``structuredContent`` (protocol 2025-06-18 or later), as ``structuredContent``, with
  ``content`` holding only a short rendering (the summary, or what the result holds) of at most
  :data:`BRIEF_SHARE` of the payload's bytes, or nothing when that share is too small to say anything;
* to an older client, or when ``mcp.content_only`` is set, as compact JSON text in ``content`` alone.

Before that, a payload over its budget (cl100k tokens) is cut by rank: items leave the end of its longest
lists (lists are ranked: findings by score, rows in query order) until it fits, and ``cut`` says what
left, by which limit, and how to get the rest.
"""

from __future__ import annotations

import math
from typing import Any

import orjson
from mcp.types import TextContent

from tfo_mcp.tokens import count_tokens

__all__ = [
    "BRIEF_SHARE",
    "CUT_DESCRIPTION",
    "ROWS_SCHEMA",
    "brief",
    "dumps",
    "encoded",
    "fit",
    "record_cut",
    "round_figures",
    "rows_within",
]

#: the output schema of a table's rows: an array, without per-row or per-value subschemas, so a client that
#: validates results against the schema (the MCP SDK does, with jsonschema) does not walk every row
ROWS_SCHEMA = {"type": "array"}
#: what ``cut`` means, for the output schemas that carry it
CUT_DESCRIPTION = "Set when cut to the token budget: what left and how to get it"
#: significant digits a context's figures keep (:func:`round_figures`)
FIGURE_DIGITS = 4
#: the most ``content`` may add to a structured result, as a share of the payload's bytes
BRIEF_SHARE = 0.05
#: a TextContent block's JSON around its text: {"type":"text","text":""}
_BLOCK_BYTES = 27
#: the shortest rendering worth sending
_MIN_BRIEF = 24
#: rounds of cutting at most (each halves a list, or keeps what fits of it)
_MAX_ROUNDS = 40
#: a payload of at most this many bytes per budget token is counted whole before anything is cut
_COUNTED_SHARE = 3
#: tokens kept free for the ``cut`` record itself
_CUT_RESERVE = 120
#: rows whose tokens :func:`rows_within` counts to learn a table's bytes per token
_ROWS_SAMPLE = 32
#: how many times the samples' bytes per token :func:`rows_within` allows the other rows (they may be wordier)
_ROWS_MARGIN = 1.25
#: items :func:`fit` counts together before it counts them one by one
_CHUNK = 16


def round_figures(value: Any, digits: int = FIGURE_DIGITS) -> Any:
    """``value`` with every float rounded to ``digits`` significant digits, never below its integer part (a
    reader needs 7.46 %, not 7.463768115942029 %; an epoch or a byte count keeps every digit)."""
    if isinstance(value, float):
        if value == 0 or not math.isfinite(value):
            return value
        return round(value, max(0, digits - 1 - math.floor(math.log10(abs(value)))))
    if isinstance(value, dict):
        return {key: round_figures(item, digits) for key, item in value.items()}
    if isinstance(value, list):
        return [round_figures(item, digits) for item in value]
    return value


def encoded(payload: Any) -> bytes:
    """Compact UTF-8 JSON (non-JSON values as text), as the wire carries it."""
    return orjson.dumps(payload, default=str, option=orjson.OPT_NON_STR_KEYS)


def dumps(payload: Any) -> str:
    """:func:`encoded` as text."""
    return encoded(payload).decode()


def _lists(node: Any, path: str = "") -> list[tuple[str, list[Any]]]:
    """Every non-empty list in ``node`` that may be cut, with its dotted path, outermost first."""
    found: list[tuple[str, list[Any]]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "cut":
                continue
            found.extend(_lists(value, f"{path}.{key}" if path else str(key)))
    elif isinstance(node, list) and node:
        found.append((path, node))
        for index, value in enumerate(node[:50]):
            if isinstance(value, dict):  # a row (a list in a list) is never cut into
                found.extend(_lists(value, f"{path}[{index}]"))
    return found


def _longest_string(node: Any) -> tuple[Any, Any, int] | None:
    """(container, key, length) of the longest string value in ``node``."""
    best: tuple[Any, Any, int] | None = None
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if isinstance(value, str):
            if best is None or len(value) > best[2]:
                best = (node, key, len(value))
        elif isinstance(value, (dict, list)):
            inner = _longest_string(value)
            if inner is not None and (best is None or inner[2] > best[2]):
                best = inner
    return best


def _keep_within(payload: dict[str, Any], items: list[Any], target: int) -> int | None:
    """How many of ``items`` (a list inside ``payload``) fit within ``target`` tokens with the rest of the payload
    (None when the rest alone is over it): the payload is counted without them once, then the items in order
    until the target is reached."""
    saved = items[:]
    items.clear()
    used = count_tokens(dumps(payload))
    items.extend(saved)
    if used >= target:
        return None
    for start in range(0, len(saved), _CHUNK):  # a chunk at a time, then one by one in the chunk that crosses
        chunk = saved[start : start + _CHUNK]
        tokens = count_tokens(dumps(chunk)) - 1  # its brackets hold the commas between and before the items
        if used + tokens <= target:
            used += tokens
            continue
        for index, item in enumerate(chunk, start):
            used += count_tokens(dumps(item)) + 1  # the comma
            if used > target:
                return index
    return len(saved)


def _recount_table(payload: dict[str, Any]) -> None:
    """A table's (columns, rows, row_count) figures after its rows were cut to the budget."""
    if isinstance(payload.get("rows"), list) and isinstance(payload.get("row_count"), int):
        payload["row_count"] = len(payload["rows"])
        if "truncated" in payload:
            payload["truncated"] = True
        if "truncated_reason" in payload:
            payload["truncated_reason"] = "max_tokens"


def rows_within(rows: list[Any], budget: int) -> int:
    """How many leading ``rows`` of a table may fit within ``budget`` tokens: a generous estimate from the bytes
    per token of two samples (the first rows and rows spread over the table), so a tool can leave out before it
    builds its result the rows that cannot fit (:func:`fit` then cuts exactly, at no more than this)."""
    if len(rows) <= _ROWS_SAMPLE and len(encoded(rows)) <= budget:
        return len(rows)
    half = _ROWS_SAMPLE // 2
    samples = (rows[:half], rows[:: max(1, len(rows) // half)][:half])
    bytes_per_token = max(len(raw) / max(1, count_tokens(raw.decode())) for raw in map(encoded, samples))
    allowed = budget * bytes_per_token * _ROWS_MARGIN
    used = 0
    for index, row in enumerate(rows):
        used += len(encoded(row)) + 1  # the comma
        if used > allowed:
            return max(1, index)
    return len(rows)


def record_cut(
    payload: dict[str, Any], budget: int, *, removed: dict[str, int], shortened: int = 0, rest: str = ""
) -> None:
    """Add to ``payload["cut"]`` what left it for the token ``budget`` (merged with an earlier token cut)."""
    cuts = payload.get("cut") if isinstance(payload.get("cut"), list) else []
    record = next((item for item in cuts if isinstance(item, dict) and item.get("limit") == "tokens"), None)
    if record is None:
        record = {"limit": "tokens", "budget": budget}
        cuts = [*cuts, record]
    if removed:
        merged = dict(record.get("removed") or {})
        for path, count in removed.items():
            merged[path] = merged.get(path, 0) + count
        record["removed"] = merged
    if shortened:
        record["shortened_strings"] = record.get("shortened_strings", 0) + shortened
    if rest:
        record["rest"] = rest
    payload["cut"] = cuts


def fit(payload: dict[str, Any], budget: int, *, rest: str = "") -> dict[str, Any]:
    """``payload``, or a copy cut to at most ``budget`` tokens with the cut recorded under ``cut`` and ``rest`` (how
    to get the rest). The cost grows with the budget, not with the payload: only what is kept is counted (a
    cl100k token is at least a byte, so a payload with no more bytes than the budget is not counted at all)."""
    raw = encoded(payload)
    if len(raw) <= budget:  # bytes, not characters: a character outside ASCII may take several tokens
        return payload
    if len(raw) <= _COUNTED_SHARE * budget and count_tokens(raw.decode()) <= budget:
        return payload
    payload = orjson.loads(raw)  # a copy to cut
    target = max(budget - _CUT_RESERVE, budget // 2)
    removed: dict[str, int] = {}
    shortened = 0
    for _ in range(_MAX_ROUNDS):
        lists = sorted(_lists(payload), key=lambda item: len(dumps(item[1])), reverse=True)
        if lists:
            path, items = lists[0]
            keep = _keep_within(payload, items, target)
            counted = keep is not None and keep < len(items)  # the rest and the kept items were counted
            if keep is None:  # the other lists are over the target too: halve this one, then cut the next
                keep = len(items) // 2
            elif keep == len(items):
                if count_tokens(dumps(payload)) <= target:
                    break
                keep = len(items) - max(1, len(items) // 10)  # counted apart the items fit, together not quite
            removed[path] = removed.get(path, 0) + len(items) - keep
            del items[keep:]
            if counted:
                break  # counted apart, items take at least the tokens they take together: within the target
            continue  # the next round counts what is left
        else:
            longest = _longest_string(payload)
            if longest is None or longest[2] < 200:
                break
            container, key, length = longest
            container[key] = container[key][: max(100, length // 2)] + " [cut]"
            shortened += 1
        if count_tokens(dumps(payload)) <= target:
            break
    if not removed and not shortened:
        return payload
    _recount_table(payload)
    record_cut(payload, budget, removed=removed, shortened=shortened, rest=rest)
    return payload


def _describe(payload: dict[str, Any]) -> str:
    """What a payload without a summary holds: its lists' lengths and its short fields."""
    if isinstance(payload.get("summary"), str) and payload["summary"]:
        return payload["summary"]
    if isinstance(payload.get("columns"), list) and isinstance(payload.get("rows"), list):
        return f"{len(payload['rows'])} rows of {', '.join(map(str, payload['columns']))}"
    parts = []
    for key, value in payload.items():
        if isinstance(value, list):
            parts.append(f"{key}: {len(value)}")
        elif isinstance(value, (str, int, float, bool)) and len(str(value)) <= 40:
            parts.append(f"{key}: {value}")
    return "; ".join(parts)


def brief(payload: dict[str, Any], payload_bytes: int) -> list[TextContent]:
    """The ``content`` beside a structured payload of ``payload_bytes``: a rendering within its share, or none."""
    room = math.floor(payload_bytes * BRIEF_SHARE * 0.9) - _BLOCK_BYTES  # a tenth kept for JSON escapes
    if room < _MIN_BRIEF:
        return []
    text = _describe(payload)
    suffix = " (full result in structuredContent)"
    if len(text.encode()) + len(suffix) <= room:
        return [TextContent(type="text", text=text + suffix)]
    cut = text.encode()[: room - 3].decode(errors="ignore")  # "…" is 3 bytes
    if " " in cut[room // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return [TextContent(type="text", text=cut.rstrip(" ,;") + "…")]
