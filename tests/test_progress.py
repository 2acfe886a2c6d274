"""The live view's numbers: progress, ETA, speed, learning-rate marks, queue places."""

from __future__ import annotations

import pandas as pd
import pytest

from mnist_lab.formats import format_duration
from mnist_lab.live.progress import (
    learning_rate_changes,
    queue_position,
    recorded_learning_rate_changes,
    training_progress,
)
from mnist_lab.store import RunStatus
from mnist_lab.training.schedules import learning_rate_factor


def rows(*points: tuple[int, float, float]) -> pd.DataFrame:
    """Batch rows from (step, wall_s, images_per_s)."""
    return pd.DataFrame([{"kind": "batch", "step": step, "wall_s": wall, "images_per_s": speed}
                         for step, wall, speed in points])


def test_progress_in_the_second_epoch():
    progress = training_progress(rows((50, 5.0, 900.0), (150, 15.0, 1000.0)),
                                 steps_per_epoch=100, epochs=4)
    assert progress.fraction == pytest.approx(150 / 400)
    assert (progress.epoch, progress.batch) == (2, 50)
    assert progress.label == "epoch 2/4 · batch 50/100"
    assert progress.elapsed_s == 15.0
    assert progress.eta_s == pytest.approx(25.0)  # 250 steps left at 10 steps per second
    assert progress.images_per_s == 1000.0


def test_end_of_an_epoch_counts_as_that_epoch_done():
    progress = training_progress(rows((200, 20.0, 1000.0)), steps_per_epoch=100, epochs=2)
    assert (progress.epoch, progress.batch, progress.fraction, progress.eta_s) == (2, 100, 1.0, 0.0)


def test_progress_before_any_metric_and_before_the_trainer_starts():
    empty = rows()
    assert training_progress(empty, steps_per_epoch=None, epochs=None) is None
    progress = training_progress(empty, steps_per_epoch=10, epochs=3)
    assert (progress.fraction, progress.epoch, progress.batch) == (0.0, 1, 0)
    assert progress.eta_s is None and progress.images_per_s is None


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "—"), (float("nan"), "—"), (4.4, "4 s"), (65, "1 min 05 s"), (3720, "1 h 02 min")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def lr_rows(schedule: str, base_of_step, steps: range, total: int) -> pd.DataFrame:
    return pd.DataFrame([{"step": step, "learning_rate":
                          base_of_step(step) * learning_rate_factor(schedule, step / total)}
                         for step in steps])


def test_a_requested_rate_is_found_under_a_constant_schedule():
    history = lr_rows("constant", lambda step: 0.01 if step < 60 else 0.002, range(10, 200, 10), 200)
    assert learning_rate_changes(history, schedule="constant", steps_per_epoch=100, epochs=2) == [
        (0.6, pytest.approx(0.002))]


def test_a_cosine_schedule_alone_is_not_a_change_but_a_request_is():
    steady = lr_rows("cosine", lambda step: 0.1, range(5, 300, 5), 300)
    assert learning_rate_changes(steady, schedule="cosine", steps_per_epoch=100, epochs=3) == []
    changed = lr_rows("cosine", lambda step: 0.1 if step < 150 else 0.05, range(5, 300, 5), 300)
    marks = learning_rate_changes(changed, schedule="cosine", steps_per_epoch=100, epochs=3)
    assert [round(x, 2) for x, _ in marks] == [1.5]


def test_recorded_changes_are_placed_in_epochs():
    summary = {"steps_per_epoch": 200, "learning_rate_changes": [[300, 0.005]]}
    assert recorded_learning_rate_changes(summary) == [(1.5, 0.005)]
    assert recorded_learning_rate_changes({}) == []


def test_queue_position_follows_creation_order(store):
    first, second, third = (store.create_run({"epochs": 1}, name=f"run {n}") for n in range(3))
    store.set_status(first, RunStatus.RUNNING)
    runs = store.list()
    assert [queue_position(runs, run_id) for run_id in (first, second, third)] == [None, 1, 2]


def test_the_row_holding_the_requested_rate_itself_marks_one_change_only():
    """The trainer logs the requested rate as it is, then the new base x schedule."""
    total, base = 300, 0.1
    requested_at, requested = 200, 0.02
    new_base = requested / learning_rate_factor("cosine", requested_at / total)
    history = pd.DataFrame(
        [{"step": step, "learning_rate": base * learning_rate_factor("cosine", step / total)}
         for step in range(10, requested_at, 10)]
        + [{"step": requested_at, "learning_rate": requested}]
        + [{"step": step, "learning_rate": new_base * learning_rate_factor("cosine", step / total)}
           for step in range(requested_at + 3, total, 3)])

    marks = learning_rate_changes(history, schedule="cosine", steps_per_epoch=100, epochs=3)
    assert marks == [(2.0, requested)]


def test_no_eta_until_the_speed_is_known_and_then_the_start_up_does_not_count():
    # The first point comes after 8 s of start-up (the graph built, one batch of 32 done).
    first = training_progress(rows((1, 8.0, None)), steps_per_epoch=1688, epochs=10)
    assert first.eta_s is None
    assert format_duration(first.eta_s) == "—"  # not "3 h 44 min" (8 s x 16,879 steps left)
    second = training_progress(rows((1, 8.0, None), (251, 9.0, 8000.0)), steps_per_epoch=1688,
                               epochs=10)
    assert second.eta_s == pytest.approx((16880 - 251) / 250)  # 250 steps a second since
    assert format_duration(second.eta_s) == "1 min 07 s"
