"""Token counts in cl100k_base, offline (the encoding LiteLLM ships; no download)."""

from __future__ import annotations

import subprocess
import sys

from tfo_mcp.tokens import count_tokens


def test_counts_are_cl100k_not_an_estimate() -> None:
    assert count_tokens("hello world") == 2  # the 4-characters-a-token estimate would say 3
    assert count_tokens("") == 0
    assert count_tokens("<|endoftext|>") > 1  # special-token text is counted as text, never refused


def test_the_encoding_loads_without_the_network() -> None:
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('no network in this test')\n"
        "socket.socket.connect = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "from tfo_mcp.tokens import count_tokens\n"
        "print(count_tokens('checkout p95 latency rose from 120 ms to 940 ms'))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "13"
