"""In real Chromium at 1280x800: the Train page around its runs (a finished run's chart)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import pytest

from mnist_lab.store import RunStore
from tests.browser import chromium_page, dashboard, output_dir, require_chromium
from tests.fakes import seed_run

# The curves are the chart with a second y axis (the layer diagram above has one).
ACCURACY_RANGE_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .map(chart => chart._fullLayout.yaxis2).find(axis => axis !== undefined).range"""
CURVES_DRAWN_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .some(chart => chart._fullLayout && chart._fullLayout.yaxis2 !== undefined)"""


def climbing_run(store: RunStore, y_test) -> str:
    """A finished run whose first batches read 20-60% accuracy, as real runs do."""
    run_id = seed_run(store, y_test, name="climbing")
    for step, progress, accuracy in ((5, 0.05, 0.2), (20, 0.2, 0.6)):
        store.log_metrics(run_id, "batch", 1, step, progress * 2, {
            "loss": 2.0, "accuracy": accuracy, "epoch_progress": progress})
    return run_id


@contextmanager
def climbing_run_on_train(tmp_path, y_test):
    """Chromium at 1280x800 on the Train page of `climbing_run`, its curves drawn (the layer
    diagram above them is a scatter chart too, since block kinds): (page, run id)."""
    require_chromium()
    home = tmp_path / "runs"
    run_id = climbing_run(RunStore(home), y_test)
    with dashboard(home, tmp_path / "dashboard.log") as url, chromium_page(viewport=(1280, 800)) as page:
        page.goto(f"{url}/train?run={run_id}")
        page.get_by_text("Test accuracy").first.wait_for(timeout=60_000)
        page.wait_for_function(CURVES_DRAWN_JS)
        yield page, run_id


@pytest.mark.browser
def test_the_accuracy_axis_zooms_to_the_data_and_keeps_the_reference_lines(tmp_path, mnist):
    with climbing_run_on_train(tmp_path, mnist.y_test) as (page, _):
        low, high = page.evaluate(ACCURACY_RANGE_JS)
        page.locator(".js-plotly-plot").nth(1).screenshot(path=output_dir("train") / "accuracy-axis.png")
    assert 0.9 < low < 0.94  # the fake run's accuracies start at 93.3%
    assert high > 0.9983  # the best published single model's line is in view


BOTH_SVG_BUTTONS_JS = "() => document.querySelectorAll('.modebar-btn[data-title$=\"SVG\"]').length >= 2"
TOOLBAR_TITLES_JS = """() => [...document.querySelectorAll('.js-plotly-plot .modebar')]
    .map(bar => [...bar.querySelectorAll('.modebar-btn')].map(button => button.dataset.title))"""


def download(page, button) -> tuple[str, bytes]:
    with page.expect_download() as started:
        button.click()
    return started.value.suggested_filename, Path(started.value.path()).read_bytes()


@pytest.mark.browser
def test_every_chart_toolbar_downloads_png_and_svg(tmp_path, mnist):
    with climbing_run_on_train(tmp_path, mnist.y_test) as (page, run_id):
        page.wait_for_function(BOTH_SVG_BUTTONS_JS)
        toolbars = page.evaluate(TOOLBAR_TITLES_JS)
        curves = page.locator(".js-plotly-plot").nth(1)
        curves.hover()
        png_name, png = download(page, curves.get_by_role("button", name="Download plot as a PNG"))
        curves.hover()
        svg_name, svg = download(page, curves.get_by_role("button", name="Download plot as an SVG"))
    assert len(toolbars) == 2  # the layer diagram and the curves
    for titles in toolbars:
        camera = titles.index("Download plot as a PNG")
        assert titles[camera + 1] == "Download plot as an SVG"
    assert png_name == f"mnist-lab-curves_{run_id}.png" and png.startswith(b"\x89PNG")
    assert svg_name == f"mnist-lab-curves_{run_id}.svg"
    assert svg.startswith(b"<svg") and b"validation" in svg


IN_VIEW_WITHIN_10_S = """card => new Promise(resolve => {
  const check = () => {
    const box = card.getBoundingClientRect();
    if (box.top >= 0 && box.bottom <= innerHeight) resolve(true); else requestAnimationFrame(check);
  };
  check();
  setTimeout(() => resolve(false), 10000);
})"""


@pytest.mark.browser
def test_after_train_the_new_run_is_in_view(tmp_path, small_npz, monkeypatch):
    require_chromium()
    monkeypatch.setenv("MNIST_LAB_DATA", str(small_npz))  # the trainer inherits the dashboard's env
    monkeypatch.setenv("MNIST_LAB_THREADS", "1")
    with dashboard(tmp_path / "runs", tmp_path / "dashboard.log") as url, \
            chromium_page(viewport=(1280, 800)) as page:
        page.goto(url)
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Train").click()
        page.get_by_text("FLOPs per image").wait_for(timeout=60_000)
        subset = page.get_by_label("Images per class (0: all)", exact=True)
        subset.fill("10")
        subset.press("Enter")
        page.get_by_text("10 images per class").first.wait_for()
        train = page.get_by_role("button", name="Train", exact=True)
        # As a user finds it: scrolled down through the layer table until Train shows at the bottom.
        train.evaluate("button => button.scrollIntoView({block: 'end'})")
        train.click()
        card = page.get_by_text(re.compile(r"^lenet5 · (queued|running|completed) · "))
        card.first.wait_for(timeout=60_000)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')")
        # The page scrolls to the card after its rerun; on a busy machine that lands a moment later.
        in_view = card.first.evaluate(IN_VIEW_WITHIN_10_S)
        page.screenshot(path=output_dir("train") / "after-train.png")
    assert in_view


def parameters(page) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text="Parameters")
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


@pytest.mark.browser
def test_a_train_page_link_opens_the_same_network_in_a_fresh_browser(tmp_path):
    require_chromium()
    with dashboard(tmp_path / "runs", tmp_path / "dashboard.log") as url:
        with chromium_page(viewport=(1280, 800)) as page:
            page.goto(url)
            page.get_by_test_id("stSidebarNav").get_by_role("link", name="Train").click()
            page.get_by_text("FLOPs per image").wait_for(timeout=60_000)
            kernel = page.get_by_label("Kernel", exact=True).filter(visible=True).first
            kernel.fill("3")
            kernel.press("Enter")
            page.get_by_text("6@3x3 same, relu").wait_for(state="attached")
            epochs = page.get_by_label("Epochs", exact=True)
            epochs.fill("4")
            epochs.press("Enter")
            page.get_by_text("4 epochs in batches of 32").wait_for()
            page.wait_for_function("() => location.search.includes('config=')")
            link, shared = page.url, parameters(page)
        with chromium_page(viewport=(1280, 800)) as fresh:  # a new profile: nothing but the link
            fresh.goto(link)
            fresh.get_by_text("6@3x3 same, relu").wait_for(state="attached", timeout=60_000)
            fresh.get_by_text("4 epochs in batches of 32").wait_for()
            assert parameters(fresh) == shared != "61,706"
            assert fresh.get_by_label("Kernel", exact=True).filter(visible=True).first.input_value() == "3"
            fresh.screenshot(path=output_dir("train") / "from-a-link.png")
