"""Hostile input at the dashboard's doors: ids that are not run ids, and people's text that
holds HTML or Markdown (a run's name, tags, notes, an uploaded file's name, a link's values)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from google.protobuf.message import Message
from starlette.requests import Request
from streamlit.testing.v1 import AppTest

from app.live_server import live_routes
from app.user_text import as_text, no_html
from mnist_lab.store import RUN_ID_PATTERN, RunStore, validate_name, validate_run_id
from tests.fakes import running_run, seed_embeddings, seed_run

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
SCRIPT = "<script>alert(1)</script>"
NOT_RUN_IDS = [
    "20260101-120000-a1b2c3\n",  # a regex ending in `$` lets a trailing newline through
    "20260101-120000-A1B2C3", "20260101-120000-a1b2c", "../20260101-120000-a1b2c3",
    "٢٠٢٦٠١٠١-120000-a1b2c3",  # Arabic-Indic digits: `\d` matches them, the id pattern may not
    SCRIPT, "", " 20260101-120000-a1b2c3",
]
# Elements that show text as it is, never as Markdown or HTML: where a raw `<script>` may be.
PLAIN_TEXT = {("Selectbox", "options"), ("Selectbox", "raw_value"), ("Multiselect", "options"),
              ("TextInput", "default"), ("TextInput", "value"), ("TextArea", "default"),
              ("TextArea", "value"), ("Dataframe", "columns")}


def poll(store: RunStore, run_id: str):
    feed = live_routes(lambda: store)[0].endpoint
    return feed(Request({"type": "http", "method": "GET", "path": "/", "headers": [],
                         "query_string": b"", "path_params": {"run_id": run_id}}))


@pytest.mark.parametrize("run_id", NOT_RUN_IDS)
def test_the_live_feed_refuses_what_is_not_a_run_id(store, run_id):
    seed = store.create_run({"preset": "lenet5"}, name="there")  # a store that has runs
    response = poll(store, run_id)
    assert response.status_code == 400
    assert json.loads(response.body)["error"].startswith(f"invalid run id {run_id!r}")
    assert poll(store, seed).status_code == 200


@pytest.mark.parametrize("run_id", NOT_RUN_IDS)
def test_one_definition_of_a_run_id(run_id):
    with pytest.raises(ValueError, match="invalid run id"):
        validate_run_id(run_id)
    assert validate_run_id("20260101-120000-a1b2c3") == "20260101-120000-a1b2c3"
    # The live view's script has no pattern of its own: it is handed the store's.
    script = (ROOT / "app" / "train" / "live_run" / "live_run.js").read_text()
    assert "run_id_pattern" in script and "{8}" not in script and "{6}" not in script


def test_names_and_tags_with_html_or_a_newline_are_refused(store):
    for name in (SCRIPT, "name\n", "[link](https://example.com)"):
        with pytest.raises(ValueError, match="invalid run name"):
            validate_name(name)
        with pytest.raises(ValueError, match="invalid run name"):
            store.create_run({"preset": "lenet5"}, name=name)
    run_id = store.create_run({"preset": "lenet5"}, name="fine")
    with pytest.raises(ValueError, match="invalid run name"):
        store.update(run_id, tags=["ok", SCRIPT])
    store.update(run_id, notes=f"notes are free text: {SCRIPT}")
    assert store.get(run_id).notes == f"notes are free text: {SCRIPT}"


def test_markdown_escapes_show_text_as_typed():
    assert as_text(SCRIPT) == r"\<script\>alert\(1\)\<\/script\>"
    assert as_text("[a](javascript:x)\n# b") == r"\[a\]\(javascript\:x\) \# b"
    assert no_html(f"run **{SCRIPT}** [x](y) $x$") == r"run **\<script\>alert(1)\</script\>** \[x\](y) \$x\$"


def strings(message: Message, path: str = "") -> Iterator[tuple[str, str]]:
    """Every text field of a protobuf message, with its field name."""
    for field, value in message.ListFields():
        for item in value if field.is_repeated else [value]:
            if isinstance(item, Message):
                yield from strings(item, field.name)
            elif isinstance(item, str):
                yield field.name or path, item
            elif field.name in ("allow_html", "unsafe_allow_html") and item:
                yield field.name, "allowed"


def rendered(at: AppTest) -> Iterator[tuple[str, str, str]]:
    """(element type, field, text) for every element of the page, main area and sidebar."""
    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            for field, text in strings(proto):
                yield type(node).__name__, field, text
        for child in getattr(node, "children", {}).values():
            yield from walk(child)
    yield from walk(at.main)
    yield from walk(at.sidebar)


@pytest.fixture
def hostile(tmp_path, monkeypatch, mnist):
    """A plain run, and one whose name, tags and notes hold a script. The store refuses such
    names and tags (above), so the row is written as a hand-edited or foreign index would."""
    store = RunStore(tmp_path / "runs")
    plain = seed_run(store, mnist.y_test, name="plain")
    bad = seed_run(store, mnist.y_test, name="hostile", mistakes=((4, 9, 20),))
    store.update(bad, notes=f"notes {SCRIPT}")
    with sqlite3.connect(store.db_path) as connection:
        connection.execute("UPDATE runs SET name = ?, tags_json = ? WHERE id = ?",
                           (f"name {SCRIPT}", json.dumps([f"tag {SCRIPT}"]), bad))
    for run_id in (plain, bad):  # the learned space draws, with the run's name beside it
        seed_embeddings(store, run_id)
    monkeypatch.setenv("MNIST_LAB_HOME", str(store.home))
    st.cache_resource.clear()
    st.cache_data.clear()
    return store, plain, bad


def open_page(page: str, tab: tuple[str, str] | None = None, **params) -> AppTest:
    """`page` through the router; `tab` = (its tabs' key, the label to open)."""
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    if tab:
        at.session_state[tab[0]] = tab[1]
    return at.run().switch_page(page).run()


# Errors and Compare draw one tab at a time: every tab is opened and checked.
TABS = {"errors": ("errors_section", ["Why", "Pairs and classes", "Learned space", "Through training",
                                      "Test label errors", "Training label errors",
                                      "Hard and forgotten"]),
        "compare": ("compare_section", ["Head to head", "Curves", "What differs", "Per digit",
                                        "Ensemble", "Learned space", "Forgettable"])}


def test_names_tags_and_notes_holding_a_script_are_shown_as_text(hostile):
    store, plain, bad = hostile
    pages = {page: open_page(f"pages/{page}.py", run=bad) for page in
             ("home", "train", "runs", "misclassified", "inspector")}
    key, labels = TABS["errors"]
    pages |= {f"errors, {label}": open_page("pages/errors.py", (key, label), run=bad)
              for label in labels}
    key, labels = TABS["compare"]
    pages |= {f"compare, {label}": open_page("pages/compare.py", (key, label), run=[plain, bad])
              for label in labels}
    runs = pages["runs"]
    runs.session_state["runs_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    pages["runs, the hostile run ticked"] = runs.run()
    assert [run.id for run in store.list()][0] == bad  # newest first: row 0

    for page, at in pages.items():
        assert not at.exception, page
        shown = list(rendered(at))
        assert ("allow_html", "allowed") not in [(field, text) for _, field, text in shown], page
        raw = {(kind, field) for kind, field, text in shown if "<script>" in text}
        assert raw <= PLAIN_TEXT, (page, raw - PLAIN_TEXT)
        charts = [text for kind, field, text in shown if field == "spec"]
        assert not any("\\u003cscript" in chart for chart in charts), page  # Plotly's HTML subset

    escaped = as_text(f"name {SCRIPT}")
    assert any(escaped in text for _, _, text in rendered(pages["train"]))  # the run's card
    ticked = pages["runs, the hostile run ticked"]
    assert [area.value for area in ticked.text_area] == [f"notes {SCRIPT}"]
    assert ticked.text_input[-1].value == f"tag {SCRIPT}"
    assert any(escaped in header.value for header in ticked.subheader)
    charts = [chart for _, field, chart in rendered(pages["compare, Curves"]) if field == "spec"]
    assert any("name &lt;script&gt;" in chart for chart in charts)  # legends show it as text


def test_a_link_with_a_script_for_a_run_is_refused_and_not_rendered(hostile):
    store, plain, _ = hostile
    train = open_page("pages/train.py", run=SCRIPT)
    refusal = f"invalid run id {SCRIPT!r}: expected the form 20260101-120000-a1b2c3"
    assert [warning.value for warning in train.warning] == [
        f"This link's run cannot be shown: {no_html(refusal)}."]
    compare = open_page("pages/compare.py", run=[plain, SCRIPT])
    assert not compare.exception
    assert all("<script>" not in warning.value for warning in compare.warning)
    assert as_text(SCRIPT) in compare.warning[0].value


def test_the_live_view_passes_the_one_pattern_and_writes_text_not_html(store, monkeypatch):
    monkeypatch.setenv("MNIST_LAB_HOME", str(store.home))
    st.cache_resource.clear()
    running_run(store)
    at = open_page("pages/train.py")
    assert not at.exception
    assert any(RUN_ID_PATTERN in text for _, _, text in rendered(at))  # handed to the script
    script = (ROOT / "app" / "train" / "live_run" / "live_run.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert sink not in script, sink
    assert script.count("textContent") >= 3  # the note, the progress label and its fields


def test_the_confusion_grid_writes_text_not_html():
    script = (ROOT / "app" / "confusion_grid" / "confusion_grid.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert sink not in script, sink
    assert script.count("textContent") >= 5  # the title, the cells, the ticks and the scale
