"""The dashboard killed with SIGKILL (its process group) while a study it started trains;
restarted, it shows everything.

The dashboard here is a process running the Experiments page in AppTest: Start goes through the
page's own code (`prepare_study`, `launch_driver`), so the study's driver and its trainer are
the real ones, in their own session. The restarted dashboard is a fresh AppTest over the same
store, with Streamlit's caches empty, as after a restart.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from mnist_lab.store import RunStatus, RunStore
from mnist_lab.store.liveness import pid_alive
from mnist_lab.store.studies import StudyIndex
from mnist_lab.sweeps.study import TrialState, trials

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
STUDY = "while-dashboard-died"
# The dashboard: open Experiments, fill in a study of two one-epoch trials, Start, then live on.
START_A_STUDY = f"""
import time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({DASHBOARD!r}, default_timeout=120).run()
at = at.switch_page("pages/experiments.py").run()
at.text_input(key="study_name").set_value({STUDY!r})
at.text_area(key="study_space").set_value("blocks.downsample=max,avg")
fields = {{field.label.split(" ")[0]: field for field in at.number_input}}
fields["Seeds"].set_value(1)
fields["Epochs"].set_value(1)
fields["Images"].set_value(5)
at.button[-1].click().run()
assert not at.exception, at.exception
print("started", flush=True)
time.sleep(600)
"""


def wait_for(condition, what: str, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def open_page(page: str, **params) -> AppTest:
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run().switch_page(page).run()


def states(store: RunStore) -> dict[str, TrialState]:
    return {trial.run.id: trial.state for trial in trials(store, STUDY)}


@pytest.fixture
def home(tmp_path, small_npz, monkeypatch):
    for name, value in (("MNIST_LAB_HOME", str(tmp_path / "runs")), ("MNIST_LAB_DATA", str(small_npz)),
                        ("MNIST_LAB_THREADS", "1"), ("MNIST_LAB_MAX_RUNNING", "1")):
        monkeypatch.setenv(name, value)
    store = RunStore(tmp_path / "runs")
    yield store
    # Whatever the test left running ends here, by the pids the store recorded.
    record = StudyIndex(store).find(STUDY)
    pids = [run.pid for run in store.list() if run.status.active] + [record and record.driver_pid]
    for pid in filter(None, pids):
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_a_study_trains_on_after_the_dashboard_is_killed_and_a_restart_shows_it(home):
    store = home
    dashboard = subprocess.Popen([sys.executable, "-c", START_A_STUDY], cwd=ROOT, text=True,
                                 stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                 start_new_session=True)
    try:
        assert dashboard.stdout.readline().strip() == "started"
        wait_for(lambda: TrialState.RUNNING in states(store).values(), "a trial to train")
    finally:
        # The dashboard's whole process group, as a closed terminal or a stopped service kills it.
        os.killpg(dashboard.pid, signal.SIGKILL)
        assert dashboard.wait() == -signal.SIGKILL
    assert StudyIndex(store).get(STUDY).driven  # the driver outlived the dashboard

    # Restarted while the study trains: the study, its trials and the running one are shown.
    experiments = open_page("pages/experiments.py", study=STUDY)
    assert not experiments.exception
    status = next(text.value for text in experiments.markdown if STUDY.replace("-", "\\-") in text.value)
    # One trainer per core trains the study: on a 2-core machine both trials may be running.
    assert re.search(r" · running · [12] running", status), status
    running = next(run_id for run_id, state in states(store).items() if state is TrialState.RUNNING)
    train = open_page("pages/train.py", run=running)
    assert not train.exception
    assert any(button.label == "Stop" for button in train.button)  # its live card and controls
    runs = open_page("pages/runs.py")
    assert not runs.exception
    assert set(runs.dataframe[0].value["id"]) == {run.id for run in store.list()}
    home_page = open_page("pages/home.py")
    assert any(running in str(link.proto.query_string) for link in home_page.get("page_link"))

    # The study ends on its own, and the restarted dashboard shows its results.
    wait_for(lambda: not StudyIndex(store).get(STUDY).driven, "the study to end")
    assert sorted(states(store).values()) == [TrialState.DONE, TrialState.DONE]
    assert all(run.status is RunStatus.COMPLETED for run in store.list())
    experiments = open_page("pages/experiments.py", study=STUDY)
    assert not experiments.exception
    status = next(text.value for text in experiments.markdown if STUDY.replace("-", "\\-") in text.value)
    assert " · idle · 2 done" in status
    table = experiments.dataframe[0].value
    assert sorted(table["arm"]) == ["average pooling", "max pooling"] and table["n"].tolist() == [1, 1]
