"""Overhead of `claude_conversation` over a direct `litellm.acompletion`, and import cost of the LLM layer.

    uv run python bench/bench_llm.py [--calls 200] [--imports 7]

Both call paths stream from the same local fake provider (OpenAI wire format, 127.0.0.1) in one run,
alternating call by call so machine noise hits both:

* direct:  ``litellm.acompletion(stream=True)`` and the stream consumed;
* complete: ``tfo_mcp.llm.completion.complete()`` (resolution, retries wrapper, usage, cost, recording);
* tool:    ``claude_conversation`` through an in-memory fastmcp Client (MCP framing, validation,
  middleware, history store, structured output), a new conversation per call.

Import time: ``import tfo_mcp.server`` in fresh interpreters, with the LLM module as shipped and with
``tfo_mcp.llm`` replaced by an empty stub; LiteLLM must not be imported in either.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["TELEMETRYFLOW_MCP_LOG__LEVEL"] = "WARNING"
os.environ["TELEMETRYFLOW_MCP_MCP__TOOLSETS"] = "all"  # claude_conversation is in the llm toolset

from tests.support.fixtures_llm import FakeProvider, fake_key, provider_environ  # noqa: E402

IMPORT_PROBE = """
import sys, time, types
if {stub!r}:
    sys.modules["tfo_mcp.llm"] = types.ModuleType("tfo_mcp.llm")
started = time.perf_counter()
import tfo_mcp.server
elapsed = time.perf_counter() - started
assert "litellm" not in sys.modules, "litellm imported at start-up"
print(elapsed)
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def import_seconds(stub: bool) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEMETRYFLOW_MCP_")}
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE.format(stub=stub)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def llm_module_import_ms() -> float:
    """Import time of the tfo_mcp.llm package's own modules inside `import tfo_mcp.server` (python -X importtime,
    self time summed), in ms."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEMETRYFLOW_MCP_")}
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import tfo_mcp.server"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    own = []
    for line in out.stderr.splitlines():
        parts = [part.strip() for part in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and (parts[2] == "tfo_mcp.llm" or parts[2].startswith("tfo_mcp.llm.")):
            own.append(int(parts[0]))
    if not own:
        raise RuntimeError("tfo_mcp.llm not found in -X importtime output")
    return sum(own) / 1000


async def call_paths(fake: FakeProvider, calls: int) -> dict[str, list[float]]:
    from fastmcp import Client

    from tfo_mcp import config
    from tfo_mcp.llm import completion, conversations, litellm_loader
    from tfo_mcp.logs import setup_logging
    from tfo_mcp.server import mcp

    setup_logging(config.LoggingSettings(level="WARNING"))
    config.set_settings(config.load_settings(environ=provider_environ(fake, ("openai",))))
    litellm = await litellm_loader.load_async()
    base = fake.url + "/openai/v1"
    messages = [{"role": "user", "content": "How is checkout doing?"}]

    async def direct() -> None:
        response = await litellm.acompletion(
            model="openai/gpt-4.1",
            messages=messages,
            api_base=base,
            api_key=fake_key("openai"),
            stream=True,
            stream_options={"include_usage": True},
            max_tokens=4096,
            temperature=1.0,
        )
        text = []
        async for chunk in response:
            if chunk.choices and chunk.choices[0].delta.content:
                text.append(chunk.choices[0].delta.content)
        assert "".join(text) == "Echo: How is checkout doing?"

    async def complete() -> None:
        result = await completion.complete(messages, model="gpt-4.1")
        assert result.reply == "Echo: How is checkout doing?"

    timings: dict[str, list[float]] = {
        "direct litellm.acompletion": [],
        "llm.complete()": [],
        "claude_conversation": [],
    }
    async with Client(mcp) as client:

        async def tool() -> None:
            result = await client.call_tool(
                "claude_conversation", {"message": "How is checkout doing?", "model": "gpt-4.1"}
            )
            assert result.structured_content["reply"] == "Echo: How is checkout doing?"

        paths = dict(zip(timings, (direct, complete, tool), strict=True))
        for _ in range(10):  # warm-up: connection pools, first-use imports
            for run in paths.values():
                await run()
        for _ in range(calls):
            for name, run in paths.items():
                started = time.perf_counter()
                await run()
                timings[name].append((time.perf_counter() - started) * 1000)
                fake.requests.clear()
    conversations.reset_conversations()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200, help="calls per path (default 200)")
    parser.add_argument("--imports", type=int, default=7, help="fresh interpreters per import variant (default 7)")
    args = parser.parse_args()

    with_llm, without_llm, module_only = [], [], []
    for _ in range(args.imports):  # alternate so noise hits both
        with_llm.append(import_seconds(stub=False) * 1000)
        without_llm.append(import_seconds(stub=True) * 1000)
        module_only.append(llm_module_import_ms())

    fake = FakeProvider().start()
    try:
        timings = asyncio.run(call_paths(fake, args.calls))
    finally:
        fake.stop()

    direct_p50 = statistics.median(timings["direct litellm.acompletion"])
    print(f"\nLLM call paths against a local fake provider (streamed, {args.calls} calls each, ms)")
    print(f"{'path':<28} {'p50':>8} {'p95':>8} {'mean':>8} {'p50 ratio':>10} {'p50 overhead':>13}")
    for name, values in timings.items():
        p50 = statistics.median(values)
        print(
            f"{name:<28} {p50:8.2f} {percentile(values, 0.95):8.2f} {statistics.fmean(values):8.2f} "
            f"{p50 / direct_p50:10.2f} {p50 - direct_p50:+13.2f}"
        )
    print(f"\nimport tfo_mcp.server, {args.imports} fresh interpreters each (ms; LiteLLM not imported in either)")
    print(f"{'variant':<28} {'median':>8} {'min':>8} {'max':>8}")
    for name, values in (("with tfo_mcp.llm", with_llm), ("tfo_mcp.llm stubbed out", without_llm)):
        print(f"{name:<28} {statistics.median(values):8.1f} {min(values):8.1f} {max(values):8.1f}")
    print(f"{'difference (median)':<28} {statistics.median(with_llm) - statistics.median(without_llm):+8.1f}")
    print(
        f"{'tfo_mcp.llm itself':<28} {statistics.median(module_only):8.1f} {min(module_only):8.1f} "
        f"{max(module_only):8.1f}   (-X importtime, self)"
    )


if __name__ == "__main__":
    main()
