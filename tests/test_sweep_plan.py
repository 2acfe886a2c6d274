"""Which trials a study still needs, and the conclusion its numbers support (fake trials)."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_lab.config import preset
from mnist_lab.store import RunStatus
from mnist_lab.sweeps.conclusion import DASHBOARD, conclude
from mnist_lab.sweeps.plan import MAX_ATTEMPTS, confirming, next_slots
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
    assert conclusion.real is True and conclusion.winner == "kernel 5×5"
    text = conclusion.text()
    assert ("kernel 5×5 scores best: 99.89% mean test accuracy over 3 seeds, "
            "0.50 points ahead of kernel 3×3 (99.39%, 3 seeds)") in text
    assert conclusion.headline.startswith("kernel 5×5 wins: its lead over kernel 3×3 is larger than "
                                          "what changing the seed alone does")
    assert conclusion.other_question[0].startswith("Another question: do the two best arms' "
                                                   "trained networks make different mistakes")
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
    assert conclusion.headline.startswith("No winner: the lead of kernel 5×5 over kernel 3×3 is no "
                                          "larger than what changing the seed alone does")


def test_one_seed_per_arm_says_it_cannot_tell(mnist):
    found = [fake_trial(k(5), 0, 0.99, number=1), fake_trial(k(3), 0, 0.98, number=2)]
    mistakes = {trial.run.id: MISTAKES for trial in found}
    ranked = arms(study(values="3,5", repeats=1), found)
    conclusion = conclude(ranked, noise_floor(ranked), read_with(mistakes, mnist.y_test),
                          confirming=False)
    assert conclusion.real is None
    assert "each needs 2 or more seeds" in conclusion.headline
    assert "--repeats 3" in conclusion.headline  # the command line's words by default
    assert results_rows(ranked)[0]["95% interval"] == "n = 1: no interval"
    on_the_page = conclude(ranked, noise_floor(ranked), read_with(mistakes, mnist.y_test),
                           confirming=False, words=DASHBOARD)
    assert "Seeds per point" in on_the_page.headline and "--" not in on_the_page.headline


def test_seeds_are_grouped_per_arm_and_pruned_trials_kept_out_of_the_numbers():
    found = [fake_trial(k(5), 0, 0.99, number=1), fake_trial(k(5), 1, 0.98, number=2),
             fake_trial(k(3), 0, 0.5, status=RunStatus.STOPPED, pruned_at=2, number=3)]
    ranked = arms(study(), found)
    assert [(arm.label, arm.path, arm.n) for arm in ranked] == [("kernel 5×5", "blocks.kernel_size=5", 2)]
    assert ranked[0].interval().mean == pytest.approx(0.985)
    assert ranked[0].is_base  # LeNet-5's own kernel is 5
    floor = noise_floor(ranked)
    assert floor.source == "the base config over 2 seeds"
    assert floor.sd == pytest.approx(np.std([0.99, 0.98], ddof=1))
    states = {row["arm"]: row["state"] for row in grid_rows(study(), found) if row["seed"] == 0}
    assert states == {"kernel 5×5": "done", "kernel 3×3": "pruned at epoch 2"}


def test_a_runner_up_changed_by_the_fresh_seeds_is_rerun_and_judged_on_fresh_seeds_alone(mnist):
    """The issue's 2x2 case, as three arms: kernel 5 and 7 are re-run; 7 falls on its fresh
    seeds, so kernel 3 becomes second and is re-run too; the verdict then compares 5 and 3 on
    their fresh seeds only, and says so."""
    main = {3: 0.980, 5: 0.990, 7: 0.985}
    found = [fake_trial(k(value), seed, main[value] + seed / 1e4, number=value * 10 + seed)
             for value in (3, 5, 7) for seed in (0, 1)]
    spec = study()
    first = next_slots(spec, found, 10)
    assert sorted((slot[0]["blocks.kernel_size"], slot[1]) for slot in first) == [
        (5, 2), (5, 3), (7, 2), (7, 3)]
    fresh = {5: 0.989, 7: 0.970}
    found += [fake_trial(point, seed, fresh[point["blocks.kernel_size"]] + seed / 1e4, phase="confirm",
                         number=100 + point["blocks.kernel_size"] * 10 + seed) for point, seed, _ in first]
    assert [arm.label for arm in arms(spec, found)][:2] == ["kernel 5×5", "kernel 3×3"]
    again = next_slots(spec, found, 10)
    assert sorted((slot[0]["blocks.kernel_size"], slot[1]) for slot in again) == [(3, 2), (3, 3)]
    mistakes = {trial.run.id: MISTAKES for trial in found}
    waiting = conclude(arms(spec, found), None, read_with(mistakes, mnist.y_test),
                       confirming=confirming(spec, found))
    assert waiting.real is None and "being re-run on fresh seeds" in waiting.headline

    found += [fake_trial(point, seed, 0.975 + seed / 1e4, phase="confirm", number=200 + seed)
              for point, seed, _ in again]
    assert next_slots(spec, found, 10) == [] and not confirming(spec, found)
    conclusion = conclude(arms(spec, found), None, read_with(mistakes, mnist.y_test), confirming=False)
    fresh_line = next(line for line in conclusion.lines if line.startswith("On fresh seeds"))
    assert "kernel 5×5 98.92% (95% interval" in fresh_line and "kernel 3×3 97.52% (" in fresh_line
    assert "Welch's test on these seeds alone" in fresh_line
    assert "selection seeds" not in conclusion.text()


def test_with_the_trial_limit_spent_the_verdict_stands_on_the_selection_seeds(mnist):
    main = {3: 0.980, 5: 0.990, 7: 0.985}
    found = [fake_trial(k(value), seed, main[value] + seed / 1e4, number=value * 10 + seed)
             for value in (3, 5, 7) for seed in (0, 1)]
    spec = study()
    spec.budget.max_trials = 10  # 6 main trials and the first round's 4: none left
    first = next_slots(spec, found, 10)
    fresh = {5: 0.989, 7: 0.970}
    found += [fake_trial(point, seed, fresh[point["blocks.kernel_size"]], phase="confirm",
                         number=100 + point["blocks.kernel_size"] * 10 + seed) for point, seed, _ in first]
    assert next_slots(spec, found, 10) == [] and not confirming(spec, found)
    mistakes = {trial.run.id: MISTAKES for trial in found}
    conclusion = conclude(arms(spec, found), None, read_with(mistakes, mnist.y_test), confirming=False)
    assert any(line.startswith("The verdict stands on the selection seeds: kernel 3×3 was not re-run")
               for line in conclusion.lines)
    assert not any(line.startswith("On fresh seeds") for line in conclusion.lines)
    welch = next(line for line in conclusion.lines if line.startswith("Welch's test over seeds"))
    assert "kernel 3×3" in welch


def test_a_fields_effect_reads_on_a_number_axis_and_tells_arms_apart_by_their_other_fields():
    from mnist_lab import figures
    from mnist_lab.sweeps.space import parse_range

    found = [fake_trial({"blocks.kernel_size": size, "blocks.downsample": mode}, seed,
                        0.98 + size / 1000 + (mode == "max") / 500 + seed / 1e4, number=n)
             for n, (size, mode, seed) in enumerate(
                 (size, mode, seed) for size in (3, 5) for mode in ("max", "avg") for seed in (0, 1))]
    spec = StudySpec(name="grid", base=preset("lenet5"), repeats=2, dimensions=[
        parse_grid("blocks.kernel_size=3,5"), parse_grid("blocks.downsample=max,avg")])
    ranked = arms(spec, found)
    kernel = figures.field_effect_figure(ranked, spec.dimensions[0], band=None).to_plotly_json()
    assert kernel["layout"]["xaxis"]["type"] == "linear" and kernel["layout"]["xaxis"]["tickvals"] == [3, 5]
    named = {trace["name"] for trace in kernel["data"] if trace.get("showlegend") is not False}
    assert named == {"max pooling", "average pooling"} and kernel["layout"]["showlegend"] is True
    hover = [text for trace in kernel["data"] for text in trace["text"]]
    assert "kernel 5×5, max pooling<br>blocks.kernel_size=5 blocks.downsample=max<br>mean of 2 seeds" in hover
    assert "95% interval" in kernel["layout"]["title"]["text"]
    mode = figures.field_effect_figure(ranked, spec.dimensions[1], band=None).to_plotly_json()
    assert mode["layout"]["xaxis"]["type"] == "category"

    rates = [fake_trial({"learning_rate": rate}, 0, 0.99 - rate, number=n)
             for n, rate in enumerate((0.001, 0.01, 0.1))]
    searched = StudySpec(name="lr", base=preset("lenet5"), sampler="tpe",
                         dimensions=[parse_range("learning_rate=0.001..0.1:log")])
    figure = figures.field_effect_figure(arms(searched, rates), searched.dimensions[0], band=None)
    assert figure.layout.xaxis.type == "log" and figure.layout.xaxis.title.text == "learning rate"


def test_a_grid_of_three_arms_plans_the_re_run_of_its_two_best_too():
    from mnist_lab.sweeps.builtin import builtin_study
    from mnist_lab.sweeps.estimate import planned_trials

    assert planned_trials(builtin_study("filter-size-quick")) == 3 * 3 + 2 * 3
    assert planned_trials(builtin_study("pooling-quick")) == 2 * 3  # two arms: nothing to re-run
