"""Run archives: a faithful round trip, and every kind of bad archive refused without a trace."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from mnist_lab.config import preset
from mnist_lab.store import RunStatus, RunStore, archive, artifacts
from mnist_lab.store.archive import ArchiveError, ArchiveLimits
from mnist_lab.store.summary import ORIGINAL_CREATED_AT
from tests.fakes import seed_run


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    """A real (untrained) LeNet-5 model file and one with a Lambda layer, as bytes."""
    import keras

    from mnist_lab.model.build import build_model

    folder = tmp_path_factory.mktemp("models")
    build_model(preset("lenet5")).save(folder / "lenet5.keras")
    lambda_model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Lambda(lambda x: x * 2),
                                     keras.layers.Flatten(), keras.layers.Dense(10)])
    lambda_model.save(folder / "lambda.keras")
    return {name: (folder / f"{name}.keras").read_bytes() for name in ("lenet5", "lambda")}


@pytest.fixture
def exported(store, mnist, model_files):
    """A seeded run with a model, its notes and tags, exported: (run id, zip bytes)."""
    run_id = seed_run(store, mnist.y_test, name="lenet5 baseline")
    store.update(run_id, tags=["baseline", "paper"], notes="first try: SGD 0.01")
    store.write_artifact(run_id, artifacts.MODEL_FILE,
                         lambda path: path.write_bytes(model_files["lenet5"]))
    return run_id, archive.export_run(store, run_id)


def rewritten(data: bytes, replace: dict[str, bytes] | None = None, add: dict | None = None) -> bytes:
    """The archive with some members replaced and some added (name -> bytes or ZipInfo, bytes)."""
    replace = replace or {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(
            buffer, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return buffer.getvalue()


def snapshot(store: RunStore):
    files = sorted(str(path.relative_to(store.home)) for path in store.home.rglob("*")
                   if not path.name.startswith("index.sqlite"))
    runs = [(run.id, run.name, len(store.metrics(run.id))) for run in store.list()]
    return files, runs


def test_round_trip_into_an_empty_store_keeps_everything(exported, store, tmp_path):
    run_id, data = exported
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        assert sorted(zipped.namelist()) == sorted([
            "manifest.json", "config.json", "metrics.json", "model.keras", "predictions.npz",
            "val_predictions.npz"])
    empty = RunStore(tmp_path / "other")
    new_id = archive.import_run(empty, data)
    original, imported = store.get(run_id), empty.get(new_id)
    assert new_id != run_id
    assert (imported.name, imported.tags, imported.notes) == (
        "lenet5 baseline", ["baseline", "paper"], "first try: SGD 0.01")
    assert imported.status is RunStatus.COMPLETED
    assert imported.config == original.config
    assert imported.summary == {**original.summary, ORIGINAL_CREATED_AT: original.created_at}
    assert imported.created_at > original.created_at  # when it was imported
    columns = ["kind", "epoch", "step", "wall_s", "loss", "accuracy", "val_accuracy"]
    assert (empty.metrics(new_id)[columns].fillna(-1).values.tolist()
            == store.metrics(run_id)[columns].fillna(-1).values.tolist())
    probabilities, y_test = artifacts.read_predictions(empty.run_dir(new_id))
    assert np.array_equal(probabilities, artifacts.read_predictions(store.run_dir(run_id))[0])
    assert int(np.sum(probabilities.argmax(axis=1) != y_test)) == 15
    assert artifacts.read_config(empty.run_dir(new_id)).to_dict() == original.config
    assert (empty.artifact(new_id, artifacts.MODEL_FILE).read_bytes()
            == store.artifact(run_id, artifacts.MODEL_FILE).read_bytes())


def test_a_copy_of_a_copy_keeps_the_date_the_run_was_first_created(exported, store, tmp_path):
    run_id, data = exported
    first = RunStore(tmp_path / "first")
    second = RunStore(tmp_path / "second")
    copy_id = archive.import_run(first, data)
    copy_of_copy = second.get(archive.import_run(second, archive.export_run(first, copy_id)))
    assert copy_of_copy.summary[ORIGINAL_CREATED_AT] == store.get(run_id).created_at


def test_a_manifest_without_a_date_imports_without_one(exported, tmp_path):
    _, data = exported
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
    del manifest["created_at"]
    other = RunStore(tmp_path / "other")
    new_id = archive.import_run(other, rewritten(data, {"manifest.json": json.dumps(manifest).encode()}))
    assert ORIGINAL_CREATED_AT not in other.get(new_id).summary


def test_a_bad_original_date_is_refused_by_name(exported, tmp_path):
    _, data = exported
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
    manifest["summary"][ORIGINAL_CREATED_AT] = "yesterday"
    with pytest.raises(ArchiveError, match="summary: original_created_at must be a number"):
        archive.import_run(RunStore(tmp_path / "other"),
                           rewritten(data, {"manifest.json": json.dumps(manifest).encode()}))


def test_an_active_run_is_not_exported(store):
    run_id = store.create_run(preset("lenet5").to_dict())
    with pytest.raises(ArchiveError, match="is queued; export it once it has finished"):
        archive.export_run(store, run_id)


def _symlink(name):
    info = zipfile.ZipInfo(name)
    info.external_attr = 0o120777 << 16
    return info


BAD_MEMBERS = {
    "zip-slip": ({"../evil": b"x"}, "member '../evil' points outside the archive folder"),
    "absolute path": ({"/etc/evil": b"x"}, "member '/etc/evil' is an absolute path"),
    "unknown member": ({"run.sh": b"rm -rf /"}, "unknown member 'run.sh'"),
    "zip bomb": ({"curves.png": bytes(20 << 20)}, "curves.png is compressed .* a likely zip bomb"),
}


@pytest.mark.parametrize("case", list(BAD_MEMBERS))
def test_dangerous_members_are_refused_and_nothing_changes(exported, store, case):
    _, data = exported
    members, message = BAD_MEMBERS[case]
    before = snapshot(store)
    with pytest.raises(ArchiveError, match=message):
        archive.import_run(store, rewritten(data, add=members))
    assert snapshot(store) == before


def test_a_symbolic_link_is_refused(exported, store):
    _, data = exported
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as zipped:
        zipped.writestr(_symlink("curves.png"), "/etc/passwd")
    before = snapshot(store)
    with pytest.raises(ArchiveError, match="member 'curves.png' is a symbolic link"):
        archive.import_run(store, buffer.getvalue())
    assert snapshot(store) == before


@pytest.mark.parametrize(("limits", "message"), [
    (ArchiveLimits(max_member_bytes=10_000), r"model.keras unpacks to [\d,]+ bytes; the limit is 10,000"),
    (ArchiveLimits(max_total_bytes=100_000), "the archive unpacks to more than 100,000 bytes"),
    (ArchiveLimits(max_members=3), "the archive has 6 members; at most 3 are accepted"),
])
def test_oversize_archives_are_refused(exported, store, limits, message):
    _, data = exported
    before = snapshot(store)
    with pytest.raises(ArchiveError, match=message):
        archive.import_run(store, data, limits)
    assert snapshot(store) == before


def _config_with(**changes):
    config = preset("lenet5").replace(epochs=3).to_dict()
    config["blocks"][1].update(changes)
    return json.dumps(config).encode()


@pytest.mark.parametrize(("replace", "message"), [
    ({"config.json": b"{not json"}, "config.json is not valid JSON"),
    ({"config.json": _config_with(kernel_size=40)}, "config.json: block 2: kernel size must be 1..28"),
    ({"config.json": _config_with(shape="round")}, "config.json: block 2: unknown field 'shape'"),
    ({"metrics.json": b'[{"kind": "epoch", "epoch": "one"}]'}, "metrics.json: row 1 is not a metric"),
    ({"predictions.npz": b"not an npz"}, "predictions.npz is unreadable"),
])
def test_broken_content_is_refused(exported, store, replace, message):
    _, data = exported
    before = snapshot(store)
    with pytest.raises(ArchiveError, match=message):
        archive.import_run(store, rewritten(data, replace=replace))
    assert snapshot(store) == before


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


LABELS = np.arange(10000) % 10


@pytest.mark.parametrize(("summary", "message"), [
    ({"test_accuracy": "99%"}, "summary: test_accuracy must be a number in \\[0, 1\\], got '99%'"),
    ({"test_accuracy": 7.5}, "summary: test_accuracy must be a number in \\[0, 1\\], got 7.5"),
    ({"epochs_completed": True}, "summary: epochs_completed must be a whole number"),
    ({"params": -3}, "summary: params must be a whole number in \\[0, inf\\], got -3"),
    ({"learning_rate_changes": [["a", 1]]}, "summary: learning_rate_changes must be a list"),
    ({"surprise": 1}, "summary: unknown field 'surprise'"),
    ([1, 2], "summary must be an object, got list"),
])
def test_a_manifest_summary_of_wrong_types_or_values_is_refused(exported, store, summary, message):
    _, data = exported
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    before = snapshot(store)
    with pytest.raises(ArchiveError, match=f"manifest.json: {message}"):
        archive.import_run(store, rewritten(data, replace={
            "manifest.json": json.dumps({**manifest, "summary": summary}).encode()}))
    assert snapshot(store) == before


@pytest.mark.parametrize(("name", "content", "message"), [
    ("predictions.npz", _npz(probabilities=np.ones((10000, 3), np.float32) / 3, y_test=LABELS),
     "probabilities must be \\(10000, 10\\) floats"),
    ("predictions.npz", _npz(probabilities=np.full((10000, 10), 0.1, np.float32), y_test=LABELS + 5),
     "y_test must hold labels 0..9"),
    ("predictions.npz", _npz(probabilities=np.full((10000, 10), 0.5, np.float32), y_test=LABELS),
     "probabilities must be finite, at least 0, and sum to 1 for each image"),
    ("val_predictions.npz", _npz(predicted=np.zeros((3, 7), np.uint8), y_val=LABELS[:500],
                                 val_index=np.arange(500)),
     "predicted must be \\(epochs, 500\\) labels, got shape \\(3, 7\\)"),
    ("val_predictions.npz", _npz(predicted=np.zeros((3, 500), np.uint8), y_val=LABELS[:500],
                                 val_index=np.arange(500) + 60_000),
     "val_index must hold 500 positions in 0..59999"),
])
def test_arrays_of_the_wrong_shape_or_range_are_refused(exported, store, name, content, message):
    _, data = exported
    before = snapshot(store)
    with pytest.raises(ArchiveError, match=f"{name}: {message}"):
        archive.import_run(store, rewritten(data, replace={name: content}))
    assert snapshot(store) == before


def test_an_older_archive_with_evaluation_json_imports_without_it(exported, store):
    _, data = exported
    run_id = archive.import_run(store, rewritten(data, add={"evaluation.json": b"[[not checked]]"}))
    assert not store.artifact(run_id, "evaluation.json").exists()
    assert store.artifact(run_id, artifacts.PREDICTIONS_FILE).is_file()


def test_a_manifest_of_a_running_run_or_another_format_is_refused(exported, store):
    _, data = exported
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    running = json.dumps({**manifest, "status": "running"}).encode()
    with pytest.raises(ArchiveError, match="the run is running; only finished runs are imported"):
        archive.import_run(store, rewritten(data, replace={"manifest.json": running}))
    other = json.dumps({**manifest, "format": "something"}).encode()
    with pytest.raises(ArchiveError, match="does not describe an mnist-lab run"):
        archive.import_run(store, rewritten(data, replace={"manifest.json": other}))
    with pytest.raises(ArchiveError, match="not a zip archive"):
        archive.import_run(store, b"PK but not really")


def test_a_model_with_a_lambda_layer_is_refused_by_safe_mode(exported, store, model_files):
    _, data = exported
    before = snapshot(store)
    with pytest.raises(ArchiveError, match="model.keras was refused: .*Lambda"):
        archive.import_run(store, rewritten(data, replace={"model.keras": model_files["lambda"]}))
    assert snapshot(store) == before


def test_a_model_that_does_not_match_its_config_is_refused(exported, store):
    run_id, data = exported
    strided = preset("lenet5-strided").replace(epochs=3).to_json().encode()
    with pytest.raises(ArchiveError, match="has 61,706 parameters but config.json describes 64,356"):
        archive.import_run(store, rewritten(data, replace={"config.json": strided}))
    assert [run.id for run in store.list()] == [run_id]
