"""Likely label errors: cleanlab on known flips, averaged runs, accuracy without marked errors,
and k fold runs gathered into out-of-sample probabilities for the training set."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_lab import compare
from mnist_lab.analysis.label_errors import (
    HeldOutFold,
    accuracy_set_aside,
    average_probabilities,
    find_label_issues,
    gather_folds,
)
from mnist_lab.data import split_fold
from mnist_lab.store import LabelMark
from tests.fakes import FLIPPED, fake_probabilities, seed_fold_runs, seed_run, with_flipped


def test_cleanlab_ranks_the_flipped_labels_first(mnist):
    """A model right on every image, over labels of which 20 were changed: the model is sure
    (99.5%) of those 20 images' real digits, and exactly those are flagged."""
    y_test = mnist.y_test
    flipped = np.random.default_rng(5).choice(len(y_test), 20, replace=False)
    given = y_test.copy()
    given[flipped] = (y_test[flipped] + 3) % 10
    probabilities = with_flipped(fake_probabilities(y_test, mistakes=()), given,
                                 [(image, y_test[image]) for image in flipped])

    issues = find_label_issues(given, probabilities)

    assert sorted(issues.index[issues.flagged]) == sorted(flipped)
    assert sorted(issues.index[:20]) == sorted(flipped)  # the flagged rank first here
    assert sorted(issues.index) == list(range(10_000))  # and every image is ranked
    assert np.array_equal(issues.suggested, y_test[issues.index])
    assert np.array_equal(issues.given, given[issues.index])
    assert (issues.quality[:20] < 0.01).all() and (np.diff(issues.quality) >= 0).all()
    assert issues.scored == 10_000 and issues.flagged_count == 20
    assert issues.rows(3)[0].keys() == {"rank", "image", "given", "model", "confidence",
                                        "label quality", "flagged"}
    assert [row["flagged"] for row in issues.rows(22)] == ["yes"] * 20 + ["", ""]


def test_a_run_on_some_digits_is_judged_among_them_and_nothing_flagged_is_no_error(mnist):
    """A run on 4 and 9 (`classes`): cleanlab sees those two digits only, and a model with no
    doubtful label flags nothing instead of failing."""
    keep = np.isin(mnist.y_test, [4, 9])
    given = mnist.y_test[keep]
    flipped = np.flatnonzero(given == 4)[:5]
    probabilities = with_flipped(fake_probabilities(given, mistakes=()), given,
                                 [(image, 9) for image in flipped])

    issues = find_label_issues(given, probabilities)

    assert sorted(issues.index[issues.flagged]) == sorted(flipped)
    assert set(issues.suggested[issues.flagged]) == {9}
    clean = find_label_issues(given, fake_probabilities(given, mistakes=()))
    assert clean.flagged_count == 0 and clean.scored == len(clean.index) == keep.sum()


def test_the_fake_runs_flipped_images_lead_its_ranking(store, mnist):
    run_id = seed_run(store, mnist.y_test, flipped=FLIPPED)

    issues = compare.issues_in_test_set(store, [store.get(run_id)])

    assert sorted(issues.index[:len(FLIPPED)]) == [image for image, _ in FLIPPED]
    assert issues.text() == (f"Cleanlab flags {issues.flagged_count} of 10,000 test images as "
                             "likely label errors, from one run's probabilities.")


def test_several_runs_are_averaged_and_must_agree_on_the_test_order(store, mnist):
    first = seed_run(store, mnist.y_test, flipped=FLIPPED, seed=1)
    second = seed_run(store, mnist.y_test, flipped=FLIPPED[:3], seed=2)
    runs = [store.get(first), store.get(second)]

    issues = compare.issues_in_test_set(store, runs)

    assert issues.source == "the averaged probabilities of 2 runs"
    labels, mean = average_probabilities(
        [fake_probabilities(mnist.y_test, seed=1), fake_probabilities(mnist.y_test, seed=2)],
        [mnist.y_test, mnist.y_test], ["a", "b"])
    assert np.allclose(mean, (fake_probabilities(mnist.y_test, seed=1)
                              + fake_probabilities(mnist.y_test, seed=2)) / 2)
    shuffled = np.roll(mnist.y_test, 1)
    with pytest.raises(ValueError, match=r"a and b disagree on the test order: image #0 is a 7 "
                                         r"in one and a 6 in the other"):
        average_probabilities([mean, mean], [mnist.y_test, shuffled], ["a", "b"])
    with pytest.raises(ValueError, match="a and b were scored on different test sets "
                                         r"\(10,000 and 500 images\)"):
        average_probabilities([mean, mean[:500]], [mnist.y_test, mnist.y_test[:500]], ["a", "b"])


def test_a_run_without_predictions_is_named(store, mnist):
    run_id = seed_run(store, mnist.y_test)
    store.artifact(run_id, "predictions.npz").unlink()

    with pytest.raises(ValueError, match=r"no test predictions for lenet5 \(\w{6}\): "
                                         "predictions.npz is missing"):
        compare.issues_in_test_set(store, [store.get(run_id)])


def test_accuracy_with_marked_label_errors_set_aside(store, mnist):
    run_id = seed_run(store, mnist.y_test, flipped=FLIPPED)  # 15 mistakes + 6 flipped
    probabilities = with_flipped(fake_probabilities(mnist.y_test), mnist.y_test, FLIPPED)
    store.set_label_marks(run_id, {9990: LabelMark.LABEL_WRONG, 9991: LabelMark.LABEL_WRONG,
                                   9992: LabelMark.AMBIGUOUS, 9993: LabelMark.MODEL_WRONG})

    accuracy = compare.marked_accuracy(store, store.get(run_id), probabilities, mnist.y_test)

    assert (accuracy.plain, accuracy.set_aside) == (pytest.approx(1 - 21 / 10_000), 2)
    assert accuracy.without == pytest.approx(1 - 19 / 9_998)
    assert accuracy.text() == ("Accuracy 99.79% on all 10,000 test images; 99.81% with the 2 "
                               "images marked “label wrong” set aside.")
    assert accuracy_set_aside([1, 2, 3], [1, 2, 0], []).text() == \
        "Accuracy 66.67% on all 3 test images."


def fold(name, fold_number, index, labels, folds=3, subset=None, seed=0, train_labels=None):
    train_labels = labels if train_labels is None else train_labels
    return HeldOutFold(name=name, folds=folds, fold=fold_number, subset=subset, seed=seed,
                       index=index, probabilities=fake_probabilities(labels[index], mistakes=()),
                       train_labels=train_labels)


def three_folds(labels, **changes):
    return [fold(f"f{number}", number, split_fold(labels, 3, number, 0)[1], labels, **changes)
            for number in (1, 2, 3)]


def test_folds_join_into_out_of_sample_probabilities_in_index_order(mnist):
    labels = mnist.y_train[:600]
    parts = three_folds(labels)

    out = gather_folds(parts[::-1])

    assert np.array_equal(out.index, np.arange(600)) and np.array_equal(out.labels, labels)
    assert (out.probabilities.argmax(axis=1) == labels).all()


def test_bad_fold_sets_are_named(mnist):
    labels = mnist.y_train[:600]
    parts = three_folds(labels)
    not_fold = HeldOutFold(**{**parts[0].__dict__, "folds": None, "fold": None, "name": "plain"})
    other_order = fold("f3", 3, parts[2].index, labels, train_labels=labels[::-1].copy())
    cut = fold("f3", 3, parts[2].index[:-1], labels)
    cases = [
        ([parts[0], parts[1]], "only 2 of 3 folds: fold 3 is missing"),
        ([parts[0]], "only 1 of 3 folds: fold 2, 3 are missing"),
        ([parts[0], parts[1], parts[1]], "fold 2 of 3 appears twice: f2 and f2"),
        ([*parts[:2], not_fold], r"plain is not a k-fold run \(its config sets no folds\)"),
        ([parts[0], parts[1], fold("f3", 3, parts[2].index, labels, folds=4)],
         "f1 is one of 3 folds but f3 one of 4"),
        ([*parts[:2], other_order], "f1 and f3 were trained on different training images or the "
                                    "same ones in another order"),
        ([*parts[:2], cut], "the folds hold out 599 training images, but the 600 they split must "
                            "each be held out once"),
        ([*parts[:2], fold("f3", 3, np.append(parts[2].index[:-1], parts[0].index[0]), labels)],
         r"training image #\d+ is held out by more than one fold"),
        ([], "no fold runs were given"),
    ]
    for given, message in cases:
        with pytest.raises(ValueError, match=message):
            gather_folds(given)


def test_the_training_label_errors_of_a_seeded_fold_study(store, mnist):
    flipped = ((7, 1), (70, 2), (700, 3), (7000, 4), (50000, 5))
    run_ids = seed_fold_runs(store, mnist.y_train, mnist.y_test, folds=3, flipped=flipped)
    runs = [store.get(run_id) for run_id in run_ids]

    issues = compare.issues_in_training_set(store, runs)

    assert sorted(issues.index[issues.flagged]) == [image for image, _ in flipped]
    assert sorted(issues.index[:len(flipped)]) == [image for image, _ in flipped]
    assert issues.scored == 60_000 and issues.source == "the held-out folds of 3 fold runs"
    assert [run.id for run in compare.fold_runs(store.list(), runs[1])] == run_ids
    with pytest.raises(ValueError, match="only 2 of 3 folds: fold 2 is missing"):
        compare.issues_in_training_set(store, [runs[0], runs[2]])
    plain = seed_run(store, mnist.y_test)
    with pytest.raises(ValueError, match="config sets no folds"):
        compare.issues_in_training_set(store, [*runs[:2], store.get(plain)])
    assert compare.fold_runs(store.list(), store.get(plain)) == []
