"""Shared test set-up: fixture plugins from tests/support/fixtures_*.py, and no silent skips in CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# The suite calls every tool; the default profile's own tests (test_toolsets.py) choose their toolsets.
os.environ.setdefault("TELEMETRYFLOW_MCP_MCP_TOOLSETS", "all")

pytest_plugins = sorted(
    f"tests.support.{path.stem}" for path in (Path(__file__).parent / "support").glob("fixtures_*.py")
)

STRICT = os.environ.get("TFO_TEST_STRICT") == "1" or os.environ.get("CI") == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    """In strict mode (CI, scripts/test.sh) a skipped test is a failure: a missing server must not hide."""
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in strict mode (TFO_TEST_STRICT=1): {report.longrepr}"
