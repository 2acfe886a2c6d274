"""The Experiments page's parts: starting a study (the tutorial's built-ins in one click, or
a study of your own), and a study's results as they come in.

The page never trains nor drives: Start saves the study (`sweeps.launch.prepare_study`, the
CLI's own door) and launches `mnist-lab sweep --study NAME` in the background
(`sweeps.launch.launch_driver`); the view reads the store every few seconds while a driver is
at work.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.charts import plotly_chart
from app.common import RUN_PARAM, download_report, lazy_tabs
from app.readers import get_store, predictions_of
from app.user_text import as_text, no_html
from mnist_lab import figures, reports
from mnist_lab.config import ConfigError, RunConfig, field_at, field_info, preset_names
from mnist_lab.formats import points
from mnist_lab.store.studies import StudyIndex
from mnist_lab.sweeps import search
from mnist_lab.sweeps.builtin import DESCRIPTIONS, QUICK_SUFFIX
from mnist_lab.sweeps.conclusion import DASHBOARD
from mnist_lab.sweeps.driver import stop_study
from mnist_lab.sweeps.estimate import estimate
from mnist_lab.sweeps.launch import launch_driver, prepare_study
from mnist_lab.sweeps.plan import next_slots
from mnist_lab.sweeps.report import StudyReport, study_report
from mnist_lab.sweeps.results import grid_rows, results_rows
from mnist_lab.sweeps.study import MAX_REPEATS, SAMPLERS

STUDY_PARAM = "study"
STUDY_KEY = "study"  # the study picker's widget
ENGINE_KEY = "study_ray_address"
PENDING = "study_pending"  # (what to start, its estimate): a long study waits for a yes
STARTED = "study_started"  # what the last start said, shown once
REFRESH_S = 3.0
STUDY_SECTION = "study_section"  # the open tab of the study's results
OBJECTIVE = "test accuracy, higher is better"
# The budget's fields hold 0 for "the base config's"; their highest is the config's own.
MOST_EPOCHS = field_info(RunConfig, "epochs").form_bounds()[1]
MOST_IMAGES = field_info(RunConfig, "subset").form_bounds()[1]


def engine_choice() -> None:
    st.text_input("Where trials train", key=ENGINE_KEY, placeholder="this machine",
                  help="Empty: this machine's trainers. A Ray cluster's address (host:port, or "
                  "local to start Ray here) trains them on Ray; the results come to this store.")


def start(**what) -> None:
    """Check the study and say how long it will take; start it, or (over ten minutes) wait for
    the user's yes. A message at the control if it cannot run."""
    store = get_store()
    try:
        spec = prepare_study(store, save=False, **what)
    except (ConfigError, ValueError) as error:
        st.error(f"This study cannot run: {no_html(error)}")
        return
    guess = estimate(store, spec)
    if guess.long:
        st.session_state[PENDING] = (what, guess.text())
        st.rerun()
    launch(what, guess.text())


def launch(what: dict, how_long: str) -> None:
    """Save the study, start its driver, and show it: the view switches to it and says so."""
    store = get_store()
    st.session_state.pop(PENDING, None)
    spec = prepare_study(store, **what)
    if StudyIndex(store).get(spec.name).driven:
        said = f"Study {as_text(spec.name)} is already running."
    else:
        launch_driver(store, spec.name, st.session_state.get(ENGINE_KEY, "").strip() or None)
        said = f"Started study {as_text(spec.name)}: {how_long}."
    st.session_state[STARTED] = said
    st.session_state.pop(STUDY_KEY, None)  # the picker opens on the URL's study: this one
    st.query_params[STUDY_PARAM] = spec.name
    st.rerun()


def pending_section() -> None:
    """A long study asks before it starts: its estimate, and Start anyway or Cancel."""
    pending = st.session_state.get(PENDING)
    if pending is None:
        return
    what, how_long = pending
    st.warning(f"This study is long: {how_long}. Start it?")
    yes, no = st.columns(2)
    if yes.button("Start anyway", type="primary", key="start_long"):
        launch(what, how_long)
    if no.button("Cancel", key="cancel_long"):
        del st.session_state[PENDING]
        st.rerun()


def started_notice() -> None:
    """What the last start did, once, above the study it switched to."""
    said = st.session_state.pop(STARTED, None)
    if said:
        st.success(said)


def builtin_section() -> None:
    st.subheader("The tutorial's studies")
    st.caption("LeNet-5, 3 seeds per arm. Quick: 300 images per class and 4 epochs (minutes); "
               "full: the whole training set, 10 epochs.")
    for stem, description in DESCRIPTIONS.items():
        text, quick, full = st.columns([4, 1, 1], vertical_alignment="center")
        text.markdown(f"**{stem}**: {description}")
        if quick.button("Quick", key=f"quick_{stem}"):
            start(study=stem + QUICK_SUFFIX)
        if full.button("Full", key=f"full_{stem}"):
            start(study=stem)


def custom_section() -> None:
    st.subheader("A study of your own")
    with st.form("custom_study"):
        left, right = st.columns(2)
        name = left.text_input("Name", placeholder="e.g. lr-vs-batch", key="study_name")
        base = right.selectbox("Base config", preset_names())
        grid = st.text_area("Search space, one field a line", key="study_space",
                            placeholder="blocks.kernel_size=3,5,7\nblocks.downsample=max,avg")
        sampler = left.selectbox("Sampler", SAMPLERS)
        repeats = right.number_input("Seeds per point", 1, MAX_REPEATS, 3)
        epochs = left.number_input("Epochs per trial (0: the base's)", 0, MOST_EPOCHS, 0)
        subset = right.number_input("Images per class (0: all)", 0, MOST_IMAGES, 0)
        max_trials = left.number_input("Most trials", 1, 1000, 100)
        minutes = right.number_input("Time budget, minutes (0: none)", 0.0, 10_000.0, 0.0)
        prune = st.checkbox("Prune trials below the median (Optuna)")
        submitted = st.form_submit_button("Start", type="primary")
    if submitted:
        lines = [line.strip() for line in grid.splitlines() if line.strip()]
        start(name=name.strip() or None, base=base, sampler=sampler, repeats=int(repeats),
              prune=prune, grid=[line for line in lines if ".." not in line],
              ranges=[line for line in lines if ".." in line],
              budget={"epochs": int(epochs) or None, "subset": int(subset) or None,
                      "max_trials": int(max_trials), "time_budget_s": minutes * 60 or None})


@st.cache_data(max_entries=16, show_spinner="Estimating importance…")
def _importances(name: str, scored: tuple):
    report = study_report(get_store(), name, read=predictions_of, words=DASHBOARD)
    return search.importances(report.spec.dimensions, list(scored))


def study_view(name: str) -> None:
    """The study's live results; reruns itself every few seconds while it is driven."""
    driven = StudyIndex(get_store()).get(name).driven
    st.fragment(run_every=REFRESH_S if driven else None)(_draw)(name)


def _draw(name: str) -> None:
    store = get_store()
    report = study_report(store, name, read=predictions_of, words=DASHBOARD)
    _status(report)
    conclusion = report.conclusion
    (st.success if conclusion.real else st.info)(no_html(conclusion.headline))
    for line in conclusion.lines:
        st.markdown(no_html(line))
    if conclusion.other_question:
        with st.expander("Another question: do the two best networks make different mistakes?"):
            for line in conclusion.other_question:
                st.markdown(no_html(line))
    if not report.arms:
        return
    # The arm and its accuracy stay in view while the table scrolls sideways at 1280 px.
    st.dataframe(pd.DataFrame(results_rows(report.arms)), hide_index=True, column_config={
        "arm": st.column_config.TextColumn("arm", pinned=True, help="the arm's fields in words; "
                                           "'fields' names them as the command line does"),
        "test accuracy": st.column_config.TextColumn("test accuracy", pinned=True),
        "n": st.column_config.NumberColumn("n", width=40),
        "params": st.column_config.NumberColumn(format="localized"),
        "FLOPs": st.column_config.NumberColumn(format="localized"),
        "train s": st.column_config.NumberColumn(format="%.1f")})
    best = [trial.run.id for arm in report.arms[:2] for trial in arm.trials]
    if len(report.arms) >= 2:
        st.page_link("pages/compare.py", label="Compare the two best arms' trials",
                     icon=":material/compare_arrows:", query_params={RUN_PARAM: best})
    _plots(report)


def _status(report: StudyReport) -> None:
    record, store = report.record, get_store()
    counts = ", ".join(f"{count} {state}" for state, count in sorted(report.counts.items()))
    state = "running" if record.driven else "stopped" if record.stop_requested else "idle"
    text, act = st.columns([4, 1], vertical_alignment="center")
    text.markdown(f"**{as_text(record.name)}** · {state} · {counts or 'no trials yet'}")
    if record.driven and act.button("Stop the study", key=f"stop_{record.name}"):
        StudyIndex(store).request_stop(record.name)
        st.toast("Stop requested: queued trials leave the queue, the running one stops after "
                 "its batch.")
    elif (not record.driven and next_slots(report.spec, report.trials, 1)
          and act.button("Fill missing or failed", key=f"fill_{record.name}")):
        start(study=record.name)
    if record.stop_requested and not record.driven:
        stop_study(store, record.name)  # no driver carried it out: do it now
    download_report(lambda: reports.study_document(store, record.name),
                    f"{record.name}-study-report.html", key=f"report_{record.name}")


def _plots(report: StudyReport) -> None:
    """One view at a time, only the open one computed and drawn: the view reruns every few
    seconds while the study runs, and drawing every tab meant five charts and an fANOVA
    (0.5-0.9 s of CPU, redone each time a trial finished) on every rerun, watched or not."""
    band = report.floor.band if report.floor else None
    scored = tuple((trial.point, trial.run.summary["test_accuracy"])
                   for arm in report.arms for trial in arm.trials)
    in_percent = [(point, accuracy * 100) for point, accuracy in scored]
    lazy_tabs({"Effect of each field": lambda: _effects(report, band),
               "Parallel coordinates": lambda: plotly_chart(figures.parallel_figure(
                   search.scored_study(report.spec.dimensions, in_percent)), key="parallel"),
               "Importance": lambda: _importance(report, scored),
               "Pareto": lambda: _pareto(report, band),
               "Every trial": lambda: _every_trial(report)}, STUDY_SECTION)


def _effects(report: StudyReport, band: float | None) -> None:
    for dimension in report.spec.dimensions:
        plotly_chart(figures.field_effect_figure(report.arms, dimension, band),
                     key=f"effect_{dimension.field}")
    if report.floor:
        st.caption(f"Grey band: seed noise, {report.floor.source} (2 sd = "
                   f"{points(report.floor.band)}).")


def _importance(report: StudyReport, scored: tuple) -> None:
    if len(report.spec.dimensions) == 1:
        st.info(f"This study varies one field ({field_at(report.spec.dimensions[0].field).noun}), "
                "so there is nothing to weigh it against: all of the variation the study "
                "explains is that field's. Importance ranks two or more fields.")
        return
    found = _importances(report.record.name, scored)
    if found:
        plotly_chart(figures.importance_figure(found, search.IMPORTANCE_EVALUATOR, OBJECTIVE),
                     key="importance")
    else:
        st.info("Importance needs at least three finished trials over varied fields.")


def _pareto(report: StudyReport, band: float | None) -> None:
    plotly_chart(figures.pareto_figure(report.arms, "params", "parameters", band),
                 key="pareto_params")
    plotly_chart(figures.pareto_figure(report.arms, "train_seconds", "training seconds", band),
                 key="pareto_time")


def _every_trial(report: StudyReport) -> None:
    st.dataframe(pd.DataFrame(grid_rows(report.spec, report.trials)).assign(
        errors=lambda rows: "errors?run=" + rows["run"]), hide_index=True, column_config={
        "errors": st.column_config.LinkColumn("errors", display_text="open")})
