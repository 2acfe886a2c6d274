"""Forgetting events, learning epochs and their rankings on a known per-epoch history."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_lab.analysis.forgetting import forgetting
from mnist_lab.compare.forgetting import forgettable_in_all, forgetting_records, forgetting_rows
from mnist_lab.compare.runs import run_labels
from tests.fakes import TRACKED_HISTORY as HISTORY
from tests.fakes import TRACKED_LABELS as LABELS
from tests.fakes import seed_run, seed_tracked


def test_forgetting_events_and_learning_epochs_of_a_known_history():
    record = forgetting(HISTORY, LABELS, index=np.arange(100, 108))

    assert record.events.tolist() == [1, 0, 1, 0, 0, 2, 0, 1]
    assert record.learned_epoch.tolist() == [0, 2, 3, 0, 1, 0, 4, 4]
    assert record.never_learned.tolist() == [3]
    assert record.learned_late.tolist() == [7, 6, 2, 1]  # latest first; then 7, which forgot once
    assert record.forgotten.tolist() == [5, 0, 7, 2]  # most events, still wrong, learned latest
    assert record.counts() == {"tracked images": 8, "epochs": 4, "forgettable": 4,
                               "forgetting events": 5, "never learned": 1, "learned late": 4}
    positions, captions = record.examples("forgotten", limit=2)
    assert positions.tolist() == [5, 0] and captions == ["#105 5→6 ×2", "#100 0→1 ×1"]
    assert record.examples("learned late")[1][1] == "#106 6→6 ep 4"
    assert record.examples("never learned")[1] == ["#103 3→4"]
    digits = {row["digit"]: row for row in record.per_digit()}
    assert digits[5] == {"digit": 5, "tracked": 1, "never learned": 0, "learned late": 0,
                         "forgettable": 1, "forgetting events": 2, "mean epoch learned": None}
    assert digits[6]["mean epoch learned"] == 4.0 and digits[9]["tracked"] == 0


def test_one_epoch_has_no_forgetting_and_bad_histories_are_named():
    record = forgetting(HISTORY[:1], LABELS)
    assert record.events.sum() == 0 and record.learned_epoch.tolist() == [1, 0, 1, 0, 1, 1, 0, 1]

    with pytest.raises(ValueError, match=r"predicted must be \(epochs, 8\) labels"):
        forgetting(HISTORY[:, :5], LABELS)
    with pytest.raises(ValueError, match="predicted must hold labels 0..9, found 1[0-9]"):
        forgetting(HISTORY + 5, LABELS)
    with pytest.raises(ValueError, match="kind must be one of"):
        forgetting(HISTORY, LABELS).examples("hard")


def test_compare_counts_the_forgettable_examples_of_two_runs(store, mnist):
    first, second, third = (seed_run(store, mnist.y_test, name=name) for name in "abc")
    seed_tracked(store, first, HISTORY, LABELS)
    seed_tracked(store, second, HISTORY[[0, 1, 1, 1]], LABELS)  # forgets 0, 2, 5 once each
    runs = [store.get(run_id) for run_id in (first, second, third)]

    records, skipped = forgetting_records(store, runs, run_labels(runs))

    assert [row["forgettable"] for row in forgetting_rows(records)] == [4, 3]
    assert forgettable_in_all(records) == 3
    assert len(skipped) == 1 and "train_predictions.npz is missing" in skipped[0]
    seed_tracked(store, third, HISTORY, LABELS, index=np.arange(8) + 1)
    records, _ = forgetting_records(store, runs, run_labels(runs))
    assert forgettable_in_all(records) is None  # another sample of training images
