"""In real Chromium at 1280x800: the Train page around its runs (a finished run's chart)."""

from __future__ import annotations

import pytest

from mnist_lab.store import RunStore
from tests.browser import chromium_page, dashboard, output_dir, require_chromium
from tests.fakes import seed_run

# The curves are the chart with a second y axis (the layer diagram above has one).
ACCURACY_RANGE_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .map(chart => chart._fullLayout.yaxis2).find(axis => axis !== undefined).range"""


def climbing_run(store: RunStore, y_test) -> str:
    """A finished run whose first batches read 20-60% accuracy, as real runs do."""
    run_id = seed_run(store, y_test, name="climbing")
    for step, progress, accuracy in ((5, 0.05, 0.2), (20, 0.2, 0.6)):
        store.log_metrics(run_id, "batch", 1, step, progress * 2, {
            "loss": 2.0, "accuracy": accuracy, "epoch_progress": progress})
    return run_id


@pytest.mark.browser
def test_the_accuracy_axis_zooms_to_the_data_and_keeps_the_reference_lines(tmp_path, mnist):
    require_chromium()
    home = tmp_path / "runs"
    run_id = climbing_run(RunStore(home), mnist.y_test)
    with dashboard(home, tmp_path / "dashboard.log") as url, chromium_page(viewport=(1280, 800)) as page:
        page.goto(f"{url}/train?run={run_id}")
        page.get_by_text("Test accuracy").first.wait_for(timeout=60_000)
        page.locator(".js-plotly-plot .scatterlayer .trace").first.wait_for()
        low, high = page.evaluate(ACCURACY_RANGE_JS)
        page.locator(".js-plotly-plot").nth(1).screenshot(path=output_dir("train") / "accuracy-axis.png")
    assert 0.9 < low < 0.94  # the fake run's accuracies start at 93.3%
    assert high > 0.9983  # the best published single model's line is in view
