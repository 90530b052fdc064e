"""The baseline window, findings and the one ranking every context uses (tfo_mcp.context.change)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tfo_mcp.context.change import baseline_window, compare, describe, rank, robust_z, signal, what_changed
from tfo_mcp.context.types import TimeRange

WINDOW = TimeRange(start=datetime(2026, 12, 2, 10, tzinfo=UTC), end=datetime(2026, 12, 2, 11, tzinfo=UTC))


def test_the_default_baseline_is_the_equal_window_just_before() -> None:
    before = baseline_window(WINDOW)
    assert (before.start, before.end) == (WINDOW.start - timedelta(hours=1), WINDOW.start)
    yesterday = baseline_window(WINDOW, "yesterday")
    assert yesterday.start == WINDOW.start - timedelta(days=1) and yesterday.duration == WINDOW.duration
    assert baseline_window(WINDOW, "last_week").end == WINDOW.end - timedelta(days=7)
    with pytest.raises(ValueError, match="baseline must be one of previous, yesterday, last_week"):
        baseline_window(WINDOW, "tomorrow")


def test_a_steady_healthy_figure_is_not_a_finding() -> None:
    assert compare("service-health", "api", "p95_ms", 120, 130) is None
    assert compare("service-health", "api", "error_percent", 0.2, 0.3) is None
    assert compare("service-health", "api", "requests_per_min", 1000, 1100) is None


def test_a_regression_is_new_and_a_condition_in_both_windows_is_chronic() -> None:
    regression = compare("service-health", "checkout", "p95_ms", 120, 940)
    chronic = compare("service-health", "legacy", "error_percent", 8.0, 8.4)
    assert regression is not None and regression.status == "new"
    assert chronic is not None and chronic.status == "chronic"
    worsened = compare("service-health", "legacy", "error_percent", 6.0, 30.0)
    assert worsened is not None and worsened.status == "worsened"
    improved = compare("service-health", "api", "p95_ms", 900, 100)
    assert improved is not None and improved.status == "improved"


def test_new_ranks_before_chronic_whatever_the_chronic_level() -> None:
    small_new = compare("logs", "payments", "pattern_count", 0, 40, impact=0.05)
    loud_chronic = compare("service-health", "legacy", "error_percent", 60.0, 61.0, impact=1.0, severity="critical")
    ordered = rank([loud_chronic, None, small_new])
    assert [f.entity for f in ordered] == ["payments", "legacy"]


def test_score_grows_with_the_move_and_with_the_traffic_share() -> None:
    small = compare("traces", "a", "p95_ms", 100, 250, impact=0.5)
    large = compare("traces", "b", "p95_ms", 100, 2500, impact=0.5)
    busy = compare("traces", "c", "p95_ms", 100, 250, impact=1.0)
    assert small and large and busy
    assert large.score > small.score and busy.score > small.score
    assert [f.entity for f in rank([small, busy, large])] == ["b", "c", "a"]


def test_a_move_inside_the_baselines_own_noise_is_discounted() -> None:
    noisy = [100.0, 300, 120, 280, 90, 310, 150, 260]
    quiet = [100.0, 102, 99, 101, 100, 98, 103, 100]
    inside = compare("traces", "noisy", "p95_ms", 200, 320, baseline_points=noisy)
    outside = compare("traces", "quiet", "p95_ms", 100, 320, baseline_points=quiet)
    assert inside is None
    assert outside is not None and outside.status == "new" and outside.z is not None and outside.z > 3


def test_robust_z_ignores_one_outlier_in_the_baseline() -> None:
    points = [10.0, 11, 9, 10, 10, 11, 9, 500]
    assert robust_z(points, 10.5) == pytest.approx(0.34, abs=0.1)
    assert robust_z(points, 40) > 10
    assert robust_z([1.0, 2.0], 5.0) is None


def test_a_figure_absent_from_the_baseline_is_new_when_it_is_a_problem() -> None:
    appeared = compare("logs", "Timeout calling ledger", "pattern_count", None, 57)
    assert appeared is not None and appeared.status == "new"
    assert "new in this window" in describe(appeared)
    assert compare("logs", "one line", "pattern_count", None, 2) is None


def test_sentences_name_the_entity_the_figures_and_the_time() -> None:
    finding = compare("service-health", "checkout", "p95_ms", 120, 940, since="2026-12-02T10:42:00+00:00",
                      note="after deploy v2.3 of checkout")  # fmt: skip
    assert finding is not None
    text = describe(finding)
    assert (
        text == "checkout p95 latency rose from 120 ms to 940 ms (7.8x) since 10:42 UTC, after deploy v2.3 of checkout"
    )
    row = finding.to_dict()
    assert row["before"] == 120 and row["after"] == 940 and row["change_percent"] == 683.3 and row["text"] == text


def test_the_summary_says_plainly_when_nothing_changed() -> None:
    assert what_changed([]) == "Nothing changed measurably against the preceding window."
    chronic = compare("uptime", "eu probe", "success_percent", 96.0, 96.5)
    assert chronic is not None and chronic.status == "chronic"
    text = what_changed([chronic], "yesterday")
    assert text.startswith("Nothing changed measurably against the same window yesterday. Chronic: eu probe")


def test_every_signal_in_the_catalog_is_well_formed() -> None:
    for name in ("error_percent", "p95_ms", "requests_per_min", "pattern_count", "restarts", "cost_usd"):
        spec = signal(name)
        assert spec.worse in ("up", "down", "both") and spec.floor > 0 and spec.min_change > 0
    with pytest.raises(KeyError, match="unknown signal 'nope'"):
        signal("nope")
