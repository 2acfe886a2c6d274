"""The Train page's runs: every run in progress, live, and the finished run it was asked about.

A run in progress is drawn by a components v2 element (`app/train/live_run/`, mounted into the page,
no iframe) that polls the dashboard's live feed every two seconds and appends the new points to
its chart, so leaving the page or reloading it re-attaches to the run, and watching it costs no
Streamlit rerun.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from app.charts import chart_config, plotly_chart
from app.common import RUN_PARAM, run_label, unusable_run
from app.live_server import url_prefix
from app.readers import get_store
from app.train.scroll import scroll_here
from app.user_text import as_text, no_html
from mnist_lab import figures
from mnist_lab.formats import format_duration
from mnist_lab.live import feed
from mnist_lab.live.progress import REFERENCE_ACCURACIES, recorded_learning_rate_changes
from mnist_lab.store import RUN_ID_PATTERN, RequestKind, Run, RunStatus
from mnist_lab.store.artifacts import CURVES_FILE
from mnist_lab.training import runner

LIVE_RUN = Path(__file__).with_name("live_run")
_live_run = st.components.v2.component(
    "live_run", html=(LIVE_RUN / "live_run.html").read_text(),
    css=(LIVE_RUN / "live_run.css").read_text(), js=(LIVE_RUN / "live_run.js").read_text(),
    isolate_styles=False,  # Plotly styles its chart from the page's stylesheet
)
LAST_STARTED = "train_last_started"  # the run this session started last, shown when no ?run= is given
WATCHED = "train_watched"  # runs this session showed here or saw in progress: they stay linked


def curves(run: Run, history: pd.DataFrame, lr_changes) -> None:
    figure = figures.curves_figure(history, reference_lines=REFERENCE_ACCURACIES, lr_changes=lr_changes,
                                   unfrozen_at=run.summary.get("unfrozen_at_epoch"))
    plotly_chart(figure, key=f"curves_{run.id}")


@st.cache_data
def chart_template() -> dict:
    return feed.chart_template()


def live_view(run: Run) -> None:
    """A run in progress, drawn by the live_run component, which polls the live feed itself.

    Nothing here reruns while the run trains: the component appends what is new to the
    chart it holds, and asks for a rerun only when the run's status changes.
    """
    st.markdown(f"**{as_text(run.name)}** · {run.status} · `{run.id}`")
    base = url_prefix(st.get_option("server.baseUrlPath")) + "/"
    _live_run(key=f"live_{run.id}", on_status_change=lambda: None,
              data={"run_id": run.id, "run_id_pattern": RUN_ID_PATTERN, "status": str(run.status),
                    "figure": chart_template(), "config": chart_config(f"curves_{run.id}"),
                    "base": base})


def run_controls(run: Run) -> None:
    store = get_store()
    stop, pause, rate, apply = st.columns([1, 1, 2, 1], vertical_alignment="bottom")
    if stop.button("Stop", key=f"stop_{run.id}"):
        runner.stop(store, run.id)
        st.toast("Stop requested: the run ends after its current batch.")
    if run.status is RunStatus.QUEUED:
        return
    if run.status is RunStatus.PAUSED:
        st.warning("Paused: the trainer waits between two batches; its clock is stopped.")
        if pause.button("Resume", key=f"resume_{run.id}"):
            store.request(run.id, RequestKind.RESUME)
    elif pause.button("Pause", key=f"pause_{run.id}"):
        store.request(run.id, RequestKind.PAUSE)
    new_rate = rate.number_input("New learning rate", 1e-6, 10.0, value=float(run.config["learning_rate"]),
                                 format="%g", key=f"lr_{run.id}")
    if apply.button("Apply", key=f"apply_lr_{run.id}"):
        store.request(run.id, RequestKind.SET_LEARNING_RATE, new_rate)
        st.toast(f"Learning rate {new_rate:g} requested; the curves mark the change.")


def finished_view(run: Run) -> None:
    summary = run.summary
    st.markdown(f"**{as_text(run.name)}** · {run.status} · `{run.id}`")
    if run.problem:
        st.warning(f"This run's record is damaged: {no_html(run.problem)}. What could be read is shown.")
    planned = summary.get("epochs", run.config.get("epochs"))
    trained = summary.get("epochs_trained", 0.0)
    if run.status in (RunStatus.FAILED, RunStatus.INTERRUPTED):
        st.error(f"This run {run.status}: {no_html(run.error or 'no reason was recorded')}")
    elif run.status is RunStatus.STOPPED:
        st.warning(f"Stopped on request after {trained:g} of {planned} epochs.")
    accuracy, speed = summary.get("test_accuracy"), summary.get("images_per_second")
    columns = st.columns(4)
    columns[0].metric("Test accuracy", f"{accuracy:.2%}" if accuracy is not None else "—")
    columns[1].metric("Training time", format_duration(summary.get("train_seconds")))
    columns[2].metric("Epochs", f"{trained:g}/{planned}")
    columns[3].metric("Images/s", f"{speed:,.0f}" if speed else "—")
    curves(run, get_store().metrics(run.id), recorded_learning_rate_changes(summary))
    classic = get_store().artifact(run.id, CURVES_FILE)
    if classic.exists():
        with st.expander("The classic Matplotlib figure"):
            st.image(str(classic))
    if run.status.finished:
        errors, compare = st.columns(2)
        errors.page_link("pages/errors.py", label="Its errors", icon=":material/grid_on:",
                         query_params={RUN_PARAM: run.id})
        compare.page_link("pages/compare.py", label="Compare with other runs",
                          icon=":material/compare_arrows:", query_params={RUN_PARAM: run.id})


def _current(runs: list[Run], watched: set[str]) -> str | None:
    """The run the page is about: the URL's, the one this session started, one in progress,
    or the newest run this session watched."""
    return (st.query_params.get(RUN_PARAM) or st.session_state.get(LAST_STARTED)
            or next((run.id for run in runs if run.status.active), None)
            or next((run.id for run in runs if run.id in watched), None))


def run_card(run: Run) -> None:
    with st.container(border=True):
        if run.status.active:
            live_view(run)
            run_controls(run)
        else:
            finished_view(run)


def runs_section(started: str | None = None) -> None:
    """The current run in full, the others of this session as links that make one current.

    `started`: a run just started by this rerun, whose card is scrolled into view.
    """
    store = get_store()
    st.header("Runs")
    st.number_input("Runs that may train at once", 1, 8, value=runner.max_running(store), key="max_running",
                    on_change=lambda: store.set_setting(runner.MAX_RUNNING_SETTING,
                                                        str(st.session_state["max_running"])))
    runs = store.list()
    watched = st.session_state.setdefault(WATCHED, set())
    watched.update(run.id for run in runs if run.status.active)
    wanted = _current(runs, watched)
    if wanted:
        st.query_params[RUN_PARAM] = wanted  # so a reload comes back to the same run
    current = next((run for run in runs if run.id == wanted), None)
    if wanted and current is None:
        st.warning(unusable_run(wanted, runs))
    if current is not None:
        watched.add(current.id)  # once shown here, it stays one link away
    others = [run for run in runs if run.id != wanted and (run.status.active or run.id in watched)]
    if current is None and not others:
        st.info("No run in progress. Design a network above and press Train.")
    if current is not None:
        if started == current.id:
            scroll_here(f"scroll_{current.id}")
        run_card(current)
    if others:
        with st.expander(f"Other runs of this session ({len(others)})"):
            for run in others:
                st.page_link("pages/train.py", label=as_text(run_label(run)),
                             query_params={RUN_PARAM: run.id},
                             icon=":material/hourglass_top:" if run.status.active else ":material/done:")
