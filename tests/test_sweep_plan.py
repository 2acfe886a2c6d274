"""Which trials a study still needs, and the conclusion its numbers support (fake trials)."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_lab.config import preset
from mnist_lab.store import RunStatus
from mnist_lab.sweeps.conclusion import conclude
from mnist_lab.sweeps.plan import MAX_ATTEMPTS, next_slots
from mnist_lab.sweeps.results import arms, grid_rows, noise_floor, results_rows
from mnist_lab.sweeps.space import parse_grid
from mnist_lab.sweeps.study import StudySpec
from tests.fakes import MISTAKES, fake_probabilities, fake_trial


def study(values="3,5,7", repeats=2, confirm=True) -> StudySpec:
    return StudySpec(name="study", base=preset("lenet5"), repeats=repeats, confirm=confirm,
                     dimensions=[parse_grid(f"blocks.kernel_size={values}")])


def k(value):
    return {"blocks.kernel_size": value}


def test_the_grid_runs_one_seed_round_over_every_point_before_the_next():
    slots = next_slots(study(), [], 10)
    assert [seed for _, seed, _ in slots] == [0, 0, 0, 1, 1, 1]
    assert sorted(point["blocks.kernel_size"] for point, _, _ in slots[:3]) == [3, 5, 7]


def test_finished_slots_are_never_planned_again_and_failed_ones_are_retried():
    found = [fake_trial(k(3), 0, 0.99, number=1),
             fake_trial(k(5), 0, status=RunStatus.FAILED, number=2),
             fake_trial(k(7), 0, status=RunStatus.RUNNING, number=3)]
    slots = next_slots(study(), found, 10)
    assert (k(3), 0, "main") not in slots and (k(7), 0, "main") not in slots
    assert (k(5), 0, "main") in slots  # retried
    exhausted = [fake_trial(k(5), 0, status=RunStatus.FAILED, number=n) for n in range(MAX_ATTEMPTS)]
    assert (k(5), 0, "main") not in next_slots(study(), exhausted, 10)


def test_the_two_best_of_three_arms_are_rerun_on_fresh_seeds_once_the_grid_is_done():
    accuracy = {3: 0.980, 5: 0.990, 7: 0.985}
    found = [fake_trial(k(value), seed, accuracy[value] + seed / 1e4, number=value * 10 + seed)
             for value in (3, 5, 7) for seed in (0, 1)]
    slots = next_slots(study(), found, 10)
    assert slots == [(k(5), 2, "confirm"), (k(7), 2, "confirm"), (k(5), 3, "confirm"),
                     (k(7), 3, "confirm")]
    assert next_slots(study(confirm=False), found, 10) == []
    assert next_slots(study(values="3,5"), found[:4], 10) == []  # two arms: nothing to confirm


def read_with(mistakes_by_run, y_test):
    return lambda run_id: (fake_probabilities(y_test, mistakes_by_run[run_id]), y_test)


def test_a_real_difference_is_called_real(mnist):
    # Arm k=5 makes 10 mistakes, arm k=3 makes 60, on every seed: far beyond seed noise.
    few, many = ((4, 9, 10),), ((4, 9, 30), (7, 2, 30))
    found = [fake_trial(k(5), seed, 0.999 - seed / 1e4, number=seed) for seed in range(3)]
    found += [fake_trial(k(3), seed, 0.994 - seed / 1e4, number=10 + seed) for seed in range(3)]
    mistakes = {trial.run.id: few if trial.point == k(5) else many for trial in found}
    spec = study(values="3,5", repeats=3)
    ranked = arms(spec, found)
    conclusion = conclude(ranked, noise_floor(ranked), read_with(mistakes, mnist.y_test),
                          confirming=False)
    assert conclusion.real is True and conclusion.winner == "blocks.kernel_size=5"
    text = conclusion.text()
    assert ("blocks.kernel_size=5 scores best: 99.89% mean test accuracy over 3 seeds, "
            "0.50 points ahead") in text
    assert "the lead is larger than seed noise" in text
    assert "Digit 7 changes most" in text  # only k=3 reads 7s as 2s


def test_a_difference_within_seed_noise_is_not_called_real(mnist):
    found = [fake_trial(k(5), seed, acc, number=seed) for seed, acc in enumerate((0.990, 0.986, 0.994))]
    found += [fake_trial(k(3), seed, acc, number=10 + seed)
              for seed, acc in enumerate((0.989, 0.993, 0.985))]
    mistakes = {trial.run.id: MISTAKES for trial in found}
    ranked = arms(study(values="3,5", repeats=3), found)
    conclusion = conclude(ranked, noise_floor(ranked), read_with(mistakes, mnist.y_test),
                          confirming=False)
    assert conclusion.real is False and conclusion.winner is None
    assert "not distinguishable from seed noise" in conclusion.text()


def test_one_seed_per_arm_says_it_cannot_tell(mnist):
    found = [fake_trial(k(5), 0, 0.99, number=1), fake_trial(k(3), 0, 0.98, number=2)]
    mistakes = {trial.run.id: MISTAKES for trial in found}
    ranked = arms(study(values="3,5", repeats=1), found)
    conclusion = conclude(ranked, noise_floor(ranked), read_with(mistakes, mnist.y_test),
                          confirming=False)
    assert conclusion.real is None
    assert "need 2 or more seeds each" in conclusion.text()
    assert results_rows(ranked)[0]["95% interval"] == "n = 1: no interval"


def test_seeds_are_grouped_per_arm_and_pruned_trials_kept_out_of_the_numbers():
    found = [fake_trial(k(5), 0, 0.99, number=1), fake_trial(k(5), 1, 0.98, number=2),
             fake_trial(k(3), 0, 0.5, status=RunStatus.STOPPED, pruned_at=2, number=3)]
    ranked = arms(study(), found)
    assert [(arm.label, arm.n) for arm in ranked] == [("blocks.kernel_size=5", 2)]
    assert ranked[0].interval()[0] == pytest.approx(0.985)
    assert ranked[0].is_base  # LeNet-5's own kernel is 5
    floor = noise_floor(ranked)
    assert floor.source == "the base config over 2 seeds"
    assert floor.sd == pytest.approx(np.std([0.99, 0.98], ddof=1))
    states = {row["point"]: row["state"] for row in grid_rows(study(), found) if row["seed"] == 0}
    assert states == {"blocks.kernel_size=5": "done", "blocks.kernel_size=3": "pruned at epoch 2"}
