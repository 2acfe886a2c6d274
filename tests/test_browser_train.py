"""End to end in Chromium: design a tiny network, train it, leave and come back, see it finish."""

from __future__ import annotations

import re
import time

import pytest

from mnist_lab.store import RunStatus, RunStore
from tests.browser import chromium_page, dashboard, output_dir, require_chromium

# Every point drawn on the live loss/accuracy chart, inside the run's live view.
LIVE_VIEW = ".live-run"  # the run's live view, mounted into the page (components v2)
CURVE_POINTS_JS = """chart => (chart.data || []).reduce((total, trace) => total + trace.x.length, 0)"""


def live_points(page) -> int:
    chart = page.locator(LIVE_VIEW).locator(".live-run-chart")
    return chart.evaluate(CURVE_POINTS_JS) if chart.count() else 0


def wait_for(condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def enter(page, label: str, value, shows: str) -> None:
    """Type `value` into a Train form field and wait until the line under Train `shows` it,
    so the next change starts from the rerun this one caused."""
    field = page.get_by_label(label, exact=True)
    field.fill(str(value))
    field.press("Enter")
    page.get_by_test_id("stCaptionContainer").filter(has_text="Trains ").filter(
        has_text=shows).wait_for()


@pytest.mark.browser
def test_train_a_tiny_network_live_and_come_back_to_it(tmp_path, small_npz, monkeypatch):
    require_chromium()
    monkeypatch.setenv("MNIST_LAB_DATA", str(small_npz))  # trainers inherit the dashboard's env
    monkeypatch.setenv("MNIST_LAB_THREADS", "1")
    screenshots = output_dir("train")
    with dashboard(tmp_path / "runs", tmp_path / "dashboard.log") as url, chromium_page() as page:
        page.goto(url)
        page.get_by_text("Train a preset").wait_for()
        nav = page.get_by_test_id("stSidebarNav")
        nav.get_by_role("link", name=re.compile("Train$")).click()
        page.get_by_text("FLOPs per image").wait_for()
        enter(page, "Images per class (0: all)", 20, shows="on 20 images per class")
        enter(page, "Batch size", 8, shows="in batches of 8 ")
        enter(page, "Epochs", 60, shows="60 epochs")  # long enough to be watched while it trains
        enter(page, "Run name", "browser run", shows="Trains “browser run”:")
        page.get_by_role("button", name="Train", exact=True).click()

        # The live chart gains points while the run trains.
        first = wait_for(lambda: live_points(page), 120, "the first points on the chart")
        wait_for(lambda: live_points(page) > first, 60, "the chart to gain points")
        # Its toolbar downloads PNG and SVG, as every chart's does (app/charts).
        live_view = page.locator(LIVE_VIEW)
        live_view.get_by_role("button", name="Download plot as an SVG").wait_for(state="attached")
        assert live_view.get_by_role("button", name="Download plot as a PNG").count() == 1
        page.get_by_role("heading", name="Runs").scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / "training.png"))

        # Another page while it trains, back to Train (which re-attaches), then a reload.
        nav.get_by_role("link", name=re.compile("Home$")).click()
        page.get_by_role("link", name=re.compile(r"browser run · ")).wait_for()  # in progress or recent
        nav.get_by_role("link", name=re.compile("Train$")).click()
        page.get_by_text("browser run", exact=True).wait_for()
        page.reload()
        page.get_by_text("browser run", exact=True).wait_for()

        # The finished run: its test accuracy, and a link to its errors.
        label = page.get_by_test_id("stMetricLabel").filter(has_text="Test accuracy")
        label.wait_for(timeout=180_000)
        value = page.get_by_test_id("stMetric").filter(has=label).get_by_test_id("stMetricValue")
        accuracy = float(value.inner_text().rstrip("%"))
        label.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / "finished.png"))
    assert 30.0 < accuracy <= 100.0  # 180 training images, 60 epochs: well above chance
    (run,) = RunStore(tmp_path / "runs").list()
    assert (run.name, run.config["subset"], run.config["batch_size"], run.config["epochs"]) == (
        "browser run", 20, 8, 60)  # what was typed into the form is what trained


@pytest.mark.browser
def test_pause_resume_and_stop_from_the_page(tmp_path, small_npz, monkeypatch):
    """The run's buttons act on the real trainer; the page follows its status and marks the new rate."""
    require_chromium()
    from mnist_lab.config import preset
    from mnist_lab.training.runner import launch

    monkeypatch.setenv("MNIST_LAB_DATA", str(small_npz))
    monkeypatch.setenv("MNIST_LAB_THREADS", "1")
    store = RunStore(tmp_path / "runs")
    run_id = store.create_run(preset("lenet5").replace(epochs=500, batch_size=8).to_dict(), name="controls")
    process = launch(store, run_id)
    try:
        with dashboard(store.home, tmp_path / "dashboard.log") as url, chromium_page() as page:
            page.goto(f"{url}/train?run={run_id}")
            page.locator(LIVE_VIEW).get_by_text("Elapsed").wait_for(timeout=120_000)
            page.get_by_role("button", name="Pause").click()
            page.get_by_role("button", name="Resume").wait_for()
            assert store.get(run_id).status is RunStatus.PAUSED
            page.get_by_role("button", name="Resume").click()
            page.get_by_role("button", name="Pause").wait_for()
            assert store.get(run_id).status is RunStatus.RUNNING
            field = page.get_by_label("New learning rate", exact=True)
            field.fill("0.005")
            field.press("Enter")  # Apply sends the value it shows, whenever it is clicked
            page.get_by_role("button", name="Apply").click()
            page.locator(LIVE_VIEW).get_by_text("lr → 0.005").wait_for(timeout=60_000)  # marked live
            page.get_by_role("button", name="Stop").click()
            page.get_by_text("Stopped on request").wait_for(timeout=120_000)
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
    assert store.get(run_id).status is RunStatus.STOPPED


@pytest.mark.browser
def test_the_live_view_says_when_the_dashboard_stops_answering(tmp_path):
    """The component keeps its chart and says so when its feed goes quiet, then keeps asking."""
    require_chromium()
    from tests.fakes import running_run

    store = RunStore(tmp_path / "runs")
    run_id = running_run(store)  # claimed by this process, so it stays running
    with chromium_page() as page:
        with dashboard(store.home, tmp_path / "dashboard.log") as url:
            page.goto(f"{url}/train?run={run_id}")
            view = page.locator(LIVE_VIEW)
            view.get_by_text("epoch 2/3 · batch 50/100").wait_for(timeout=60_000)
        view.get_by_text("No news from the dashboard").wait_for(timeout=30_000)
        assert live_points(page) == 4  # what was drawn stays: two batch points on each plot
