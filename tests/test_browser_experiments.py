"""End to end in Chromium: a quick built-in study started from the Experiments page, watched
until its table, plots and conclusion fill in."""

from __future__ import annotations

import re

import pytest

from mnist_lab.store import RunStore
from mnist_lab.sweeps.study import TrialState, trials
from tests.browser import chromium_page, dashboard, output_dir, require_chromium


@pytest.mark.browser
def test_a_quick_study_fills_in_live(tmp_path, small_npz, monkeypatch):
    require_chromium()
    monkeypatch.setenv("MNIST_LAB_DATA", str(small_npz))  # the driver and trainers inherit it
    monkeypatch.setenv("MNIST_LAB_THREADS", "1")
    screenshots = output_dir("experiments")
    home = tmp_path / "runs"
    with dashboard(home, tmp_path / "dashboard.log") as url, chromium_page(viewport=(1280, 800)) as page:
        page.goto(f"{url}/experiments")
        page.get_by_text("The tutorial's studies").wait_for()
        row = page.get_by_test_id("stHorizontalBlock").filter(has_text="pooling-vs-stride:")
        row.get_by_role("button", name="Quick").click()

        # The status line names the study while it runs, then the first arm's numbers arrive.
        page.get_by_text(re.compile(r"pooling-vs-stride-quick · running")).wait_for(timeout=60_000)
        page.get_by_test_id("stDataFrame").first.wait_for(timeout=240_000)
        page.locator(".js-plotly-plot").first.wait_for()
        page.screenshot(path=str(screenshots / "filling.png"))

        # All 6 trials done: the conclusion compares the two arms.
        page.get_by_text(re.compile(r"pooling-vs-stride-quick · idle · 6 done")).wait_for(timeout=300_000)
        page.get_by_text(re.compile(r"scores best: .* points ahead of")).wait_for()
        page.screenshot(path=str(screenshots / "done.png"), full_page=True)
    found = trials(RunStore(home), "pooling-vs-stride-quick")
    assert sorted((t.point["blocks.downsample"], t.seed) for t in found if t.state is TrialState.DONE) == [
        ("max", 0), ("max", 1), ("max", 2), ("strided", 0), ("strided", 1), ("strided", 2)]
