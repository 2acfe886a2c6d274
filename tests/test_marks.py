"""Label marks: saved in the store, carried through export and import, hostile values refused;
and the new per-run arrays (tracked labels, held-out folds) travel and are checked too."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from mnist_lab.store import LabelMark, RunStore, archive, artifacts
from mnist_lab.store.archive import ArchiveError
from tests.fakes import TRACKED_HISTORY, TRACKED_LABELS, seed_fold_runs, seed_run, seed_tracked
from tests.test_archive import rewritten, snapshot

MARKS = {2462: LabelMark.LABEL_WRONG, 947: LabelMark.AMBIGUOUS, 17: LabelMark.MODEL_WRONG}


def test_marks_are_saved_changed_cleared_and_deleted_with_the_run(store, mnist):
    run_id = seed_run(store, mnist.y_test)
    other = seed_run(store, mnist.y_test)

    store.set_label_marks(run_id, MARKS)
    store.set_label_marks(run_id, {947: LabelMark.LABEL_WRONG, 17: None})
    store.set_label_marks(other, {5: LabelMark.AMBIGUOUS})

    assert RunStore(store.home).label_marks(run_id) == {947: LabelMark.LABEL_WRONG,
                                                        2462: LabelMark.LABEL_WRONG}
    with pytest.raises(ValueError, match="a marked image must be a test image 0..9999, got 10000"):
        store.set_label_marks(run_id, {10_000: LabelMark.AMBIGUOUS})
    with pytest.raises(ValueError, match="'wrong' is not a valid LabelMark"):
        store.set_label_marks(run_id, {3: "wrong"})
    store.delete(run_id)
    assert store.label_marks(run_id) == {} and store.label_marks(other) == {5: LabelMark.AMBIGUOUS}


def test_marks_and_the_new_arrays_survive_export_and_import(store, mnist, tmp_path):
    run_id = seed_fold_runs(store, mnist.y_train, mnist.y_test, folds=2, only=[2])[0]
    seed_tracked(store, run_id, TRACKED_HISTORY, TRACKED_LABELS)
    store.set_label_marks(run_id, MARKS)
    data = archive.export_run(store, run_id)

    empty = RunStore(tmp_path / "other")
    new_id = archive.import_run(empty, data)

    assert empty.label_marks(new_id) == MARKS
    assert json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))["label_marks"] == [
        {"image": 17, "mark": "model wrong"}, {"image": 947, "mark": "ambiguous"},
        {"image": 2462, "mark": "label wrong"}]
    tracked = artifacts.read_tracked(empty.run_dir(new_id))
    assert np.array_equal(tracked.predicted, TRACKED_HISTORY)
    assert np.array_equal(tracked.labels, TRACKED_LABELS)
    heldout = artifacts.read_heldout(empty.run_dir(new_id))
    assert np.array_equal(heldout.index, artifacts.read_heldout(store.run_dir(run_id)).index)
    assert empty.get(new_id).config["fold"] == 2


def manifest_with(data: bytes, marks) -> bytes:
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    manifest["label_marks"] = marks
    return rewritten(data, {"manifest.json": json.dumps(manifest).encode()})


@pytest.mark.parametrize(("marks", "message"), [
    ({"2462": "label wrong"}, "label_marks must be a list of at most 10,000 marks"),
    ([{"image": 1, "mark": "ambiguous"}] * 10_001, "label_marks must be a list of at most 10,000"),
    (["label wrong"], "label mark 1 must be an object with image and mark"),
    ([{"image": 1, "mark": "ambiguous", "by": "me"}], "label mark 1 must be an object with image"),
    ([{"image": True, "mark": "ambiguous"}], "a marked image must be a test image 0..9999, got True"),
    ([{"image": "5", "mark": "ambiguous"}], "a marked image must be a test image 0..9999, got '5'"),
    ([{"image": 10_000, "mark": "ambiguous"}], "a marked image must be a test image 0..9999, got 10000"),
    ([{"image": -1, "mark": "ambiguous"}], "a marked image must be a test image 0..9999, got -1"),
    ([{"image": 3.0, "mark": "ambiguous"}], "a marked image must be a test image 0..9999, got 3.0"),
    ([{"image": 3, "mark": "rm -rf /"}], "label mark 1: unknown mark 'rm -rf /'; use one of "
                                         "'label wrong', 'ambiguous', 'model wrong'"),
    ([{"image": 3, "mark": ["label wrong"]}], "label mark 1: unknown mark"),
    ([{"image": 3, "mark": "ambiguous"}, {"image": 3, "mark": "label wrong"}],
     "label mark 2: image 3 is marked twice"),
])
def test_hostile_marks_are_refused_with_one_line_and_nothing_changes(store, mnist, marks, message):
    data = archive.export_run(store, seed_run(store, mnist.y_test))
    before = snapshot(store)

    with pytest.raises(ArchiveError) as error:
        archive.import_run(store, manifest_with(data, marks))

    assert str(error.value).startswith(f"manifest.json: {message}")
    assert "\n" not in str(error.value) and snapshot(store) == before


def npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("train_predictions.npz", npz(predicted=np.zeros((2, 8), np.uint8), labels=TRACKED_LABELS,
                                  index=np.arange(8) + 59_995),
     "train_predictions.npz: index must hold 8 positions in 0..59999"),
    ("train_predictions.npz", npz(predicted=np.full((2, 8), 11, np.uint8), labels=TRACKED_LABELS,
                                  index=np.arange(8)),
     "train_predictions.npz: predicted must hold labels 0..9"),
    ("train_predictions.npz", npz(predicted=np.zeros((2, 7), np.uint8), labels=TRACKED_LABELS,
                                  index=np.arange(8)),
     r"train_predictions.npz: predicted must be \(epochs, 8\) labels"),
    ("heldout_predictions.npz", npz(probabilities=np.full((2, 10), 0.1, np.float32),
                                    index=np.array([3, 3]), train_labels=TRACKED_LABELS),
     "heldout_predictions.npz: index must not name a training image twice"),
    ("heldout_predictions.npz", npz(probabilities=np.full((2, 10), 0.1, np.float32),
                                    index=np.array([3, 8]), train_labels=TRACKED_LABELS),
     "heldout_predictions.npz: index must hold 2 positions in 0..7"),
    ("heldout_predictions.npz", npz(probabilities=np.full((2, 10), 0.5, np.float32),
                                    index=np.array([3, 4]), train_labels=TRACKED_LABELS),
     "heldout_predictions.npz: probabilities must be finite, at least 0, and sum to 1"),
    ("heldout_predictions.npz", npz(probabilities=np.full((2, 10), 0.1, np.float32),
                                    index=np.array([3, 4]), train_labels=TRACKED_LABELS + 3),
     "heldout_predictions.npz: train_labels must hold labels 0..9"),
])
def test_bad_tracked_or_heldout_arrays_are_refused(store, mnist, name, content, message):
    data = archive.export_run(store, seed_run(store, mnist.y_test))
    before = snapshot(store)

    with pytest.raises(ArchiveError, match=f"^{message}"):
        archive.import_run(store, rewritten(data, add={name: content}))
    assert snapshot(store) == before
