"""What every page shares: the run store, the trainer registry, a run picker, cached reads.

Nothing here trains or computes results: it hands pages the core's objects, cached.
"""

from __future__ import annotations

import time

import streamlit as st

from mnist_lab import artifacts
from mnist_lab.runner import TrainerRegistry
from mnist_lab.runs import Run, RunStatus, RunStore, default_home

RUN_PARAM = "run"  # query parameter that links pages to one run, e.g. ?run=20261125-...


@st.cache_resource
def get_store() -> RunStore:
    return RunStore(default_home())


@st.cache_resource
def get_registry() -> TrainerRegistry:
    return TrainerRegistry()


def run_label(run: Run) -> str:
    accuracy = run.summary.get("test_accuracy")
    score = f" · {accuracy:.2%}" if accuracy is not None else ""
    return f"{run.name} · {run.status}{score} · {run.id}"


def pick_run(label: str = "Run", *, finished_only: bool = True, key: str = "run_picker") -> Run | None:
    """A selectbox of runs, preselecting the run named in the URL (`?run=ID`) if any."""
    runs = get_store().list()
    if finished_only:
        runs = [run for run in runs if run.status in (RunStatus.COMPLETED, RunStatus.STOPPED)]
    if not runs:
        st.info("No finished runs yet. Train one on the Train page.")
        return None
    wanted = st.query_params.get(RUN_PARAM)
    ids = [run.id for run in runs]
    index = ids.index(wanted) if wanted in ids else 0
    run = st.selectbox(label, runs, index=index, format_func=run_label, key=key)
    st.query_params[RUN_PARAM] = run.id
    return run


@st.cache_data(max_entries=16, show_spinner=False)
def predictions(run_id: str, _modified: float):
    """Test probabilities and labels of a run (cache key: run id and file time)."""
    return artifacts.read_predictions(get_store().run_dir(run_id))


def cached_predictions(run: Run):
    path = get_store().artifact(run.id, artifacts.PREDICTIONS_FILE)
    return predictions(run.id, path.stat().st_mtime if path.exists() else 0.0)


def ago(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    seconds = time.time() - timestamp
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit} ago"
    return "just now"
