"""Repeats of one config (an arm), the one definition every comparison uses, and intervals
that stay inside [0%, 100%]."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mnist_lab import compare
from mnist_lab.analysis.significance import accuracy_interval
from mnist_lab.cli import main
from mnist_lab.config import preset
from mnist_lab.store import RunStatus
from tests.fakes import seed_run

TINY = preset("lenet5").replace(epochs=2, subset=100)


def the_issues_runs(store, y_test) -> dict[str, str]:
    """The runs the issue names: one completed seed-0 run, one whose rate was changed by hand,
    one stopped, two of one config with seeds 1 and 2, and lenet5 from the CLI (labelled with
    its preset) and from the form (no label: edited and set back). Name -> run id."""
    def run(name, seed, mistakes, **summary):
        status = summary.pop("status", RunStatus.COMPLETED)
        config = TINY.replace(seed=seed, preset=None if name == "form" else "lenet5")
        return seed_run(store, y_test, name=name, config=config, seed=seed, status=status,
                        mistakes=((4, 9, mistakes),), epochs=2, summary=summary)

    return {
        "completed": run("completed", 0, 30),
        "rate changed": run("rate changed", 0, 31, learning_rate_changes=[[96, 0.005]]),
        "stopped": run("stopped", 0, 90, status=RunStatus.STOPPED, epochs_trained=0.36),
        "seed 1": run("seed 1", 1, 40),
        "seed 2": run("seed 2", 2, 50),
        "cli": run("cli", 0, 30),
        "form": run("form", 0, 30),
    }


def test_the_issues_runs_make_one_arm_and_each_other_run_says_why(store, mnist):
    ids = the_issues_runs(store, mnist.y_test)
    runs = [store.get(run_id) for run_id in ids.values()]
    grouping = compare.group(runs)

    assert [arm.seeds for arm in grouping.repeated] == [(1, 2)]
    interval = grouping.repeated[0].interval()
    assert 0.0 <= interval.low <= interval.mean <= interval.high <= 1.0
    assert interval.caution == "very wide: n = 2"
    why = {single.run.name: single.reason for single in grouping.singles}
    assert why == {"completed": "seed 0 three times", "cli": "seed 0 three times",
                   "form": "seed 0 three times",
                   "rate changed": "learning rate changed at epoch 0.96",
                   "stopped": "stopped at 0.36 of 2 epochs"}


def test_the_preset_a_run_started_from_is_a_label_not_part_of_its_config(store, mnist):
    ids = the_issues_runs(store, mnist.y_test)
    cli, form = store.get(ids["cli"]), store.get(ids["form"])
    assert compare.arms.config_key(cli.config) == compare.arms.config_key(form.config)
    assert cli.config["preset"] == "lenet5" and form.config["preset"] is None
    rows = compare.config_diff({"cli": cli.config, "form": form.config})
    assert rows == [{"field": "preset (a label, not a setting)", "cli": "lenet5", "form": None}]


def test_runs_compare_prints_one_arm_and_why_the_others_stand_alone(store, mnist):
    ids = the_issues_runs(store, mnist.y_test)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--home", str(store.home), "runs", "compare", *ids.values()]) == 0
    text = out.getvalue()
    repeats = text.split("repeats of one config:\n")[1].split("\n\n")[0].strip().splitlines()
    assert len(repeats) == 1 and "2 seeds (1, 2), mean" in repeats[0]
    assert ", very wide: n = 2" in repeats[0] and "None" not in text
    assert "stopped at 0.36 of 2 epochs" in text and "seed 0 three times" in text
    ranking = text.split("ranking (repeats of one config by their mean):\n")[1].split("\n\n")[0]
    assert len(ranking.strip().splitlines()) == 1 + 1 + 5  # a header, the arm, five single runs


def test_a_config_stored_before_a_field_existed_repeats_one_written_since(store, mnist):
    """The key reads a stored config with its defaults: an old run is not another config."""
    new = store.get(seed_run(store, mnist.y_test, config=TINY.replace(seed=1), seed=1))
    old_config = TINY.replace(seed=2).to_dict()
    del old_config["augment_elastic"], old_config["folds"]
    old = store.get(seed_run(store, mnist.y_test, config=TINY.replace(seed=2), seed=2))
    assert compare.arms.config_key(old_config) == compare.arms.config_key(new.config)
    assert [arm.seeds for arm in compare.group([new, old]).repeated] == [(1, 2)]


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=9), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_an_accuracy_interval_never_leaves_zero_to_one(accuracies, confidence):
    interval = accuracy_interval(accuracies, confidence)
    assert interval.n == len(accuracies)
    if interval.n == 1:
        assert (interval.low, interval.high, interval.caution) == (None, None, "n = 1: no interval")
        return
    assert 0.0 <= interval.low <= interval.mean <= interval.high <= 1.0


def test_the_issues_two_seed_zero_runs_get_an_interval_inside_a_hundred_percent():
    """The issue's group: 97.38% ± 1.87% (sd) over 2 runs, whose t interval ran to 114.15%."""
    interval = accuracy_interval([0.9738 - 0.0132, 0.9738 + 0.0132])
    assert interval.high < 1.0 and interval.low > 0.0
    with pytest.raises(ValueError, match="accuracies must lie in"):
        accuracy_interval([0.5, 1.2])


def test_compare_shows_the_one_arm_and_why_each_other_run_stands_alone(page_home, mnist):
    from tests.test_page_compare import open_compare

    ids = the_issues_runs(page_home, mnist.y_test)
    at = open_compare(list(ids.values()))
    assert not at.exception
    repeats = [info.value for info in at.info if info.value.startswith("Repeats of one config")]
    assert len(repeats) == 1 and "2 seeds (1, 2), mean" in repeats[0]
    singles = next(caption.value for caption in at.caption if caption.value.startswith("Single runs"))
    for reason in ("learning rate changed at epoch 0.96", "stopped at 0.36 of 2 epochs",
                   "seed 0 three times"):
        assert reason in singles
    ranking = at.dataframe[1].value
    assert ranking["n"].tolist().count(2) == 1 and "None" not in ranking.to_string()
