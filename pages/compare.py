"""Compare: which run is better, by how much, where their errors differ, and what they score together."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.charts import plotly_chart
from app.common import RUN_PARAM, download_run_report, lazy_tabs, route_through_dashboard, run_label
from app.confusion_grid import confusion_matrix
from app.learned_space import open_digit, space_view
from app.readers import cached_predictions, get_store, metrics_of, mnist, tracked_of
from app.user_text import as_text, no_html
from mnist_lab import compare, figures
from mnist_lab.data import DataUnavailableError

route_through_dashboard()

METRICS = {"loss": ("loss", "val_loss"), "accuracy": ("accuracy", "val_accuracy")}
X_AXES = {"epoch": "epoch", "wall time (s)": "wall_s"}
GRID_SIZE = 16
DIGIT_WIDTH = 64  # pixels of each digit only one run reads right, smaller than Errors' 100
PAIR_PARAMS = {"pair_a": "a", "pair_b": "b"}  # ?a=ID&b=ID: the head-to-head's runs
COMPARED = "compared_runs"  # the runs last compared, kept when the page is left


def curves(chosen, labels) -> None:
    st.header("Training curves")
    split, axis = st.columns(2)
    which = split.radio("Curves", ["validation", "training"], horizontal=True, key="curve_split")
    x = X_AXES[axis.radio("Against", list(X_AXES), horizontal=True, key="curve_x")]
    histories = {labels[run.id]: metrics_of(run) for run in chosen}
    for column, (title, (train, validation)) in zip(st.columns(2), METRICS.items(), strict=True):
        column.subheader(title.capitalize())
        metric = validation if which == "validation" else train
        plotly_chart(figures.overlay_curves_figure(histories, metric=metric, x=x),
                     key=f"overlay_{title}", where=column)


def configs(chosen, labels, changes) -> None:
    st.header("What differs")
    config_by_label = {labels[run.id]: run.config for run in chosen}
    diff = compare.config_diff(config_by_label) + compare.during_training_rows(changes)
    if diff:
        st.dataframe(pd.DataFrame(diff), hide_index=True)
    else:
        st.caption("The configs are identical.")
    try:
        layers = pd.DataFrame(compare.architecture_diff(config_by_label))
    except ValueError as error:
        st.warning(no_html(error))
        return
    st.subheader("Layer by layer")
    numbers = {column: st.column_config.NumberColumn(format="localized")
               for column in layers.columns if column.endswith((" params", " FLOPs"))}
    st.dataframe(layers, hide_index=True,
                 column_config={**numbers, "same": st.column_config.CheckboxColumn("same")})


def pair_from_link(ids: dict[str, str]) -> None:
    """A and B as the URL names them (`?a=ID&b=ID`) when the page opens; a message if it cannot."""
    if "pair_a" in st.session_state:
        return
    for key, param in PAIR_PARAMS.items():
        run_id = st.query_params.get(param)
        if run_id is None:
            continue
        if run_id in ids.values():
            st.session_state[key] = next(label for label, known in ids.items() if known == run_id)
        else:
            st.warning(f"This link's run {param.upper()} ('{as_text(run_id)}') is not among the runs "
                       "compared with their test predictions; another run takes its place.")


def pair_section(loaded, labels, changes) -> None:
    st.header("Two runs head to head")
    names = [run.label for run in loaded]
    ids = {label: run_id for run_id, label in labels.items() if label in names}
    pair_from_link(ids)
    # A and B stay two different runs of the selection whatever is added or removed.
    st.session_state["pair_a"], st.session_state["pair_b"] = compare.pair_choice(
        names, st.session_state.get("pair_a"), st.session_state.get("pair_b"))
    left, right = st.columns(2)
    first = left.selectbox("A", names, key="pair_a")
    second = right.selectbox("B", [name for name in names if name != first], key="pair_b")
    st.query_params.update({PAIR_PARAMS["pair_a"]: ids[first], PAIR_PARAMS["pair_b"]: ids[second]})
    by_label = {run.label: run for run in loaded}
    pair = compare.compare_pair(by_label[first], by_label[second])
    st.markdown(no_html(pair.text()))
    caveat = compare.confounder_text({label: changes[label] for label in (first, second)})
    if caveat:
        st.warning(no_html(caveat))
    confusion_matrix(figures.confusion_difference_cells(pair.confusion_difference, "A", "B"),
                     key="confusion_difference")
    st.caption("Red: a mistake A makes more often than B; blue: one B makes more often.")
    try:
        images = mnist().x_test
    except DataUnavailableError as error:
        st.warning(f"The test images are not available to show the digits: {no_html(error)}")
        return
    for a_right, title in ((True, "only A gets right"), (False, "only B gets right")):
        indices, captions = compare.disagreement_examples(pair, a_right, GRID_SIZE)
        total = len(pair.a_right_b_wrong if a_right else pair.a_wrong_b_right)
        st.subheader(f"{total:,} test digits {title}")
        if len(indices):
            st.image(figures.digit_tiles(images[indices], width=DIGIT_WIDTH), caption=captions)


def forgetting_section(chosen, labels) -> None:
    st.header("Forgettable training examples")
    records, skipped = compare.forgetting_records(get_store(), chosen, labels, read=tracked_of)
    for line in skipped:
        st.caption(f"No per-epoch record of training images: {no_html(line)}")
    if not records:
        return
    st.dataframe(pd.DataFrame(compare.forgetting_rows(records)), hide_index=True)
    shared = compare.forgettable_in_all(records)
    if shared is not None:
        st.caption(f"{shared:,} of the tracked training images were forgotten at least once "
                   "in every run.")


def per_digit(loaded) -> None:
    st.header("Accuracy per digit")
    plotly_chart(figures.per_class_accuracy_figure(compare.per_class_accuracy(loaded)),
                 key="per_class")


def ensemble(loaded) -> None:
    st.header("Ensemble")
    result, rows = compare.ensemble_rows(loaded)
    st.markdown(no_html(compare.ensemble_text(result)))
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        "accuracy alone": st.column_config.NumberColumn(format="percent"),
        "adds to the ensemble": st.column_config.NumberColumn(
            format="percent", help="ensemble accuracy minus that of the ensemble without it")})


def space_section(loaded) -> None:
    st.header("Learned space")
    st.caption("Each run's test digits where the layer its output reads puts them, each "
               "projected on its own: compare how cleanly the digits separate, not where.")
    names = [run.label for run in loaded]
    for column, start in zip(st.columns(2), (0, 1), strict=True):
        with column:
            label = st.selectbox("Run", names, index=start, key=f"space_run_{start}")
            scored = next(item for item in loaded if item.label == label)
            run = runs_by_label[label]
            clicked = space_view(run, scored.y_test, scored.predicted, key=f"space_{start}",
                                 height=420)
            if clicked is not None:
                open_digit(run, clicked)


def with_predictions(loaded, show):
    """A section over the runs' test predictions, or why there is none."""
    def section() -> None:
        if len(loaded) < 2:
            st.info("Two runs with test predictions are needed to compare their errors.")
            return
        try:
            compare.check_same_test_set(loaded)
        except ValueError as error:
            st.error(no_html(error))
            return
        show(loaded)
    return section


st.title("Compare runs")
finished = {run.id: run for run in get_store().list() if run.status.finished}
linked = st.query_params.get_all(RUN_PARAM)
wanted = [run_id for run_id in linked if run_id in finished]
if len(wanted) < len(linked) and "compare_runs" not in st.session_state:
    missing = ", ".join(f"'{as_text(run_id)}'" for run_id in linked if run_id not in finished)
    st.warning(f"This link names runs that are not finished runs of this lab: {missing}. "
               "They are left out.")
# The runs compared last come back with the page: the sidebar's links carry no ?run=.
remembered = [run_id for run_id in st.session_state.get(COMPARED, []) if run_id in finished]
chosen_ids = st.multiselect("Runs", list(finished), default=wanted if linked else remembered,
                            format_func=lambda run_id: run_label(finished[run_id]),
                            key="compare_runs", placeholder="pick two or more finished runs")
st.session_state[COMPARED] = chosen_ids
chosen = [finished[run_id] for run_id in chosen_ids]
if len(chosen) < 2:
    st.info("Pick two or more finished runs to compare, or select them on the Runs page.")
    st.stop()
st.query_params[RUN_PARAM] = [run.id for run in chosen]
labels = compare.run_labels(chosen)
runs_by_label = {labels[run.id]: run for run in chosen}

st.dataframe(pd.DataFrame(compare.metrics_rows(chosen)), hide_index=True, column_config={
    "test accuracy": st.column_config.NumberColumn(format="percent"),
    "params": st.column_config.NumberColumn(format="localized"),
    "FLOPs": st.column_config.NumberColumn(format="localized")})
with st.popover("Download reports", icon=":material/download:"):
    st.caption("Each run's report: config, curves, confusion matrix, its confused pairs and why, "
               "per-digit metrics; one HTML file that opens offline.")
    try:
        full_mnist = mnist()
    except DataUnavailableError as error:
        st.warning(f"No reports without the test images: {no_html(error)}")
    else:
        for run in chosen:
            st.markdown(f"**{as_text(labels[run.id])}**")
            download_run_report(run, full_mnist, key=f"report_{run.id}")
load_note = compare.throughput_note(chosen, get_store().list())
if load_note:
    st.warning(no_html(load_note))
for line in compare.lineage_lines(chosen):
    st.info(no_html(line))
grouping = compare.group(chosen)
for arm in grouping.repeated:
    st.info(f"Repeats of one config: {no_html(compare.arm_text(arm, labels))}")
if grouping.repeated or grouping.left_out:
    st.caption("Single runs: " + "; ".join(f"{no_html(labels[single.run.id])}: {single.reason}"
                                           for single in grouping.singles) + ".")
if len(chosen) >= 3:
    st.header("Ranking")
    st.caption("Repeats of one config (its config apart from the seed, completed as configured, "
               "each seed once) are ranked by their mean, with a 95% interval; every other run "
               "stands alone and says why.")
    st.dataframe(pd.DataFrame(compare.ranking_rows(grouping, labels)), hide_index=True)
changes = {labels[run.id]: compare.changes_during_training(run) for run in chosen}
loaded, skipped = compare.load_predictions(get_store(), chosen, labels, read=cached_predictions)
for line in skipped:
    st.warning(f"Left out of the test-set comparison: {no_html(line)}")
# One section at a time: only the open tab runs and is drawn (as on Errors), so a change of B
# or of the runs waits for one section, not for every chart of the page.
sections = {
    "Head to head": with_predictions(loaded, lambda loaded: pair_section(loaded, labels, changes)),
    "Curves": lambda: curves(chosen, labels),
    "What differs": lambda: configs(chosen, labels, changes),
    "Per digit": with_predictions(loaded, per_digit),
    "Ensemble": with_predictions(loaded, ensemble),
    "Learned space": with_predictions(loaded, space_section),
    "Forgettable": lambda: forgetting_section(chosen, labels),
}
lazy_tabs(sections, "compare_section")
