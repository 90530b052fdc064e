"""The log secret scrubber on hostile and ordinary lines of 1 KB, 100 KB and 1 MB: old patterns beside new.

    uv run python bench/bench_scrub.py [--old-budget 20] [--repeat 3]

"old" is a copy of the patterns tfo_mcp.logs used before the scrubber was made linear (their first pattern
backtracks quadratically on a long run of letters and digits); each old measurement runs in a child process
that is stopped after --old-budget seconds (printed as "> N s"), and once a shape takes longer than that,
its larger sizes are not tried. "new" is tfo_mcp.logs.scrub_secrets on the whole line (no length cap), the
best of --repeat runs; "log line" is what the log patcher does (reads only MAX_LOG_MESSAGE_CHARS).
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import time
from collections.abc import Callable

from tfo_mcp import logs

#: tfo_mcp.logs._SECRET_PATTERNS before the fix, kept here only for the comparison.
OLD_PATTERNS = (
    re.compile(r"(?P<keep>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]+(?=@)", re.IGNORECASE),
    re.compile(
        r"(?P<keep>(?:api[_-]?key|token|password|secret|authorization)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+", re.IGNORECASE
    ),
    re.compile(r"(?P<keep>Bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?P<keep>)\b(?:sk|tfk|tfs)-?[A-Za-z0-9_-]{16,}"),
)

ORDINARY = (
    "2025-01-01 12:00:00.000 | INFO | tfo_mcp.postgres:connect - postgres (main): connecting to "
    "postgresql://app:***@db.internal:5432/telemetry?sslmode=require; pool 1..10, statement_timeout=30s. "
    "execute_command ls ['-la', 'src'] in /home/me/project -> exit 0 in 12 ms. context traces collected in "
    "41.2 ms: {'service': 'checkout', 'p95_ms': 812.5, 'errors': 3, 'window': '1h'} user bob@example.com. "
)
SIZES = {"1 KB": 1_000, "100 KB": 100_000, "1 MB": 1_000_000}


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: (unit * (size // len(unit) + 1))[:size]


SHAPES: dict[str, Callable[[int], str]] = {
    "ordinary log text": _repeat(ORDINARY),
    "letters and digits": _repeat("a1b2c3d4"),
    "a:": _repeat("a:"),
    "://": _repeat("://"),
    "x://y: (no @)": _repeat("x://y:"),
    "a.b-c+ (scheme chars)": _repeat("a.b-c+"),
    "token= repeated": _repeat("token="),
    "password: + spaces": lambda size: "password:" + " " * (size - 10) + '"',
    "Bearer repeated": _repeat("Bearer "),
    "sk- repeated": _repeat("sk-"),
    "whitespace": _repeat(" \t"),
    "?&= query soup": _repeat("?a=&b;password&="),
    "mixed hostile": _repeat("ab12://x:y.sk-token=Bearer  a:@"),
}


def old_scrub(text: str) -> str:
    for pattern in OLD_PATTERNS:
        text = pattern.sub(lambda m: m.group("keep") + "***", text)
    return text


def _time_old(shape: str, size: int, queue: multiprocessing.Queue) -> None:
    text = SHAPES[shape](size)
    started = time.perf_counter()
    old_scrub(text)
    queue.put(time.perf_counter() - started)


def time_old(shape: str, size: int, budget: float) -> float | None:
    """Seconds the old patterns take, or None when they did not finish within the budget."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_time_old, args=(shape, size, queue))
    child.start()
    child.join(budget)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    return queue.get()


def best_of(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def _ms(seconds: float | None, budget: float) -> str:
    if seconds is None:
        return f"> {budget:g} s"
    return f"{seconds * 1000:.2f} ms" if seconds < 10 else f"{seconds:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old-budget", type=float, default=20.0, help="seconds one old measurement may take")
    parser.add_argument("--repeat", type=int, default=3, help="runs per new measurement (the best counts)")
    args = parser.parse_args()
    print(f"{'shape':24} {'size':>6}  {'old':>12}  {'new':>10}  {'log line':>9}")
    for shape, make in SHAPES.items():
        old_gave_up = False
        for label, size in SIZES.items():
            text = make(size)
            if old_gave_up:
                old_text = "not tried"
            else:
                old = time_old(shape, size, args.old_budget)
                old_gave_up = old is None
                old_text = _ms(old, args.old_budget)
            new = best_of(lambda text=text: logs.scrub_secrets(text), args.repeat)
            line = best_of(lambda text=text: logs.scrub_secrets(text, logs.MAX_LOG_MESSAGE_CHARS), args.repeat)
            print(f"{shape:24} {label:>6}  {old_text:>12}  {_ms(new, 0):>10}  {_ms(line, 0):>9}")
    cap = logs.MAX_LOG_MESSAGE_CHARS
    print(f"(log line = the patcher: a message over {cap:,} characters is cut, and only that much is read)")


if __name__ == "__main__":
    main()
