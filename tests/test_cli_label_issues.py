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
        "test images as likely label errors, from the averaged probabilities of 2 runs. The 6 "
        "least plausible labels are shown, ranked by cleanlab's label quality.")
    assert lines[1].split() == ["rank", "image", "given", "model", "confidence", "label",
                                "quality", "flagged", "mark"]
    rows = {int(line.split()[1]): line for line in lines[2:8]}
    assert sorted(rows) == [image for image, _ in FLIPPED]
    assert rows[9990].split()[-3:] == ["yes", "label", "wrong"]
    assert rows[9993].split()[-2:] == ["yes", "ambiguous"]
    assert lines[8] == (f"lenet5 ({run_id}): Accuracy 99.79% on all 10,000 test images; "
                        "99.80% with the 1 image marked “label wrong” set aside.")


def test_top_lists_that_many_candidates_past_the_flagged_ones_and_marks_apply_to_any(
        store, mnist, capsys):
    run_id = seed_run(store, mnist.y_test, flipped=FLIPPED)
    flagged = int(re.match(r"Cleanlab flags (\d+) ", _listing(store, capsys, run_id, "5")[0]).group(1))
    unflagged = int(_listing(store, capsys, run_id, "50")[2 + flagged].split()[1])
    store.set_label_marks(run_id, {unflagged: LabelMark.MODEL_WRONG})

    lines = _listing(store, capsys, run_id, "50")

    rows = [line.split() for line in lines[2:-1]]
    assert len(rows) == 50 and [int(row[0]) for row in rows] == list(range(1, 51))
    assert ["yes" in row for row in rows] == [True] * flagged + [False] * (50 - flagged)
    qualities = [float(row[5]) for row in rows]
    assert qualities == sorted(qualities)
    assert lines[2 + flagged].rstrip().endswith("model wrong")


def _listing(store, capsys, run_id, top):
    assert label_issues(store, run_id, "--top", top) == 0
    return capsys.readouterr().out.splitlines()


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
