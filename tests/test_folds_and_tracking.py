"""k-fold runs and the tracked training sample, trained for real on the 500-image data."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_lab import compare
from mnist_lab.cli import main
from mnist_lab.config import ConfigError, RunConfig, preset
from mnist_lab.data import load_mnist, split_fold
from mnist_lab.model import describe
from mnist_lab.store import artifacts
from mnist_lab.training.folds import fold_configs


@pytest.fixture(scope="module")
def small(small_npz):
    return load_mnist(str(small_npz))


def tiny(**changes) -> RunConfig:
    return preset("lenet5").replace(**{"epochs": 1, "batch_size": 32, **changes})


def train_runs(store, data, configs) -> list[str]:
    from mnist_lab.training.train import train

    run_ids = []
    for config in configs:
        run_id = store.create_run(config.to_dict(), name=f"fold {config.fold}")
        train(config, store, run_id, data)
        run_ids.append(run_id)
    return run_ids


def test_fold_configs_are_k_copies_that_differ_only_in_the_fold():
    base = preset("lenet5").replace(subset=100)

    configs = fold_configs(base, 4)

    assert [(config.folds, config.fold) for config in configs] == [(4, 1), (4, 2), (4, 3), (4, 4)]
    assert all(config.replace(folds=None, fold=None) == base for config in configs)
    with pytest.raises(ConfigError, match="^folds must be 2..20, got 1$"):
        fold_configs(base, 1)
    with pytest.raises(ConfigError, match="folds: 5 folds need at least 5 images of each digit"):
        fold_configs(base.replace(subset=4), 5)


@pytest.mark.parametrize(("changes", "message"), [
    ({"fold": 2}, "fold: set folds too (how many folds, 2..20), or leave fold unset"),
    ({"folds": 5}, "fold: a run of 5 folds must say which fold it holds out (1..5)"),
    ({"folds": 1, "fold": 1}, "folds must be 2..20, got 1"),
    ({"folds": 21, "fold": 1}, "folds must be 2..20, got 21"),
    ({"folds": 5, "fold": 0}, "fold must be 1..5 (one of the 5 folds), got 0"),
    ({"folds": 5, "fold": 6}, "fold must be 1..5 (one of the 5 folds), got 6"),
    ({"folds": 5, "fold": 1, "subset": 3}, "folds: 5 folds need at least 5 images of each digit"),
])
def test_bad_fold_fields_are_named(changes, message):
    with pytest.raises(ConfigError) as error:
        describe(preset("lenet5").replace(**changes))
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_a_stored_config_without_fold_fields_still_loads():
    stored = preset("lenet5").to_dict()
    del stored["folds"], stored["fold"]

    config = RunConfig.from_dict(stored)

    assert (config.folds, config.fold) == (None, None)
    describe(config)


def test_folds_are_stratified_and_cover_every_image_once(mnist):
    labels = mnist.y_train[:1000]
    held_out = [split_fold(labels, 4, fold, seed=7)[1] for fold in (1, 2, 3, 4)]

    assert np.array_equal(np.sort(np.concatenate(held_out)), np.arange(1000))
    for part in held_out:
        counts = np.bincount(labels[part], minlength=10)
        assert (np.abs(counts - np.bincount(labels, minlength=10) / 4) <= 1).all()
    kept, again = split_fold(labels, 4, 2, seed=7)
    assert np.array_equal(again, held_out[1]) and np.intersect1d(kept, again).size == 0


def test_fold_runs_hold_their_fold_out_and_together_score_every_training_image(store, small, capsys):
    run_ids = train_runs(store, small, fold_configs(tiny(), 3))

    seen = []
    for run_id in run_ids:
        folder = store.run_dir(run_id)
        heldout = artifacts.read_heldout(folder)
        tracked, validation = artifacts.read_tracked(folder), artifacts.read_validation(folder)
        assert np.array_equal(heldout.train_labels, small.y_train)
        assert np.intersect1d(heldout.index, tracked.index).size == 0  # never trained on
        assert np.intersect1d(heldout.index, validation.val_index).size == 0
        trained = store.get(run_id).summary["train_images"]
        assert trained + len(validation.val_index) + len(heldout.index) == 500
        seen.append(heldout.index)
    assert np.array_equal(np.sort(np.concatenate(seen)), np.arange(500))

    issues = compare.issues_in_training_set(store, [store.get(run_id) for run_id in run_ids])
    assert issues.scored == 500 and np.array_equal(issues.given, small.y_train[issues.index])

    assert main(["--home", str(store.home), "runs", "label-issues", "--train", *run_ids]) == 0
    output = capsys.readouterr().out
    assert output.startswith(f"Cleanlab flags {issues.flagged_count} of 500 training images as "
                             "likely label errors, from the held-out folds of 3 fold runs.")
    assert f"1     {issues.index[0]}" in output


def test_training_records_the_tracked_sample_after_every_epoch(store, small):
    import keras

    [run_id] = train_runs(store, small, [tiny(epochs=3)])

    folder = store.run_dir(run_id)
    tracked = artifacts.read_tracked(folder)
    assert tracked.predicted.shape == (3, 450)  # 45 training images of each digit, all tracked
    assert np.array_equal(np.bincount(tracked.labels), [45] * 10)
    assert np.array_equal(tracked.labels, small.y_train[tracked.index])
    assert np.intersect1d(tracked.index, artifacts.read_validation(folder).val_index).size == 0
    model = keras.saving.load_model(store.artifact(run_id, artifacts.MODEL_FILE), safe_mode=True)
    last = model.predict(small.x_train[tracked.index][..., None] / 255.0, verbose=0).argmax(axis=1)
    assert np.array_equal(tracked.predicted[-1], last)
