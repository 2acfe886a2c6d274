"""Fuzzing run archives (hypothesis): a hostile manifest or metrics file is refused with one
line naming the problem, and the store is left exactly as it was; what is accepted imports a
run that reads back without a problem."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mnist_lab.store import RunStore, archive
from mnist_lab.store.archive import ArchiveError
from tests.fakes import seed_run
from tests.fuzzing import FUZZ


class Members(dict):
    """An archive's members by name; shown by name only when hypothesis reports a case."""

    def __repr__(self) -> str:
        return f"Members({', '.join(self)})"


@pytest.fixture(scope="module")
def exported(tmp_path_factory, mnist):
    """A store with one seeded run (no model: Keras stays out), and that run's archive."""
    store = RunStore(tmp_path_factory.mktemp("fuzz") / "runs")
    run_id = seed_run(store, mnist.y_test, name="lenet5 baseline", epochs=2)
    store.update(run_id, tags=["baseline"], notes="first try")
    store.set_label_marks(run_id, {3: "label wrong"})
    data = archive.export_run(store, run_id)
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        members = Members({name: zipped.read(name) for name in zipped.namelist()})
    return store, members


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, content in members.items():
            target.writestr(name, content)
    return buffer.getvalue()


def snapshot(store: RunStore):
    files = sorted(str(path.relative_to(store.home)) for path in store.home.rglob("*")
                   if not path.name.startswith("index.sqlite"))
    return files, [(run.id, run.name, len(store.metrics(run.id))) for run in store.list()]


# Anything JSON carries, with the values that slip through checks: huge and negative numbers,
# NaN and infinities (Python's json reads them), booleans for numbers, control characters.
scalars = (st.none() | st.booleans() | st.integers() | st.integers(-(10**400), 10**400)
           | st.floats() | st.text(max_size=12))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)
MANIFEST_KEYS = ("format", "version", "id", "name", "status", "created_at", "tags", "notes",
                 "summary", "error", "label_marks")
SUMMARY_KEYS = ("test_accuracy", "epochs", "params", "learning_rate_changes", "images_per_second",
                "original_created_at", "best_val_accuracy")


@st.composite
def hostile_manifests(draw, original: dict) -> bytes:
    """The real manifest with a key or a summary field set to anything, a key dropped or added,
    any JSON at all, or any bytes."""
    manifest = json.loads(json.dumps(original))
    how = draw(st.sampled_from(["key", "summary", "drop", "add", "json", "bytes"]))
    if how == "key":
        manifest[draw(st.sampled_from(MANIFEST_KEYS))] = draw(json_values)
    elif how == "summary":
        manifest["summary"][draw(st.sampled_from(SUMMARY_KEYS))] = draw(json_values)
    elif how == "drop":
        manifest.pop(draw(st.sampled_from(MANIFEST_KEYS)))
    elif how == "add":
        manifest[draw(st.text(max_size=10))] = draw(json_values)
    elif how == "json":
        manifest = draw(json_values)
    else:
        return draw(st.binary(max_size=200))
    return json.dumps(manifest).encode()


def import_or_refuse(store: RunStore, members: dict[str, bytes]) -> None:
    """Import the archive: refused with one line and nothing written, or a readable new run."""
    before = snapshot(store)
    try:
        run_id = archive.import_run(store, zipped(members))
    except ArchiveError as error:
        assert "\n" not in str(error) and 0 < len(str(error)) <= 400, str(error)
        assert snapshot(store) == before
        return
    run = store.get(run_id)
    assert run.problem is None, run.problem
    assert len(store.metrics(run_id)) == len(json.loads(members[archive.METRICS_FILE]))
    store.delete(run_id)
    assert snapshot(store) == before


@FUZZ
@given(data=st.data())
def test_a_hostile_manifest_is_refused_in_one_line_and_writes_nothing(exported, data):
    store, members = exported
    original = json.loads(members[archive.MANIFEST_FILE])
    manifest = data.draw(hostile_manifests(original))
    import_or_refuse(store, {**members, archive.MANIFEST_FILE: manifest})


@st.composite
def hostile_metrics(draw, original: list) -> list | object:
    """The real rows with one field of one row, or one of its values, set to anything (with
    numbers around SQLite's integer limit); or any JSON at all."""
    rows = json.loads(json.dumps(original))
    how = draw(st.sampled_from(["field", "value", "json"]))
    if how == "json":
        return draw(json_values)
    row = rows[draw(st.integers(0, len(rows) - 1))]
    anything = json_values | st.integers(2**62, 2**64)
    if how == "field":
        row[draw(st.sampled_from(["kind", "epoch", "step", "wall_s", "values"]))] = draw(anything)
    else:
        row["values"][draw(st.sampled_from(["loss", "accuracy"]) | st.text(max_size=8))] = draw(anything)
    return rows


@FUZZ
@given(data=st.data())
def test_hostile_metric_rows_are_refused_in_one_line_and_write_nothing(exported, data):
    store, members = exported
    rows = data.draw(hostile_metrics(json.loads(members[archive.METRICS_FILE])))
    import_or_refuse(store, {**members, archive.METRICS_FILE: json.dumps(rows).encode()})


@pytest.mark.parametrize(("key", "value", "message"), [
    # Found by the fuzzing above (at FUZZ_EXAMPLES=300): math.isfinite raised OverflowError on
    # a 400-digit integer, and once that was caught, 10**400 epochs passed as a whole number.
    ("summary", {"epochs": 10**400}, r"^manifest.json: summary: epochs must be a whole number in "
                                     r"\[1, inf\], got 1" + "0" * 38 + "…$"),
    # Found by the same: the refusal quoted the hostile value whole, a 400-digit line.
    ("version", 10**400, r"^archive version 1" + "0" * 38 + "… is not "
                         r"supported \(this version reads 1\)$"),
])
def test_what_fuzzing_found_a_number_past_a_floats_range_is_refused_in_a_short_line(
        exported, key, value, message):
    store, members = exported
    manifest = json.loads(members[archive.MANIFEST_FILE])
    manifest[key] = {**manifest[key], **value} if isinstance(value, dict) else value
    with pytest.raises(ArchiveError, match=message):
        archive.import_run(store, zipped({**members, archive.MANIFEST_FILE: json.dumps(manifest).encode()}))


@pytest.mark.parametrize("field", ["epoch", "wall_s"])
def test_what_fuzzing_found_a_number_sqlite_cannot_hold_is_refused_by_row(exported, field):
    # Found by the fuzzing above: 2**63 passed the check and SQLite raised OverflowError, a
    # traceback on the command line and an exception page on the Runs page.
    store, members = exported
    rows = json.loads(members[archive.METRICS_FILE])
    rows[1][field] = 2**63
    with pytest.raises(ArchiveError, match=r"^metrics.json: row 2 is not a metric point"):
        archive.import_run(store, zipped({**members, archive.METRICS_FILE: json.dumps(rows).encode()}))
