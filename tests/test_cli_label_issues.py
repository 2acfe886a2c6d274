"""`mnist-lab runs label-issues`: the ranked list, the marks, and a line for each bad input."""

from __future__ import annotations

import re

import pytest

from mnist_lab.cli import main
from mnist_lab.store import LabelMark, artifacts
from tests.fakes import FLIPPED, seed_fold_runs, seed_run, seed_shuffled_run


def label_issues(store, *arguments):
    return main(["--home", str(store.home), "runs", "label-issues", *arguments])


def test_the_flipped_images_lead_with_their_marks_and_the_accuracy_both_ways(store, mnist, capsys):
    run_id = seed_run(store, mnist.y_test, flipped=FLIPPED)
    other = seed_run(store, mnist.y_test, flipped=FLIPPED, seed=3)
    store.set_label_marks(run_id, {9990: LabelMark.LABEL_WRONG, 9993: LabelMark.AMBIGUOUS})

    assert label_issues(store, run_id, other, "--top", "6") == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Cleanlab flags ") and lines[0].endswith(
        "test images as likely label errors, from the averaged probabilities of 2 runs.")
    assert lines[1].split() == ["rank", "image", "given", "model", "confidence", "label",
                                "quality", "mark"]
    rows = {int(line.split()[1]): line for line in lines[2:8]}
    assert sorted(rows) == [image for image, _ in FLIPPED]
    assert rows[9990].rstrip().endswith("label wrong") and rows[9993].rstrip().endswith("ambiguous")
    assert lines[8] == (f"lenet5 ({run_id}): Accuracy 99.79% on all 10,000 test images; "
                        "99.80% with the 1 image marked “label wrong” set aside.")


@pytest.mark.parametrize(("case", "message"), [
    ("no predictions", r"no test predictions for lenet5 \(\w{6}\): predictions.npz is missing"),
    ("another order", r"lenet5 \(\w{6}\) and lenet5 \(\w{6}\) disagree on the test order: image #0 "
                      r"is a 7 in one and a \d in the other \(\d,\d{3} labels differ\)"),
    ("not folds", r"lenet5 \(\w{6}\) is not a k-fold run \(its config sets no folds\)"),
    ("missing fold", "only 2 of 3 folds: fold 2 is missing; every training image needs a run "
                     "that held it out"),
    ("top", "--top must be 1 or more, got 0"),
])
def test_bad_input_gets_one_line_and_exit_2(store, mnist, capsys, case, message):
    plain = seed_run(store, mnist.y_test)
    if case == "no predictions":
        store.artifact(plain, artifacts.PREDICTIONS_FILE).unlink()
        arguments = [plain]
    elif case == "another order":
        arguments = [plain, seed_shuffled_run(store, mnist.y_test)]
    elif case == "not folds":
        arguments = ["--train", plain]
    elif case == "missing fold":
        arguments = ["--train", *seed_fold_runs(store, mnist.y_train, mnist.y_test, only=[1, 3])]
    else:
        arguments = [plain, "--top", "0"]

    assert label_issues(store, *arguments) == 2

    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith("mnist-lab: error: ") and re.search(message, error), error
