"""What every page shares: the run store, a run picker, cached reads.

Nothing here trains or computes results: it hands pages the core's objects, cached.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from app.readers import cached_predictions, get_store, mnist
from app.user_text import as_text, no_html
from mnist_lab import links, reports
from mnist_lab.data import DataUnavailableError, Mnist, restricted_to
from mnist_lab.store import Run, artifacts, validate_run_id

RUN_PARAM = "run"  # query parameter that links pages to one run, e.g. ?run=20261125-...
IMAGE_PARAM = "image"  # the Inspector's test digit, e.g. ?image=18 (a point of the learned space)
STUDIED_RUN = "studied_run"  # the run last picked on a page: the sidebar's links carry no ?run=
CHOSEN_PAIR = "chosen_pair"  # Errors' (true, predicted) on show; no widget key: the browser keeps it
PAIR_CHOICES = "pair_choices"  # how many pairs a click or a link chose: Errors' selectbox's key


def run_label(run: Run) -> str:
    accuracy = run.summary.get("test_accuracy")
    score = f" · {accuracy:.2%}" if accuracy is not None else ""
    damaged = " · damaged record" if run.problem else ""
    return f"{run.name} · {run.status}{score}{damaged} · {run.id}"


def download_report(document: Callable[[], reports.Document], file_name: str, key: str) -> None:
    """"Download report": the HTML `mnist-lab report` writes, built only when clicked (the
    callable runs beside the page, without rerunning it)."""
    st.download_button("Download report", data=lambda: reports.to_html(document()),
                       file_name=file_name, mime="text/html", key=key, on_click="ignore",
                       icon=":material/download:",
                       help="one HTML file, figures inline: it opens offline")


def download_run_report(run: Run, data: Mnist, key: str) -> None:
    """A run's "Download report" (`mnist-lab report RUN_ID`), on Errors and Compare."""
    store = get_store()
    download_report(lambda: reports.run_document(store, run, data), f"{run.id}-report.html", key)


def choose_pair_on_errors(pair: tuple[int, int]) -> None:
    """Make `pair` the one Errors shows next, however it was chosen (its matrix, a link, a
    point of the learned space, here or on Compare)."""
    st.session_state[CHOSEN_PAIR] = pair
    st.session_state[PAIR_CHOICES] = st.session_state.get(PAIR_CHOICES, 0) + 1


def unusable_run(run_id: str, runs: list[Run], need: str = "") -> str:
    """Why the run a link names cannot be shown, as the one sentence every page says: not a
    run id at all, no such run in this lab, or (with `need`) a run that has not what the page
    needs yet."""
    try:
        validate_run_id(run_id)
    except ValueError as error:
        return f"This link's run cannot be shown: {no_html(error)}."
    known = next((run for run in runs if run.id == run_id), None)
    if known is None:
        return (f"This link's run cannot be shown: there is no run with id '{run_id}' in this lab "
                "(it may have been deleted, or the link is from another lab).")
    return f"This link's run cannot be shown: {as_text(known.name)} is {known.status}{need}."


def pick_run(label: str = "Run", *, finished_only: bool = True, key: str = "run_picker") -> Run | None:
    """A selectbox of runs, preselecting the run named in the URL (`?run=ID`), else the run
    the user studied on the page before (the sidebar's links drop the query).

    A link's run that cannot be shown is named as such, and no other run is presented as the
    link's: the picker starts empty, and the page waits for the user's choice.
    """
    every = get_store().list()
    runs = [run for run in every if run.status.finished] if finished_only else every
    linked = st.query_params.get(RUN_PARAM)
    ids = [run.id for run in runs]
    # Until a run is chosen, the URL keeps the link's run, and this says why it is not shown.
    unusable = linked is not None and linked not in ids and st.session_state.get(key) is None
    if unusable:
        st.warning(unusable_run(linked, every, ", so it has no results to show yet"))
    if not runs:
        st.info("No finished runs yet. Train one on the Train page.")
        return None
    wanted = linked or st.session_state.get(STUDIED_RUN)
    index = ids.index(wanted) if wanted in ids else None if unusable else 0
    run = st.selectbox(label, runs, index=index, format_func=run_label, key=key,
                       placeholder="choose a run to study")
    if run is None:
        return None
    st.query_params[RUN_PARAM] = run.id
    st.session_state[STUDIED_RUN] = run.id
    return run


def from_link(key: str, param: str, default, parse):
    """A widget key whose first value comes from the URL (`?param=`), else from `default`.

    A value the page cannot use (an old link, one edited by hand) gets a message naming it,
    and the widget starts at its default.
    """
    if key not in st.session_state:
        value = default
        if param in st.query_params:
            try:
                value = parse(st.query_params[param])
            except links.LinkError as error:
                st.warning(f"This link's {param} cannot be used: {no_html(error)}. It starts at its default.")
        st.session_state[key] = value
    return key


def route_through_dashboard() -> None:
    """Run this page inside dashboard.py's navigation, also for a deep link on a fresh server.

    Until some session has called st.navigation, Streamlit treats `pages/` as a legacy
    auto-discovered folder and runs a deep-linked page (`/errors?run=ID`) without the
    router: no sidebar sections, no page config. Clearing that legacy flag, as
    st.navigation itself does, and rerunning sends the same URL through dashboard.py.
    A rerun drops the widget events of the run it interrupts, so it happens only while the
    session holds no state (its first run); AppTest, which sets the flag again before every
    run, then keeps running the page as it is, clicks included.

    This is the dashboard's only use of a Streamlit internal; tests/test_streamlit_internals.py
    fails if Streamlit changes the behaviour it relies on.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if len(st.session_state) == 0:
            st.rerun()


def ago(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    seconds = time.time() - timestamp
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit} ago"
    return "just now"


def lazy_tabs(sections: dict[str, Callable[[], None]], key: str) -> None:
    """Tabs of which only the open one runs and is drawn (`st.tabs` with on_change="rerun"):
    a rerun then waits for one section, not for every chart of a long page. A test opens a
    tab by its label in `session_state[key]`; each page has its own key."""
    tabs = st.tabs(list(sections), key=key, on_change="rerun")
    for tab, show in zip(tabs, sections.values(), strict=True):
        if tab.open:
            with tab:
                show()


def pick_scored_run(title: str):
    """The page title, a run picker, and the chosen run's test predictions beside MNIST.

    Returns (run, probabilities, y_test, mnist); stops the page with a message when there
    is no finished run, an artifact is unreadable, or the labels do not match MNIST's.
    """
    st.title(title)
    run = pick_run()
    if run is None:
        st.stop()  # no run yet, or a link's run that cannot be shown and none chosen instead
    try:
        probabilities, y_test = cached_predictions(run)
        data = mnist()
    except (artifacts.ArtifactError, DataUnavailableError) as error:
        st.error(no_html(error))
        st.stop()
    # A run on some digits was scored on the test images of those digits only.
    data = restricted_to(data, run.config.get("classes"))
    if not np.array_equal(y_test, data.y_test):
        st.error(f"This run was scored on {len(y_test):,} test labels that do not match the "
                 f"{len(data.y_test):,} MNIST test labels loaded from {data.source}.")
        st.stop()
    return run, probabilities, y_test, data
