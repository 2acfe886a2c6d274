"""The Errors page's sections about the data rather than the model: likely label errors in the
test set (marked by the user) and in the training set (k fold runs), and the hardest and
forgotten training examples. The numbers come from `mnist_lab.compare` and `analysis`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.charts import plotly_chart
from app.common import run_label
from app.readers import artifact_mtime, cached_predictions, get_store, tracked
from app.user_text import no_html
from mnist_lab import compare, figures
from mnist_lab.analysis.forgetting import EXAMPLE_KINDS, forgetting
from mnist_lab.store import LabelMark, Run, artifacts

ISSUES_SHOWN = 12  # candidates shown at first; the page asks for more, up to MOST_SHOWN
MOST_SHOWN = 300
COLUMNS = 3  # the three marks fit side by side under a digit
MARKS = [str(mark) for mark in LabelMark]
NONE_OF_KIND = {"never learned": "Every tracked image was read right after some epoch.",
                "learned late": "Every tracked image was learned in the first epoch.",
                "forgotten": "No tracked image was forgotten."}


@st.cache_data(max_entries=8, show_spinner="Looking for label errors with cleanlab…")
def test_issues(run_ids: tuple[str, ...], modified: tuple[float, ...]):
    store = get_store()
    return compare.issues_in_test_set(store, [store.get(run_id) for run_id in run_ids],
                                        read=cached_predictions)


@st.cache_data(max_entries=4, show_spinner="Looking for label errors in the training set…")
def training_issues(run_ids: tuple[str, ...], modified: tuple[float, ...]):
    store = get_store()
    return compare.issues_in_training_set(store, [store.get(run_id) for run_id in run_ids])


@st.cache_data(max_entries=8, show_spinner=False)
def forgetting_record(run_id: str, modified: float):
    """What each tracked training image did over the epochs (raises ArtifactError)."""
    history = tracked(run_id, modified)
    return forgetting(history.predicted, history.labels, history.index)


def save_mark(run_id: str, image: int, key: str) -> None:
    """A mark chosen on the page goes straight to the store (None clears it)."""
    chosen = st.session_state.get(key)
    get_store().set_label_marks(run_id, {image: LabelMark(chosen) if chosen else None})


def label_issues_section(run: Run, probabilities, y_test, data) -> None:
    """The test images whose label cleanlab finds least plausible, each markable by the user."""
    st.header("Likely label errors")
    others = [other for other in get_store().list()
              if other.status.finished and other.id != run.id]
    chosen = st.multiselect("Average with", others, format_func=run_label, key="issue_runs",
                            placeholder="other runs, to steady the ranking (optional)")
    runs = [run, *chosen]
    try:
        issues = test_issues(tuple(item.id for item in runs), tuple(
            artifact_mtime(item.id, artifacts.PREDICTIONS_FILE) for item in runs))
    except ValueError as error:
        st.error(no_html(error))
        return
    accuracy = compare.marked_accuracy(get_store(), run, probabilities, y_test)
    plain, aside = st.columns(2)
    plain.metric("Test accuracy", f"{accuracy.plain:.2%}")
    aside.metric("Without the images marked “label wrong”", f"{accuracy.without:.2%}",
                 delta=f"{(accuracy.without - accuracy.plain) * 100:+.2f} points "
                       f"({accuracy.set_aside} set aside)", delta_color="off")
    count = st.number_input("Candidates shown", 1, MOST_SHOWN, ISSUES_SHOWN, step=COLUMNS,
                            key="issues_shown", help="the least plausible labels first, by "
                            "cleanlab's label quality; cleanlab's own flagged ones say so")
    st.caption(f"{no_html(issues.text(shown=int(count)))} Mark what you see; the marks are kept "
               "with this run.")
    marks = get_store().label_marks(run.id)
    shown = issues.rows(int(count))
    for column, row in zip(st.columns(COLUMNS) * -(-len(shown) // COLUMNS), shown, strict=False):
        image = row["image"]
        with column:
            flagged = " · flagged" if row["flagged"] else ""
            st.image(figures.digit_image(data.x_test[image]), width=112,
                     caption=f"#{image}: given {row['given']}, model {row['model']} "
                             f"({row['confidence']:.0%}){flagged}")
            key = f"mark_{run.id}_{image}"
            current = marks.get(image)
            st.pills("Mark", MARKS, key=key, label_visibility="collapsed",
                     default=str(current) if current else None,
                     on_change=save_mark, args=(run.id, image, key))


def training_issues_section(run: Run, data) -> None:
    """For a k-fold run: the training images cleanlab flags from all its folds' held-out sets."""
    folds = compare.fold_runs(get_store().list(), run)
    if not folds:
        return
    st.header("Likely label errors in the training set")
    try:
        issues = training_issues(tuple(item.id for item in folds), tuple(
            artifact_mtime(item.id, artifacts.HELDOUT_FILE) for item in folds))
    except ValueError as error:
        st.warning(no_html(error))
        return
    if len(issues.index) and (issues.index.max() >= len(data.y_train)
                              or (data.y_train[issues.index] != issues.given).any()):
        st.error(f"These fold runs were trained on other training images than the MNIST "
                 f"loaded from {data.source}.")
        return
    rows = issues.rows(ISSUES_SHOWN * 2)
    st.caption(f"{no_html(issues.text('training images', shown=len(rows)))} ⚑: flagged.")
    if rows:
        plotly_chart(figures.image_grid_figure(
            data.x_train[[row["image"] for row in rows]],
            [f"#{row['image']} {row['given']}→{row['model']} {row['confidence']:.0%}"
             f"{' ⚑' if row['flagged'] else ''}" for row in rows]), key="training_issues")


def forgetting_section(run: Run, data) -> None:
    """Training images never learned, learned late, or learned and then forgotten."""
    st.header("Hardest and forgotten training examples")
    try:
        record = forgetting_record(run.id, artifact_mtime(run.id, artifacts.TRACKED_FILE))
    except artifacts.ArtifactError as error:
        st.info(f"No per-epoch record of training images: {no_html(error)}")
        return
    counts = record.counts()
    st.caption(f"{counts['tracked images']:,} training images, a stratified sample, read after "
               f"each of {counts['epochs']} epochs: {counts['forgettable']:,} forgotten at "
               f"least once ({counts['forgetting events']:,} forgetting events), "
               f"{counts['learned late']:,} learned after the first epoch, "
               f"{counts['never learned']:,} never learned.")
    st.dataframe(pd.DataFrame(record.per_digit()), hide_index=True)
    st.caption("Under each digit: its training image number, its label → the label read after "
               "the last epoch, and how often it was forgotten (×) or the epoch it was learned.")
    for tab, kind in zip(st.tabs([kind.capitalize() for kind in EXAMPLE_KINDS]), EXAMPLE_KINDS,
                         strict=True):
        positions, captions = record.examples(kind)
        with tab:
            if len(positions):
                plotly_chart(figures.image_grid_figure(
                    data.x_train[record.index[positions]], captions), key=f"forgetting_{kind}")
            else:
                st.caption(NONE_OF_KIND[kind])
