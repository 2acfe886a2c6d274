"""Comparison functions on small inputs whose answers are known by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mnist_lab import compare, figures
from mnist_lab.compare import RunPredictions
from mnist_lab.config import ConvBlock, preset
from mnist_lab.figures.predictions import DIAGONAL_GREY
from mnist_lab.store import RunStatus
from tests.fakes import seed_run


def one_hot(predicted):
    probabilities = np.full((len(predicted), 10), 0.01)
    probabilities[np.arange(len(predicted)), predicted] = 0.91
    return probabilities


def test_config_diff_keeps_only_differing_fields_side_by_side():
    rows = compare.config_diff({"A": preset("lenet5").to_dict(),
                                "B": preset("lenet5-strided").replace(epochs=3).to_dict()})
    assert rows == [
        {"field": "blocks.1.downsample", "A": "max", "B": "strided"},
        {"field": "blocks.2.downsample", "A": "max", "B": "strided"},
        {"field": "epochs", "A": 10, "B": 3},
        {"field": "preset (a label, not a setting)", "A": "lenet5", "B": "lenet5-strided"},
    ]


def test_config_diff_shows_a_missing_block_as_none():
    small = preset("lenet5").to_dict()
    small["blocks"] = small["blocks"][:1]
    rows = {row["field"]: row for row in compare.config_diff({"A": preset("lenet5").to_dict(),
                                                              "B": small})}
    assert rows["blocks"]["A"] == 2 and rows["blocks"]["B"] == 1
    assert rows["blocks.2.filters"] == {"field": "blocks.2.filters", "A": 16, "B": None}


def test_architecture_diff_aligns_layers_by_name():
    rows = compare.architecture_diff({"max": preset("lenet5").to_dict(),
                                      "strided": preset("lenet5-strided").to_dict()})
    by_layer = {row["layer"]: row for row in rows}
    assert by_layer["block1_pool"]["max"] == "max pool 2x2 → 14x14x6"
    assert by_layer["block1_pool"]["strided"] == "—"
    assert by_layer["block1_down"]["strided params"] == 3 * 3 * 6 * 6 + 6
    assert by_layer["dense1"]["same"] and not by_layer["block2_down"]["same"]
    assert rows[-1] == {"layer": "total", "max": "", "max params": 61706, "max FLOPs": 839344,
                        "strided": "", "strided params": 64356, "strided FLOPs": 1075248,
                        "same": False}


def test_architecture_summary_reads_like_the_network():
    assert (compare.architecture_summary(preset("lenet5").to_dict())
            == "conv 6@5x5, 16@5x5 / max / dense 120-84")
    # Kernels 3, 5 and 7 read differently, and so does a block of two convolutions.
    sketches = {compare.architecture_summary(preset("lenet5").replace(
        blocks=[ConvBlock(filters=8, kernel_size=kernel, convs=convs)]).to_dict())
        for kernel in (3, 5, 7) for convs in (1, 2)}
    assert len(sketches) == 6
    assert "conv 8@7x7 x2 / max / dense 120-84" in sketches
    assert compare.architecture_summary(preset("resnet-small").to_dict()) == (
        "conv 16@3x3, res16@3x3 x2, res32@3x3 x2, res64@3x3 x2 / none/max")
    assert compare.architecture_summary(preset("inception-small").to_dict()).startswith(
        "conv 32@3x3, inc16, inc32 / ")
    assert compare.architecture_summary({"blocks": "nope"}).startswith("invalid config: blocks")


def test_aligned_curves_put_runs_side_by_side_by_epoch():
    a = pd.DataFrame({"kind": ["batch", "epoch", "epoch"], "epoch": [1, 1, 2],
                      "val_accuracy": [None, 0.9, 0.95]})
    b = pd.DataFrame({"kind": ["epoch"], "epoch": [1], "val_accuracy": [0.8]})
    frame = compare.aligned_curves({"A": a, "B": b}, "val_accuracy")
    assert frame.index.tolist() == [1, 2]
    assert frame["A"].tolist() == [0.9, 0.95]
    assert frame["B"].iloc[0] == 0.8 and np.isnan(frame["B"].iloc[1])


def test_confusion_difference_counts_mistakes_of_a_minus_b():
    y_true = np.array([4, 4, 4, 7, 7])
    a = np.array([9, 9, 4, 7, 7])
    b = np.array([4, 9, 4, 2, 7])
    difference = compare.confusion_difference(y_true, a, b)
    assert difference[4, 9] == 1 and difference[4, 4] == -1
    assert difference[7, 2] == -1 and difference[7, 7] == 1
    assert np.count_nonzero(difference) == 4


def test_pair_comparison_counts_disagreements_and_mcnemar():
    y_true = np.array([0] * 12 + [1] * 8)
    a = y_true.copy()
    b = y_true.copy()
    b[:10] = 5   # B misses 10 that A gets right
    a[19] = 3    # A misses 1 that B gets right
    pair = compare.compare_pair(RunPredictions("A", one_hot(a), y_true),
                                            RunPredictions("B", one_hot(b), y_true))
    assert pair.a_right_b_wrong.tolist() == list(range(10))
    assert pair.a_wrong_b_right.tolist() == [19]
    assert (pair.mcnemar.a_right_b_wrong, pair.mcnemar.a_wrong_b_right) == (10, 1)
    # Exact binomial: 2 * P(X <= 1) for X ~ Bin(11, 0.5) = 2 * 12 / 2048.
    assert pair.mcnemar.p_value == pytest.approx(24 / 2048)
    assert pair.accuracy_gap == pytest.approx(0.45)
    assert pair.text().startswith("A scores 95.00%, B 50.00% (45.00 points).")
    assert "unlikely to be chance" in pair.text()


def test_ensemble_accuracy_and_what_each_member_adds():
    y_true = np.array([0, 1, 2, 3])
    # A and B are each wrong once on different digits; C breaks their tie.
    a = one_hot(np.array([0, 1, 2, 0]))
    b = one_hot(np.array([0, 1, 0, 3]))
    c = one_hot(np.array([0, 1, 2, 3])) * 0.5
    result, rows = compare.ensemble_rows([
        RunPredictions("A", a, y_true), RunPredictions("B", b, y_true),
        RunPredictions("C", c, y_true)])
    assert result.accuracy == 1.0
    assert [row["accuracy alone"] for row in rows] == [0.75, 0.75, 1.0]
    assert rows[2]["adds to the ensemble"] == pytest.approx(0.5)
    assert "scores 100.00%, +0.00 points" in compare.ensemble_text(result)


def test_per_class_accuracy_and_different_test_sets(store, mnist):
    y = mnist.y_test
    first = seed_run(store, y, name="first")
    second = seed_run(store, y, name="second", mistakes=((4, 9, 20),))
    runs = [store.get(first), store.get(second)]
    loaded, skipped = compare.load_predictions(store, runs, compare.run_labels(runs))
    assert skipped == []
    table = compare.per_class_accuracy(loaded)
    fours = int(np.sum(y == 4))
    assert table.loc[4, loaded[0].label] == pytest.approx((fours - 7) / fours)
    assert table.loc[4, loaded[1].label] == pytest.approx((fours - 20) / fours)
    shorter = RunPredictions("short", loaded[0].probabilities[:10], y[:10])
    with pytest.raises(ValueError, match="different test sets"):
        compare.per_class_accuracy([loaded[0], shorter])


def test_load_predictions_names_runs_without_predictions(store):
    run_id = store.create_run(preset("lenet5").to_dict(), name="queued one")
    runs = [store.get(run_id)]
    loaded, skipped = compare.load_predictions(store, runs, compare.run_labels(runs))
    assert loaded == [] and skipped[0].startswith("queued one (") and "predictions.npz" in skipped[0]


def test_repeats_of_one_config_are_summarised_in_percent_and_points(store, mnist):
    def seeded(seed, accuracy):
        run_id = store.create_run(preset("lenet5").replace(seed=seed).to_dict())
        store.set_summary(run_id, {"test_accuracy": accuracy})
        store.set_status(run_id, RunStatus.COMPLETED)
        return store.get(run_id)

    runs = [seeded(0, 0.98), seeded(1, 0.99), seeded(2, 0.97),
            store.get(seed_run(store, mnist.y_test, preset_name="lenet5-strided"))]
    grouping = compare.group(runs)
    assert len(grouping.repeated) == 1
    arm = grouping.repeated[0]
    interval = arm.interval()
    assert arm.seeds == (0, 1, 2) and interval.mean == pytest.approx(0.98)
    assert interval.sd == pytest.approx(0.01)
    # On the logit scale: the logits of .97, .98 and .99 have mean 3.9877 and sd 0.5656; with
    # t(0.975, 2) = 4.303 the half width is 1.4051: 0.9297 to 0.9955 on the accuracy scale.
    assert (interval.low, interval.high) == (pytest.approx(0.9297, abs=1e-4), pytest.approx(0.9955, abs=1e-4))
    labels = compare.run_labels(runs)
    assert compare.arm_text(arm, labels).endswith(
        "3 seeds (0, 1, 2), mean 98.00%, 95% interval 92.97% to 99.55%, sd 1.00 points")
    assert [single.reason for single in grouping.singles] == [
        "no other run of its config completed as configured"]


def test_comparison_figures_show_the_numbers():
    difference = np.zeros((10, 10), dtype=int)
    difference[4, 9], difference[7, 2], difference[3, 3] = 5, -2, 7
    cells = figures.confusion_difference_cells(difference, "A", "B")
    cell = {(c["true"], c["predicted"]): c for c in cells["cells"]}
    assert cell[4, 9]["text"] == "+5" and cell[7, 2]["text"] == "-2" and cell[1, 2]["text"] == ""
    assert cell[4, 9]["label"] == "true 4 → predicted 9: A +5 against B"
    assert cell[4, 9]["colour"] == "rgb(103, 0, 31)" and cell[4, 9]["dark"]  # the red end
    assert cell[1, 2]["colour"] == "rgb(247, 247, 247)" and not cell[1, 2]["dark"]  # no difference
    assert cell[7, 2]["colour"] not in ("rgb(247, 247, 247)", "rgb(103, 0, 31)")  # towards blue
    assert cell[3, 3]["colour"] == DIAGONAL_GREY  # the diagonal is not coloured
    assert cells["scale"] | {"colours": None} == {"title": "A minus B", "low": "-5", "high": "+5",
                                                   "colours": None}
    table = pd.DataFrame({"A": np.linspace(0.9, 1, 10), "B": np.ones(10)})
    bars = figures.per_class_accuracy_figure(table)
    assert [bar.name for bar in bars.data] == ["A", "B"]
    assert bars.layout.yaxis.range == (pytest.approx(0.88), 1.0)


def test_the_accuracy_bar_starts_a_point_below_the_lowest_run():
    from mnist_lab.compare.run_table import accuracy_scale

    low, high = accuracy_scale([0.984, 0.991, None, float("nan")])
    assert (low, high) == (0.97, 1.0)
    # 98.4% and 99.1% now fill visibly different shares of the bar: 47% and 70%.
    assert round((0.991 - low) / (high - low) - (0.984 - low) / (high - low), 2) == 0.23
    assert accuracy_scale([]) == (0.0, 1.0)
    assert accuracy_scale([0.1]) == (0.09, 1.0)


def test_a_pair_choice_is_always_two_different_runs():
    assert compare.pair_choice(["a", "b", "c"], "b", "c") == ("b", "c")
    assert compare.pair_choice(["a", "b"], "b", "c") == ("b", "a")  # c left the selection
    assert compare.pair_choice(["a", "b"], "c", "c") == ("a", "b")
    assert compare.pair_choice(["a", "b", "c"], "b", "b") == ("b", "a")
    with pytest.raises(ValueError, match="needs two runs, got 1"):
        compare.pair_choice(["a"], None, None)


def test_changes_made_during_training_are_named_and_confound_the_verdict(store, mnist):
    from mnist_lab.config import preset as named_preset

    changed = seed_run(store, mnist.y_test, name="changed")
    store.set_summary(changed, {**store.get(changed).summary, "learning_rate_changes": [[240, 0.005]]})
    plain = seed_run(store, mnist.y_test, name="plain")
    stopped = store.create_run(named_preset("lenet5").replace(epochs=5).to_dict(), name="stopped")
    store.set_summary(stopped, {"steps_per_epoch": 100, "epochs_completed": 1, "epochs_trained": 1.35})
    store.set_status(stopped, RunStatus.STOPPED)
    changes = {run_id: compare.changes_during_training(store.get(run_id))
               for run_id in (changed, plain, stopped)}
    assert changes == {changed: ["learning rate set to 0.005 at epoch 2.40"], plain: [],
                       stopped: ["stopped after 1.35 of 5 epochs"]}
    rows = compare.during_training_rows(changes)
    assert rows == [{"field": "during training", changed: "learning rate set to 0.005 at epoch 2.40",
                     plain: "nothing", stopped: "stopped after 1.35 of 5 epochs"}]
    assert compare.during_training_rows({plain: [], "other": []}) == []
    assert compare.confounder_text({plain: [], "other": []}) == ""
    assert compare.confounder_text({changed: changes[changed], plain: []}) == (
        "Not only the config differs, so the gap cannot be put down to it alone. Changed during "
        f"training, {changed}: learning rate set to 0.005 at epoch 2.40.")


def test_three_or_more_runs_rank_by_test_accuracy_with_the_spread_over_seeds(store, mnist):
    from mnist_lab.config import preset as named_preset

    def run(name, preset_name, seed, accuracy):
        run_id = store.create_run(named_preset(preset_name).replace(seed=seed).to_dict(), name=name)
        store.set_summary(run_id, {"test_accuracy": accuracy})
        store.set_status(run_id, RunStatus.COMPLETED)
        return store.get(run_id)

    runs = [run("max 0", "lenet5", 0, 0.9904), run("strided", "lenet5-strided", 0, 0.9906),
            run("max 1", "lenet5", 1, 0.9922), run("max 2", "lenet5", 2, 0.9906)]
    labels = compare.run_labels(runs)
    rows = compare.ranking_rows(compare.group(runs), labels)
    assert [row["rank"] for row in rows] == [1, 2]
    assert rows[0]["runs"] == ", ".join(labels[r.id] for r in (runs[0], runs[2], runs[3]))
    assert (rows[0]["seeds"], rows[0]["n"], rows[0]["test accuracy"]) == ("0, 1, 2", 3, "99.11%")
    assert rows[0]["sd"] == "0.10 points" and rows[0]["single because"] == "—"
    assert (rows[0]["lowest"], rows[0]["highest"]) == ("99.04%", "99.22%")
    assert (rows[1]["runs"], rows[1]["sd"], rows[1]["95% interval"]) == (
        labels[runs[1].id], "—", "n = 1: no interval")
    assert rows[1]["single because"] == "no other run of its config completed as configured"


def test_throughput_measured_under_different_load_gets_a_note(store):
    import os

    from mnist_lab.config import preset as named_preset

    def start(name):
        run_id = store.create_run(named_preset("lenet5").to_dict(), name=name)
        assert store.claim(run_id, os.getpid(), max_running=3)
        return run_id

    first, second = start("first"), start("second")  # trained at the same time
    for run_id in (first, second):
        store.set_status(run_id, RunStatus.COMPLETED)
    alone = start("alone")
    store.set_status(alone, RunStatus.COMPLETED)
    runs = store.list()
    by_id = {run.id: run for run in runs}
    assert [compare.trained_alongside(by_id[run_id], runs) for run_id in (first, second, alone)] == [1, 1, 0]
    labels = compare.run_labels(runs)
    assert compare.throughput_note([by_id[first], by_id[second]], runs) == ""
    note = compare.throughput_note([by_id[first], by_id[alone]], runs)
    assert note == ("images/s and train s were measured under different load, so they compare the "
                    f"machine's load as much as the networks: {labels[first]} alongside 1 other run; "
                    f"{labels[alone]} alone.")


def test_lineage_names_the_parent_even_when_it_is_not_compared(store, mnist):
    parent = seed_run(store, mnist.y_test, name="base")
    child = seed_run(store, mnist.y_test, name="child", config=preset("lenet5").replace(init_from=parent))
    other = seed_run(store, mnist.y_test, name="other")
    assert compare.lineage_lines([store.get(child), store.get(other)]) == [
        f"child ({child[-6:]}) started from the weights of run {parent} (not among these runs) "
        "(fine-tune)."]
    from mnist_lab.compare.report import comparison_sections

    sections = comparison_sections(store, [store.get(parent), store.get(child)])
    assert sections[0].title == "started from another run"
    assert sections[0].lines[0].startswith(f"child ({child[-6:]}) started from the weights of base (")
