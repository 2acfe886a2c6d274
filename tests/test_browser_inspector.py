"""In real Chromium: draw digits on the Inspector's canvas and see a trained run read them."""

from __future__ import annotations

import math

import pytest

from mnist_lab.cli import main
from mnist_lab.store import RunStore
from tests.browser import chromium_page, dashboard, output_dir, require_chromium


def stroke(page, points):
    """Draw one stroke through canvas-relative points with the mouse held down."""
    box = page.locator("canvas.upper-canvas").bounding_box()
    first, *rest = [(box["x"] + x, box["y"] + y) for x, y in points]
    page.mouse.move(*first)
    page.mouse.down()
    for x, y in rest:
        page.mouse.move(x, y, steps=4)
    page.mouse.up()


def prediction(page) -> str:
    """The digit shown under "Prediction" in the Your digit tab."""
    panel = page.get_by_role("tabpanel", name="Your digit")
    metric = panel.get_by_test_id("stMetric").filter(has_text="Prediction")
    metric.wait_for()
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


@pytest.mark.browser
def test_drawn_digits_are_read_by_a_trained_run(tmp_path, monkeypatch):
    require_chromium()
    monkeypatch.delenv("MNIST_LAB_DATA", raising=False)
    home = tmp_path / "runs"
    # 300 images per class, 3 epochs: a LeNet-5 at about 95% test accuracy in seconds.
    assert main(["--home", str(home), "train", "--preset", "lenet5", "--subset", "300",
                 "--epochs", "3"]) == 0
    run = RunStore(home).list()[0]
    assert run.summary["test_accuracy"] > 0.9
    with dashboard(home, tmp_path / "dashboard.log") as url, chromium_page() as page:
        page.goto(f"{url}/inspector?run={run.id}")
        page.get_by_role("tab", name="Your digit").click()
        page.locator("canvas.upper-canvas").wait_for()

        stroke(page, [(140, 40), (140, 140), (140, 240)])  # a one: a single upright stroke
        assert prediction(page) == "1"
        page.screenshot(path=output_dir("inspector") / "drawn-1.png", full_page=True)

        page.reload()  # a new session: an empty canvas
        page.get_by_role("tab", name="Your digit").click()
        page.locator("canvas.upper-canvas").wait_for()
        circle = [(140 + 70 * math.sin(step / 20 * 2 * math.pi), 140 - 95 * math.cos(step / 20 * 2 * math.pi))
                  for step in range(21)]
        stroke(page, circle)  # a zero: one closed oval
        assert prediction(page) == "0"
        page.screenshot(path=output_dir("inspector") / "drawn-0.png", full_page=True)
