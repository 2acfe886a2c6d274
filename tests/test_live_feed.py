"""The live feed: what a watching browser gets on each poll, and the routes that serve it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import numpy as np
import pandas as pd
import pytest

from app.live_server import live_routes
from mnist_lab import figures
from mnist_lab.config import preset
from mnist_lab.live.feed import LOADING, LiveFeed, chart_template, live_update, new_points
from tests.browser import dashboard
from tests.fakes import log_batch, running_run, seed_run


def test_a_running_run_reports_progress_points_and_its_rate_change(store):
    run_id = running_run(store)
    update = LiveFeed(store).poll(run_id)

    assert update["status"] == "running"
    assert update["note"] is None
    assert update["progress"] == {"fraction": 0.5, "label": "epoch 2/3 · batch 50/100",
                                  "elapsed": "15 s", "eta": "15 s", "speed": "320", "rate": "0.005"}
    assert [(points["trace"], points["x"]) for points in update["points"]] == [
        (0, [0.5, 1.5]), (3, [0.5, 1.5])]  # batch loss and batch accuracy
    assert update["marks"]["count"] == 1
    assert "lr → 0.005" in [annotation["text"] for annotation in update["marks"]["annotations"]]
    assert json.loads(json.dumps(update)) == update  # all of it JSON


def test_a_poll_sends_only_newer_points_continuing_the_smoothed_line(store):
    run_id = running_run(store)
    feed = LiveFeed(store)
    first = feed.poll(run_id)
    assert feed.poll(run_id, after_id=first["after"], marks=1)["points"] == []
    log_batch(store, run_id, 250, loss=0.1)
    update = feed.poll(run_id, after_id=first["after"], marks=1)

    everything = figures.curves_figure(store.metrics(run_id), live=True)
    batch_loss = update["points"][0]
    assert (batch_loss["trace"], batch_loss["x"]) == (0, [2.5])
    assert batch_loss["y"] == pytest.approx([everything.data[0].y[-1]])  # the moving average goes on
    assert update["after"] > first["after"]
    assert update["marks"] is None  # the browser's one mark is still the only one


def test_points_follow_the_live_chart_traces():
    template = chart_template()
    assert [trace["name"] for trace in template["data"]] == [curve.name for curve in figures.CURVES]
    assert [trace["xaxis"] for trace in template["data"]] == ["x", "x", "x", "x2", "x2", "x2"]
    assert template["layout"]["template"]["layout"]["colorway"][0].startswith("#636")  # plotly_white


def test_a_diverged_loss_ends_its_line_and_the_feed_stays_json():
    history = pd.DataFrame({"id": [1, 2, 3, 4, 5, 6], "kind": ["epoch"] * 3 + ["batch"] * 3,
                            "epoch": [1, 2, 3, 1, 1, 1], "epoch_progress": [1, 2, 3, 0.2, 0.5, 0.8],
                            "loss": [0.5, np.nan, np.inf, 1.0, np.inf, 1.0],
                            "accuracy": [0.8, 0.9, -np.inf, 0.5, 0.5, np.nan]})
    points = {entry["trace"]: entry for entry in new_points(history, after_id=0)}
    assert (points[1]["x"], points[1]["y"]) == ([1], [0.5])  # epoch loss: NaN and inf left out
    assert (points[4]["x"], points[4]["y"]) == ([1, 2], [0.8, 0.9])
    assert points[0]["x"] == [0.2, 0.8]  # the batch line skips the inf instead of turning inf
    assert points[0]["y"] == pytest.approx([1.0, 1.0])
    json.dumps(points, allow_nan=False)


def test_routes_sit_under_the_base_url_path(store):
    assert [route.path for route in live_routes(lambda: store, "/mnist/")] == [
        "/mnist/lab/live/{run_id}", "/mnist/lab/plotly.min.js"]
    assert [route.path for route in live_routes(lambda: store)] == [
        "/lab/live/{run_id}", "/lab/plotly.min.js"]


def test_notes_for_a_queued_run_and_one_still_loading(store):
    first = running_run(store)
    queued = store.create_run(preset("lenet5").to_dict())
    assert LiveFeed(store).poll(queued)["note"] == "Queued: number 1 in line; 1 of 1 training slots in use."

    store.set_summary(first, {})  # running, but the trainer has not said how long it is
    update = live_update(store.get(first), pd.DataFrame(columns=["id"]), after_id=0, marks=0)
    assert (update["note"], update["progress"], update["points"]) == (LOADING, None, [])


def test_the_feed_remembers_only_the_most_recent_runs(store):
    feed = LiveFeed(store, max_runs=2)
    runs = [store.create_run(preset("lenet5").to_dict()) for _ in range(3)]
    for run_id in runs:
        feed.poll(run_id)
    assert list(feed._histories) == runs[1:]


@pytest.fixture
def served(store, tmp_path, mnist):
    """The real dashboard server over a store with one finished run."""
    run_id = seed_run(store, mnist.y_test)
    with dashboard(store.home, tmp_path / "dashboard.log") as url:
        yield url, run_id


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_the_dashboard_serves_the_feed_and_plotly_beside_its_pages(served):
    url, run_id = served
    status, kind, body = get(f"{url}/lab/live/{run_id}?after=0&marks=0")
    update = json.loads(body)
    assert (status, kind, update["status"]) == (200, "application/json", "completed")
    assert len(update["points"]) == 6  # batch, epoch and validation lines of both plots

    missing = "20200101-000000-abcdef"
    assert get(f"{url}/lab/live/{missing}")[0] == 404
    status, _, body = get(f"{url}/lab/live/{run_id}?after=-1")
    assert (status, json.loads(body)) == (400, {"error": "after must be a whole number, got '-1'"})
    assert get(f"{url}/lab/live/not-an-id")[0] == 400

    status, kind, body = get(f"{url}/lab/plotly.min.js")
    assert (status, kind) == (200, "text/javascript; charset=utf-8")
    assert b"plotly.js" in body[:200]
    assert get(f"{url}/train")[0] == 200  # the pages are still Streamlit's
