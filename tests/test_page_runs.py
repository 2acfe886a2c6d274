"""The Runs page in AppTest: the table, filters, selection, editing, deleting, re-running, import."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app.user_text import as_text
from mnist_lab.config import RunConfig, preset
from mnist_lab.links import decode_config
from mnist_lab.store import RunStatus, archive
from tests.fakes import seed_run

pytestmark = pytest.mark.usefixtures("page_home")
DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")
TABLE = "runs_table"


@pytest.fixture
def seeded(store, mnist):
    first = seed_run(store, mnist.y_test, name="lenet5")
    second = seed_run(store, mnist.y_test, name="strided", preset_name="lenet5-strided")
    store.update(second, tags=["strided"], notes="pooling replaced")
    return first, second


def open_runs():
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.run()
    return at.switch_page("pages/runs.py").run()


def select(at, *rows):
    at.session_state[TABLE] = {"selection": {"rows": list(rows), "columns": [], "cells": []}}
    return at.run()


def test_an_empty_store_points_to_train_and_import(store):
    at = open_runs()
    assert not at.exception
    assert at.info[0].value.startswith("No runs yet. Train one on the Train page")


def test_the_table_lists_every_run_newest_first(seeded):
    at = open_runs()
    table = at.dataframe[0].value
    assert table["name"].tolist() == ["strided", "lenet5"]
    assert table["architecture"].tolist() == [
        "lenet5-strided: conv 6@5x5, 16@5x5 / strided / dense 120-84",
        "lenet5: conv 6@5x5, 16@5x5 / max / dense 120-84"]
    assert table["test accuracy"].round(4).tolist() == [0.9985, 0.9985]
    assert [list(tags) for tags in table["tags"]] == [["strided"], []]
    assert at.caption[0].value.startswith("2 of 2 runs.")


def test_filters_narrow_the_table(seeded, store):
    at = open_runs()
    at.text_input[0].set_value("pooling").run()
    assert at.dataframe[0].value["name"].tolist() == ["strided"]
    at.text_input[0].set_value("").run()
    at.selectbox[0].set_value("strided").run()
    assert at.dataframe[0].value["name"].tolist() == ["strided"]
    at.selectbox[0].set_value(None)
    at.multiselect[0].set_value(["failed"]).run()
    assert at.dataframe[0].value.empty
    assert at.caption[0].value.startswith("0 of 2 runs.")


def test_two_selected_runs_open_compare_with_both_ids(seeded):
    first, second = seeded
    at = select(open_runs(), 0, 1)
    at.button(key="compare").click().run()
    assert not at.exception
    assert at.query_params["run"] == [second, first]  # ?run=<second>&run=<first>
    assert at.multiselect(key="compare_runs").value == [second, first]


def test_one_selected_run_can_be_renamed_tagged_and_noted(seeded, store):
    first, _ = seeded
    at = select(open_runs(), 1)
    assert at.subheader[0].value == "lenet5 · completed"
    inputs = {element.label: element for element in at.text_input}
    inputs["Name"].set_value("lenet5 baseline")
    inputs["Tags (comma-separated)"].set_value("baseline, paper, baseline")
    at.text_area[0].set_value("SGD 0.01")
    at.button(key="save").click().run()
    run = store.get(first)
    assert (run.name, run.tags, run.notes) == ("lenet5 baseline", ["baseline", "paper"], "SGD 0.01")
    assert at.success[0].value == f"Saved the name, tags and notes of lenet5 baseline ({first})."
    assert at.subheader[0].value == "lenet5 baseline · completed"


def test_a_bad_name_is_explained(seeded):
    at = select(open_runs(), 1)
    [element for element in at.text_input if element.label == "Name"][0].set_value("../x")
    at.button(key="save").click().run()
    assert not at.exception
    assert at.error[0].value.startswith("invalid run name '../x'")


def test_delete_needs_confirmation_and_says_what_it_deleted(seeded, store):
    first, second = seeded
    at = select(open_runs(), 1)
    assert at.button(key="delete").disabled
    at.checkbox(key=f"confirm_{first}").check().run()
    at.button(key="delete").click().run()
    assert not at.exception
    assert [run.id for run in store.list()] == [second]
    assert at.success[0].value == f"Deleted lenet5 ({first})."
    assert not at.subheader  # the panel does not move on to offer Delete for another run


def test_deleting_the_top_run_does_not_select_the_next_one(seeded, store):
    first, second = seeded
    at = select(open_runs(), 0)
    at.checkbox(key=f"confirm_{second}").check().run()
    at.button(key="delete").click().run()
    assert at.success[0].value == f"Deleted strided ({second})."
    assert at.dataframe[0].value["name"].tolist() == ["lenet5"]
    assert not at.subheader


def test_rerun_queues_the_same_config_and_starts_it(seeded, store, monkeypatch):
    from mnist_lab.training import runner

    started = []
    monkeypatch.setattr(runner, "start", lambda store, run_id: started.append(run_id))
    first, _ = seeded
    at = select(open_runs(), 1)
    at.button(key="rerun").click().run()
    new = store.get(started[0])
    assert new.status is RunStatus.QUEUED and new.config == store.get(first).config
    assert new.name == "lenet5" and at.query_params["run"] == new.id


def test_open_in_train_passes_the_run_as_from(seeded, store):
    first, _ = seeded
    at = select(open_runs(), 1)
    at.button(key="open_train").click().run()
    # The Train page loads ?from= into its form, then keeps the form in ?config= instead.
    assert "from" not in at.query_params
    expected = RunConfig.from_dict(store.get(first).config).replace(preset=None)  # epochs changed
    assert decode_config(at.query_params["config"]) == expected
    assert at.text_input(key="cfg_name").value == "lenet5"


def test_import_adds_a_run_or_explains_the_refusal(seeded, store):
    import io
    import zipfile

    first, _ = seeded
    data = archive.export_run(store, first)
    at = open_runs()
    at.file_uploader[0].set_value(("lenet5.zip", data, "application/zip")).run()
    at.button(key="import_button").click().run()
    assert not at.exception
    assert len(store.list()) == 3
    assert at.success[0].value.startswith(f"Imported {as_text('lenet5.zip')} as run lenet5 (")
    evil = io.BytesIO(data)
    with zipfile.ZipFile(evil, "a") as zipped:
        zipped.writestr("../evil", "x")
    at.file_uploader[0].set_value(("evil.zip", evil.getvalue(), "application/zip")).run()
    at.button(key="import_button").click().run()
    assert at.error[0].value == ("This archive was refused: the archive: member '../evil' points "
                                 "outside the archive folder")
    assert len(store.list()) == 3


def test_the_selection_stays_on_its_run_when_an_import_adds_a_row_above(seeded, store):
    first, second = seeded
    at = select(open_runs(), 1)
    assert at.subheader[0].value == "lenet5 · completed"
    at.file_uploader[0].set_value(("strided.zip", archive.export_run(store, second),
                                   "application/zip")).run()
    at.button(key="import_button").click().run()
    assert len(store.list()) == 3
    assert at.dataframe[0].value["name"].tolist() == ["strided", "strided", "lenet5"]
    assert at.subheader[0].value == "lenet5 · completed"
    assert at.session_state[TABLE]["selection"]["rows"] == [2]


def test_a_ticked_run_filtered_away_leaves_nothing_selected(seeded):
    first, second = seeded
    at = select(open_runs(), 0)
    assert at.subheader[0].value == "strided · completed"
    at.text_input[0].set_value(first).run()  # only the other run is left, in row 0
    assert at.dataframe[0].value["name"].tolist() == ["lenet5"]
    assert not at.subheader  # a hidden run is not managed, nor replaced by its neighbour
    assert at.session_state[TABLE]["selection"]["rows"] == []


def test_an_imported_archive_cannot_be_imported_again_by_a_second_click(seeded, store):
    first, _ = seeded
    at = open_runs()
    assert at.button(key="import_button").disabled  # nothing to import yet
    at.file_uploader[0].set_value(("lenet5.zip", archive.export_run(store, first),
                                   "application/zip")).run()
    assert not at.button(key="import_button").disabled
    at.button(key="import_button").click().run()
    assert len(store.list()) == 3
    assert at.file_uploader[0].value is None  # a fresh uploader
    assert at.button(key="import_button").disabled  # AppTest, like a browser, cannot click it


def test_an_imported_copy_shows_when_it_was_created_and_when_imported(seeded, store):
    first, _ = seeded
    at = open_runs()
    at.file_uploader[0].set_value(("lenet5.zip", archive.export_run(store, first),
                                   "application/zip")).run()
    at.button(key="import_button").click().run()
    table = at.dataframe[0].value
    copy, original = table.iloc[0], table.iloc[2]
    assert copy["created"] == original["created"]
    assert copy["imported"] > copy["created"] and pd.isna(original["imported"])


def test_accuracy_comes_second_with_a_bar_that_tells_close_runs_apart(store, mnist):
    import json

    seed_run(store, mnist.y_test, name="worse", mistakes=((4, 9, 160),))  # 98.4%
    seed_run(store, mnist.y_test, name="better", mistakes=((4, 9, 90),))  # 99.1%
    at = open_runs()
    table = at.dataframe[0].value
    assert list(table.columns[:4]) == ["id", "name", "test accuracy", "architecture"]
    accuracy = json.loads(at.dataframe[0].proto.columns)["test accuracy"]
    assert accuracy["type_config"]["min_value"] == 0.97 and accuracy["width"] >= 150


def test_a_studys_trials_read_by_arm_and_seed_with_their_study_in_its_own_column(store, mnist):
    from mnist_lab.sweeps.driver import _queue
    from mnist_lab.sweeps.space import parse_grid
    from mnist_lab.sweeps.study import StudySpec

    spec = StudySpec(name="pooling-vs-stride-quick", base=preset("lenet5"),
                     dimensions=[parse_grid("blocks.downsample=max,strided")])
    _queue(store, spec, {"blocks.downsample": "strided"}, 2, "main")
    table = open_runs().dataframe[0].value
    assert table["name"].tolist() == ["stride-2 convolution · seed 2"]
    assert table["study"].tolist() == ["pooling-vs-stride-quick"]


def test_several_selected_runs_are_tagged_at_once_and_keep_their_tags(store, mnist):
    first = seed_run(store, mnist.y_test, name="first")
    store.update(first, tags=["mine"])
    seed_run(store, mnist.y_test, name="second")
    at = select(open_runs(), 0, 1)
    at.text_input(key="runs_new_tags").set_value("week 2, baseline")
    at.button(key="add_tags").click().run()
    assert not at.exception
    assert {run.name: run.tags for run in store.list()} == {
        "first": ["mine", "week 2", "baseline"], "second": ["week 2", "baseline"]}
    assert at.success[0].value == "Tagged 2 runs: week 2, baseline."


def test_a_save_is_confirmed_by_its_button_not_at_the_top(store, mnist):
    seed_run(store, mnist.y_test, name="first")
    at = select(open_runs(), 0)
    at.text_input(key=f"name_{store.list()[0].id}").set_value("renamed")
    at.button(key="save").click().run()
    assert at.success[0].value.startswith("Saved the name, tags and notes of renamed")
    shown = [element.type for element in at.main]  # every element, in page order
    assert shown.index("success") > shown.index("form") > shown.index("dataframe")  # by the button
