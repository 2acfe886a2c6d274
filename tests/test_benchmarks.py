"""The watch benchmark's arithmetic: speeds per kind of turn from the trainer's batch points."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmarks.dashboard_watch import phase_speeds, summarize

# Batch points of two epochs, 10 steps apart; the fourth point closes epoch 1.
BATCHES = pd.DataFrame({"id": [1, 2, 3, 4, 5, 6, 7, 8], "epoch": [1, 1, 1, 1, 2, 2, 2, 2],
                        "step": [10, 20, 30, 40, 60, 70, 80, 90],
                        "wall_s": [1.0, 2.0, 3.0, 4.0, 6.0, 7.0, 8.5, 10.0]})


def test_only_intervals_inside_one_measured_turn_and_epoch_count():
    # Watched from row 1, page loading after row 3 (left out), blank after 4, watched after 6.
    speeds = phase_speeds(BATCHES, [(0, True), (3, None), (4, False), (6, True)], batch_size=32)
    assert speeds[True] == pytest.approx(30 * 32 / 3.5)  # 1->2, 2->3 and 7->8
    assert speeds[False] == pytest.approx(10 * 32 / 1.0)  # 5->6; 4->5 crosses the epoch's end


def test_a_run_too_short_for_both_turns_is_an_error():
    with pytest.raises(ValueError, match="before a blank turn was measured"):
        phase_speeds(BATCHES, [(0, True)], batch_size=32)


def test_a_failed_repeat_is_reported_beside_those_that_succeeded():
    good = {"watched_images_per_s": 99.0, "unwatched_images_per_s": 100.0,
            "watched_cpu_share": 0.02, "unwatched_cpu_share": 0.01}
    summary = summarize([good, "ValueError: the run ended before a blank turn was measured", good])
    assert summary["watch_failed_repeats"] == [
        "ValueError: the run ended before a blank turn was measured"]
    assert summary["watched_vs_unwatched_ratio"] == pytest.approx(0.99)
    assert summary["watched_phase_images_per_s"] == [99.0, 99.0]
    assert summarize(["TimeoutError: x"]) == {"watch_failed_repeats": ["TimeoutError: x"]}
