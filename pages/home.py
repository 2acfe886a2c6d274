"""Home: what the lab is, where the data came from, what is training, and one-click presets."""

from __future__ import annotations

import streamlit as st

from app.common import RUN_PARAM, ago, route_through_dashboard
from app.readers import get_store, mnist
from app.user_text import as_text
from mnist_lab.config import PRESET_DESCRIPTIONS, preset, preset_names
from mnist_lab.data import DataUnavailableError, class_counts
from mnist_lab.live.progress import training_progress
from mnist_lab.model import describe
from mnist_lab.store import RunStatus
from mnist_lab.training import runner

route_through_dashboard()

RECENT_RUNS = 8


def start_preset(name: str) -> None:
    run_id = runner.submit(get_store(), describe(preset(name)), name=name)
    st.switch_page("pages/train.py", query_params={RUN_PARAM: run_id})


st.title("mnist-lab")
st.markdown(
    "A workbench for convolutional networks on handwritten digits: shape a network and see "
    "its layers before training, train it in the background while the curves draw "
    "themselves, then study what it gets wrong and compare it with other runs."
)

try:
    data = mnist()  # the same source the trainers use: they inherit this environment
except DataUnavailableError as error:
    st.warning(f"MNIST is not available yet, so runs cannot train: {error}")
else:
    st.caption(f"Data: MNIST from **{data.source}**: {len(data.y_train):,} training and "
               f"{len(data.y_test):,} test images of 28x28 grey pixels, 10 classes "
               f"(the smallest has {min(class_counts(data.y_train)):,} training images).")

store = get_store()
runs = store.list()
active = [run for run in runs if run.status.active]
ended = [run for run in runs if not run.status.active][:RECENT_RUNS]

st.header("Training now")
if not active:
    st.info("Nothing is training. Start a preset below or design a network on the Train page.")
for run in active:
    progress = training_progress(store.metrics(run.id), steps_per_epoch=run.summary.get("steps_per_epoch"),
                                 epochs=run.summary.get("epochs"))
    state = progress.label if progress is not None and run.status is not RunStatus.QUEUED else run.status
    st.page_link("pages/train.py", label=f"{as_text(run.name)} · {state} · started {ago(run.created_at)}",
                 icon=":material/hourglass_top:", query_params={RUN_PARAM: run.id})

st.header("Recent runs")
if not ended:
    st.info("No finished runs yet.")
for run in ended:
    accuracy = run.summary.get("test_accuracy")
    score = f"{accuracy:.2%} test accuracy" if accuracy is not None else "no test accuracy"
    icon = ":material/check_circle:" if run.status is RunStatus.COMPLETED else ":material/warning:"
    label = f"{as_text(run.name)} · {run.status} · {score} · {ago(run.ended_at)}"
    st.page_link("pages/train.py", label=label, icon=icon, query_params={RUN_PARAM: run.id})

st.header("Train a preset")
for name in preset_names():
    button, description = st.columns([1, 4], vertical_alignment="center")
    if button.button(f"Train {name}", key=f"preset_{name}"):
        start_preset(name)
    description.markdown(PRESET_DESCRIPTIONS[name])
